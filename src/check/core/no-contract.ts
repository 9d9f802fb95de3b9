/**
 * The core under a broken caller contract (`explore --no-contract`): from every state a
 * contract-respecting caller reaches, make each call the caller contract refuses there, once, and
 * report what the core does: an errno, a WARN (grouped by WARN site), another invariant broken,
 * or a documented undefined behaviour (a double free, a use after free, a NULL domain), which ends
 * that path. A caller bug ends its path: what follows a caller bug is not the kernel's to define.
 *
 * The legal states are those `explore` stores (same contract, same events); caller bugs are tried
 * once per spec state (the contract's verdict is a function of the spec state), on the first
 * emulator state found for it.
 */
import { callSpec } from '../../../spec/calls.js';
import { formatRet } from '../../../spec/errno.js';
import type { KernelEvent } from '../../../spec/events.js';
import type { SpecModel } from '../../../spec/model.js';
import { groupNames, type Scenario } from '../../../spec/scenario.js';
import { NO_DOMAIN } from '../../kernel/types.js';
import { UNDEFINED_PREFIX } from '../../kernel/warn.js';
import { buildTrace, type TraceJson, type TraceStepJson } from './counterexample.js';
import { bootEmulator } from './emulator.js';
import { enabledEvents } from './explore.js';
import { createLockstep, type ProductState } from './lockstep.js';
import { stateEvents, staticUniverse } from './universe.js';

/** One kind of outcome, with how often it was seen and the shortest trace that shows it. */
export interface CallerBugOutcome {
  /** "errno -EBUSY", "WARN <site>", "UB <what>", "<Invariant>", "no effect" (returns 0, nothing broken). */
  readonly kind: string;
  readonly count: number;
  /** The calls that produced it (call names, sorted). */
  readonly calls: readonly string[];
  readonly trace: TraceJson;
}

export interface NoContractResult {
  readonly scenario: string;
  /** States a contract-respecting caller reaches (explore's count). */
  readonly legalStates: number;
  /** Caller-bug paths explored: (spec state, refused call) pairs executed. */
  readonly callerBugPaths: number;
  /** Outcomes by kind: errnos, WARN sites, undefined behaviours, invariants. */
  readonly errnos: readonly CallerBugOutcome[];
  readonly warnSites: readonly CallerBugOutcome[];
  readonly undefinedBehaviours: readonly CallerBugOutcome[];
  readonly invariants: readonly CallerBugOutcome[];
  /** Returned success and broke nothing (the core tolerated the misuse). */
  readonly tolerated: number;
  /** The emulator threw (a harness bug; must stay 0). */
  readonly thrown: readonly string[];
  readonly incomplete?: string;
}

export interface NoContractOptions {
  readonly spec: SpecModel;
  readonly scenarioRef?: string;
  readonly maxStates?: number;
}

/**
 * The undefined behaviour a call has before it reaches the kernel: a domain or SVA handle the
 * caller no longer holds (freed, unbound) or never had (NULL). Null when the call is defined.
 */
export function undefinedCall(
  s: ProductState,
  ev: KernelEvent,
  liveHandles: Set<string>,
): string | null {
  const d = ev.domain;
  if (d !== undefined) {
    const id =
      d.kind === 'user'
        ? (s.users[d.slot] ?? NO_DOMAIN)
        : d.kind === 'default'
          ? s.emu.groups[d.group].default_domain
          : s.emu.groups[d.group].blocking_domain;
    if (id === NO_DOMAIN || s.emu.domains[id] === null || s.emu.domains[id] === undefined) {
      if (d.kind !== 'user') return `${ev.type} on a NULL ${d.kind} domain (NULL dereference)`;
      return ev.type === 'iommu_domain_free'
        ? 'iommu_domain_free of a domain the caller already freed (double free)'
        : `${ev.type} on a domain the caller freed (use after free)`;
    }
    if (
      ev.type === 'iommu_domain_free' &&
      s.emu.groups.some((g) => g.domain === id || g.pasid_array.some((e) => e.domain === id))
    )
      return 'iommu_domain_free of a domain still attached (the group keeps a freed domain: use after free)';
  }
  if (
    (ev.type === 'iommu_sva_unbind_device' || ev.type === 'iommu_sva_get_pasid') &&
    ev.handle !== undefined &&
    ev.handle !== null &&
    !liveHandles.has(ev.handle)
  ) {
    return `${ev.type} on an unbound handle (${ev.type === 'iommu_sva_unbind_device' ? 'double free' : 'use after free'} of the SVA handle)`;
  }
  return null;
}

export function exploreNoContract(
  scenario: Scenario,
  options: NoContractOptions,
): NoContractResult {
  const emu = bootEmulator(scenario);
  const ls = createLockstep(scenario, emu, { spec: options.spec });
  // Caller bugs run on the emulator and the invariants only: the spec has no transition for a
  // call its contract refuses.
  const bare = createLockstep(scenario, emu, { spec: null });
  const universe = staticUniverse(scenario);
  const ref = options.scenarioRef ?? scenario;
  const maxStates = options.maxStates ?? Number.POSITIVE_INFINITY;

  const seen = new Set<string>([ls.key(ls.initial)]);
  const triedSpec = new Set<string>();
  const pathOf = new Map<ProductState, KernelEvent[]>([[ls.initial, []]]);
  let frontier: ProductState[] = [ls.initial];
  let paths = 0;
  let tolerated = 0;
  const thrown: string[] = [];
  const buckets = new Map<
    string,
    Map<string, { count: number; calls: Set<string>; path: KernelEvent[] }>
  >();
  const note = (group: string, kind: string, call: string, path: KernelEvent[]) => {
    let g = buckets.get(group);
    if (g === undefined) {
      g = new Map();
      buckets.set(group, g);
    }
    const b = g.get(kind);
    if (b === undefined) g.set(kind, { count: 1, calls: new Set([call]), path });
    else {
      b.count++;
      b.calls.add(call);
      if (path.length < b.path.length) b.path = path;
    }
  };
  let incomplete: string | undefined;

  while (frontier.length > 0 && incomplete === undefined) {
    const next: ProductState[] = [];
    for (const s of frontier) {
      const path = pathOf.get(s)!;
      pathOf.delete(s);
      const enabled = enabledEvents(scenario, ls, universe, s);
      const enabledKeys = new Set(enabled.map((e) => JSON.stringify(e)));
      // Legal successors, as explore stores them.
      for (const ev of enabled) {
        const r = ls.step(s, ev);
        if (r.divergence !== null || r.violation !== null) continue;
        const k = ls.key(r.next);
        if (seen.has(k)) continue;
        seen.add(k);
        pathOf.set(r.next, [...path, ev]);
        next.push(r.next);
        if (seen.size >= maxStates) incomplete = `state bound ${maxStates} reached`;
      }
      // Caller bugs: every call the contract refuses here, once per spec state.
      const sk = options.spec.key(s.spec);
      if (triedSpec.has(sk)) continue;
      triedSpec.add(sk);
      const liveHandles = new Set(s.emu.svas.map((b) => b.name));
      for (const ev of [...universe, ...stateEvents(scenario, s.emu, s.users)]) {
        if (ev.type === 'hw_step' || callSpec(ev.type).proposal !== undefined) continue;
        if (enabledKeys.has(JSON.stringify(ev))) continue;
        paths++;
        const bugPath = [...path, ev];
        const ub = undefinedCall(s, ev, liveHandles);
        if (ub !== null) {
          note('ub', ub, ev.type, bugPath);
          continue;
        }
        let r: ReturnType<typeof bare.step>;
        try {
          r = bare.step({ ...s, spec: null }, ev);
        } catch (e) {
          thrown.push(`${ev.type}: ${(e as Error).message}`);
          continue;
        }
        const before = s.emu.warnings.length;
        const warns = r.next.emu.warnings.slice(before);
        for (const w of warns)
          if (w.startsWith(UNDEFINED_PREFIX))
            note('ub', w.slice(UNDEFINED_PREFIX.length), ev.type, bugPath);
          else note('warn', warnSite(w), ev.type, bugPath);
        const others = r.violations.filter((v) => v.invariant !== 'NoWarningFired');
        for (const v of others) note('inv', v.invariant, ev.type, bugPath);
        if (typeof r.emuRet === 'number' && r.emuRet < 0 && r.emuRet > -4096)
          note('errno', `errno ${formatRet(r.emuRet)}`, ev.type, bugPath);
        else if (warns.length === 0 && others.length === 0) tolerated++;
      }
    }
    frontier = next;
  }

  // An undefined last call is not executed (the emulator has nothing to run it on): the trace
  // names it without an expected return.
  const traceOf = (p: KernelEvent[]): TraceJson => {
    try {
      return buildTrace(scenario, ref, bare, p);
    } catch {
      const t = buildTrace(scenario, ref, bare, p.slice(0, -1));
      const last = buildLastStep(scenario, p[p.length - 1]);
      return { ...t, steps: [...t.steps, last] };
    }
  };
  const list = (group: string): CallerBugOutcome[] =>
    [...(buckets.get(group) ?? new Map()).entries()]
      .map(([kind, b]) => ({
        kind,
        count: b.count,
        calls: [...b.calls].sort(),
        trace: traceOf(b.path),
      }))
      .sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
  return {
    scenario: scenario.name,
    legalStates: seen.size,
    callerBugPaths: paths,
    errnos: list('errno'),
    warnSites: list('warn'),
    undefinedBehaviours: list('ub'),
    invariants: list('inv'),
    tolerated,
    thrown,
    ...(incomplete ? { incomplete } : {}),
  };
}

/** The WARN site: the function and condition, without the values ("ida_free: id=%d ..."). */
export function warnSite(w: string): string {
  return w.replace(/=\d+/g, '=%d').replace(/\b\d+\b/g, '%d');
}

/** A trace step for an event that is not run: its arguments by name, no expected return. */
function buildLastStep(scenario: Scenario, ev: KernelEvent): TraceStepJson {
  const step: Record<string, string | number | null> = {};
  const groups = groupNames(scenario);
  if (ev.domain !== undefined)
    step.domain =
      ev.domain.kind === 'user'
        ? `d${ev.domain.slot}`
        : `${ev.domain.kind}:${groups[ev.domain.group]}`;
  if (ev.dev !== undefined) step.dev = scenario.devices[ev.dev].name;
  if (ev.group !== undefined) step.group = groups[ev.group];
  if (ev.pasid !== undefined) step.pasid = ev.pasid;
  if (ev.mm !== undefined) step.mm = `mm${ev.mm}`;
  if (ev.handle !== undefined && ev.handle !== null) step.handle = ev.handle;
  return { call: ev.type, ...step };
}
