/**
 * What a device sees through the DMA layer (issue 3), as traces replayed through the lockstep
 * step with every invariant on: mappings across the live DMA->DMA-FQ upgrade, strict and lazy
 * unmaps against the IOTLB, and PASID detach.
 */
import { describe, expect, test } from 'vitest';
import { parseScenario } from '../../../spec/parse.js';
import type { ScenarioInput } from '../../../spec/scenario.js';
import { checkTraceSteps } from '../../../spec/trace.js';
import { bootEmulator } from '../../../src/check/core/emulator.js';
import { replayTrace } from '../../../src/check/core/replay.js';
import { alloc_iova_fast, iova_cached_pfns } from '../../../src/kernel/iova.js';

function scenario(input: ScenarioInput) {
  const p = parseScenario(input);
  if (!p.ok) throw new Error(p.message);
  return p.value;
}

function run(input: ScenarioInput, steps: Record<string, unknown>[], mutants: string[] = []) {
  const sc = scenario(input);
  const checked = checkTraceSteps(steps, sc);
  if (!checked.ok) throw new Error(`${checked.where}: ${checked.message}`);
  const r = replayTrace(sc, checked.value, { mutants });
  if (!r.ok) throw new Error(`${r.where}: ${r.message}`);
  return r.value;
}

const smmu = (strict: boolean, extra: Partial<ScenarioInput> = {}): ScenarioInput => ({
  name: 't',
  kernel: { 'iommu.strict': strict },
  iommus: [
    { name: 'smmu0', driver: 'arm-smmu-v3', caps: ['IOMMU_CAP_DEFERRED_FLUSH'], max_pasids: 8 },
  ],
  devices: [{ name: 'dev0', iommu: 'smmu0', group: 'g0', max_pasids: 8 }],
  buffers: [
    { name: 'b0', size: 4096 },
    { name: 'b1', size: 4096 },
  ],
  dma: { fq_size: 4, iova_mag_size: 1 },
  ...extra,
});

describe('DMA layer as a device sees it', () => {
  test('a mapping made under DMA survives the live upgrade to DMA-FQ and still translates (iommu_group_store_type)', () => {
    const r = run(smmu(true), [
      { call: 'device_driver_attach', dev: 'dev0', expect: 0 },
      { call: 'iommu_group_show_type', group: 'g0', expect: 'DMA\n' },
      { call: 'dma_map_single', dev: 'dev0', buf: 'b0', as: 'i0' },
      { call: 'device_dma', dev: 'dev0', iova: 'i0', expect: 'b0' },
      { call: 'iommu_group_store_type', group: 'g0', type: 'DMA-FQ', expect: 6 },
      { call: 'iommu_group_show_type', group: 'g0', expect: 'DMA-FQ\n' },
      { call: 'device_dma', dev: 'dev0', iova: 'i0', expect: 'b0' },
      { call: 'dma_unmap_single', dev: 'dev0', iova: 'i0', expect: 0 },
    ]);
    expect(r.outcome).toEqual({ result: 'pass' });
  });

  test('strict: an unmapped IOVA faults at once and is handed out again only after the sync (__iommu_dma_unmap)', () => {
    const r = run(smmu(true), [
      { call: 'device_driver_attach', dev: 'dev0', expect: 0 },
      { call: 'dma_map_single', dev: 'dev0', buf: 'b0', as: 'i0' },
      { call: 'device_dma', dev: 'dev0', iova: 'i0', expect: 'b0' },
      { call: 'dma_unmap_single', dev: 'dev0', iova: 'i0', expect: 0 },
      { call: 'device_dma', dev: 'dev0', iova: 'i0', expect: -14 },
      { call: 'dma_map_single', dev: 'dev0', buf: 'b1', as: 'i1' },
      { call: 'device_dma', dev: 'dev0', iova: 'i1', expect: 'b1' },
    ]);
    expect(r.outcome).toEqual({ result: 'pass' });
    // The IOVA came back from the rcache (same number) only because the sync had run.
    const maps = r.steps.filter((s) => s.call === 'dma_map_single').map((s) => s.ret);
    expect(maps[0]).toBe(maps[1]);
  });

  test('strict-free-before-sync mutant: the IOVA is back in the rcache while the IOTLB still holds it', () => {
    const r = run(
      smmu(true),
      [
        { call: 'device_driver_attach', dev: 'dev0' },
        { call: 'dma_map_single', dev: 'dev0', buf: 'b0', as: 'i0' },
        { call: 'device_dma', dev: 'dev0', iova: 'i0' },
        { call: 'dma_unmap_single', dev: 'dev0', iova: 'i0' },
      ],
      ['strict-free-before-sync'],
    );
    expect(r.outcome.result).toBe('violation');
    // The stale IOTLB entry with no invalidation pending, and the IOVA back in the rcache.
    if (r.outcome.result === 'violation')
      expect(['IotlbCoherent', 'NoIovaReuseBeforeInvalidation']).toContain(r.outcome.invariant);
  });

  test('flush queue: no IOVA is reallocated while the IOTLB may still hold it (queue_iova, fq_ring_free_locked)', () => {
    const r = run(smmu(false), [
      { call: 'device_driver_attach', dev: 'dev0', expect: 0 },
      { call: 'iommu_group_show_type', group: 'g0', expect: 'DMA-FQ\n' },
      { call: 'dma_map_single', dev: 'dev0', buf: 'b0', as: 'i0' },
      { call: 'device_dma', dev: 'dev0', iova: 'i0', expect: 'b0' },
      { call: 'dma_unmap_single', dev: 'dev0', iova: 'i0', expect: 0 },
      // Lazy: the stale IOTLB entry still translates until the flush.
      { call: 'device_dma', dev: 'dev0', iova: 'i0', expect: 'b0' },
      { call: 'dma_map_single', dev: 'dev0', buf: 'b1', as: 'i1' },
      { call: 'device_dma', dev: 'dev0', iova: 'i1', expect: 'b1' },
      { call: 'fq_flush_timeout', expect: 0 },
      { call: 'device_dma', dev: 'dev0', iova: 'i0', expect: -14 },
    ]);
    expect(r.outcome).toEqual({ result: 'pass' });
    const maps = r.steps.filter((s) => s.call === 'dma_map_single').map((s) => s.ret);
    expect(maps[0]).not.toBe(maps[1]);
  });

  test('fq-entry-freed-early mutant: the queued IOVA is reused while the IOTLB still maps it', () => {
    const r = run(
      smmu(false),
      [
        { call: 'device_driver_attach', dev: 'dev0' },
        { call: 'dma_map_single', dev: 'dev0', buf: 'b0', as: 'i0' },
        { call: 'device_dma', dev: 'dev0', iova: 'i0' },
        { call: 'dma_unmap_single', dev: 'dev0', iova: 'i0' },
      ],
      ['fq-entry-freed-early'],
    );
    expect(r.outcome.result).toBe('violation');
  });

  test('device_dma after iommu_detach_device_pasid faults (iommu_remove_dev_pasid)', () => {
    const r = run(smmu(true), [
      { call: 'iommu_paging_domain_alloc', dev: 'dev0', as: 'd' },
      { call: 'iommu_map', domain: 'd', iova: 0x100000, buf: 'b0', size: 4096, expect: 0 },
      { call: 'iommu_attach_device_pasid', domain: 'd', dev: 'dev0', pasid: 3, expect: 0 },
      { call: 'device_dma', dev: 'dev0', iova: 0x100000, pasid: 3, expect: 'b0' },
      { call: 'device_dma', dev: 'dev0', iova: 0x100000, pasid: 4, expect: -14 },
      { call: 'iommu_detach_device_pasid', domain: 'd', dev: 'dev0', pasid: 3, expect: 0 },
      { call: 'device_dma', dev: 'dev0', iova: 0x100000, pasid: 3, expect: -14 },
    ]);
    expect(r.outcome).toEqual({ result: 'pass' });
  });

  test('an identity domain passes DMA straight to physical addresses; a blocked one faults', () => {
    const r = run(smmu(true, { kernel: { 'iommu.passthrough': true } }), [
      { call: 'device_driver_attach', dev: 'dev0', expect: 0 },
      { call: 'dma_map_single', dev: 'dev0', buf: 'b0', as: 'p0' },
      { call: 'device_dma', dev: 'dev0', iova: 'p0', expect: 'b0' },
      { call: 'dma_unmap_single', dev: 'dev0', iova: 'p0', expect: 0 },
      { call: 'device_release_driver', dev: 'dev0', expect: 0 },
      { call: 'iommu_group_claim_dma_owner', group: 'g0', owner: 'vfio', expect: 0 },
      { call: 'device_dma', dev: 'dev0', iova: 0x100000000, expect: -14 },
    ]);
    expect(r.outcome).toEqual({ result: 'pass' });
    expect(r.steps[1].ret).toBe(0x100000000);
  });

  test('every rcache entry is a power of two in its own bin after odd-sized DMA (alloc_iova_fast roundup)', () => {
    const sc = scenario(smmu(true, { buffers: [{ name: 'b0', size: 3 * 4096 }] }));
    const emu = bootEmulator(sc);
    const iovad = emu.initial.domains[emu.initial.groups[0].default_domain]!.cookie!.iovad;
    const pfn = alloc_iova_fast(iovad, 3, 0xfffff, false);
    expect(pfn % 4).toBe(0);
    const r = run(smmu(true, { buffers: [{ name: 'b0', size: 3 * 4096 }] }), [
      { call: 'device_driver_attach', dev: 'dev0' },
      { call: 'dma_map_single', dev: 'dev0', buf: 'b0', as: 'i0' },
      { call: 'dma_unmap_single', dev: 'dev0', iova: 'i0' },
    ]);
    expect(r.outcome).toEqual({ result: 'pass' });
    expect(iova_cached_pfns(iovad)).toEqual([]);
  });
});
