/**
 * The spec predicts DMA results (machines/router/kernel.ts deviceDma): from its abstract view it
 * states the set of results a device's access may have, and the lockstep check holds the
 * emulator's answer to it (spec/model.ts retAllowed). At a live DMA-API mapping with the group on
 * its default domain: the mapped buffer; on the blocking domain: a fault, whatever the address.
 */
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../../machines/router/kernel.js';
import type { KernelEvent } from '../../../spec/events.js';
import { retAllowed, type SpecModel } from '../../../spec/model.js';
import { parseScenario } from '../../../spec/parse.js';
import { bootEmulator } from '../../../src/check/core/emulator.js';
import { createLockstep, type ProductState } from '../../../src/check/core/lockstep.js';

const parsed = parseScenario({
  name: 'dma-predictions',
  kernel: { 'iommu.strict': true },
  iommus: [{ name: 'm0', driver: 'mock', caps: ['IOMMU_CAP_DEFERRED_FLUSH'] }],
  devices: [{ name: 'dev', iommu: 'm0', group: 'g0' }],
  buffers: [
    { name: 'b0', size: 4096 },
    { name: 'b1', size: 4096 },
  ],
});
if (!parsed.ok) throw new Error(parsed.message);
const sc = parsed.value;

function run(spec: SpecModel, events: readonly KernelEvent[]) {
  const ls = createLockstep(sc, bootEmulator(sc), { spec });
  let s: ProductState = ls.initial;
  const out = [];
  for (const ev of events) {
    // device_dma and dma_unmap_single name a live mapping by index, with its IOVA.
    const e =
      ev.map !== undefined ? { ...ev, iova: s.emu.devices[ev.dev ?? 0].maps[ev.map].iova } : ev;
    const r = ls.step(s, e);
    out.push(r);
    s = r.next;
  }
  return out;
}

const MAPPED: readonly KernelEvent[] = [
  { type: 'device_driver_attach', dev: 0 },
  { type: 'dma_map_single', dev: 0, buf: 0 },
  { type: 'dma_map_single', dev: 0, buf: 1 },
];

describe('device_dma: the spec states the allowed results', () => {
  test('a live mapping reaches its buffer, in the order mappings were made', () => {
    const r = run(createSpecModel(sc), [
      ...MAPPED,
      { type: 'device_dma', dev: 0, map: 1 },
      { type: 'dma_unmap_single', dev: 0, map: 0 },
      { type: 'device_dma', dev: 0, map: 0 },
    ]);
    expect(r[3]).toMatchObject({ specRet: ['b1'], emuRet: 'b1', divergence: null });
    expect(r[5]).toMatchObject({ specRet: ['b1'], emuRet: 'b1', divergence: null });
  });

  test('on the blocking domain every access faults', () => {
    const r = run(createSpecModel(sc), [
      { type: 'iommu_device_claim_dma_owner', dev: 0, owner: 'vfio' },
      { type: 'device_dma', dev: 0, iova: 0x100000 },
    ]);
    expect(r[1]).toMatchObject({ specRet: [-14], emuRet: -14, divergence: null });
  });

  test('the check holds the emulator to the prediction: a wrong prediction is a divergence', () => {
    const honest = createSpecModel(sc);
    const wrong: typeof honest = {
      ...honest,
      step: (s, ev) => {
        const t = honest.step(s, ev);
        return ev.type === 'device_dma' ? { ...t, ret: ['b0'] } : t;
      },
    };
    const r = run(wrong as SpecModel, [...MAPPED, { type: 'device_dma', dev: 0, map: 1 }]);
    expect(r[3].divergence).toContain('device_dma returned "b1"');
  });

  test("through a caller's domain: mapped, after iommu_unmap a fault, after iommu_unmap_fast the old buffer or a fault until the sync", () => {
    const d0 = { kind: 'user', slot: 0 } as const;
    const X = 0x100000;
    const r = run(createSpecModel(sc), [
      { type: 'iommu_paging_domain_alloc', dev: 0 },
      { type: 'iommu_attach_device', dev: 0, domain: d0 },
      { type: 'iommu_map', domain: d0, iova: X, buf: 0 },
      { type: 'iommu_iova_to_phys', domain: d0, iova: X + 8 },
      { type: 'device_dma', dev: 0, iova: X },
      { type: 'iommu_unmap_fast', domain: d0, iova: X, size: 4096 },
      { type: 'device_dma', dev: 0, iova: X },
      { type: 'iommu_iotlb_sync', domain: d0 },
      { type: 'device_dma', dev: 0, iova: X },
      { type: 'iommu_map', domain: d0, iova: X, buf: 1 },
      { type: 'iommu_unmap', domain: d0, iova: X, size: 4096 },
      { type: 'device_dma', dev: 0, iova: X },
      { type: 'iommu_unmap', domain: d0, iova: X, size: 4096 },
    ]);
    for (const x of r) expect(x.divergence).toBeNull();
    expect(r[2].specRet).toBe(0);
    expect(r[3].specRet).toBe(0x100000 * 4096 + 8);
    expect(r[4].specRet).toEqual(['b0']);
    expect(r[5].specRet).toBe(4096);
    expect(r[6].specRet).toEqual([-14, 'b0']);
    expect(r[8].specRet).toEqual([-14]);
    expect(r[11].specRet).toEqual([-14]);
    expect(r[12].specRet).toBe(0);
  });

  test('retAllowed: a set, a single value, or anything', () => {
    expect(retAllowed(['b0', -14], -14)).toBe(true);
    expect(retAllowed(['b0'], 'b1')).toBe(false);
    expect(retAllowed(0, 0)).toBe(true);
    expect(retAllowed('*', 'anything')).toBe(true);
  });
});
