/**
 * State-graph coverage (src/check/frontends/coverage.ts): the figures for one small scenario, pinned and
 * cross-checked against the explorer's own per-call counts; an uncovered transition found on a
 * deliberately reduced universe; unreachable marks that are stale; witnesses that hold and fail.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { dmaMappingDoc } from '../../../machines/charts/dma_mapping.doc.js';
import { dmaMappingMachine } from '../../../machines/charts/dma_mapping.machine.js';
import { createSpecModel } from '../../../machines/router/kernel.js';
import { CHARTS, chartInfo } from '../../../machines/runtime/catalog.js';
import type { SpecModel } from '../../../spec/model.js';
import { explore } from '../../../src/check/core/explore.js';
import {
  type CoverageReport,
  coverageVerdict,
  type MachineCoverage,
  measureCoverage,
} from '../../../src/check/frontends/coverage.js';
import { runCoverage } from '../../../src/cli/commands/coverage.js';
import type { CliOutput } from '../../../src/cli/output.js';
import { coverageJson, coverageSuites, coverageText } from '../../../src/report/coverage-format.js';
import { toJUnit } from '../../../src/report/junit.js';
import { builtin, scenario } from '../../__helpers__/scenarios.js';

function measure(ref: string, input: unknown = undefined): CoverageReport {
  const sc = input === undefined ? builtin(ref) : scenario(input);
  const r = measureCoverage([{ ref, scenario: sc }]);
  if (!r.ok) throw new Error(`${r.where}: ${r.message}`);
  return r.value;
}

function machine(r: CoverageReport, id: string): MachineCoverage {
  const m = r.machines.find((x) => x.id === id);
  if (m === undefined) throw new Error(`no chart ${id}`);
  return m;
}

function count(m: MachineCoverage, id: string): [number, number] {
  const t = m.transitions.counts.find((c) => c.id === id);
  if (t === undefined) throw new Error(`no transition ${id} in ${m.id}`);
  return [t.generated, t.distinct];
}

describe('coverage of mock-untrusted (one untrusted device, sysfs writes and DMA mappings)', () => {
  const r = measure('mock-untrusted');

  test('the exploration itself: 6 product states, 40 steps, 3 spec states', () => {
    expect(r.scenarios).toEqual([
      { scenario: 'mock-untrusted', result: 'pass', states: 6, transitions: 40, specStates: 3 },
    ]);
  });

  test('states covered of total, per chart, and which states were never reached', () => {
    const states = Object.fromEntries(
      r.machines.map((m) => [m.id, [m.states.covered, m.states.total]]),
    );
    expect(states).toEqual({
      iommu_group: [3, 7],
      pasid_slot: [1, 2],
      paging_domain: [1, 2],
      global_pasid: [1, 2],
      mm: [1, 3],
      dma_mapping: [5, 6],
    });
    expect(machine(r, 'iommu_group').states.uncovered).toEqual([
      'domain.none',
      'domain.blocking',
      'domain.private',
      'ownership.owned',
    ]);
    // The untrusted device is forced onto a DMA domain: it never uses dma-direct.
    expect(machine(r, 'dma_mapping').states.uncovered).toEqual(['dma_ops.direct']);
  });

  test('transitions covered of total, and the counts (generated/distinct) per transition', () => {
    const g = machine(r, 'iommu_group');
    expect([g.transitions.covered, g.transitions.total]).toEqual([5, 83]);
    expect(count(g, 'domain/iommu_group_store_type#10')).toEqual([12, 3]); // -EPERM: a user
    expect(count(g, 'ownership/iommu_device_use_default_domain#5')).toEqual([2, 1]);
    const d = machine(r, 'dma_mapping');
    expect([d.transitions.covered, d.transitions.total]).toEqual([8, 17]);
    expect(count(d, 'driver/device_driver_attach#1')).toEqual([4, 2]); // -EBUSY: already bound
    expect(count(d, 'driver/device_driver_attach#3')).toEqual([2, 1]); // binds
    expect(count(d, 'driver/dma_map_single#3')).toEqual([2, 1]); // #1 IOVA space full, #2 map_pages armed
    expect(count(d, 'driver.bound.idle/always#1')).toEqual([2, 1]); // idle -> mapped
    expect(machine(r, 'pasid_slot').transitions.covered).toBe(0);
  });

  test('a bound device answers device_driver_attach itself: the group is not asked', () => {
    // The driver core checks dev->driver before the group (__driver_probe_device), so the group
    // is asked only for a device that is not bound, which the group refuses (#2) or lets bind (#3).
    const g = machine(r, 'iommu_group');
    const uses = g.transitions.counts
      .filter((t) => t.event === 'iommu_device_use_default_domain')
      .reduce((n, t) => n + t.generated, 0);
    const d = machine(r, 'dma_mapping');
    const unbound =
      count(d, 'driver/device_driver_attach#2')[0] + count(d, 'driver/device_driver_attach#3')[0];
    expect(uses).toBe(unbound);
    expect(uses).toBe(2);
    // A second DMA-API user of the group (#6) needs a second device: none here.
    expect(count(g, 'ownership/iommu_device_use_default_domain#6')).toEqual([0, 0]);
  });

  test('every step the explorer counts for a call reached the chart that answers it', () => {
    const sc = builtin('mock-untrusted');
    const plain = explore(sc, { spec: createSpecModel(sc) as SpecModel });
    const d = machine(r, 'dma_mapping');
    const taken = (event: string) =>
      d.transitions.counts.filter((t) => t.event === event).reduce((n, t) => n + t.generated, 0);
    expect(taken('dma_map_single')).toBe(plain.perCall.dma_map_single);
    expect(taken('dma_unmap_single')).toBe(plain.perCall.dma_unmap_single);
    expect(taken('device_driver_attach')).toBe(plain.perCall.device_driver_attach);
  });

  test('guard outcomes: a true outcome when the transition fired, false when a later one did', () => {
    const d = machine(r, 'dma_mapping');
    expect([d.guards.covered, d.guards.total]).toEqual([10, 18]);
    expect(d.guards.uncovered).toContain('driver/dma_map_single#1: true');
    expect(d.guards.uncovered).not.toContain('driver/dma_map_single#1: false');
  });

  test('the marked transitions are not findings; the unmarked uncovered ones are', () => {
    const kinds = new Set(r.findings.map((f) => f.kind));
    expect(kinds).toEqual(new Set(['uncovered-transition']));
    const named = r.findings.map((f) => f.message);
    expect(named.some((m) => m.includes('driver/device_release_driver#2'))).toBe(false);
    expect(named.some((m) => m.startsWith('dma_mapping driver/dma_map_single#1 '))).toBe(true);
  });

  test('the reporters: text, JSON shape, one JUnit case per transition', () => {
    const text = coverageText(r, coverageVerdict(r)).join('\n');
    expect(text).toContain('dma_mapping    states 5/6 (83.3%)');
    expect(text).toContain('2/1  driver/device_driver_attach#3');
    const json = coverageJson(r, 'findings') as {
      machines: { id: string; states: object; transitions: { uncovered: unknown[] } }[];
      witnesses: unknown[];
    };
    expect(json.machines.map((m) => m.id)).toEqual(CHARTS.map((c) => c.id));
    expect(json.machines[5].states).toEqual({
      covered: 5,
      total: 6,
      uncovered: ['dma_ops.direct'],
    });
    expect(json.witnesses).toEqual([]);
    const suites = coverageSuites(r);
    expect(suites[5].cases).toHaveLength(17);
    expect(toJUnit('coverage', suites)).toContain(
      '<testcase classname="coverage dma_mapping" name="driver/device_release_driver#2">',
    );
  });
});

describe('findings', () => {
  test('an uncovered transition on a deliberately reduced universe (no dma_unmap_single)', () => {
    const input = {
      name: 'reduced',
      iommus: [{ name: 'm0', driver: 'mock', caps: ['IOMMU_CAP_DEFERRED_FLUSH'] }],
      devices: [{ name: 'dev0', iommu: 'm0', group: 'g0' }],
      buffers: [{ name: 'b0', size: 4096 }],
      bounds: { calls: ['device_driver_attach', 'dma_map_single'] },
    };
    const r = measure('reduced', input);
    expect(coverageVerdict(r)).toBe('findings');
    const d = machine(r, 'dma_mapping');
    expect(d.transitions.uncovered.map((u) => u.id)).toContain('driver/dma_unmap_single#1');
    expect(
      r.findings.filter((f) => f.kind === 'uncovered-transition').map((f) => f.message),
    ).toContainEqual(expect.stringMatching(/^dma_mapping driver\/dma_unmap_single#1 /));
    // The idle -> mapped move is taken; mapped -> idle needs an unmap.
    expect(count(d, 'driver.bound.idle/always#1')[0]).toBeGreaterThan(0);
    expect(count(d, 'driver.bound.mapped/always#1')[0]).toBe(0);
  });

  test('a mark naming no transition, and a mark on a transition a scenario takes', () => {
    const marked = chartInfo(dmaMappingMachine, {
      ...dmaMappingDoc,
      unreachable: [
        { transition: 'driver/dma_map_single#3', guard: null, reason: 'wrongly marked' },
        { transition: 'driver/no_such_call#1', guard: null, reason: 'stale' },
        { transition: 'driver/dma_map_single#1', guard: 'isMapArmed', reason: 'wrong guard' },
      ],
    });
    expect(marked.staleMarks.map((m) => m.transition)).toEqual([
      'driver/no_such_call#1',
      'driver/dma_map_single#1',
    ]);
    const r = measureCoverage([{ ref: 'mock-untrusted', scenario: builtin('mock-untrusted') }], {
      charts: [marked],
    });
    if (!r.ok) throw new Error(r.message);
    const stale = r.value.findings.filter((f) => f.kind === 'stale-mark').map((f) => f.message);
    expect(stale).toHaveLength(3);
    expect(stale[0]).toMatch(/driver\/dma_map_single#3 is marked unreachable .* mock-untrusted/);
    expect(r.value.machines.map((m) => m.id)).toEqual(['dma_mapping']);
  });

  test('the charts shipped have no stale marks', () => {
    for (const c of CHARTS) expect(c.staleMarks, c.id).toEqual([]);
  });

  test('an exploration cut short by a bound is reported with the bound', () => {
    const r = measureCoverage([{ ref: 'mock-untrusted', scenario: builtin('mock-untrusted') }], {
      maxStates: 2,
    });
    if (!r.ok) throw new Error(r.message);
    expect(r.value.scenarios[0].result).toBe('incomplete');
    expect(r.value.scenarios[0].incomplete).toBe('state bound 2 reached');
    expect(coverageText(r.value, coverageVerdict(r.value))[1]).toContain(
      'incomplete: state bound 2 reached',
    );
  });
});

describe('witnesses', () => {
  const base = {
    name: 'w',
    iommus: [{ name: 'm0', driver: 'mock', caps: ['IOMMU_CAP_DEFERRED_FLUSH'] }],
    devices: [{ name: '0000:00:01.0', iommu: 'm0', group: 'g0' }],
    buffers: [{ name: 'b0', size: 4096 }],
    bounds: { maps: 1, calls: ['device_driver_attach', 'device_release_driver', 'dma_map_single'] },
  };

  test('one that holds (with the state that witnesses it) and one that does not', () => {
    const r = measure('w', {
      ...base,
      witnesses: [
        {
          name: 'a bound driver with a mapping',
          facts: ['device dev0 bound', 'device dev0 maps == 1'],
        },
        { name: 'two mappings', facts: ['device 0000:00:01.0 maps >= 2'] },
      ],
    });
    expect(r.witnesses.map((w) => [w.name, w.held])).toEqual([
      ['a bound driver with a mapping', true],
      ['two mappings', false],
    ]);
    expect(r.witnesses[0].state?.devices).toEqual([{ bound: true, maps: 1 }]);
    expect(r.witnesses[0].state?.groups[0].owner_cnt).toBe(1);
    const failed = r.findings.filter((f) => f.kind === 'witness');
    expect(failed).toHaveLength(1);
    expect(failed[0].message).toBe(
      'w: witness "two mappings" (device 0000:00:01.0 maps >= 2) holds in no reachable state',
    );
    expect(coverageVerdict(r)).toBe('findings');
  });

  test('every fact of a witness must hold in the same state', () => {
    const r = measure('w', {
      ...base,
      witnesses: [
        { name: 'unbound with a mapping', facts: ['device dev0 unbound', 'device dev0 maps >= 1'] },
      ],
    });
    expect(r.witnesses[0].held).toBe(false);
  });

  test('the built-in scenarios carry witnesses, and they hold', () => {
    const r = measure('vtd-sva');
    expect(r.witnesses.length).toBeGreaterThan(0);
    for (const w of r.witnesses) expect(w.held, w.name).toBe(true);
  });

  test('a bad fact is an input error naming the scenario, the witness and the fact', () => {
    const r = measureCoverage([
      {
        ref: 'w',
        scenario: scenario({
          ...base,
          witnesses: [{ name: 'x', facts: ['device dev0 bound', 'group g9 domain private'] }],
        }),
      },
    ]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.where).toBe('scenario w.witnesses[0].facts[1]');
    expect(r.message).toBe('"group g9 domain private": no group "g9" in the scenario (groups: g0)');
  });
});

describe('the command (runCoverage, in process)', () => {
  const run = (opts: Parameters<typeof runCoverage>[0]) => {
    const lines: string[] = [];
    const errors: string[] = [];
    const out: CliOutput = {
      line: (t) => lines.push(t),
      json: (v) => lines.push(JSON.stringify(v)),
      note: () => {},
      inputError: (m) => {
        errors.push(m);
        return 2;
      },
    };
    return { code: runCoverage(opts, out), lines, errors };
  };
  const dir = mkdtempSync(join(tmpdir(), 'iommu-spec-coverage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('findings exit 1; --json has machines (states, transitions with the uncovered) and witnesses', () => {
    const r = run({ scenario: ['mock-untrusted'], json: true });
    expect(r.code).toBe(1);
    const json = JSON.parse(r.lines[0]) as {
      result: string;
      machines: {
        id: string;
        transitions: { covered: number; total: number; uncovered: { id: string }[] };
      }[];
      witnesses: unknown[];
    };
    expect(json.result).toBe('findings');
    const d = json.machines.find((m) => m.id === 'dma_mapping');
    expect([d?.transitions.covered, d?.transitions.total]).toEqual([8, 17]);
    expect(d?.transitions.uncovered.map((u) => u.id)).toContain('driver/dma_map_single#1');
    expect(json.witnesses).toEqual([]);
  });

  test('a witness fact that does not parse exits 2 naming it', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'bad',
        iommus: [{ name: 'm0', driver: 'mock' }],
        devices: [{ name: 'dev0', iommu: 'm0', group: 'g0' }],
        witnesses: [{ name: 'x', facts: ['device dev0 maps lots'] }],
      }),
    );
    const r = run({ scenario: [file] });
    expect(r.code).toBe(2);
    expect(r.errors).toEqual([
      `scenario ${file}.witnesses[0].facts[0]: "device dev0 maps lots": maps takes a comparison and a number, as in "maps >= 1"`,
    ]);
  });

  test('an unknown scenario exits 2', () => {
    expect(run({ scenario: ['no-such-scenario'] }).code).toBe(2);
  });
});
