/**
 * State-graph coverage of the statecharts, measured by exhaustive exploration (src/check/core/explore.ts)
 * of a set of scenarios, the built-in ones for `iommu-spec coverage`:
 *
 * - states: the state nodes (machines/runtime/catalog.ts) some chart instance is in, in some reachable
 *   spec state;
 * - transitions: the catalog's transitions (each guarded alternative, errno paths included, and
 *   eventless ones) some spec step took, counted as TLC counts actions: `generated` is every time
 *   a step took it, `distinct` the distinct (chart snapshot, event) pairs it was taken on;
 * - guard outcomes: a guarded transition's guard was true when it fired, and false when a later
 *   alternative for the same event on the same state node fired.
 *
 * A transition no scenario takes is a finding unless its chart marks it unreachable with a reason
 * (machines/charts/<chart>.doc.ts `unreachable`); so is a mark naming no transition, or a transition the
 * scenarios do take, and a witness (src/check/frontends/coverage-witness.ts) no reachable state satisfies.
 *
 * The recording rides on the spec model: createSpecModel's onTransition hook for transitions,
 * and its `key` (the explorer keys every state it reaches) for states and witnesses.
 */
import type { StateValue } from 'xstate';
import {
  type ChartObserver,
  createSpecModel,
  type KernelSpecState,
} from '../../../machines/router/kernel.js';
import { FREE_SLOT } from '../../../machines/router/state.js';
import {
  activePaths,
  CHARTS,
  type ChartInfo,
  type TransitionInfo,
  transitionInfo,
} from '../../../machines/runtime/catalog.js';
import type { Parsed } from '../../../spec/input-error.js';
import type { SpecModel } from '../../../spec/model.js';
import type { Scenario } from '../../../spec/scenario.js';
import type { SpecView } from '../../../spec/view.js';
import { type ExploreResult, explore } from '../core/explore.js';
import { type CompiledWitness, parseWitnesses } from './coverage-witness.js';

export interface CoverageScenario {
  /** The name it is reported under (a built-in name or a path). */
  readonly ref: string;
  readonly scenario: Scenario;
}

export interface TransitionCoverage {
  readonly id: string;
  readonly event: string;
  readonly guard: string | null;
  readonly result: string;
  readonly generated: number;
  readonly distinct: number;
  /** The scenarios that took it. */
  readonly scenarios: readonly string[];
  /** The chart's reason, when it marks the transition unreachable. */
  readonly unreachable?: string;
}

export interface UncoveredTransition {
  readonly id: string;
  readonly event: string;
  readonly guard: string | null;
  readonly guardWords: string | null;
  readonly result: string;
  /** Marked unreachable by the chart, with this reason (not a finding). */
  readonly unreachable?: string;
}

export interface MachineCoverage {
  readonly id: string;
  readonly states: {
    readonly covered: number;
    readonly total: number;
    readonly uncovered: readonly string[];
  };
  readonly transitions: {
    readonly covered: number;
    readonly total: number;
    /** Marked unreachable by the chart (none of them covered). */
    readonly unreachable: number;
    readonly uncovered: readonly UncoveredTransition[];
    readonly counts: readonly TransitionCoverage[];
  };
  readonly guards: {
    readonly covered: number;
    readonly total: number;
    /** `<transition id>: true|false`. */
    readonly uncovered: readonly string[];
  };
}

export interface WitnessResult {
  readonly scenario: string;
  readonly name: string;
  readonly facts: readonly string[];
  readonly held: boolean;
  /** The first reachable spec view (breadth-first: among the shallowest) satisfying every fact. */
  readonly state?: SpecView;
}

export interface ScenarioRun {
  readonly scenario: string;
  readonly result: ExploreResult['result'];
  readonly states: number;
  readonly transitions: number;
  readonly specStates: number;
  readonly incomplete?: string;
  /** The first finding's message when the exploration broke an invariant or diverged. */
  readonly violation?: string;
}

export interface CoverageFinding {
  readonly kind: 'uncovered-transition' | 'stale-mark' | 'witness' | 'exploration';
  readonly machine?: string;
  readonly message: string;
}

export interface CoverageReport {
  readonly scenarios: readonly ScenarioRun[];
  readonly machines: readonly MachineCoverage[];
  readonly witnesses: readonly WitnessResult[];
  readonly findings: readonly CoverageFinding[];
}

export interface CoverageOptions {
  /** Stop each exploration after this many distinct states (the coverage is then partial). */
  readonly maxStates?: number;
  /** The charts to report (all of machines/runtime/catalog.ts by default). */
  readonly charts?: readonly ChartInfo[];
  /** Called after each scenario's exploration. */
  readonly onScenario?: (run: ScenarioRun) => void;
}

interface Counter {
  generated: number;
  distinct: number;
  readonly scenarios: Set<string>;
}

/** Chart snapshots in a spec state, by chart id. */
function snapshotsOf(s: KernelSpecState): [string, { readonly value: StateValue }][] {
  const out: [string, { readonly value: StateValue }][] = [];
  for (const g of s.groups) out.push(['iommu_group', g]);
  out.push(['pasid_slot', FREE_SLOT]);
  for (const entries of s.pasids) for (const e of entries) out.push(['pasid_slot', e.slot]);
  for (const d of s.devices) out.push(['dma_mapping', d]);
  for (const d of s.domains) out.push(['paging_domain', d]);
  for (const m of s.mms) out.push(['mm', m]);
  out.push(['global_pasid', s.global_pasid]);
  return out;
}

/** Coverage of `charts` by the exhaustive exploration of `scenarios`; bad witnesses are input errors. */
export function measureCoverage(
  scenarios: readonly CoverageScenario[],
  options: CoverageOptions = {},
): Parsed<CoverageReport> {
  const charts = options.charts ?? CHARTS;
  const compiled: (readonly CompiledWitness[])[] = [];
  for (const { ref, scenario } of scenarios) {
    const w = parseWitnesses(scenario, `scenario ${ref}`);
    if (!w.ok) return w;
    compiled.push(w.value);
  }

  const counters = new Map<string, Counter>(); // by `${chart} ${transition id}`
  const statesSeen = new Map<string, Set<string>>(); // by chart id
  const pathsOf = new WeakMap<object, readonly string[]>();
  const chartsById = new Map(CHARTS.map((c) => [c.id, c]));
  for (const c of CHARTS) statesSeen.set(c.id, new Set());
  const runs: ScenarioRun[] = [];
  const witnesses: WitnessResult[] = [];

  scenarios.forEach(({ ref, scenario }, si) => {
    const pending = compiled[si].map((w) => ({ w, state: undefined as SpecView | undefined }));
    const onTransition: ChartObserver = (chart, _event, taken) => {
      for (const t of taken.transitions) {
        const info = transitionInfo(t);
        if (info === undefined) continue;
        const k = `${chart} ${info.id}`;
        let c = counters.get(k);
        if (c === undefined) {
          c = { generated: 0, distinct: 0, scenarios: new Set() };
          counters.set(k, c);
        }
        c.generated++;
        if (taken.fresh) c.distinct++;
        c.scenarios.add(ref);
      }
    };
    const model = createSpecModel(scenario, { onTransition });
    const seen = new Set<string>();
    const visit = (s: KernelSpecState) => {
      for (const [chart, snap] of snapshotsOf(s)) {
        let paths = pathsOf.get(snap);
        if (paths === undefined) {
          const info = chartsById.get(chart);
          paths = info === undefined ? [] : activePaths(info, snap.value);
          pathsOf.set(snap, paths);
        }
        const set = statesSeen.get(chart)!;
        for (const p of paths) set.add(p);
      }
      if (pending.some((p) => p.state === undefined)) {
        const view = model.view(s);
        for (const p of pending) if (p.state === undefined && p.w.holds(view)) p.state = view;
      }
    };
    const observed: SpecModel<KernelSpecState> = {
      initial: model.initial,
      step: (s, ev) => model.step(s, ev),
      allowed: (s, ev) => model.allowed(s, ev),
      view: (s) => model.view(s),
      key: (s) => {
        const k = model.key(s);
        if (!seen.has(k)) {
          seen.add(k);
          visit(s);
        }
        return k;
      },
    };
    const r = explore(scenario, {
      spec: observed as SpecModel,
      scenarioRef: ref,
      maxStates: options.maxStates,
      // Chart coverage and witnesses must see every state, not one per orbit.
      symmetry: false,
    });
    const run: ScenarioRun = {
      scenario: ref,
      result: r.result,
      states: r.states,
      transitions: r.transitions,
      specStates: seen.size,
      ...(r.incomplete ? { incomplete: r.incomplete } : {}),
      ...(r.result === 'violation' && r.findings.length > 0
        ? { violation: `${r.findings[0].invariant}: ${r.findings[0].message}` }
        : {}),
    };
    runs.push(run);
    options.onScenario?.(run);
    for (const p of pending)
      witnesses.push({
        scenario: ref,
        name: p.w.name,
        facts: p.w.facts,
        held: p.state !== undefined,
        ...(p.state !== undefined ? { state: p.state } : {}),
      });
  });

  const machines = charts.map((c) => machineCoverage(c, counters, statesSeen.get(c.id)!));
  const findings: CoverageFinding[] = [];
  for (const r of runs) {
    if (r.result === 'violation')
      findings.push({
        kind: 'exploration',
        message: `${r.scenario}: the exploration broke a rule (${r.violation ?? 'see iommu-spec explore'}); coverage is partial`,
      });
  }
  for (const [i, m] of machines.entries()) {
    for (const u of m.transitions.uncovered)
      if (u.unreachable === undefined)
        findings.push({
          kind: 'uncovered-transition',
          machine: m.id,
          message: `${m.id} ${u.id}${u.guardWords ? ` [${u.guardWords}]` : ''} -> ${u.result}: no scenario takes it`,
        });
    for (const t of m.transitions.counts)
      if (t.unreachable !== undefined && t.generated > 0)
        findings.push({
          kind: 'stale-mark',
          machine: m.id,
          message: `${m.id} ${t.id} is marked unreachable ("${t.unreachable}") but ${t.scenarios.join(', ')} take${t.scenarios.length === 1 ? 's' : ''} it`,
        });
    for (const s of charts[i].staleMarks)
      findings.push({
        kind: 'stale-mark',
        machine: m.id,
        message: `${m.id}: the unreachable mark for ${s.transition} (guard ${s.guard ?? 'none'}) names no transition of the chart`,
      });
  }
  for (const w of witnesses)
    if (!w.held)
      findings.push({
        kind: 'witness',
        message: `${w.scenario}: witness "${w.name}" (${w.facts.join('; ')}) holds in no reachable state`,
      });
  return { ok: true, value: { scenarios: runs, machines, witnesses, findings } };
}

/** What a transition does: its targets, then what it returns and records. */
export function resultText(t: TransitionInfo): string {
  const moves = t.targets.length > 0 ? `moves to ${t.targets.join(' + ')}` : '';
  return [moves, t.result].filter((x) => x !== '').join('; ');
}

function machineCoverage(
  chart: ChartInfo,
  counters: ReadonlyMap<string, Counter>,
  seen: ReadonlySet<string>,
): MachineCoverage {
  const counts: TransitionCoverage[] = chart.transitions.map((t) => {
    const c = counters.get(`${chart.id} ${t.id}`);
    return {
      id: t.id,
      event: t.event,
      guard: t.guardText,
      result: resultText(t),
      generated: c?.generated ?? 0,
      distinct: c?.distinct ?? 0,
      scenarios: c === undefined ? [] : [...c.scenarios].sort(),
      ...(t.unreachable !== null ? { unreachable: t.unreachable } : {}),
    };
  });
  const uncovered: UncoveredTransition[] = chart.transitions
    .filter((_, i) => counts[i].generated === 0)
    .map((t) => ({
      id: t.id,
      event: t.event,
      guard: t.guardText,
      guardWords: t.guardWords,
      result: resultText(t),
      ...(t.unreachable !== null ? { unreachable: t.unreachable } : {}),
    }));
  // Guard outcomes: true when it fired; false when a later alternative of its list fired.
  let guardTotal = 0;
  let guardCovered = 0;
  const guardUncovered: string[] = [];
  chart.transitions.forEach((t, i) => {
    if (t.guard === null) return;
    const later = chart.transitions.filter(
      (u) => u.source === t.source && u.event === t.event && u.index > t.index,
    );
    const outcomes: [string, boolean][] = [['true', counts[i].generated > 0]];
    if (later.length > 0)
      outcomes.push([
        'false',
        later.some((u) => (counters.get(`${chart.id} ${u.id}`)?.generated ?? 0) > 0),
      ]);
    for (const [o, covered] of outcomes) {
      guardTotal++;
      if (covered) guardCovered++;
      else guardUncovered.push(`${t.id}: ${o}`);
    }
  });
  const states = chart.states.map((s) => s.path);
  return {
    id: chart.id,
    states: {
      covered: states.filter((p) => seen.has(p)).length,
      total: states.length,
      uncovered: states.filter((p) => !seen.has(p)),
    },
    transitions: {
      covered: counts.filter((c) => c.generated > 0).length,
      total: counts.length,
      unreachable: uncovered.filter((u) => u.unreachable !== undefined).length,
      uncovered,
      counts,
    },
    guards: { covered: guardCovered, total: guardTotal, uncovered: guardUncovered },
  };
}

/** Exit status of a report: 1 on any finding, else 3 when an exploration was cut short, else 0. */
export function coverageVerdict(r: CoverageReport): 'pass' | 'findings' | 'incomplete' {
  if (r.findings.length > 0) return 'findings';
  if (r.scenarios.some((s) => s.result === 'incomplete')) return 'incomplete';
  return 'pass';
}
