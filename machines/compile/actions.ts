/**
 * Actions compiled to context updates, mirroring xstate's resolveAndExecuteActionsWithContext
 * and resolveAssign: a named action resolves through machine.implementations.actions, params
 * come from the action object (static or computed), and an `assign` merges its partial update
 * into a fresh context object (a function assignment, or an object of property assigners and
 * plain values). Every other action is refused: under the pure transition an action without
 * `resolve` is only handed to the (inert) executor, and other built-ins (raise, sendTo, spawn,
 * enqueueActions, ...) would need the interpreter.
 */
import { assign } from 'xstate';
import { SCOPE } from '../runtime/chart.js';
import { UnsupportedFeature } from './tree.js';

/** A compiled action: the context after it, given the context before and the event. */
export type Update = (context: object, event: object) => object;

/** The `resolve` of xstate's assign (a module-level function, shared by every assign action). */
const RESOLVE_ASSIGN = (assign({}) as unknown as { readonly resolve: unknown }).resolve;

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

type Assigner = (args: AssignArgs, params: unknown) => unknown;

interface AssignArgs {
  readonly context: object;
  readonly event: object;
  readonly spawn: () => never;
  readonly self: typeof SCOPE.self;
  readonly system: typeof SCOPE.system;
}

const noSpawn = (): never => {
  throw new Error('compiled chart: spawn inside assign is not supported');
};

/** Compile one action as it appears in a transition's or a state's action list. */
export function compileAction(
  machineId: string,
  actions: Readonly<Record<string, unknown>>,
  action: unknown,
): Update {
  const fail = (what: string): never => {
    throw new UnsupportedFeature(machineId, what);
  };
  const inline = typeof action === 'function';
  const name =
    typeof action === 'string'
      ? action
      : isRecord(action) && typeof action.type === 'string'
        ? action.type
        : undefined;
  const resolved = inline ? action : name === undefined ? undefined : actions[name];
  const label = name ?? (inline ? action.name || '(anonymous)' : String(action));
  if (resolved === undefined || resolved === null)
    return fail(`action '${label}' is not implemented`);
  if (typeof resolved !== 'function' || !('resolve' in resolved))
    return fail(`action '${label}' (only assign actions are compiled)`);
  const builtin = resolved as { readonly resolve: unknown; readonly assignment?: unknown };
  if (builtin.resolve !== RESOLVE_ASSIGN) return fail(`built-in action '${label}' (not assign)`);
  const params: (context: object, event: object) => unknown =
    inline || !isRecord(action) || !('params' in action)
      ? () => undefined
      : typeof action.params === 'function'
        ? (context, event) => (action.params as (a: object) => unknown)({ context, event })
        : () => action.params;
  const args = (context: object, event: object): AssignArgs => ({
    context,
    event,
    spawn: noSpawn,
    self: SCOPE.self,
    system: SCOPE.system,
  });
  const assignment = builtin.assignment;
  if (typeof assignment === 'function') {
    const fn = assignment as Assigner;
    return (context, event) =>
      Object.assign({}, context, fn(args(context, event), params(context, event)));
  }
  if (!isRecord(assignment)) return fail(`assign of ${String(assignment)} in '${label}'`);
  const entries = Object.entries(assignment);
  return (context, event) => {
    const a = args(context, event);
    const p = params(context, event);
    const partial: Record<string, unknown> = {};
    for (const [k, v] of entries) partial[k] = typeof v === 'function' ? (v as Assigner)(a, p) : v;
    return Object.assign({}, context, partial);
  };
}
