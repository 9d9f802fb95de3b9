/**
 * The caller-contract rule for device-local PASIDs and SVA (machines/router/contract.ts
 * bindWithoutDeviceLocalPasids): the kernel hands an mm the lowest free id of the one global
 * IDA without looking at any pasid_array (drivers/iommu/iommu-sva.c iommu_alloc_mm_data), so a
 * caller that attached a PASID of its own choosing and then binds SVA gets -EBUSY and leaves the
 * mm's PASID meaning a device-local domain. The explorer never makes that bind; replay, which
 * runs what the user gives it, shows the finding with its step.
 */
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../../machines/router/kernel.js';
import type { KernelEvent } from '../../../spec/events.js';
import { parseScenario } from '../../../spec/parse.js';
import { checkTraceSteps } from '../../../spec/trace.js';
import { replayTrace } from '../../../src/check/core/replay.js';

const parsed = parseScenario({
  name: 'vtd-local-pasid',
  iommus: [
    { name: 'dmar0', driver: 'intel-vtd', caps: ['IOMMU_CAP_DEFERRED_FLUSH'], max_pasids: 8 },
  ],
  devices: [
    { name: 'dev', iommu: 'dmar0', group: 'g0', max_pasids: 8 },
    { name: 'other', iommu: 'dmar0', group: 'g1', max_pasids: 8 },
  ],
});
if (!parsed.ok) throw new Error(parsed.message);
const sc = parsed.value;
const spec = createSpecModel(sc);

function stateAfter(events: readonly KernelEvent[]) {
  let s = spec.initial;
  for (const ev of events) {
    expect(spec.allowed(s, ev)).toBe(true);
    s = spec.step(s, ev).next;
  }
  return s;
}

const alloc: KernelEvent = { type: 'iommu_paging_domain_alloc', dev: 0 };
const bind = (dev: number): KernelEvent => ({ type: 'iommu_sva_bind_device', dev, mm: 0 });

describe('bindWithoutDeviceLocalPasids', () => {
  test('no SVA bind while a device-local PASID is attached, in its group or any other', () => {
    const s = stateAfter([
      alloc,
      { type: 'iommu_attach_device_pasid', dev: 0, domain: { kind: 'user', slot: 0 }, pasid: 1 },
    ]);
    expect(spec.allowed(s, bind(0))).toBe(false);
    expect(spec.allowed(s, bind(1))).toBe(false);
  });

  test('a PASID the caller holds from iommu_alloc_global_pasid does not stop a bind', () => {
    const s = stateAfter([
      alloc,
      { type: 'iommu_alloc_global_pasid', dev: 0 },
      { type: 'iommu_attach_device_pasid', dev: 0, domain: { kind: 'user', slot: 0 }, pasid: 1 },
    ]);
    expect(spec.allowed(s, bind(0))).toBe(true);
    expect(spec.step(s, bind(0)).ret).toBe('sva:0:0');
  });

  test('replayed anyway, the kernel-legal sequence runs to the end and shows the finding', () => {
    const steps = checkTraceSteps(
      [
        { call: 'iommu_paging_domain_alloc', dev: 'dev', as: 'd0' },
        { call: 'iommu_attach_device_pasid', domain: 'd0', dev: 'dev', pasid: 1, expect: 0 },
        { call: 'iommu_sva_bind_device', dev: 'dev', mm: 'mm0', expect: -16 },
        { call: 'iommu_detach_device_pasid', domain: 'd0', dev: 'dev', pasid: 1 },
      ],
      sc,
    );
    if (!steps.ok) throw new Error(steps.message);
    const r = replayTrace(sc, steps.value, { spec: createSpecModel(sc) });
    if (!r.ok) throw new Error(r.message);
    expect(r.value.steps).toHaveLength(4);
    expect(r.value.findings).toMatchObject([
      { result: 'violation', index: 2, invariant: 'GlobalPasidNotDeviceLocal' },
    ]);
  });
});
