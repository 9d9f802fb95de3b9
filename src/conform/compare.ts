/**
 * The step-by-step comparison: the emulator's return for each step (the checker's own replay,
 * src/check/core/replay.ts, with the revision held to the real kernel) beside the real kernel's,
 * both in the form a caller sees. Pure.
 */
import type { DomainRef, KernelRet } from '../../spec/events.js';
import type { Parsed } from '../../spec/input-error.js';
import type { KernelRevision } from '../../spec/kernel-ref.js';
import { BUFFER_STRIDE_PFN, bufferPfn, PAGE_SHIFT } from '../../spec/layout.js';
import { groupNames, groupOfDevice, type Scenario } from '../../spec/scenario.js';
import type { TraceStep } from '../../spec/trace.js';
import type { UserDomains } from '../check/core/emulator.js';
import { replayTrace } from '../check/core/replay.js';
import { domainRefFor } from '../check/core/trace-names.js';
import type { KernelState } from '../kernel/types.js';
import type { AgentPlan, Unsupported } from './commands.js';
import { type ConformKernel, EMULATOR_REVISION, type Machine } from './machine.js';
import type { GuestOutput } from './protocol.js';

export interface EmulatorStep {
  readonly index: number;
  readonly call: string;
  readonly value: KernelRet;
  readonly warnings: readonly string[];
}

/** The scenario as the emulator runs it against a real kernel: that kernel's revision. */
export function scenarioForKernel(
  scenario: Scenario,
  kernel: ConformKernel,
  revision: KernelRevision = EMULATOR_REVISION[kernel],
): Scenario {
  return { ...scenario, kernel: { ...scenario.kernel, revision } };
}

const DOMAIN_CALLS = new Set(['iommu_paging_domain_alloc', 'iommu_get_domain_for_dev']);

/**
 * The emulator's returns, as a caller names them: a domain by its "as" name or as
 * default:<group> / blocking:<group>, a physical address as <buffer>+<offset>. The replay runs
 * without the spec and the invariants: conform compares returns, the checker judges the rest.
 */
export function emulatorReturns(
  scenario: Scenario,
  steps: readonly TraceStep[],
  kernel: ConformKernel,
  revision: KernelRevision = EMULATOR_REVISION[kernel],
): Parsed<EmulatorStep[]> {
  const sc = scenarioForKernel(scenario, kernel, revision);
  const groups = groupNames(sc);
  const slotNames = new Map<number, string>();
  const out: EmulatorStep[] = [];
  const plain = steps.map((s) => ({ ...s, expect: undefined }));
  const r = replayTrace(
    sc,
    plain,
    { spec: null, invariants: [] },
    {
      step(s, ev, res) {
        let value: KernelRet = s.ret;
        const raw = res.emuRet;
        if (DOMAIN_CALLS.has(s.call) && typeof raw === 'number') {
          const ref =
            raw >= 0 ? domainRef(sc, res.next.emu, res.next.users, raw, ev.dev) : undefined;
          if (raw >= 0 && ref === undefined) value = 'NULL';
          else if (ref?.kind === 'user') {
            const as = steps[s.index]?.as;
            if (s.call === 'iommu_paging_domain_alloc' && as !== undefined)
              slotNames.set(ref.slot, as);
            value = slotNames.get(ref.slot) ?? `d${ref.slot}`;
          } else if (ref !== undefined) value = `${ref.kind}:${groups[ref.group]}`;
        }
        if (s.call === 'iommu_iova_to_phys' && typeof value === 'number' && value > 0)
          value = physName(sc, value);
        out.push({ index: s.index, call: s.call, value, warnings: s.warnings });
      },
    },
  );
  if (!r.ok) return r;
  return { ok: true, value: out };
}

/**
 * How the agent names a domain (agent/agent.c reply_domain): a user domain by its slot, else the
 * default or blocking domain of the device's own group first (the static identity and blocked
 * domains are shared by every group, so the first group holding one is not the device's).
 */
function domainRef(
  sc: Scenario,
  st: KernelState,
  users: UserDomains,
  id: number,
  dev: number | undefined,
): DomainRef | undefined {
  if (users.includes(id) || dev === undefined) return domainRefFor(st, users, id);
  const g = groupOfDevice(sc, dev);
  if (st.groups[g].default_domain === id) return { kind: 'default', group: g };
  if (st.groups[g].blocking_domain === id) return { kind: 'blocking', group: g };
  return domainRefFor(st, users, id);
}

/** A physical address of the emulator's layout (spec/layout.ts) as <buffer>+<offset>. */
function physName(sc: Scenario, phys: number): KernelRet {
  for (let i = 0; i < sc.buffers.length; i++) {
    const base = bufferPfn(i) * 2 ** PAGE_SHIFT;
    if (phys >= base && phys < base + BUFFER_STRIDE_PFN * 2 ** PAGE_SHIFT)
      return `${sc.buffers[i].name}+${phys - base}`;
  }
  return phys;
}

export interface ConformStep {
  readonly index: number;
  readonly call: string;
  readonly emulator: KernelRet;
  readonly kernel: KernelRet;
  readonly match: boolean;
  /** WARN/BUG lines each side logged during the step (shown, not compared). */
  readonly emulatorWarnings?: readonly string[];
  readonly kernelWarnings?: readonly string[];
}

export interface ConformRun {
  readonly trace: string;
  readonly scenario: string;
  readonly kernel: ConformKernel;
  /** uname -r of the guest, null when it never booted. */
  readonly release: string | null;
  readonly revision: string;
  readonly steps: readonly ConformStep[];
  /** Steps (or, with index -1, the whole scenario) not run on the real kernel, and why. */
  readonly unsupported: readonly Unsupported[];
  /** The real kernel could not be driven through the trace (boot, agent or topology failure). */
  readonly error: string | null;
}

/** A run that never boots: the scenario itself cannot be expressed. */
export function unsupportedRun(
  trace: string,
  scenario: Scenario,
  kernel: ConformKernel,
  reasons: readonly string[],
): ConformRun {
  return {
    trace,
    scenario: scenario.name,
    kernel,
    release: null,
    revision: EMULATOR_REVISION[kernel],
    steps: [],
    unsupported: reasons.map((reason) => ({ index: -1, call: '(scenario)', reason })),
    error: null,
  };
}

/** The guest's iommu_group ids (replies to the "group" set-up lines) against the scenario's. */
export function checkTopology(machine: Machine, out: GuestOutput): string | null {
  const n = machine.devices.length;
  const ids = out.setup.slice(n, 2 * n);
  if (ids.length < n) return 'the agent did not report every device group';
  const byGroup = new Map<string, number>();
  const seen = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    const r = ids[i];
    const d = machine.devices[i];
    if (r.kind !== 'value' || typeof r.value !== 'number' || r.value < 0)
      return `device ${d.name} (${d.bdf}) has no iommu_group in the guest`;
    const g = byGroup.get(d.group);
    if (g !== undefined && g !== r.value)
      return `devices of group ${d.group} landed in different guest iommu_groups`;
    const other = seen.get(r.value);
    if (other !== undefined && other !== d.group)
      return `groups ${other} and ${d.group} landed in one guest iommu_group ${r.value}`;
    byGroup.set(d.group, r.value);
    seen.set(r.value, d.group);
  }
  return null;
}

/** Compare one trace's emulator returns with the guest's replies. */
export function compareRun(args: {
  readonly trace: string;
  readonly scenario: Scenario;
  readonly kernel: ConformKernel;
  readonly machine: Machine;
  readonly plan: AgentPlan;
  readonly steps: readonly TraceStep[];
  readonly emulator: readonly EmulatorStep[];
  readonly guest: GuestOutput;
  /** The emulator revision held to the kernel (default: EMULATOR_REVISION). */
  readonly revision?: KernelRevision;
}): ConformRun {
  const { guest, plan, emulator } = args;
  const base = {
    trace: args.trace,
    scenario: args.scenario.name,
    kernel: args.kernel,
    release: guest.release,
    revision: args.revision ?? EMULATOR_REVISION[args.kernel],
  };
  const unsupported: Unsupported[] = [];
  const steps: ConformStep[] = [];
  const setupErrors = [
    ...guest.errors,
    ...guest.setup.flatMap((r) => (r.kind === 'error' ? [r.message] : [])),
  ];
  let error: string | null = null;
  if (guest.release === null)
    error = 'the guest never started the agent (no boot line on the console)';
  else if (setupErrors.length > 0) error = `agent set-up failed: ${setupErrors[0]}`;
  else error = checkTopology(args.machine, guest);
  if (error === null) {
    const emu = new Map(emulator.map((e) => [e.index, e]));
    for (const step of args.steps) {
      if (plan.stop !== null && step.index >= plan.stop.index) break;
      const reply = guest.steps.get(step.index);
      if (reply === undefined) {
        error = `no reply for step ${step.index} (${step.call}): the guest stopped (crash or timeout)`;
        break;
      }
      if (reply.kind === 'unsupported') {
        unsupported.push({ index: step.index, call: step.call, reason: reply.reason });
        break;
      }
      if (reply.kind === 'error') {
        error = `agent error at step ${step.index} (${step.call}): ${reply.message}`;
        break;
      }
      const e = emu.get(step.index);
      if (e === undefined) {
        error = `the emulator returned nothing for step ${step.index}`;
        break;
      }
      const kw = guest.warnings.get(step.index) ?? [];
      steps.push({
        index: step.index,
        call: step.call,
        emulator: e.value,
        kernel: reply.value,
        match: e.value === reply.value,
        ...(e.warnings.length > 0 ? { emulatorWarnings: e.warnings } : {}),
        ...(kw.length > 0 ? { kernelWarnings: kw } : {}),
      });
    }
    if (plan.stop !== null && unsupported.length === 0 && error === null)
      unsupported.push(plan.stop);
    if (error === null && !guest.done)
      error =
        'the guest did not reach the end of the trace (crash or timeout after the last reply)';
    if (error === null && guest.teardown !== null && guest.teardown.kind !== 'value')
      error = 'the agent could not undo what it held';
  }
  return { ...base, steps, unsupported, error };
}

/**
 * Steps where the kernel logged a WARN, where the emulator recorded one, and where both did
 * (shown beside the returns, not part of `match`: a WARN's text differs between the two).
 */
export function warningCounts(run: ConformRun): {
  readonly kernel: number;
  readonly emulator: number;
  readonly both: number;
} {
  let kernel = 0;
  let emulator = 0;
  let both = 0;
  for (const s of run.steps) {
    const k = (s.kernelWarnings?.length ?? 0) > 0;
    const e = (s.emulatorWarnings?.length ?? 0) > 0;
    if (k) kernel++;
    if (e) emulator++;
    if (k && e) both++;
  }
  return { kernel, emulator, both };
}

/** Exit status of a set of runs: 1 on any mismatch or error, else 0. */
export function runsFailed(runs: readonly ConformRun[]): boolean {
  return runs.some((r) => r.error !== null || r.steps.some((s) => !s.match));
}
