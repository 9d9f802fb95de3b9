/** Step invariants (spec/invariants/actions.ts) on hand-made before/after observations. */
import { describe, expect, test } from 'vitest';
import type { KernelEvent } from '../../../spec/events.js';
import {
  ClaimNeedsNoPasids,
  FailedPasidAttachLeavesNoTrace,
  IommuUnmapIsSynchronous,
  NoStealing,
  SysfsChangeNeedsNoUsers,
} from '../../../spec/invariants/actions.js';
import { dmaDomain, makeObs, staticDomain, withGroupView } from '../../__helpers__/observation.js';

const G1 = { default_domain: 3, blocking_domain: -1, domain: 3, pasids: [] };
const g0 = (domain: number, pasids: { pasid: number; domain: number }[] = [], def = 2) => [
  { default_domain: def, blocking_domain: 1, domain, pasids },
  G1,
];
const withUser = {
  domains: [
    staticDomain(0, 'IDENTITY'),
    staticDomain(1, 'BLOCKED'),
    dmaDomain(2),
    dmaDomain(3),
    dmaDomain(4),
  ],
};

describe('NoStealing', () => {
  const ev: KernelEvent = {
    type: 'iommu_attach_device',
    dev: 0,
    domain: { kind: 'user', slot: 0 },
  };
  test("fires on an attach that succeeded over another user's domain", () => {
    const before = makeObs({ ...withUser, groups: g0(3) });
    expect(NoStealing.holds(before, ev, 0, makeObs({ ...withUser, groups: g0(4) }))).toBe(
      'iommu_attach_device succeeded on group 0 while domain 3 (neither default 2 nor blocking 1) was attached',
    );
  });
  test('holds from the default or the blocking domain, and for a failed attach', () => {
    const after = makeObs({ ...withUser, groups: g0(4) });
    expect(NoStealing.holds(makeObs({ ...withUser, groups: g0(2) }), ev, 0, after)).toBeNull();
    expect(NoStealing.holds(makeObs({ ...withUser, groups: g0(1) }), ev, 0, after)).toBeNull();
    expect(NoStealing.holds(makeObs({ ...withUser, groups: g0(3) }), ev, -16, after)).toBeNull();
  });
});

describe('FailedPasidAttachLeavesNoTrace', () => {
  const ev: KernelEvent = {
    type: 'iommu_attach_device_pasid',
    dev: 0,
    pasid: 1,
    domain: { kind: 'user', slot: 0 },
  };
  test('fires when a failed attach changed pasid_array', () => {
    const before = makeObs({ ...withUser, groups: g0(2, [{ pasid: 1, domain: 3 }]) });
    const after = makeObs({ ...withUser, groups: g0(2, [{ pasid: 1, domain: 4 }]) });
    expect(FailedPasidAttachLeavesNoTrace.holds(before, ev, -16, after)).toBe(
      'failed iommu_attach_device_pasid (-16) changed pasid_array[1] from 3 to 4',
    );
  });
  test('fires when it left a hardware route behind', () => {
    const before = makeObs(withUser);
    const a = makeObs(withUser);
    const after = {
      ...a,
      route: (dev: number, p: number) =>
        p === 1 ? { kind: 'translate' as const, domain: 4 } : a.route(dev, p),
    };
    expect(FailedPasidAttachLeavesNoTrace.holds(before, ev, -22, after)).toBe(
      'failed iommu_attach_device_pasid changed the hardware route of device 0 PASID 1',
    );
  });
  test('holds when nothing changed, and a successful attach may change both', () => {
    const o = makeObs(withUser);
    expect(FailedPasidAttachLeavesNoTrace.holds(o, ev, -22, o)).toBeNull();
    expect(
      FailedPasidAttachLeavesNoTrace.holds(
        o,
        ev,
        0,
        makeObs({ ...withUser, groups: g0(2, [{ pasid: 1, domain: 4 }]) }),
      ),
    ).toBeNull();
  });
});

describe('ClaimNeedsNoPasids', () => {
  const ev: KernelEvent = { type: 'iommu_device_claim_dma_owner', dev: 0, owner: 'vfio' };
  const withPasid = makeObs({ groups: g0(2, [{ pasid: 1, domain: 3 }]) });
  const owned = withGroupView(makeObs({ groups: g0(1, [{ pasid: 1, domain: 3 }]) }), 0, {
    owner: 'vfio',
    owner_cnt: 1,
  });
  test('fires on a claim that succeeded with a PASID attached', () => {
    expect(ClaimNeedsNoPasids.holds(withPasid, ev, 0, owned)).toBe(
      'group 0 was claimed with 1 PASID(s) attached',
    );
  });
  test('holds with no PASID, and for a second claim by the same owner (owner_cnt++)', () => {
    expect(
      ClaimNeedsNoPasids.holds(
        makeObs(),
        ev,
        0,
        withGroupView(makeObs({ groups: g0(1) }), 0, { owner: 'vfio', owner_cnt: 1 }),
      ),
    ).toBeNull();
    const again = withGroupView(owned, 0, { owner_cnt: 2 });
    expect(ClaimNeedsNoPasids.holds(owned, ev, 0, again)).toBeNull();
  });
});

describe('SysfsChangeNeedsNoUsers', () => {
  const ev: KernelEvent = { type: 'iommu_group_store_type', group: 0, sysfs: 'identity' };
  const replaced = makeObs({ groups: g0(0, [], 0) });
  test('fires when the default domain was replaced under a bound driver', () => {
    const before = withGroupView(makeObs(), 0, { owner_cnt: 1 });
    expect(SysfsChangeNeedsNoUsers.holds(before, ev, 9, replaced)).toBe(
      'default domain of group 0 replaced with owner_cnt 1',
    );
  });
  test('holds with no users, for the live DMA to DMA-FQ upgrade that keeps the domain, and for a refused write', () => {
    expect(SysfsChangeNeedsNoUsers.holds(makeObs(), ev, 9, replaced)).toBeNull();
    const used = withGroupView(makeObs(), 0, { owner_cnt: 1 });
    expect(SysfsChangeNeedsNoUsers.holds(used, { ...ev, sysfs: 'DMA-FQ' }, 7, used)).toBeNull();
    expect(SysfsChangeNeedsNoUsers.holds(used, ev, -16, replaced)).toBeNull();
  });
});

describe('IommuUnmapIsSynchronous', () => {
  // iommu_unmap(default domain of group 0, IOVA 0x10000, 4096) returned 4096.
  const ev: KernelEvent = {
    type: 'iommu_unmap',
    domain: { kind: 'default', group: 0 },
    iova: 0x10000,
    size: 4096,
  };
  test('fires when the IOTLB still holds the unmapped page of that domain', () => {
    const after = makeObs({ iotlb: [{ iommu: 0, tag: 2, iova_pfn: 0x10, paddr_pfn: 0x100000 }] });
    expect(IommuUnmapIsSynchronous.holds(makeObs(), ev, 4096, after)).toContain(
      'IOTLB still holds part of a range iommu_unmap returned',
    );
  });
  test("holds for another domain's entry at the same IOVA", () => {
    const after = makeObs({ iotlb: [{ iommu: 0, tag: 3, iova_pfn: 0x10, paddr_pfn: 0x100000 }] });
    expect(IommuUnmapIsSynchronous.holds(makeObs(), ev, 4096, after)).toBeNull();
  });
  test('holds for the page just past the range, and when nothing was unmapped', () => {
    const after = makeObs({ iotlb: [{ iommu: 0, tag: 2, iova_pfn: 0x11, paddr_pfn: 0x100000 }] });
    expect(IommuUnmapIsSynchronous.holds(makeObs(), ev, 4096, after)).toBeNull();
    const stale = makeObs({ iotlb: [{ iommu: 0, tag: 2, iova_pfn: 0x10, paddr_pfn: 0x100000 }] });
    expect(IommuUnmapIsSynchronous.holds(makeObs(), ev, 0, stale)).toBeNull();
  });
});
