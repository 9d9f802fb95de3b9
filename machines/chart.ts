/**
 * What every chart shares: the one reused actor scope its transitions run in (xstate's pure
 * `machine.transition(snapshot, event, scope)`; building a scope per step would create an
 * actor and a system each time), and the outcome a transition records in context: the call's
 * expected return and the armed faults the path used up. The outcome is the answer to the
 * last event, not state: keys and views leave it out.
 */
import { type AnyActorScope, createEmptyActor } from 'xstate';
import type { FaultOp } from '../spec/calls.js';
import type { SpecRet } from '../spec/model.js';

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

/**
 * A chart compiled lazily into a flat transition table: snapshots are interned by content (so a
 * chart has as many snapshot objects as distinct states), and each (snapshot, event) pair is
 * computed by xstate once. `contentKey` must cover the value and every context field but the
 * outcome; it is also the chart's part of the spec state's key.
 */
export class Chart<S extends object, E> {
  private readonly canon = new Map<string, S>();
  private readonly keys = new WeakMap<S, string>();
  private readonly memo = new WeakMap<S, Map<string, Fired<S>>>();

  constructor(
    private readonly machine: Transitions<S, E>,
    private readonly contentKey: (s: S) => string,
  ) {}

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
    const ek = JSON.stringify(event);
    let table = this.memo.get(s);
    if (table === undefined) {
      table = new Map();
      this.memo.set(s, table);
    }
    let f = table.get(ek);
    if (f === undefined) {
      const outcome = fire(this.machine, s, event);
      f = { next: this.intern(outcome), outcome };
      table.set(ek, f);
    }
    return f;
  }
}
