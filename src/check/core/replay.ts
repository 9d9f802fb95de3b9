/**
 * Replaying a trace: each step resolved, run through the lockstep step, compared with its
 * `expect`. Stops at the first mismatch, divergence or broken invariant.
 */
import { CALLS } from '../../../spec/calls.js';
import { formatRet } from '../../../spec/errno.js';
import type { KernelEvent, KernelRet } from '../../../spec/events.js';
import { inputError, type Parsed } from '../../../spec/input-error.js';
import type { Scenario } from '../../../spec/scenario.js';
import type { TraceStep } from '../../../spec/trace.js';
import { cloneKernelState } from '../../kernel/state.js';
import { NO_DOMAIN } from '../../kernel/types.js';
import { bootEmulator, resolveDomain, type UserDomains } from './emulator.js';
import {
  createLockstep,
  type Lockstep,
  type LockstepOptions,
  type ProductState,
} from './lockstep.js';
import { bindReturn, newTraceNames, resolveStep } from './trace-names.js';

export interface ReplayStep {
  readonly index: number;
  readonly call: string;
  readonly ret: KernelRet;
  readonly expect?: KernelRet;
  readonly warnings: readonly string[];
}

export type ReplayOutcome =
  | { readonly result: 'pass' }
  | {
      readonly result: 'mismatch';
      readonly index: number;
      readonly expected: KernelRet;
      readonly actual: KernelRet;
    }
  | { readonly result: 'divergence'; readonly index: number; readonly message: string }
  | {
      readonly result: 'violation';
      readonly index: number;
      readonly invariant: string;
      readonly citation: string;
      readonly message: string;
    };

export interface ReplayResult {
  readonly steps: readonly ReplayStep[];
  readonly outcome: ReplayOutcome;
}

const NULL_OK = new Set(['iommu_group_replace_domain']);

export function replayTrace(
  scenario: Scenario,
  steps: readonly TraceStep[],
  options: LockstepOptions = {},
): Parsed<ReplayResult> {
  const emu = bootEmulator(scenario, options);
  const ls: Lockstep = createLockstep(scenario, emu, options);
  let state: ProductState = ls.initial;
  const names = newTraceNames();
  const out: ReplayStep[] = [];
  const boot = ls.check(state);
  if (boot !== null) {
    return {
      ok: true,
      value: { steps: out, outcome: { result: 'violation', index: -1, ...boot } },
    };
  }
  for (const step of steps) {
    const r = resolveStep(step, scenario, names, state.emu);
    if (!r.ok) return r;
    const ev: KernelEvent = r.value;
    if (ev.domain !== undefined && !NULL_OK.has(step.call)) {
      const id = resolveDomain(state.emu, state.users, ev);
      if (id === NO_DOMAIN || state.emu.domains[id] === null) {
        return inputError(
          `step ${step.index} (${step.call}).domain`,
          `"${step.args.domain}" is NULL here (no such domain at this point of the trace)`,
        );
      }
    }
    const before = state.emu.warnings.length;
    const res = ls.step(state, ev);
    const bound = bindReturn(step, ev, res.emuRet, names, res.next.emu, res.next.users);
    if (!bound.ok) return bound;
    const ret = bound.value;
    out.push({
      index: step.index,
      call: step.call,
      ret,
      expect: step.expect,
      warnings: res.next.emu.warnings.slice(before),
    });
    if (res.divergence !== null) {
      return {
        ok: true,
        value: {
          steps: out,
          outcome: { result: 'divergence', index: step.index, message: res.divergence },
        },
      };
    }
    if (res.violation !== null) {
      return {
        ok: true,
        value: {
          steps: out,
          outcome: { result: 'violation', index: step.index, ...res.violation },
        },
      };
    }
    if (step.expect !== undefined && !retEquals(step.expect, ret)) {
      return {
        ok: true,
        value: {
          steps: out,
          outcome: { result: 'mismatch', index: step.index, expected: step.expect, actual: ret },
        },
      };
    }
    state = res.next;
  }
  return { ok: true, value: { steps: out, outcome: { result: 'pass' } } };
}

function retEquals(a: KernelRet, b: KernelRet): boolean {
  return a === b;
}

export function describeStep(s: ReplayStep): string {
  const spec = CALLS[s.call as keyof typeof CALLS];
  return `${s.call}${spec ? '' : '?'} = ${formatRet(s.ret)}`;
}

export { cloneKernelState, type UserDomains };
