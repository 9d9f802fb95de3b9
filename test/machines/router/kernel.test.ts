/**
 * The router (machines/router/kernel.ts) across charts, and the caller contract (machines/router/contract.ts):
 * a call that touches several objects answers in the kernel's order and commits only what the
 * kernel would.
 */
import { describe, expect, test } from 'vitest';
import { createSpecModel, type KernelSpecState } from '../../../machines/router/kernel.js';
import type { KernelEvent } from '../../../spec/events.js';
import type { SpecModel } from '../../../spec/model.js';
import { parseScenario } from '../../../spec/parse.js';
import { BUILTIN_SCENARIOS } from '../../../spec/scenarios/index.js';

function model(raw: unknown): SpecModel<KernelSpecState> {
  const r = parseScenario(raw);
  if (!r.ok) throw new Error(`${r.where}: ${r.message}`);
  return createSpecModel(r.value);
}

/** Run calls in order; returns the returns and the final state. */
function run(m: SpecModel<KernelSpecState>, evs: readonly KernelEvent[]) {
  let s = m.initial;
  const rets = evs.map((ev) => {
    const r = m.step(s, ev);
    s = r.next;
    return r.ret;
  });
  return { rets, s };
}

const d0 = { kind: 'user', slot: 0 } as const;
const smmu = model({
  name: 'smmu',
  iommus: [{ name: 's', driver: 'arm-smmu-v3', caps: ['IOMMU_CAP_DEFERRED_FLUSH'], max_pasids: 8 }],
  devices: [
    { name: 'a', iommu: 's', group: 'g0', max_pasids: 8 },
    { name: 'b', iommu: 's', group: 'g1', max_pasids: 8 },
  ],
  buffers: [{ name: 'b0', size: 4096 }],
  bounds: { faults: ['domain_alloc_paging', 'attach_dev', 'map_pages'] },
});

describe('router', () => {
  test('boot view: the key order and names of spec/view.ts', () => {
    const m = model(BUILTIN_SCENARIOS['smmu-and-amd-igpu']);
    expect(JSON.stringify(m.view(m.initial))).toBe(
      JSON.stringify({
        groups: [
          { default_type: 'DMA_FQ', domain: 'default', owner: null, owner_cnt: 0, pasids: [] },
          { default_type: 'IDENTITY', domain: 'default', owner: null, owner_cnt: 0, pasids: [] },
        ],
        devices: [
          { bound: false, maps: 0 },
          { bound: false, maps: 0 },
          { bound: false, maps: 0 },
        ],
        user_domains: [],
        driver_pasids: [],
        mms: [{ pasid: -1, bonds: [] }],
      }),
    );
  });

  test('a bound driver with a mapping, then an armed map_pages fails the next map only', () => {
    const { rets, s } = run(smmu, [
      { type: 'device_driver_attach', dev: 0 },
      { type: 'dma_map_single', dev: 0, buf: 0 },
      { type: 'fault_inject', op: 'map_pages' },
      { type: 'dma_map_single', dev: 0, buf: 0 },
      { type: 'dma_map_single', dev: 0, buf: 0 },
    ]);
    expect(rets).toEqual([0, 'IOVA', '*', 'DMA_MAPPING_ERROR', 'IOVA']);
    expect(smmu.view(s).devices[0]).toEqual({ bound: true, maps: 2 });
  });

  test('auto with domain_alloc_paging armed falls back to DMA and uses the fault up', () => {
    const { rets, s } = run(smmu, [
      { type: 'fault_inject', op: 'domain_alloc_paging' },
      { type: 'iommu_group_store_type', group: 0, sysfs: 'identity' },
      { type: 'iommu_group_store_type', group: 0, sysfs: 'auto' },
      { type: 'iommu_paging_domain_alloc', dev: 0 },
    ]);
    expect(rets).toEqual(['*', 8, 4, 'domain:d0']);
    expect(smmu.view(s).groups[0].default_type).toBe('DMA');
  });

  test('a sysfs write that keeps the domain still re-runs iommu_setup_dma_ops on a private domain', () => {
    const { rets } = run(smmu, [
      { type: 'iommu_paging_domain_alloc', dev: 0 },
      { type: 'iommu_attach_device', domain: d0, dev: 0 },
      { type: 'dma_opt_mapping_size', dev: 0 },
      { type: 'iommu_group_store_type', group: 0, sysfs: 'DMA-FQ' },
      { type: 'dma_opt_mapping_size', dev: 0 },
      { type: 'iommu_get_domain_for_dev', dev: 0 },
    ]);
    expect(rets).toEqual(['domain:d0', 0, 131072, 6, 'SIZE_MAX', 'domain:d0']);
  });

  test('an armed attach_dev fails the attach and the claim, leaving everything as it was', () => {
    const { rets, s } = run(smmu, [
      { type: 'iommu_paging_domain_alloc', dev: 0 },
      { type: 'fault_inject', op: 'attach_dev' },
      { type: 'iommu_attach_device', domain: d0, dev: 0 },
      { type: 'iommu_attach_device', domain: d0, dev: 0 },
    ]);
    expect(rets).toEqual(['domain:d0', '*', -12, 0]);
    expect(smmu.view(s).groups[0].domain).toBe('d0');
  });

  test("SVA: two groups behind one IOMMU share the mm's PASID and its SVA domain", () => {
    const { rets, s } = run(smmu, [
      { type: 'iommu_sva_bind_device', dev: 0, mm: 0, handle: 'h0' },
      { type: 'iommu_sva_bind_device', dev: 1, mm: 0, handle: 'h1' },
      { type: 'iommu_sva_bind_device', dev: 0, mm: 0, handle: 'h2' },
      { type: 'iommu_sva_get_pasid', handle: 'h1' },
      { type: 'iommu_sva_unbind_device', handle: 'h0' },
      { type: 'iommu_sva_unbind_device', handle: 'h0' },
    ]);
    expect(rets).toEqual(['h0', 'h1', 'h0', 1, 0, 0]);
    const v = smmu.view(s);
    expect(v.mms).toEqual([{ pasid: 1, bonds: [[1, 1]] }]);
    expect(v.groups.map((g) => g.pasids)).toEqual([[], [[1, 'sva:0']]]);
  });

  test('the IDXD pattern: a driver-held global PASID on the default domain', () => {
    const { rets, s } = run(smmu, [
      { type: 'device_driver_attach', dev: 0 },
      { type: 'iommu_alloc_global_pasid', dev: 0 },
      {
        type: 'iommu_attach_device_pasid',
        domain: { kind: 'default', group: 0 },
        dev: 0,
        pasid: 1,
      },
      { type: 'iommu_sva_bind_device', dev: 1, mm: 0, handle: 'h' },
    ]);
    expect(rets).toEqual([0, 1, 0, 'h']);
    const v = smmu.view(s);
    expect(v.driver_pasids).toEqual([1]);
    expect(v.mms[0].pasid).toBe(2);
    expect(v.groups[0].pasids).toEqual([[1, 'default']]);
  });
});

describe('caller contract', () => {
  test('a user domain slot is named only while allocated; detach only the current one', () => {
    const s0 = smmu.initial;
    expect(smmu.allowed(s0, { type: 'iommu_attach_device', domain: d0, dev: 0 })).toBe(false);
    const { s } = run(smmu, [{ type: 'iommu_paging_domain_alloc', dev: 0 }]);
    expect(smmu.allowed(s, { type: 'iommu_attach_device', domain: d0, dev: 0 })).toBe(true);
    expect(smmu.allowed(s, { type: 'iommu_detach_device', domain: d0, dev: 0 })).toBe(false);
    expect(smmu.allowed(s, { type: 'iommu_domain_free', domain: d0 })).toBe(true);
    const attached = smmu.step(s, { type: 'iommu_attach_device', domain: d0, dev: 0 }).next;
    expect(smmu.allowed(attached, { type: 'iommu_detach_device', domain: d0, dev: 0 })).toBe(true);
    expect(smmu.allowed(attached, { type: 'iommu_domain_free', domain: d0 })).toBe(false);
    // RID attach APIs take only a domain the caller allocated.
    const def = { kind: 'default', group: 0 } as const;
    expect(smmu.allowed(s, { type: 'iommu_attach_group', domain: def, group: 0 })).toBe(false);
  });

  test('the default domain at a PASID only by a bound driver, at a global PASID it holds', () => {
    const def = { kind: 'default', group: 0 } as const;
    const ev = { type: 'iommu_attach_device_pasid', domain: def, dev: 0, pasid: 1 } as const;
    const bound = run(smmu, [{ type: 'device_driver_attach', dev: 0 }]).s;
    expect(smmu.allowed(bound, ev)).toBe(false);
    const held = smmu.step(bound, { type: 'iommu_alloc_global_pasid', dev: 0 }).next;
    expect(smmu.allowed(held, ev)).toBe(true);
    expect(smmu.allowed(held, { ...ev, dev: 1, domain: { kind: 'default', group: 1 } })).toBe(
      false,
    );
  });

  test('no driver unbind, ownership release or PASID free with PASIDs still attached', () => {
    const { s } = run(smmu, [
      { type: 'device_driver_attach', dev: 0 },
      { type: 'iommu_paging_domain_alloc', dev: 0 },
      { type: 'iommu_alloc_global_pasid', dev: 0 },
      { type: 'iommu_attach_device_pasid', domain: d0, dev: 0, pasid: 1 },
    ]);
    expect(smmu.allowed(s, { type: 'device_release_driver', dev: 0 })).toBe(false);
    expect(smmu.allowed(s, { type: 'iommu_free_global_pasid', pasid: 1 })).toBe(false);
    expect(
      smmu.allowed(s, { type: 'iommu_detach_device_pasid', domain: d0, dev: 0, pasid: 1 }),
    ).toBe(true);
  });

  test('must-succeed paths are not taken with their op armed', () => {
    const rd = model({
      name: 'rd',
      iommus: [{ name: 'v', driver: 'intel-vtd', caps: [] }],
      devices: [{ name: 'a', iommu: 'v', group: 'g0', require_direct: true }],
      bounds: { faults: ['attach_dev'] },
    });
    const claim = { type: 'iommu_group_claim_dma_owner', group: 0, owner: 'vfio' } as const;
    expect(rd.allowed(rd.initial, claim)).toBe(true);
    const armed = rd.step(rd.initial, { type: 'fault_inject', op: 'attach_dev' }).next;
    expect(rd.allowed(armed, claim)).toBe(false);
    const owned = run(smmu, [claim]).s;
    const release = { type: 'iommu_group_release_dma_owner', group: 0 } as const;
    expect(smmu.allowed(owned, release)).toBe(true);
    const armedOwned = smmu.step(owned, { type: 'fault_inject', op: 'attach_dev' }).next;
    expect(smmu.allowed(armedOwned, release)).toBe(false);
  });

  test('the key tells apart what the view does not show', () => {
    const armed = smmu.step(smmu.initial, { type: 'fault_inject', op: 'attach_dev' }).next;
    expect(smmu.view(armed)).toEqual(smmu.view(smmu.initial));
    expect(smmu.key(armed)).not.toBe(smmu.key(smmu.initial));
    const again = smmu.step(armed, { type: 'fault_inject', op: 'attach_dev' }).next;
    expect(smmu.key(again)).toBe(smmu.key(armed));
  });
});
