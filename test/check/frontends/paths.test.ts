/**
 * Path tests generated from the statecharts: for one chart instance of a small built-in scenario,
 * @xstate/graph's getShortestPaths gives one shortest path to every state the chart can reach with
 * the events that scenario sends it (src/check/frontends/paths.ts). Each path is its own test: it is
 * realised as a kernel-call sequence (the shortest one that walks the instance through the path's
 * states, every call one a correct caller may make) and replayed on the emulator through the
 * lockstep step with the composed spec attached; no divergence, no broken invariant, and the
 * instance visits exactly the path's states, ending in the target.
 *
 * A chart sees facts about other objects only in its events; where no kernel sequence of the
 * scenario produces a path's facts, the path is skipped with the reason, and the list of such
 * paths is pinned below.
 */
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../../machines/router/kernel.js';
import type { KernelEvent } from '../../../spec/events.js';
import { parseScenario } from '../../../spec/parse.js';
import type { Scenario } from '../../../spec/scenario.js';
import { BUILTIN_SCENARIOS } from '../../../spec/scenarios/index.js';
import { bootEmulator } from '../../../src/check/core/emulator.js';
import { enabledEvents } from '../../../src/check/core/explore.js';
import { createLockstep } from '../../../src/check/core/lockstep.js';
import { staticUniverse } from '../../../src/check/core/universe.js';
import {
  type ChartInstance,
  type ChartPath,
  type ChartPaths,
  chartPaths,
  pathName,
  type Realisation,
  realise,
  specStateOf,
} from '../../../src/check/frontends/paths/index.js';

/** The chart instances followed, each on a small built-in scenario that exercises it. */
const SUBJECTS: readonly { readonly scenario: string; readonly instance: ChartInstance }[] = [
  // Sysfs type changes, RID attach of a user domain, a require_direct device.
  { scenario: 'vtd-require-direct', instance: { chart: 'iommu_group', group: 0 } },
  // A two-device group: two DMA-API users, group claims, group attach.
  { scenario: 'amd-igpu-audio', instance: { chart: 'iommu_group', group: 0 } },
  // A user domain and the IDXD pattern (the default domain at a driver's global PASID).
  { scenario: 'vtd-pasid', instance: { chart: 'pasid_slot', group: 0, pasid: 1 } },
  // SVA binds through either function of the iGPU + audio group.
  { scenario: 'amd-igpu-audio', instance: { chart: 'pasid_slot', group: 0, pasid: 1 } },
  // Mappings, and the DMA ops following sysfs type changes.
  { scenario: 'smmu-dma', instance: { chart: 'dma_mapping', dev: 0 } },
  // A user domain on either of two IOMMU instances.
  { scenario: 'smmu-and-amd-igpu', instance: { chart: 'paging_domain', slot: 0 } },
  // Bonds of one mm through two devices, refcounts, the PASID outliving them.
  { scenario: 'vtd-sva', instance: { chart: 'mm', mm: 0 } },
  // Driver-held global PASIDs, allocated lowest first, freed in any order.
  { scenario: 'vtd-pasid', instance: { chart: 'global_pasid' } },
];

/** Paths per subject (`<scenario> <chart> <instance>`), so that a change in a chart is seen. */
const PATH_COUNTS: Readonly<Record<string, number>> = {
  'vtd-require-direct iommu_group group 0': 12,
  'amd-igpu-audio iommu_group group 0': 6,
  'vtd-pasid pasid_slot group 0 PASID 1': 3,
  'amd-igpu-audio pasid_slot group 0 PASID 1': 3,
  'smmu-dma dma_mapping device 0': 12,
  'smmu-and-amd-igpu paging_domain user domain d0': 3,
  'vtd-sva mm mm 0': 14,
  'vtd-pasid global_pasid the global PASID allocator': 8,
};

/** Chart paths no kernel sequence of the scenario follows, by `<scenario> <test name>`: why. */
const UNREALISABLE: Readonly<Record<string, string>> = {
  'amd-igpu-audio pasid_slot: attached [sva:0 handle=sva:1:0] via iommu_sva_bind_device(dev 1, mm 0)':
    'the HDMI audio function has no PASIDs (max_pasids 0), so the mm chart refuses its bind in ' +
    'iommu_alloc_mm_data (-ENOSPC without a PASID, -EOVERFLOW with one) before set_dev_pasid, ' +
    'and a bind through the GPU tags the slot with the GPU bond; the slot chart alone does not ' +
    'see dev->iommu->max_pasids',
};

function parsed(name: string): Scenario {
  const r = parseScenario(BUILTIN_SCENARIOS[name]);
  if (!r.ok) throw new Error(`${name}: ${r.where}: ${r.message}`);
  return r.value;
}

interface Case {
  readonly name: string;
  readonly path: ChartPath;
  readonly realised: Realisation;
}

interface Generated {
  readonly title: string;
  readonly scenario: string;
  readonly cp: ChartPaths;
  readonly cases: readonly Case[];
}

const GENERATED: readonly Generated[] = SUBJECTS.map(({ scenario, instance }) => {
  const cp = chartPaths(parsed(scenario), instance);
  return {
    title: `${scenario} ${cp.chart} ${cp.instance}`,
    scenario,
    cp,
    cases: cp.paths.map((path) => ({
      name: pathName(cp.chart, path),
      path,
      realised: realise(cp, path),
    })),
  };
});

function showEvent(ev: KernelEvent): string {
  const { type, ...args } = ev;
  return `${type}(${Object.entries(args)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')})`;
}

const sameCall = (a: KernelEvent, b: KernelEvent) => JSON.stringify(a) === JSON.stringify(b);

/** Replay a realised path on the emulator in lockstep with the composed spec. */
function replayPath(cp: ChartPaths, path: ChartPath, events: readonly KernelEvent[]): void {
  const scenario = cp.scenario;
  const ls = createLockstep(scenario, bootEmulator(scenario), { spec: createSpecModel(scenario) });
  const universe = staticUniverse(scenario);
  let s = ls.initial;
  const visited = [cp.projectKey(specStateOf(s))];
  const done: string[] = [];
  for (const ev of events) {
    done.push(showEvent(ev));
    const where = `after ${done.join(' → ')}`;
    const offered = enabledEvents(scenario, ls, universe, s).some((e) => sameCall(e, ev));
    expect(offered, `${where}: not a call a correct caller may make`).toBe(true);
    const r = ls.step(s, ev);
    expect(r.divergence, where).toBeNull();
    expect(
      r.violation === null ? null : `${r.violation.invariant}: ${r.violation.message}`,
      where,
    ).toBeNull();
    s = r.next;
    const k = cp.projectKey(specStateOf(s));
    if (k !== visited[visited.length - 1]) visited.push(k);
  }
  expect(visited, `${cp.chart} states along ${done.join(' → ') || '(boot)'}`).toEqual(path.keys);
  expect(cp.projectKey(specStateOf(s))).toBe(path.keys[path.keys.length - 1]);
}

describe.each(GENERATED.map((g) => [g.title, g] as const))(
  '%s',
  (_title, { scenario, cp, cases }) => {
    const realised = cases.flatMap((c) =>
      c.realised.ok ? [[c.name, c.path, c.realised.events] as const] : [],
    );
    const skipped = cases.flatMap((c) =>
      c.realised.ok
        ? []
        : [
            [
              `${c.name} — not realisable: ${UNREALISABLE[`${scenario} ${c.name}`] ?? `UNDOCUMENTED (followed ${c.realised.followed} of ${c.path.via.length} events)`}`,
            ] as const,
          ],
    );
    test.each(realised)('%s', (_name, path, events) => replayPath(cp, path, events));
    if (skipped.length > 0) test.skip.each(skipped)('%s', () => {});
  },
);

describe('the generated chart paths', () => {
  test('one shortest path per reachable chart state, counts pinned', () => {
    const counts = Object.fromEntries(GENERATED.map((g) => [g.title, g.cp.paths.length]));
    expect(counts).toEqual(PATH_COUNTS);
    for (const g of GENERATED) {
      const targets = g.cp.paths.map((p) => p.keys[p.keys.length - 1]);
      expect(new Set(targets).size, g.title).toBe(targets.length);
      expect(
        g.cp.paths.some((p) => p.via.length === 0),
        `${g.title}: the boot state`,
      ).toBe(true);
    }
  });

  test('the paths no kernel sequence realises are exactly the documented ones', () => {
    const unrealised = GENERATED.flatMap((g) =>
      g.cases.filter((c) => !c.realised.ok).map((c) => `${g.scenario} ${c.name}`),
    );
    expect(unrealised.sort()).toEqual(Object.keys(UNREALISABLE).sort());
  });

  test('every chart is covered', () => {
    expect(new Set(GENERATED.map((g) => g.cp.chart))).toEqual(
      new Set(['iommu_group', 'pasid_slot', 'dma_mapping', 'paging_domain', 'mm', 'global_pasid']),
    );
  });
});
