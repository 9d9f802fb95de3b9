/**
 * The HTML report's pure parts (src/report/html/): the data it embeds, the page, the charts' DOT
 * with one edge element per transition, the per-step snapshots and what changed at each step, and
 * the witness traces. Built from real runs of small scenarios (smmu-dma with the
 * missed-invalidation-on-free mutant; mock-untrusted and vtd-sva for coverage and witnesses).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createSpecModel } from '../../machines/router/kernel.js';
import { CHARTS, transitionInfo } from '../../machines/runtime/catalog.js';
import { ACTION_INVARIANTS, INVARIANTS } from '../../spec/invariants/index.js';
import { parseScenario } from '../../spec/parse.js';
import type { Scenario } from '../../spec/scenario.js';
import { BUILTIN_SCENARIO_NAMES, BUILTIN_SCENARIOS } from '../../spec/scenarios/index.js';
import { checkTraceSteps } from '../../spec/trace.js';
import { explore } from '../../src/check/core/explore.js';
import { replayTrace } from '../../src/check/core/replay.js';
import { traceSnapshots } from '../../src/check/core/snapshots.js';
import { measureCoverage } from '../../src/check/frontends/coverage.js';
import { transitionWitnesses, witnessKey } from '../../src/check/frontends/transition-witness.js';
import { chartDot } from '../../src/report/html/chart-dot.js';
import { changedKeys } from '../../src/report/html/diff.js';
import {
  buildReportData,
  type ReportData,
  type ReportInputs,
  type StepperTraceInput,
  type TraceJsonLike,
} from '../../src/report/html/model.js';
import { embedJson, renderReportHtml } from '../../src/report/html/page.js';

const MUTANT = 'missed-invalidation-on-free';

function builtin(name: string): Scenario {
  const p = parseScenario(BUILTIN_SCENARIOS[name], name);
  if (!p.ok) throw new Error(p.message);
  return p.value;
}

function stepsOf(scenario: Scenario, trace: TraceJsonLike) {
  const s = checkTraceSteps(trace.steps as Record<string, unknown>[], scenario);
  if (!s.ok) throw new Error(s.message);
  return s.value;
}

/** The embedded data, parsed back out of the page. */
function embedded(html: string): unknown {
  const m = html.match(/<script type="application\/json" id="report-data">(.*?)<\/script>/s);
  if (m === null) throw new Error('no embedded data');
  return JSON.parse(m[1]);
}

let inputs: ReportInputs;
let data: ReportData;
let html: string;
let finding: StepperTraceInput;

beforeAll(() => {
  const smmu = builtin('smmu-dma');
  const r = explore(smmu, {
    spec: createSpecModel(smmu),
    mutants: [MUTANT],
    scenarioRef: 'smmu-dma',
  });
  expect(r.result).toBe('violation');
  const f = r.findings[0];
  const snaps = traceSnapshots(smmu, stepsOf(smmu, f.trace as TraceJsonLike), {
    spec: createSpecModel(smmu),
    mutants: [MUTANT],
  });
  if (!snaps.ok) throw new Error(snaps.message);
  finding = {
    id: 'finding-0',
    // A title that tries to close the data's script element.
    title: 'smmu-dma: IotlbCoherent </script><script>alert(1)</script>',
    kind: 'finding',
    scenario: 'smmu-dma',
    mutants: [MUTANT],
    trace: f.trace as TraceJsonLike,
    focus: { invariant: f.invariant, citation: f.citation, message: f.message, step: f.step },
    snapshots: snaps.value,
  };
  const covScenarios = ['mock-untrusted', 'vtd-sva'].map((ref) => ({
    ref,
    scenario: builtin(ref),
  }));
  const cov = measureCoverage(covScenarios);
  if (!cov.ok) throw new Error(cov.message);
  const wanted = new Map<string, readonly string[]>();
  for (const m of cov.value.machines)
    for (const t of m.transitions.counts)
      if (t.generated > 0) wanted.set(witnessKey(m.id, t.id), t.scenarios);
  const witnesses = transitionWitnesses(covScenarios, wanted);
  const witnessTraces: StepperTraceInput[] = witnesses.slice(0, 3).map((w, i) => {
    const sc = builtin(w.scenario);
    const s = traceSnapshots(sc, stepsOf(sc, w.trace as TraceJsonLike), {
      spec: createSpecModel(sc),
    });
    if (!s.ok) throw new Error(s.message);
    return {
      id: `witness-${i}`,
      title: `${w.chart} ${w.transition}`,
      kind: 'witness',
      scenario: w.scenario,
      mutants: [],
      trace: w.trace as TraceJsonLike,
      snapshots: s.value,
    };
  });
  inputs = {
    builtins: BUILTIN_SCENARIO_NAMES,
    run: { mutants: [MUTANT], variant: null, sources: [] },
    explore: [
      {
        scenario: 'smmu-dma',
        result: r.result,
        states: r.states,
        transitions: r.transitions,
        depth: r.depth,
        violations: r.findings.map((x) => ({
          invariant: x.invariant,
          citation: x.citation,
          message: x.message,
          step: x.step,
          trace: x.trace as TraceJsonLike,
        })),
      },
    ],
    invariants: [
      ...INVARIANTS.map((i) => ({ ...i, kind: 'state' as const })),
      ...ACTION_INVARIANTS.map((i) => ({ ...i, kind: 'action' as const })),
    ].map(({ id, statement, citation, kind }) => ({ id, statement, citation, kind })),
    charts: CHARTS,
    coverage: cov.value.machines,
    witnesses,
    variants: null,
    traces: [finding, ...witnessTraces],
    debateTitles: {},
  };
  data = buildReportData(inputs);
  html = renderReportHtml(data, { script: '/* app */', style: '/* style */' });
});

describe('the embedded data', () => {
  it('parses back to the report data, even with markup in a title', () => {
    expect(embedded(html)).toEqual(JSON.parse(JSON.stringify(data)));
    // The title's </script> did not end the data's element.
    expect(html).not.toContain('</script><script>alert(1)');
    expect(embedJson('</script>')).toBe('"\\u003c/script>"');
  });

  it('is one page with the three views, loading nothing from the network', () => {
    for (const id of ['page-overview', 'page-charts', 'page-stepper'])
      expect(html).toContain(`id="${id}"`);
    expect(html).toContain('<script src="viz-global.js"></script>');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('lists every built-in scenario on the overview, explored or not', () => {
    for (const name of BUILTIN_SCENARIO_NAMES)
      expect(html, name).toContain(`<tr data-scenario="${name}">`);
    const row = html.match(/<tr data-scenario="smmu-dma">.*?<\/tr>/s)?.[0] ?? '';
    expect(row).toContain('violation');
    expect(row).toContain('IotlbCoherent');
    expect(row).toContain('#stepper/finding-0');
    const other = html.match(/<tr data-scenario="vtd-pasid">.*?<\/tr>/s)?.[0] ?? '';
    expect(other).toContain('not explored in this report');
  });

  it('gives every invariant its statement, citation and verdict', () => {
    for (const inv of [...INVARIANTS, ...ACTION_INVARIANTS]) {
      const row = data.invariants.find((i) => i.id === inv.id);
      expect(row?.statement).toBe(inv.statement);
      expect(html).toContain(`<tr data-invariant="${inv.id}">`);
    }
    expect(data.invariants.find((i) => i.id === 'IotlbCoherent')?.verdict).toBe('violated');
    expect(data.invariants.find((i) => i.id === 'IotlbCoherent')?.traces).toEqual(['finding-0']);
    // Only smmu-dma was explored and it stopped at the violation: nothing else is "held".
    expect(data.invariants.filter((i) => i.verdict === 'held')).toEqual([]);
    expect(data.invariants.find((i) => i.id === 'NoWarningFired')?.verdict).toBe('unbroken');
  });
});

describe('the charts', () => {
  it('give every transition an edge with its own element id', () => {
    for (const chart of data.charts) {
      const info = CHARTS.find((c) => c.id === chart.id)!;
      const ids = [...chart.dot.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
      expect(ids.length, chart.id).toBe(info.transitions.length);
      expect(new Set(ids).size).toBe(ids.length);
      expect(chart.transitions.map((t) => t.elementId)).toEqual(ids);
      expect(chart.transitions.map((t) => t.id)).toEqual(info.transitions.map((t) => t.id));
    }
  });

  it('colour each edge by its coverage and keep the reason of unreachable ones', () => {
    const cov = new Map(inputs.coverage!.map((c) => [c.id, c]));
    let unreachable = 0;
    for (const chart of data.charts)
      chart.transitions.forEach((t) => {
        const count = cov.get(chart.id)!.transitions.counts.find((c) => c.id === t.id)!;
        const expected =
          count.generated > 0 ? 'taken' : count.unreachable ? 'unreachable' : 'untaken';
        expect(t.status, `${chart.id} ${t.id}`).toBe(expected);
        const edge = chart.dot.split('\n').find((l) => l.includes(`id="${t.elementId}"`))!;
        expect(edge).toContain(`class="transition ${expected}"`);
        if (expected === 'unreachable') {
          unreachable++;
          expect(t.reason).toBe(count.unreachable);
        }
      });
    expect(unreachable).toBeGreaterThan(0);
    // Two small scenarios leave transitions untaken that no chart marks: shown as such.
    expect(data.charts.some((c) => c.transitions.some((t) => t.status === 'untaken'))).toBe(true);
  });

  it('draw states and clusters as the transition docs do, and label edges with the call', () => {
    const group = CHARTS.find((c) => c.id === 'iommu_group')!;
    const dot = chartDot(
      group,
      group.transitions.map(() => 'taken'),
    );
    expect(dot).toContain('subgraph "cluster_domain"');
    expect(dot).toContain('"domain.private" [label="private"]');
    const attach = group.transitions.findIndex((t) => t.event === 'iommu_attach_device');
    expect(dot).toMatch(new RegExp(`id="t-iommu_group-${attach}".*label="iommu_attach_device`));
  });
});

describe('the stepper data', () => {
  it("snapshots every step of the counterexample, the last one breaking the finding's invariant", () => {
    const t = data.traces[0];
    expect(t.snapshots?.steps.length).toBe(finding.trace.steps.length);
    const last = t.snapshots!.steps.at(-1)!;
    expect(last.violations.map((v) => v.invariant)).toEqual(['IotlbCoherent']);
    expect(t.snapshots!.steps.slice(0, -1).every((s) => s.violations.length === 0)).toBe(true);
    expect(t.replay).toBe(`iommu-spec replay trace.json --mutant ${MUTANT}`);
    // Spec and emulator returns per step: the spec's view is held, the returns agree.
    for (const s of t.snapshots!.steps) {
      expect(s.state.spec).not.toBeNull();
      expect(s.state.spec).toEqual(s.state.emulator);
    }
  });

  it('marks the IOTLB fill and the freed tag as changes', () => {
    const t = data.traces[0];
    const steps = t.snapshots!.steps;
    const dma = steps.findIndex((s) => s.call === 'device_dma');
    expect(dma).toBeGreaterThanOrEqual(0);
    expect(t.changes[dma].some((k) => k.startsWith('+iotlb:'))).toBe(true);
    const last = steps.length - 1;
    const entry = steps[last].state.iommus[0].iotlb[0];
    expect(entry.domain).toBe('freed');
    expect(t.changes[last]).toContain(`iotlb:0:${entry.tag}:${entry.iova_pfn}`);
    // Between two equal snapshots nothing changed.
    expect(changedKeys(steps[0].state, steps[0].state)).toEqual([]);
  });

  it('shows the hardware: SMMUv3 STEs by field, IOVA allocations and where accesses go', () => {
    const steps = data.traces[0].snapshots!.steps;
    const mapped = steps.find((s) => s.call === 'dma_map_single')!.state;
    expect(mapped.devices[0].ridKind).toBe('STE');
    expect(mapped.devices[0].rid.text).toMatch(/\bV=1\b/);
    const dom = mapped.domains.find((d) => d.mappings.length > 0)!;
    expect(dom.iova?.length).toBeGreaterThan(0);
    expect(mapped.devices[0].routes[0].route).toContain(`#${dom.id}`);
  });
});

describe('the witness traces', () => {
  it('end with a step that takes their transition', () => {
    expect(inputs.witnesses.length).toBeGreaterThan(10);
    for (const w of inputs.witnesses) {
      const sc = builtin(w.scenario);
      let current: string[] = [];
      const perStep: string[][] = [];
      const spec = createSpecModel(sc, {
        onTransition: (chart, _e, taken) => {
          for (const x of taken.transitions) {
            const info = transitionInfo(x);
            if (info) current.push(witnessKey(chart, info.id));
          }
        },
      });
      const r = replayTrace(
        sc,
        stepsOf(sc, w.trace as TraceJsonLike),
        { spec },
        {
          step: () => {
            perStep.push(current);
            current = [];
          },
        },
      );
      expect(r.ok).toBe(true);
      expect(perStep.length).toBe(w.trace.steps.length);
      expect(perStep.at(-1), `${w.chart} ${w.transition}`).toContain(
        witnessKey(w.chart, w.transition),
      );
    }
  });

  it('are the shortest: no earlier step of the trace takes the transition', () => {
    for (const w of inputs.witnesses.slice(0, 20)) {
      const sc = builtin(w.scenario);
      const seen: string[] = [];
      let current: string[] = [];
      const spec = createSpecModel(sc, {
        onTransition: (chart, _e, taken) => {
          for (const x of taken.transitions) {
            const info = transitionInfo(x);
            if (info) current.push(witnessKey(chart, info.id));
          }
        },
      });
      replayTrace(
        sc,
        stepsOf(sc, w.trace as TraceJsonLike),
        { spec },
        {
          step: () => {
            seen.push(...current);
            current = [];
          },
        },
      );
      const key = witnessKey(w.chart, w.transition);
      expect(seen.indexOf(key)).toBe(seen.length - seen.slice().reverse().indexOf(key) - 1);
    }
  });
});
