/**
 * The data an HTML report embeds (as JSON, so that the page opens from file://), assembled from
 * what the checker returns: exploration results per scenario, chart coverage with a witness trace
 * per covered transition, the design variants per debate, and every trace the stepper shows with
 * its per-step snapshots (src/check/core/snapshots.ts). Pure: results in, data out.
 */
import type { ChartInfo } from '../../../machines/runtime/catalog.js';
import type { TraceSnapshots } from '../../check/core/snapshots.js';
import type { MachineCoverage } from '../../check/frontends/coverage.js';
import type { TransitionWitness } from '../../check/frontends/transition-witness.js';
import { witnessKey } from '../../check/frontends/transition-witness.js';
import { type CoverageStatus, chartDot, transitionElementId } from './chart-dot.js';
import { changedKeys } from './diff.js';

export const REPORT_FORMAT = 'iommu-spec-report/1';

/** A trace in the public format, as JSON (what `replay` reads). */
export interface TraceJsonLike {
  readonly scenario: unknown;
  readonly steps: readonly Readonly<Record<string, unknown>>[];
}

/** One scenario's exploration, as `explore --json` writes it. */
export interface ExploreSummary {
  readonly scenario: string;
  readonly result: 'pass' | 'violation' | 'incomplete';
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly incomplete?: string;
  readonly violations: readonly {
    readonly invariant: string;
    readonly citation: string;
    readonly message: string;
    readonly step: number;
    readonly trace: TraceJsonLike;
  }[];
}

/** A chart's coverage, as `coverage --json` writes it (the fields the report reads). */
export interface ChartCoverageSummary {
  readonly id: string;
  readonly states: MachineCoverage['states'];
  readonly transitions: {
    readonly covered: number;
    readonly total: number;
    readonly counts: readonly {
      readonly id: string;
      readonly generated: number;
      readonly distinct: number;
      readonly scenarios: readonly string[];
      readonly unreachable?: string;
    }[];
  };
  readonly guards: { readonly covered: number; readonly total: number };
}

/** One design variant's verdict (`variants --json`, richer when run in-process). */
export interface VariantSummary {
  readonly debate: string;
  readonly debateTitle?: string;
  readonly name: string;
  readonly merged: boolean;
  readonly summary?: string;
  readonly scenario?: string;
  readonly states: number;
  readonly invariants: Readonly<Record<string, 'holds' | 'violated'>>;
  readonly violations?: readonly {
    readonly invariant: string;
    readonly message?: string;
    readonly steps: number;
    readonly trace: TraceJsonLike;
  }[];
  readonly costs?: Readonly<Record<string, number | string>>;
  readonly objection?: { readonly who: string; readonly said: string; readonly ground: string };
  readonly asExpected: boolean;
  readonly finding?: string;
}

export interface InvariantInfo {
  readonly id: string;
  readonly statement: string;
  readonly citation: string;
  readonly kind: 'state' | 'action';
}

/** A trace the stepper shows, with its snapshots (or why it could not be replayed). */
export interface StepperTraceInput {
  readonly id: string;
  readonly title: string;
  readonly kind: 'finding' | 'variant' | 'witness' | 'file';
  readonly scenario: string;
  readonly mutants: readonly string[];
  readonly variant?: string;
  readonly trace: TraceJsonLike;
  /** The finding the trace demonstrates: the step (index into steps) that broke it. */
  readonly focus?: {
    readonly invariant: string;
    readonly citation: string;
    readonly message: string;
    readonly step: number;
  };
  readonly snapshots: TraceSnapshots | { readonly error: string };
}

export interface ReportInputs {
  /** Every built-in scenario name (the overview lists them all). */
  readonly builtins: readonly string[];
  /** How the data was produced: the command's options, for the page's header. */
  readonly run: {
    readonly mutants: readonly string[];
    readonly variant: string | null;
    readonly sources: readonly string[];
  };
  readonly explore: readonly ExploreSummary[];
  readonly invariants: readonly InvariantInfo[];
  readonly charts: readonly ChartInfo[];
  readonly coverage: readonly ChartCoverageSummary[] | null;
  readonly witnesses: readonly TransitionWitness[];
  readonly variants: readonly VariantSummary[] | null;
  readonly traces: readonly StepperTraceInput[];
  readonly debateTitles: Readonly<Record<string, string>>;
}

export interface ScenarioRow extends Omit<ExploreSummary, 'violations'> {
  readonly findings: readonly {
    readonly invariant: string;
    readonly message: string;
    readonly trace: string;
  }[];
}

export interface InvariantRow extends InvariantInfo {
  /**
   * violated: some exploration broke it; held: every exploration completed without breaking
   * anything; unbroken: no exploration broke it, but some stopped early (at another invariant, or
   * a bound), so the states beyond were not checked; unknown: nothing was explored.
   */
  readonly verdict: 'held' | 'violated' | 'unbroken' | 'unknown';
  readonly scenarios: readonly string[];
  readonly traces: readonly string[];
}

export interface TransitionRow {
  readonly elementId: string;
  readonly id: string;
  readonly event: string;
  readonly source: string;
  readonly targets: readonly string[];
  readonly guardText: string | null;
  readonly guardWords: string | null;
  readonly result: string;
  readonly citation: string;
  readonly status: CoverageStatus | 'unknown';
  readonly reason?: string;
  readonly generated: number;
  readonly distinct: number;
  readonly scenarios: readonly string[];
  /** The stepper trace that takes it. */
  readonly witness?: string;
}

export interface ChartData {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly dot: string;
  readonly states: {
    readonly covered: number;
    readonly total: number;
    readonly uncovered: readonly string[];
  } | null;
  readonly guards: { readonly covered: number; readonly total: number } | null;
  readonly transitions: readonly TransitionRow[];
}

export interface VariantRow extends VariantSummary {
  readonly traces: readonly string[];
}

export interface DebateRow {
  readonly debate: string;
  readonly title: string;
  readonly invariants: readonly string[];
  readonly variants: readonly VariantRow[];
}

export interface StepperTrace extends Omit<StepperTraceInput, 'snapshots'> {
  readonly snapshots: TraceSnapshots | null;
  readonly error?: string;
  /** For each step (index into snapshots.steps): the keys of the rows that changed (diff.ts). */
  readonly changes: readonly (readonly string[])[];
  /** The command that reproduces it from the repository root, given the trace saved as trace.json. */
  readonly replay: string;
}

export interface ReportData {
  readonly format: typeof REPORT_FORMAT;
  readonly run: ReportInputs['run'];
  readonly builtins: readonly string[];
  readonly scenarios: readonly ScenarioRow[];
  readonly invariants: readonly InvariantRow[];
  readonly debates: readonly DebateRow[];
  readonly kernelFindings: readonly {
    readonly debate: string;
    readonly variant: string;
    readonly text: string;
  }[];
  readonly charts: readonly ChartData[];
  readonly traces: readonly StepperTrace[];
}

function replayCommand(t: StepperTraceInput): string {
  const opts = [
    ...t.mutants.map((m) => `--mutant ${m}`),
    ...(t.variant !== undefined ? [`--variant ${t.variant}`] : []),
  ];
  return ['iommu-spec replay trace.json', ...opts].join(' ');
}

/** A stepper trace with the rows each step changed and the command that replays it. */
export function stepperTrace(t: StepperTraceInput): StepperTrace {
  const { snapshots, ...rest } = t;
  const base = { ...rest, replay: replayCommand(t) };
  if ('error' in snapshots)
    return { ...base, snapshots: null, error: snapshots.error, changes: [] };
  const states = [snapshots.initial, ...snapshots.steps.map((s) => s.state)];
  const changes = snapshots.steps.map((_, i) => changedKeys(states[i], states[i + 1]));
  return { ...base, snapshots, changes };
}

/** Find a stepper trace showing `trace` (same JSON) of the given kind. */
function traceIdOf(
  traces: readonly StepperTraceInput[],
  kind: StepperTraceInput['kind'],
  trace: TraceJsonLike,
): string | undefined {
  const text = JSON.stringify(trace);
  return traces.find((t) => t.kind === kind && JSON.stringify(t.trace) === text)?.id;
}

export function buildReportData(input: ReportInputs): ReportData {
  const scenarios: ScenarioRow[] = input.explore.map(({ violations, ...rest }) => ({
    ...rest,
    findings: violations.map((v) => ({
      invariant: v.invariant,
      message: v.message,
      trace: traceIdOf(input.traces, 'finding', v.trace) ?? '',
    })),
  }));
  const complete =
    input.explore.length > 0 && input.explore.every((e) => e.result !== 'incomplete');
  const invariants: InvariantRow[] = input.invariants.map((inv) => {
    const broken = input.explore.filter((e) => e.violations.some((v) => v.invariant === inv.id));
    const traces = broken.flatMap((e) =>
      e.violations
        .filter((v) => v.invariant === inv.id)
        .map((v) => traceIdOf(input.traces, 'finding', v.trace))
        .filter((x): x is string => x !== undefined),
    );
    const everyPassed = complete && input.explore.every((e) => e.result === 'pass');
    const verdict: InvariantRow['verdict'] =
      broken.length > 0
        ? 'violated'
        : everyPassed
          ? 'held'
          : input.explore.length > 0
            ? 'unbroken'
            : 'unknown';
    return {
      ...inv,
      verdict,
      scenarios: broken.map((e) => e.scenario),
      traces,
    };
  });
  const debates: DebateRow[] = [];
  for (const v of input.variants ?? []) {
    let d = debates.find((x) => x.debate === v.debate);
    if (d === undefined) {
      d = {
        debate: v.debate,
        title: v.debateTitle ?? input.debateTitles[v.debate] ?? v.debate,
        invariants: [],
        variants: [],
      };
      debates.push(d);
    }
    const traces = (v.violations ?? [])
      .map((x) => traceIdOf(input.traces, 'variant', x.trace))
      .filter((x): x is string => x !== undefined);
    (d.variants as VariantRow[]).push({ ...v, traces });
    for (const [id, verdict] of Object.entries(v.invariants))
      if (verdict === 'violated' && !d.invariants.includes(id)) (d.invariants as string[]).push(id);
  }
  const kernelFindings = (input.variants ?? [])
    .filter((v) => v.finding !== undefined)
    .map((v) => ({ debate: v.debate, variant: v.name, text: v.finding ?? '' }));
  const witnessByKey = new Map(input.witnesses.map((w) => [witnessKey(w.chart, w.transition), w]));
  const charts: ChartData[] = input.charts.map((chart) => {
    const cov = input.coverage?.find((c) => c.id === chart.id) ?? null;
    const rows: TransitionRow[] = chart.transitions.map((t, i) => {
      const count = cov?.transitions.counts.find((c) => c.id === t.id);
      const status: TransitionRow['status'] =
        cov === null || count === undefined
          ? t.unreachable !== null
            ? 'unreachable'
            : 'unknown'
          : count.generated > 0
            ? 'taken'
            : count.unreachable !== undefined || t.unreachable !== null
              ? 'unreachable'
              : 'untaken';
      const w = witnessByKey.get(witnessKey(chart.id, t.id));
      const witness = w === undefined ? undefined : traceIdOf(input.traces, 'witness', w.trace);
      return {
        elementId: transitionElementId(chart.id, i),
        id: t.id,
        event: t.event,
        source: t.source,
        targets: t.targets,
        guardText: t.guardText,
        guardWords: t.guardWords,
        result: t.result,
        citation: t.citation,
        status,
        ...(t.unreachable !== null ? { reason: t.unreachable } : {}),
        generated: count?.generated ?? 0,
        distinct: count?.distinct ?? 0,
        scenarios: count?.scenarios ?? [],
        ...(witness !== undefined ? { witness } : {}),
      };
    });
    return {
      id: chart.id,
      title: chart.doc.title,
      summary: chart.doc.summary,
      dot: chartDot(
        chart,
        rows.map((r) => (r.status === 'unknown' ? 'untaken' : r.status)),
      ),
      states: cov === null ? null : cov.states,
      guards: cov === null ? null : cov.guards,
      transitions: rows,
    };
  });
  return {
    format: REPORT_FORMAT,
    run: input.run,
    builtins: input.builtins,
    scenarios,
    invariants,
    debates,
    kernelFindings,
    charts,
    traces: input.traces.map(stepperTrace),
  };
}
