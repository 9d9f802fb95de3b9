import type { KernelEvent, KernelRet } from '../../../spec/events.js';
import { inputError, type Parsed } from '../../../spec/input-error.js';
import { ACTION_INVARIANTS } from '../../../spec/invariants/index.js';
import type { SpecModel } from '../../../spec/model.js';
import type { Scenario } from '../../../spec/scenario.js';
import type { TraceStep } from '../../../spec/trace.js';
import { cloneKernelState } from '../../kernel/state.js';
import { NO_DOMAIN } from '../../kernel/types.js';
import { abstractView } from './abstraction.js';
import { bootEmulator, resolveDomain, type UserDomains } from './emulator.js';
import {
  createLockstep,
  type Lockstep,
  type LockstepOptions,
  type ProductState,
  type StepResult,
  type Violation,
} from './lockstep.js';
import { bindReturn, newTraceNames, resolveStep, traceMmNames } from './trace-names.js';

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

/** A finding: what went wrong at one step (index -1: in the booted state). */
export type ReplayFinding = Exclude<ReplayOutcome, { readonly result: 'pass' }>;

export interface ReplayResult {
  readonly steps: readonly ReplayStep[];
  /** The first finding, or pass. */
  readonly outcome: ReplayOutcome;
  /** Every finding, in step order (only the first with stopAtFirst). */
  readonly findings: readonly ReplayFinding[];
}

export interface ReplayOptions extends LockstepOptions {
  /** Stop at the first finding (the replay otherwise runs to the end). */
  readonly stopAtFirst?: boolean;
  /** The spec for another scenario: used when the trace names more mms than the bounds. */
  readonly specFor?: (scenario: Scenario) => SpecModel;
}

const ACTION_IDS = new Set(ACTION_INVARIANTS.map((a) => a.id));

/**
 * The scenario a trace replays on: its bounds limit exploration, not replay, so it gets as many
 * mms as the trace names (each name takes the next slot in order of first use).
 */
export function replayScenario(scenario: Scenario, steps: readonly TraceStep[]): Scenario {
  const mms = traceMmNames(steps).length;
  if (mms <= scenario.bounds.mms) return scenario;
  return { ...scenario, bounds: { ...scenario.bounds, mms } };
}

const NULL_OK = new Set(['iommu_group_replace_domain']);

/** Told of the booted state and of every step replayed (the HTML report's per-step snapshots). */
export interface ReplayObserver {
  boot?(ls: Lockstep, state: ProductState): void;
  step?(step: ReplayStep, ev: KernelEvent, result: StepResult): void;
}

export function replayTrace(
  scenario: Scenario,
  steps: readonly TraceStep[],
  options: ReplayOptions = {},
  observer: ReplayObserver = {},
): Parsed<ReplayResult> {
  const stop = options.stopAtFirst ?? false;
  const sc = replayScenario(scenario, steps);
  // The spec is made for a scenario: rebuilt when the trace names more mms than its bounds.
  let spec = options.spec;
  if (sc !== scenario && spec) {
    if (options.specFor === undefined)
      return inputError(
        'trace.steps',
        `the trace names ${sc.bounds.mms} mms; replay it with a spec made for replayScenario()`,
      );
    spec = options.specFor(sc);
  }
  const lsOptions: LockstepOptions = { ...options, spec, allViolations: !stop };
  const emu = bootEmulator(sc, lsOptions);
  const ls: Lockstep = createLockstep(sc, emu, lsOptions);
  let state: ProductState = ls.initial;
  const names = newTraceNames(traceMmNames(steps));
  const out: ReplayStep[] = [];
  const findings: ReplayFinding[] = [];
  const done = (): Parsed<ReplayResult> => ({
    ok: true,
    value: { steps: out, outcome: findings[0] ?? { result: 'pass' }, findings },
  });
  observer.boot?.(ls, state);
  /** State invariants broken in the current state: reported once, when they start to fail. */
  let broken = new Set<string>();
  const report = (index: number, vs: readonly Violation[]): void => {
    const now = new Set<string>();
    for (const v of vs) {
      if (!ACTION_IDS.has(v.invariant)) {
        now.add(v.invariant);
        if (broken.has(v.invariant)) continue;
      }
      findings.push({ result: 'violation', index, ...v });
    }
    broken = now;
  };
  report(-1, stop ? [ls.check(state)].filter((v) => v !== null) : ls.checkAllOf(state));
  if (stop && findings.length > 0) return done();
  for (const step of steps) {
    const r = resolveStep(step, sc, names, state.emu);
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
    const bound = bindReturn(step, ev, res.emuRet, names, res.next.emu, res.next.users, sc);
    if (!bound.ok) return bound;
    const ret = bound.value;
    const replayed: ReplayStep = {
      index: step.index,
      call: step.call,
      ret,
      expect: step.expect,
      warnings: res.next.emu.warnings.slice(before),
    };
    out.push(replayed);
    observer.step?.(replayed, ev, res);
    const before_findings = findings.length;
    if (res.divergence !== null)
      findings.push({ result: 'divergence', index: step.index, message: res.divergence });
    // After a divergence the step checked no invariant: check the emulator's state now.
    report(step.index, res.divergence === null ? res.violations : ls.checkAllOf(res.next));
    if (step.expect !== undefined && !retEquals(step.expect, ret))
      findings.push({ result: 'mismatch', index: step.index, expected: step.expect, actual: ret });
    if (stop && findings.length > before_findings) {
      findings.splice(before_findings + 1);
      return done();
    }
    state = res.next;
    if (res.divergence !== null && spec?.resync !== undefined) {
      // The spec goes on from the emulator's state.
      const view = abstractView(ls.cfg, state.emu, state.users);
      state = { ...state, spec: spec.resync(state.spec, view) };
    }
  }
  return done();
}

function retEquals(a: KernelRet, b: KernelRet): boolean {
  return a === b;
}

export { cloneKernelState, type UserDomains };
