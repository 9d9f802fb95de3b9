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

export const NO_OUTCOME: Outcome = { ret: 0, consumed: [] };

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
