/**
 * Guards compiled to plain predicates over (context, event, configuration), mirroring xstate's
 * evaluateGuard: named guards resolve through machine.implementations.guards (a name bound to a
 * non-function guard resolves again), inline functions are called with ({ context, event },
 * params), and the built-in higher-order guards `and`, `or`, `not` and `stateIn` are recognised
 * by their `check` function. `stateIn` depends only on the configuration, so it is tabulated.
 */
import { and, matchesState, not, or, type StateValue, stateIn } from 'xstate';
import { type Configuration, UnsupportedFeature } from './tree.js';

/** A compiled guard: the context and event at evaluation, and the configuration's index. */
export type Predicate = (context: object, event: object, cfg: number) => boolean;

/** What a compiled guard may look up: the machine's guard implementations and configurations. */
export interface GuardEnv {
  readonly machineId: string;
  readonly guards: Readonly<Record<string, unknown>>;
  readonly configurations: readonly Configuration[];
  /** Per configuration: whether the node `stateId` ('#id', xstate's getStateNodeById) is active. */
  readonly hasNode: (stateId: string) => readonly boolean[];
}

/** The `check` functions of xstate's built-in guards (module-level functions, shared by all). */
const CHECK_AND = checkOf(and([]));
const CHECK_OR = checkOf(or([]));
const CHECK_NOT = checkOf(not(() => true));
const CHECK_STATE_IN = checkOf(stateIn('x'));

function checkOf(guard: unknown): unknown {
  return (guard as { readonly check?: unknown }).check;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

type GuardFn = (args: { context: object; event: object }, params: unknown) => boolean;

/** A guard's params as evaluateGuard resolves them: static, or computed from context and event. */
function paramsOf(guard: unknown): (context: object, event: object) => unknown {
  if (!isRecord(guard) || !('params' in guard)) return () => undefined;
  const p = guard.params;
  if (typeof p === 'function') return (context, event) => p({ context, event });
  return () => p;
}

/** Compile one guard (as it appears in a transition or inside and/or/not). */
export function compileGuard(env: GuardEnv, guard: unknown): Predicate {
  const fail = (what: string): never => {
    throw new UnsupportedFeature(env.machineId, what);
  };
  if (typeof guard === 'function') {
    if ('check' in guard) return compileBuiltin(env, guard);
    const fn = guard as GuardFn;
    return (context, event) => fn({ context, event }, undefined);
  }
  const name =
    typeof guard === 'string'
      ? guard
      : isRecord(guard) && typeof guard.type === 'string'
        ? guard.type
        : fail(`guard ${String(guard)}`);
  const resolved = env.guards[name];
  if (resolved === undefined) return fail(`guard '${name}' is not implemented`);
  if (typeof resolved !== 'function') return compileGuard(env, resolved);
  if ('check' in resolved) return compileBuiltin(env, resolved);
  const fn = resolved as GuardFn;
  const params = paramsOf(typeof guard === 'string' ? undefined : guard);
  return (context, event) => fn({ context, event }, params(context, event));
}

/** and/or/not/stateIn; any other built-in guard is refused. */
function compileBuiltin(env: GuardEnv, builtin: object): Predicate {
  const b = builtin as { readonly check: unknown; readonly guards?: readonly unknown[] };
  const subs = () => (b.guards ?? []).map((g) => compileGuard(env, g));
  if (b.check === CHECK_AND) {
    const gs = subs();
    return (c, e, cfg) => gs.every((g) => g(c, e, cfg));
  }
  if (b.check === CHECK_OR) {
    const gs = subs();
    return (c, e, cfg) => gs.some((g) => g(c, e, cfg));
  }
  if (b.check === CHECK_NOT) {
    const [g] = subs();
    return (c, e, cfg) => !g(c, e, cfg);
  }
  if (b.check === CHECK_STATE_IN) {
    const sv = (builtin as { readonly stateValue: StateValue }).stateValue;
    const table =
      typeof sv === 'string' && sv.startsWith('#')
        ? env.hasNode(sv)
        : env.configurations.map((cfg) => matchesState(sv, cfg.value));
    return (_c, _e, cfg) => table[cfg];
  }
  throw new UnsupportedFeature(env.machineId, 'a built-in guard other than and/or/not/stateIn');
}
