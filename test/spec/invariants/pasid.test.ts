/** PASID invariants (spec/invariants/pasid.ts) on hand-made observations. */
import { describe, expect, test } from 'vitest';
import type { KernelEvent } from '../../../spec/events.js';
import {
  GlobalPasidNotDeviceLocal,
  GlobalPasidSingleHolder,
  NoPasidZeroEntry,
  PasidAttachNeverReplaces,
  PasidRoutesToOneDomain,
  PasidWithinRange,
} from '../../../spec/invariants/pasid.js';
import { dmaDomain, makeObs, staticDomain } from '../../__helpers__/observation.js';

const G1 = { default_domain: 3, blocking_domain: -1, domain: 3, pasids: [] };
const g0With = (pasids: { pasid: number; domain: number }[]) => [
  { default_domain: 2, blocking_domain: 1, domain: 2, pasids },
  G1,
];
const sva = (id: number, mm: number) =>
  dmaDomain(id, {
    type: 'SVA',
    fq: null,
    dma_initialised: false,
    iova: null,
    sva_mm: mm,
    sva_users: 1,
  });

describe('PasidRoutesToOneDomain', () => {
  test('fires when the hardware routes a PASID to another domain than pasid_array holds', () => {
    const o = makeObs({ groups: g0With([{ pasid: 1, domain: 2 }]) });
    const bad = {
      ...o,
      route: (dev: number, p: number) =>
        p === 1 ? { kind: 'translate' as const, domain: 3 } : o.route(dev, p),
    };
    expect(PasidRoutesToOneDomain.holds(bad)).toBe(
      'device 0 PASID 1 routes to {"kind":"translate","domain":3}, pasid_array holds domain 2',
    );
  });
  test('fires on a routed PASID with no pasid_array entry (an entry left behind)', () => {
    const o = makeObs();
    const bad = {
      ...o,
      route: (dev: number, p: number) =>
        p === 3 ? { kind: 'translate' as const, domain: 2 } : o.route(dev, p),
    };
    expect(PasidRoutesToOneDomain.holds(bad)).toBe(
      'device 0 PASID 3 is routed (translate) with no pasid_array entry',
    );
  });
  test('holds when routes and pasid_array agree, and PASIDs at max_pasids are not probed', () => {
    expect(
      PasidRoutesToOneDomain.holds(makeObs({ groups: g0With([{ pasid: 7, domain: 3 }]) })),
    ).toBeNull();
    const o = makeObs();
    const beyond = {
      ...o,
      route: (dev: number, p: number) => (p >= 8 ? { kind: 'bypass' as const } : o.route(dev, p)),
    };
    expect(PasidRoutesToOneDomain.holds(beyond)).toBeNull();
  });
});

describe('NoPasidZeroEntry', () => {
  test('fires on a pasid_array entry at IOMMU_NO_PASID', () => {
    expect(NoPasidZeroEntry.holds(makeObs({ groups: g0With([{ pasid: 0, domain: 3 }]) }))).toBe(
      'group 0 has a PASID 0 entry (domain 3)',
    );
  });
  test('holds at PASID 1', () => {
    expect(
      NoPasidZeroEntry.holds(makeObs({ groups: g0With([{ pasid: 1, domain: 3 }]) })),
    ).toBeNull();
  });
});

describe('PasidWithinRange', () => {
  test('fires at max_pasids (8) of the device', () => {
    expect(PasidWithinRange.holds(makeObs({ groups: g0With([{ pasid: 8, domain: 3 }]) }))).toBe(
      'group 0: PASID 8 >= max_pasids of device 0',
    );
  });
  test('holds at max_pasids - 1', () => {
    expect(
      PasidWithinRange.holds(makeObs({ groups: g0With([{ pasid: 7, domain: 3 }]) })),
    ).toBeNull();
  });
});

describe('GlobalPasidSingleHolder', () => {
  test('fires when two drivers believe they hold the same PASID, though the IDA lists it once', () => {
    const o = makeObs({ ida: [1], driver_pasids: [1, 1] });
    expect(GlobalPasidSingleHolder.holds(o)).toBe(
      'global PASID 1 has 2 holders: a driver, a driver',
    );
  });
  test('fires when two mms hold the same PASID', () => {
    const o = makeObs({
      ida: [2],
      mms: [
        { pasid: 2, sva_domains: [] },
        { pasid: 2, sva_domains: [] },
      ],
    });
    expect(GlobalPasidSingleHolder.holds(o)).toBe('global PASID 2 has 2 holders: mm0, mm1');
  });
  test('fires when a held PASID is not in the IDA', () => {
    expect(GlobalPasidSingleHolder.holds(makeObs({ ida: [], driver_pasids: [3] }))).toBe(
      'global PASID 3 is held by a driver but not allocated in the IDA',
    );
  });
  test('holds: one holder each; an allocated PASID nobody holds yet is not a second holder', () => {
    const o = makeObs({ ida: [1, 2, 4], driver_pasids: [1], mms: [{ pasid: 2, sva_domains: [] }] });
    expect(GlobalPasidSingleHolder.holds(o)).toBeNull();
  });
});

describe('GlobalPasidNotDeviceLocal', () => {
  test("fires when an mm's PASID holds a device-local DMA domain", () => {
    const o = makeObs({
      groups: g0With([{ pasid: 1, domain: 3 }]),
      mms: [{ pasid: 1, sva_domains: [] }],
      ida: [1],
    });
    expect(GlobalPasidNotDeviceLocal.holds(o)).toBe(
      "mm0's PASID 1 holds a non-SVA domain in group 0",
    );
  });
  test("fires when it holds another mm's SVA domain", () => {
    const o = makeObs({
      domains: [
        staticDomain(0, 'IDENTITY'),
        staticDomain(1, 'BLOCKED'),
        dmaDomain(2),
        dmaDomain(3),
        sva(4, 1),
      ],
      groups: g0With([{ pasid: 1, domain: 4 }]),
      mms: [
        { pasid: 1, sva_domains: [] },
        { pasid: -1, sva_domains: [4] },
      ],
    });
    expect(GlobalPasidNotDeviceLocal.holds(o)).toBe(
      "mm0's PASID 1 holds a non-SVA domain in group 0",
    );
  });
  test("holds with the mm's own SVA domain, and a private domain on a PASID no mm holds", () => {
    const o = makeObs({
      domains: [
        staticDomain(0, 'IDENTITY'),
        staticDomain(1, 'BLOCKED'),
        dmaDomain(2),
        dmaDomain(3),
        sva(4, 0),
      ],
      groups: g0With([
        { pasid: 1, domain: 4 },
        { pasid: 2, domain: 3 },
      ]),
      mms: [{ pasid: 1, sva_domains: [4] }],
    });
    expect(GlobalPasidNotDeviceLocal.holds(o)).toBeNull();
  });
});

describe('PasidAttachNeverReplaces', () => {
  const ev: KernelEvent = {
    type: 'iommu_attach_device_pasid',
    dev: 0,
    pasid: 1,
    domain: { kind: 'user', slot: 0 },
  };
  test('fires on a successful attach over a live entry, naming both domains', () => {
    const before = makeObs({ groups: g0With([{ pasid: 1, domain: 2 }]) });
    const after = makeObs({ groups: g0With([{ pasid: 1, domain: 3 }]) });
    expect(PasidAttachNeverReplaces.holds(before, ev, 0, after)).toBe(
      'iommu_attach_device_pasid succeeded on group 0 PASID 1, which held domain 2 (now 3)',
    );
  });
  test('holds on a free slot, on -EBUSY over a live one, and for replace', () => {
    const empty = makeObs();
    const full = makeObs({ groups: g0With([{ pasid: 1, domain: 3 }]) });
    expect(PasidAttachNeverReplaces.holds(empty, ev, 0, full)).toBeNull();
    expect(PasidAttachNeverReplaces.holds(full, ev, -16, full)).toBeNull();
    expect(
      PasidAttachNeverReplaces.holds(full, { ...ev, type: 'iommu_replace_device_pasid' }, 0, full),
    ).toBeNull();
  });
});
