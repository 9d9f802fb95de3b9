/**
 * What every chart shares: the one reused actor scope its transitions run in (xstate's pure
 * `machine.transition(snapshot, event, scope)`; building a scope per step would create an
 * actor and a system each time), and the outcome a transition records in context: the call's
 * expected return and the armed faults the path used up. The outcome is the answer to the
 * last event, not state: keys and views leave it out.
 */
import { type AnyActorScope, type AnyTransitionDefinition, createEmptyActor } from 'xstate';
import type { FaultOp } from '../../spec/calls.js';
import type { SpecRet } from '../../spec/model.js';

export interface Outcome {
  /** The return of the last call this chart answered. */
  readonly ret: SpecRet;
  /** The armed driver-op faults that call consumed (fault_inject). */
  readonly consumed: readonly FaultOp[];
}

const empty = createEmptyActor();

/** The actor scope every chart transition runs in: no actor, no system, no side effects. */
export const SCOPE: AnyActorScope = {
  self: empty,
  logger: () => {},
  id: '',
  sessionId: '',
  defer: () => {},
  system: empty.system,
  stopChild: () => {},
  emit: () => {},
  actionExecutor: () => {},
};

/** A machine seen only through its pure transition function. */
export interface Transitions<S, E> {
  transition(snapshot: S, event: E, scope: AnyActorScope): S;
}

/** One macrostep of a chart. Every chart answers every event it receives with a recorded outcome. */
export function fire<S, E>(machine: Transitions<S, E>, snapshot: S, event: E): S {
  return machine.transition(snapshot, event, SCOPE);
}

/** A transition's result: the canonical next snapshot, and the fresh one carrying the outcome. */
export interface Fired<S> {
  readonly next: S;
  readonly outcome: S;
}

export interface ChartOptions<S, E> {
  /** Test hook: told of every (snapshot, event) pair the chart computes (memo misses). */
  readonly onEvaluate?: (snapshot: S, event: E) => void;
}

/** A snapshot's row of a memo table (event key to answer), made on first use. */
function rowOf<S extends object, V>(memo: WeakMap<S, Map<string, V>>, s: S): Map<string, V> {
  let row = memo.get(s);
  if (row === undefined) {
    row = new Map();
    memo.set(s, row);
  }
  return row;
}

/**
 * A chart memoised into a transition table: snapshots are interned by content (so a chart has
 * as many snapshot objects as distinct states), and each (snapshot, event) pair is computed once,
 * by `machine`: the chart compiled to a flat function (machines/compile/index.ts) by default, or
 * xstate's interpreter. `contentKey` must cover the value and every context field but the
 * outcome; it is also the chart's part of the spec state's key.
 */
export class Chart<S extends object, E> {
  private readonly canon = new Map<string, S>();
  private readonly keys = new WeakMap<S, string>();
  private readonly memo = new WeakMap<S, Map<string, Fired<S>>>();

  private readonly onEvaluate?: (snapshot: S, event: E) => void;

  constructor(
    protected readonly machine: Transitions<S, E>,
    private readonly contentKey: (s: S) => string,
    options: ChartOptions<S, E> = {},
  ) {
    this.onEvaluate = options.onEvaluate;
  }

  /** The canonical snapshot equal to `s`. */
  intern(s: S): S {
    const k = this.keys.get(s) ?? this.contentKey(s);
    const c = this.canon.get(k);
    if (c !== undefined) return c;
    this.canon.set(k, s);
    this.keys.set(s, k);
    return s;
  }

  key(s: S): string {
    return this.keys.get(s) ?? this.contentKey(s);
  }

  fire(s: S, event: E): Fired<S> {
    return this.fireKeyed(s, event, JSON.stringify(event));
  }

  /** fire, with the event's memo key already written. */
  protected fireKeyed(s: S, event: E, ek: string): Fired<S> {
    const table = rowOf(this.memo, s);
    let f = table.get(ek);
    if (f === undefined) {
      this.onEvaluate?.(s, event);
      const outcome = fire(this.machine, s, event);
      f = { next: this.intern(outcome), outcome };
      table.set(ek, f);
    }
    return f;
  }
}

/* Instrumentation (coverage): which chart transitions a fire took. Off the default path. */

/** The transitions one fire took, in microstep order: the event's, then eventless ones. */
export interface Taken {
  readonly transitions: readonly AnyTransitionDefinition[];
  /** The first time this chart computed this (snapshot, event) pair: a distinct evaluation. */
  readonly fresh: boolean;
}

/** Told of every fire of an observed chart, memoised or not. */
export type FireObserver<E> = (event: E, taken: Taken) => void;

/** xstate's microstep inspection event carries the transitions it took (xstate/src/stateUtils.ts macrostep). */
interface MicrostepInspection {
  readonly type: string;
  readonly _transitions?: readonly AnyTransitionDefinition[];
}

/**
 * A Chart that also records which transitions each fire took. The transitions come from xstate's
 * own `@xstate.microstep` inspection events, sent through the scope's system, so the recorded
 * transition objects are the machine's (machine.root's state nodes hold the same objects).
 * Memoised like Chart; the observer is called on every fire.
 */
export class ObservedChart<S extends object, E> extends Chart<S, E> {
  private readonly takenMemo = new WeakMap<S, Map<string, readonly AnyTransitionDefinition[]>>();
  private capture: AnyTransitionDefinition[] = [];
  private readonly scope: AnyActorScope;

  constructor(
    machine: Transitions<S, E>,
    contentKey: (s: S) => string,
    private readonly observer: FireObserver<E>,
  ) {
    super(machine, contentKey);
    // The inert system, with the (internal) inspection sink replaced by the capture.
    const system = Object.create(empty.system) as AnyActorScope['system'] & {
      _sendInspectionEvent(ev: MicrostepInspection): void;
    };
    system._sendInspectionEvent = (ev) => {
      if (ev.type === '@xstate.microstep' && ev._transitions !== undefined)
        this.capture.push(...ev._transitions);
    };
    this.scope = { ...SCOPE, system };
  }

  override fire(s: S, event: E): Fired<S> {
    const ek = JSON.stringify(event);
    const table = rowOf(this.takenMemo, s);
    let transitions = table.get(ek);
    const fresh = transitions === undefined;
    if (transitions === undefined) {
      this.capture = [];
      this.machine.transition(s, event, this.scope);
      transitions = this.capture;
      this.capture = [];
      table.set(ek, transitions);
    }
    const f = this.fireKeyed(s, event, ek);
    this.observer(event, { transitions, fresh });
    return f;
  }
}
