/**
 * VT-d caching mode (drivers/iommu/intel/iommu.c intel_iommu_init): a unit with CAP.CM that
 * translates second-stage by default calls iommu_set_dma_strict(), "IOMMU batching disallowed
 * due to virtualization": the global default DMA_FQ becomes DMA, even over iommu.strict=0, so
 * groups boot strict. The emulator's VT-d profile and the spec's default-domain rules agree.
 */
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../machines/router/kernel.js';
import { globalDefaultDomainType } from '../../machines/rules/iommu.js';
import { IOMMU_DOMAIN_DMA, IOMMU_DOMAIN_DMA_FQ } from '../../spec/domain-types.js';
import { parseScenario } from '../../spec/parse.js';
import type { Scenario } from '../../spec/scenario.js';
import { checkTraceSteps } from '../../spec/trace.js';
import { explore } from '../../src/check/core/explore.js';
import { replayTrace } from '../../src/check/core/replay.js';

function vtd(caching_mode: boolean, kernel: Record<string, unknown> = { 'iommu.strict': false }) {
  const r = parseScenario({
    name: `vtd-cm-${caching_mode}`,
    kernel,
    iommus: [
      { name: 'dmar0', driver: 'intel-vtd', caps: ['IOMMU_CAP_DEFERRED_FLUSH'], caching_mode },
    ],
    devices: [{ name: 'dev', iommu: 'dmar0', group: 'g0' }],
    buffers: [{ name: 'b0', size: 4096 }],
    bounds: {
      types: ['DMA-FQ', 'auto', 'identity'],
      calls: [
        'device_driver_attach',
        'device_release_driver',
        'iommu_group_store_type',
        'iommu_group_show_type',
        'dma_map_single',
        'dma_unmap_single',
      ],
    },
  });
  if (!r.ok) throw new Error(`${r.where}: ${r.message}`);
  return r.value;
}

function replay(sc: Scenario, raw: Record<string, unknown>[]) {
  const steps = checkTraceSteps(raw, sc);
  if (!steps.ok) throw new Error(steps.message);
  const r = replayTrace(sc, steps.value, { spec: createSpecModel(sc) });
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

describe('VT-d caching mode forces strict (intel_iommu_init, iommu_set_dma_strict)', () => {
  test('a lazy kernel boots its groups DMA under caching mode, DMA-FQ without it', () => {
    const show = [{ call: 'iommu_group_show_type', group: 'g0' }];
    expect(replay(vtd(true), show).steps[0].ret).toBe('DMA\n');
    expect(replay(vtd(false), show).steps[0].ret).toBe('DMA-FQ\n');
  });

  test('iommu.strict=0 on the command line does not win over caching mode', () => {
    const sc = vtd(true, { 'iommu.strict': false, CONFIG_IOMMU_DEFAULT_DMA_STRICT: false });
    const r = replay(sc, [{ call: 'iommu_group_show_type', group: 'g0', expect: 'DMA\n' }]);
    expect(r.findings).toEqual([]);
  });

  test('"auto" gives the strict default again; an explicit DMA-FQ write still upgrades', () => {
    const r = replay(vtd(true), [
      { call: 'iommu_group_store_type', group: 'g0', type: 'identity', expect: 8 },
      { call: 'iommu_group_store_type', group: 'g0', type: 'auto', expect: 4 },
      { call: 'iommu_group_show_type', group: 'g0', expect: 'DMA\n' },
      { call: 'iommu_group_store_type', group: 'g0', type: 'DMA-FQ', expect: 6 },
      { call: 'iommu_group_show_type', group: 'g0', expect: 'DMA-FQ\n' },
    ]);
    expect(r.findings).toEqual([]);
  });

  test('spec and emulator agree on every reachable state, with and without caching mode', () => {
    for (const cm of [true, false]) {
      const sc = vtd(cm);
      expect(explore(sc, { spec: createSpecModel(sc) }).result).toBe('pass');
    }
  });

  test("the spec's rule: DMA_FQ becomes DMA when a VT-d unit is in caching mode", () => {
    const sc = vtd(true);
    expect(globalDefaultDomainType(sc.kernel, sc.iommus)).toBe(IOMMU_DOMAIN_DMA);
    expect(globalDefaultDomainType(sc.kernel, vtd(false).iommus)).toBe(IOMMU_DOMAIN_DMA_FQ);
  });

  test('caching_mode is a VT-d property: the scenario names the field on another driver', () => {
    const r = parseScenario({
      name: 'smmu-cm',
      iommus: [{ name: 's0', driver: 'arm-smmu-v3', caching_mode: true }],
      devices: [{ name: 'dev', iommu: 's0', group: 'g0' }],
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.where).toContain('caching_mode');
  });
});
