/**
 * A statechart compiled into a flat transition function. The machine's state-node tree is
 * enumerated into its finite set of configurations; for each configuration and event type the
 * compiler lists the candidate transitions in xstate's order, each with its guard compiled to a
 * predicate and its microstep planned (exit, transition and entry actions compiled to context
 * updates, and the configuration it lands in). A step is then: find the first enabled candidate,
 * apply its updates, and take eventless transitions until none is enabled (or one changes
 * nothing), exactly as xstate's macrostep does, without the interpreter.
 *
 * What it supports: atomic, compound and parallel states; named, inline and parameterised
 * guards, with xstate's and/or/not/stateIn; assign actions (named or inline, function or
 * property assigners, params) as transition, entry, exit and initial actions; targeted,
 * multi-target, '#id' and targetless transitions, reenter; `always` transitions. Anything else
 * (history and final states, invoke, after, onDone, wildcard descriptors, non-assign actions,
 * events handled in several parallel regions at once, eventless transitions in several regions)
 * makes compileMachine throw UnsupportedFeature. The tests check the result against
 * machine.transition on every chart edge of every built-in scenario.
 *
 * Snapshots it returns are xstate machine snapshots: one template per configuration (built by
 * machine.resolveState once, at compile time; compile/snapshot.ts) copied with the new context,
 * so `value`, `matches()`, `_nodes` and the rest read as xstate's do and xstate can step them.
 */
import type {
  AnyStateMachine,
  AnyStateNode,
  EventFromLogic,
  SnapshotFrom,
  StateValue,
} from 'xstate';
import { compileAction, type Update } from './actions.js';
import { compileGuard, type GuardEnv, type Predicate } from './guards.js';
import { planStep } from './microstep.js';
import { alwaysChain, eventChain } from './select.js';
import { templateSnapshot } from './snapshot.js';
import { allNodes, checkTree, configurations, nodesKey, UnsupportedFeature } from './tree.js';

export { UnsupportedFeature } from './tree.js';

/** A machine's pure transition function, compiled. */
export interface CompiledMachine<S, E> {
  readonly id: string;
  /** What machine.transition(snapshot, event, scope) returns, computed without xstate. */
  transition(snapshot: S, event: E): S;
}

/** A candidate transition in one configuration: its guard and its planned microstep. */
interface Candidate {
  readonly guard: Predicate | null;
  /** The configuration after the microstep. */
  readonly next: number;
  readonly updates: readonly Update[];
  /** Same configuration and no action: xstate's microstep returns the very same snapshot. */
  readonly noop: boolean;
}

/** The most eventless microsteps one macrostep may take before it is deemed a livelock. */
const MAX_EVENTLESS = 1000;

interface MachineSnapshotShape {
  readonly value: StateValue;
  readonly context: object;
}

const compiled = new WeakMap<AnyStateMachine, CompiledMachine<unknown, unknown>>();

/**
 * Compile `machine` (what `setup(...).createMachine(...)` returns); memoised per machine. Throws
 * UnsupportedFeature for anything the flat function could not compute exactly as xstate does.
 */
export function compileMachine<M extends AnyStateMachine>(
  machine: M,
): CompiledMachine<SnapshotFrom<M>, EventFromLogic<M>> {
  let c = compiled.get(machine);
  if (c === undefined) {
    c = build(machine);
    compiled.set(machine, c);
  }
  // The compiled function maps xstate snapshots of this machine to xstate snapshots of it.
  return c as CompiledMachine<SnapshotFrom<M>, EventFromLogic<M>>;
}

function build(machine: AnyStateMachine): CompiledMachine<unknown, unknown> {
  const id = machine.id;
  const root: AnyStateNode = machine.root;
  checkTree(id, root);
  const cfgs = configurations(root);
  const index = new Map<string, number>(cfgs.map((cfg, i) => [nodesKey(cfg.nodes), i]));
  const implementations = machine.implementations as {
    readonly guards: Readonly<Record<string, unknown>>;
    readonly actions: Readonly<Record<string, unknown>>;
  };
  const env: GuardEnv = {
    machineId: id,
    guards: implementations.guards,
    configurations: cfgs,
    hasNode: (stateId) => {
      const node = machine.getStateNodeById(stateId) as AnyStateNode;
      return cfgs.map((cfg) => cfg.nodes.has(node));
    },
  };

  // Guards and actions compiled once per transition definition / action object.
  const guards = new Map<unknown, Predicate>();
  const guardOf = (g: unknown): Predicate | null => {
    if (g === undefined) return null;
    let p = guards.get(g);
    if (p === undefined) {
      p = compileGuard(env, g);
      guards.set(g, p);
    }
    return p;
  };
  const updates = new Map<unknown, Update>();
  const updateOf = (a: unknown): Update => {
    let u = updates.get(a);
    if (u === undefined) {
      u = compileAction(id, implementations.actions, a);
      updates.set(a, u);
    }
    return u;
  };
  for (const n of allNodes(root)) [...n.entry, ...n.exit].forEach(updateOf);

  const candidates = (cfgIndex: number, chain: readonly unknown[]): Candidate[] =>
    chain.map((tUnknown) => {
      const t = tUnknown as Parameters<typeof planStep>[0];
      const step = planStep(t, cfgs[cfgIndex].nodes);
      const next = index.get(nodesKey(step.nodes));
      if (next === undefined)
        throw new UnsupportedFeature(
          id,
          `transition from #${t.source.id} leads to no valid configuration`,
        );
      return {
        guard: guardOf(t.guard),
        next,
        updates: step.actions.map(updateOf),
        noop: next === cfgIndex && step.actions.length === 0,
      };
    });

  const eventTypes = new Set<string>();
  for (const n of allNodes(root)) for (const k of n.transitions.keys()) eventTypes.add(k);
  const onEvent: Map<string, readonly Candidate[]>[] = cfgs.map((cfg, i) => {
    const table = new Map<string, readonly Candidate[]>();
    for (const type of eventTypes) {
      const chain = eventChain(id, root, cfg, type);
      if (chain.length > 0) table.set(type, candidates(i, chain));
    }
    return table;
  });
  const onAlways: (readonly Candidate[])[] = cfgs.map((cfg, i) =>
    candidates(i, alwaysChain(id, cfg)),
  );

  // One real xstate snapshot per configuration: the template every result is copied from.
  const templates = cfgs.map((cfg) => templateSnapshot(machine, cfg.value)) as {
    readonly value: StateValue;
  }[];
  const byValue = new WeakMap<object, number>();
  const byText = new Map<string, number>();
  templates.forEach((t, i) => {
    const v: StateValue = t.value;
    if (typeof v === 'object') byValue.set(v, i);
    byText.set(JSON.stringify(canonicalValue(root, v)), i);
  });
  const configurationOf = (value: StateValue): number => {
    const known = typeof value === 'object' ? byValue.get(value) : undefined;
    if (known !== undefined) return known;
    const i = byText.get(JSON.stringify(canonicalValue(root, value)));
    if (i === undefined)
      throw new Error(`compiled ${id}: state value ${JSON.stringify(value)} is no configuration`);
    if (typeof value === 'object') byValue.set(value, i);
    return i;
  };

  const first = (cs: readonly Candidate[] | undefined, ctx: object, ev: object, cfg: number) => {
    if (cs === undefined) return undefined;
    for (const c of cs) if (c.guard === null || c.guard(ctx, ev, cfg)) return c;
    return undefined;
  };
  const apply = (c: Candidate, ctx: object, ev: object): object => {
    for (const u of c.updates) ctx = u(ctx, ev);
    return ctx;
  };

  return {
    id,
    transition(snapshot, event) {
      const s = snapshot as MachineSnapshotShape;
      const ev = event as { readonly type: string };
      let cfg = configurationOf(s.value);
      let ctx = s.context;
      let changed = false;
      const taken = first(onEvent[cfg].get(ev.type), ctx, ev, cfg);
      if (taken !== undefined && !taken.noop) {
        ctx = apply(taken, ctx, ev);
        cfg = taken.next;
        changed = true;
      }
      for (let i = 0; ; i++) {
        if (i >= MAX_EVENTLESS)
          throw new Error(`compiled ${id}: eventless transitions do not settle on ${ev.type}`);
        const c = first(onAlways[cfg], ctx, ev, cfg);
        if (c === undefined || c.noop) break;
        ctx = apply(c, ctx, ev);
        cfg = c.next;
        changed = true;
      }
      return changed ? { ...templates[cfg], context: ctx } : snapshot;
    },
  };
}

/** A state value rewritten with its keys in document order (for lookup by content). */
function canonicalValue(node: AnyStateNode, value: StateValue): StateValue {
  if (typeof value === 'string') return value;
  const out: Record<string, StateValue> = {};
  for (const [key, child] of Object.entries(node.states as Record<string, AnyStateNode>))
    if (key in value) out[key] = canonicalValue(child, value[key] as StateValue);
  return out;
}
