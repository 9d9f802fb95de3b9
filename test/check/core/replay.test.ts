/**
 * Replay runs to the end (src/check/core/replay.ts): every finding at its step, the spec going
 * on from the emulator's state after a divergence, `stopAtFirst` for the old behaviour; and the
 * user's names in and out (src/check/core/trace-names.ts): any mm name, domains returned by the
 * trace's `as` names and groups by the scenario's group names.
 */
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../../machines/router/kernel.js';
import { parseScenario } from '../../../spec/parse.js';
import type { Scenario } from '../../../spec/scenario.js';
import { BUILTIN_SCENARIOS } from '../../../spec/scenarios/index.js';
import { checkTraceSteps } from '../../../spec/trace.js';
import { buildTrace } from '../../../src/check/core/counterexample.js';
import { bootEmulator } from '../../../src/check/core/emulator.js';
import { createLockstep } from '../../../src/check/core/lockstep.js';
import {
  type ReplayOptions,
  type ReplayResult,
  replayScenario,
  replayTrace,
} from '../../../src/check/core/replay.js';

function parsed(raw: unknown): Scenario {
  const r = parseScenario(raw);
  if (!r.ok) throw new Error(`${r.where}: ${r.message}`);
  return r.value;
}

function replay(
  sc: Scenario,
  raw: Record<string, unknown>[],
  options: ReplayOptions = {},
): ReplayResult {
  const steps = checkTraceSteps(raw, sc);
  if (!steps.ok) throw new Error(`${steps.where}: ${steps.message}`);
  const r = replayTrace(sc, steps.value, {
    spec: createSpecModel(sc),
    specFor: (s) => createSpecModel(s),
    ...options,
  });
  if (!r.ok) throw new Error(`${r.where}: ${r.message}`);
  return r.value;
}

const SMMU = '0000:00:01.0';
const IGPU = parsed(BUILTIN_SCENARIOS['smmu-and-amd-igpu']);

/** A one-device VT-d scenario whose group is named g1. */
const VTD_G1 = parsed({
  name: 'vtd-g1',
  iommus: [
    { name: 'dmar0', driver: 'intel-vtd', caps: ['IOMMU_CAP_DEFERRED_FLUSH'], max_pasids: 8 },
  ],
  devices: [{ name: 'dev', iommu: 'dmar0', group: 'g1', max_pasids: 8 }],
  bounds: { domains: 2 },
});

describe('replay runs to the end', () => {
  const divergent = [
    { call: 'device_driver_attach', dev: SMMU, expect: 0 },
    // With the mutant the emulator replaces the default domain under the bound driver.
    { call: 'iommu_group_store_type', group: 'g0', type: 'identity' },
    { call: 'iommu_group_show_type', group: 'g0' },
    { call: 'device_release_driver', dev: SMMU, expect: 1 },
  ];

  test('a divergence is reported at its step and the replay goes on from the emulator state', () => {
    const r = replay(IGPU, divergent, { mutants: ['sysfs-type-with-driver-bound'] });
    expect(r.steps.map((s) => s.index)).toEqual([0, 1, 2, 3]);
    // The spec re-synchronised with the emulator: show_type agrees (no second divergence).
    expect(r.steps[2].ret).toBe('identity\n');
    expect(r.findings.map((f) => [f.result, f.index])).toEqual([
      ['divergence', 1],
      ['mismatch', 3],
    ]);
    expect(r.outcome).toMatchObject({ result: 'divergence', index: 1 });
  });

  test('stopAtFirst keeps the old behaviour: the replay ends at the first finding', () => {
    const r = replay(IGPU, divergent, {
      mutants: ['sysfs-type-with-driver-bound'],
      stopAtFirst: true,
    });
    expect(r.steps.map((s) => s.index)).toEqual([0, 1]);
    expect(r.findings).toHaveLength(1);
  });

  test('a state invariant is reported when it starts to fail, not again at every step', () => {
    const sc = parsed({
      ...(BUILTIN_SCENARIOS['mock-untrusted'] as object),
      name: 'mock-untrusted-dma-fq',
    });
    const r = replay(sc, [
      { call: 'iommu_group_store_type', group: 'g0', type: 'DMA-FQ', expect: 6 },
      { call: 'iommu_group_show_type', group: 'g0', expect: 'DMA-FQ\n' },
      { call: 'iommu_group_show_type', group: 'g0', expect: 'DMA-FQ\n' },
    ]);
    expect(r.steps).toHaveLength(3);
    expect(r.findings.map((f) => [f.result, f.index])).toEqual([['violation', 0]]);
    expect(r.findings[0]).toMatchObject({ invariant: 'UntrustedStrict' });
  });
});

describe("the user's names in and out", () => {
  test('any mm names replay, each the next mm slot in order of first use', () => {
    const sc = parsed(BUILTIN_SCENARIOS['vtd-sva']);
    expect(sc.bounds.mms).toBe(1);
    const dev = sc.devices[0].name;
    const raw = [
      { call: 'iommu_sva_bind_device', dev, mm: 'firefox', as: 'h1' },
      { call: 'iommu_sva_bind_device', dev, mm: 'qemu', as: 'h2' },
      { call: 'iommu_sva_get_pasid', handle: 'h1', expect: 1 },
      { call: 'iommu_sva_get_pasid', handle: 'h2', expect: 2 },
    ];
    const steps = checkTraceSteps(raw, sc);
    if (!steps.ok) throw new Error(steps.message);
    expect(replayScenario(sc, steps.value).bounds.mms).toBe(2);
    const r = replay(sc, raw);
    expect(r.findings).toEqual([]);
    expect(r.steps.map((s) => s.ret)).toEqual(['h1', 'h2', 1, 2]);
  });

  test('a trace naming more mms than the bounds needs a spec for the replay scenario', () => {
    const sc = parsed(BUILTIN_SCENARIOS['vtd-sva']);
    const dev = sc.devices[0].name;
    const steps = checkTraceSteps(
      [
        { call: 'iommu_sva_bind_device', dev, mm: 'a' },
        { call: 'iommu_sva_bind_device', dev, mm: 'b' },
      ],
      sc,
    );
    if (!steps.ok) throw new Error(steps.message);
    const r = replayTrace(sc, steps.value, { spec: createSpecModel(sc) });
    expect(r.ok).toBe(false);
  });

  test('iommu_get_domain_for_dev returns the as name and the group names of the scenario', () => {
    const r = replay(VTD_G1, [
      { call: 'iommu_get_domain_for_dev', dev: 'dev', expect: 'default:g1' },
      { call: 'iommu_paging_domain_alloc', dev: 'dev', as: 'mine', expect: 'mine' },
      { call: 'iommu_paging_domain_alloc', dev: 'dev', as: 'd1', expect: 'd1' },
      { call: 'iommu_attach_device', domain: 'd1', dev: 'dev', expect: 0 },
      { call: 'iommu_get_domain_for_dev', dev: 'dev', expect: 'd1' },
      { call: 'iommu_detach_device', domain: 'd1', dev: 'dev', expect: 0 },
      { call: 'iommu_device_claim_dma_owner', dev: 'dev', owner: 'qemu', expect: 0 },
      { call: 'iommu_get_domain_for_dev', dev: 'dev', expect: 'blocking:g1' },
    ]);
    expect(r.findings).toEqual([]);
    expect(r.steps[4].ret).toBe('d1');
  });

  test('counterexamples name looked-up domains the way replay returns them', () => {
    const emu = bootEmulator(VTD_G1);
    const ls = createLockstep(VTD_G1, emu, { spec: createSpecModel(VTD_G1) });
    const trace = buildTrace(VTD_G1, VTD_G1.name, ls, [
      { type: 'iommu_paging_domain_alloc', dev: 0 },
      { type: 'iommu_paging_domain_alloc', dev: 0 },
      { type: 'iommu_attach_device', dev: 0, domain: { kind: 'user', slot: 1 } },
      { type: 'iommu_get_domain_for_dev', dev: 0 },
      { type: 'iommu_detach_device', dev: 0, domain: { kind: 'user', slot: 1 } },
      { type: 'iommu_get_domain_for_dev', dev: 0 },
    ]);
    expect(trace.steps[3].expect).toBe('d1');
    expect(trace.steps[5].expect).toBe('default:g1');
    expect(replay(VTD_G1, trace.steps as unknown as Record<string, unknown>[]).findings).toEqual(
      [],
    );
  });
});
