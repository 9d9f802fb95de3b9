/** DMA-API, IOTLB and isolation invariants (spec/invariants/dma.ts) on hand-made observations. */
import { describe, expect, test } from 'vitest';
import {
  BlockedMeansFault,
  DmaIsolation,
  FlushQueueNeedsDeferredFlush,
  FqConsistency,
  IotlbCoherent,
  LiveMappingsTranslate,
  NoIovaReuseBeforeInvalidation,
} from '../../../spec/invariants/dma.js';
import type { DomainObs } from '../../../spec/observe.js';
import { dmaDomain, makeObs, staticDomain } from '../../__helpers__/observation.js';

const BUF0 = 0x100000;
const G1 = { default_domain: 3, blocking_domain: -1, domain: 3, pasids: [] };
const withDomain2 = (d2: Partial<DomainObs>) => [
  staticDomain(0, 'IDENTITY'),
  staticDomain(1, 'BLOCKED'),
  dmaDomain(2, d2),
  dmaDomain(3),
];
/** Domain 2 maps IOVA pfn 0x10 to buffer 0, and the IOVA allocator holds [0x10, 0x10]. */
const mapped = (over: Partial<DomainObs> = {}) =>
  withDomain2({
    mappings: [{ iova_pfn: 0x10, paddr_pfn: BUF0, pages: 1 }],
    iova: { start_pfn: 1, ranges: [[0x10, 0x10]], reserved: [], bins: 3, cached: [] },
    ...over,
  });

describe('FqConsistency', () => {
  test('fires on a DMA_FQ domain without a flush queue', () => {
    expect(
      FqConsistency.holds(makeObs({ domains: withDomain2({ type: 'DMA_FQ', fq: false }) })),
    ).toBe('domain 2 is DMA_FQ without a flush queue');
  });
  test('fires on a DMA domain with one', () => {
    expect(FqConsistency.holds(makeObs({ domains: withDomain2({ fq: true }) }))).toBe(
      'domain 2 is DMA with a flush queue',
    );
  });
  test('holds for DMA_FQ with a queue, and before iommu_dma_init_domain has run', () => {
    expect(
      FqConsistency.holds(makeObs({ domains: withDomain2({ type: 'DMA_FQ', fq: true }) })),
    ).toBeNull();
    expect(
      FqConsistency.holds(
        makeObs({ domains: withDomain2({ type: 'DMA_FQ', fq: false, dma_initialised: false }) }),
      ),
    ).toBeNull();
  });
});

describe('FlushQueueNeedsDeferredFlush', () => {
  const noCap = { name: 'm1', driver: 'mock' as const, caps: [], max_pasids: 0 };
  const fqDefault = withDomain2({ type: 'DMA_FQ', fq: true });
  test('fires on a flush queue behind an IOMMU without the capability, naming device and IOMMU', () => {
    const o = makeObs({
      domains: fqDefault,
      devs: [
        { name: 'dev0', group: 'g0', iommu: 'm1' },
        { name: 'dev1', group: 'g1' },
      ],
      iommus: [noCap],
    });
    expect(FlushQueueNeedsDeferredFlush.holds(o)).toBe(
      "default domain 2 of group 0 has a flush queue but device 0's IOMMU m1 lacks IOMMU_CAP_DEFERRED_FLUSH",
    );
  });
  test('holds with the capability, and a strict domain needs none', () => {
    expect(FlushQueueNeedsDeferredFlush.holds(makeObs({ domains: fqDefault }))).toBeNull();
    const strict = makeObs({
      devs: [
        { name: 'dev0', group: 'g0', iommu: 'm1' },
        { name: 'dev1', group: 'g1' },
      ],
      iommus: [noCap],
    });
    expect(FlushQueueNeedsDeferredFlush.holds(strict)).toBeNull();
  });
});

describe('LiveMappingsTranslate', () => {
  const live = [{ dev: 0, iova: 0x10000, size: 4096, buf: 0 }];
  test('fires when a live mapping reaches the wrong page, naming IOVA and pfn', () => {
    const o = makeObs({
      domains: withDomain2({ mappings: [{ iova_pfn: 0x10, paddr_pfn: BUF0 + 1, pages: 1 }] }),
      live_maps: live,
    });
    expect(LiveMappingsTranslate.holds(o)).toBe(
      'device 0 IOVA 0x10000 should reach buffer 0 but reaches pfn 0x100001',
    );
  });
  test('fires when it faults', () => {
    expect(LiveMappingsTranslate.holds(makeObs({ live_maps: live }))).toBe(
      'device 0 IOVA 0x10000 should reach buffer 0 but faults',
    );
  });
  test("holds when it reaches the buffer, and when the driver's singleton group left its default domain", () => {
    expect(LiveMappingsTranslate.holds(makeObs({ domains: mapped(), live_maps: live }))).toBeNull();
    const moved = makeObs({
      live_maps: live,
      groups: [{ default_domain: 2, blocking_domain: 1, domain: 1, pasids: [] }, G1],
    });
    expect(LiveMappingsTranslate.holds(moved)).toBeNull();
  });
});

describe('IotlbCoherent', () => {
  test('fires on an IOTLB entry of a freed domain, naming the tag', () => {
    const o = makeObs({ iotlb: [{ iommu: 0, tag: 9, iova_pfn: 0x10, paddr_pfn: BUF0 }] });
    expect(IotlbCoherent.holds(o)).toBe(
      'IOTLB of IOMMU 0 still holds IOVA pfn 0x10 of freed domain tag 9',
    );
  });
  test('fires on a stale translation of an unmapped IOVA with nothing pending', () => {
    const o = makeObs({ iotlb: [{ iommu: 0, tag: 2, iova_pfn: 0x10, paddr_pfn: BUF0 }] });
    expect(IotlbCoherent.holds(o)).toBe(
      'IOTLB still translates unmapped IOVA pfn 0x10 of domain 2 and no invalidation is pending',
    );
  });
  test('fires on an entry that disagrees with the page table', () => {
    const o = makeObs({
      domains: mapped(),
      iotlb: [{ iommu: 0, tag: 2, iova_pfn: 0x10, paddr_pfn: BUF0 + 1 }],
    });
    expect(IotlbCoherent.holds(o)).toBe(
      'IOTLB maps IOVA pfn 0x10 of domain 2 to 0x100001, its page table now says 0x100000',
    );
  });
  test('holds when it agrees, and when the unmapped IOVA is queued for invalidation', () => {
    expect(
      IotlbCoherent.holds(
        makeObs({
          domains: mapped(),
          iotlb: [{ iommu: 0, tag: 2, iova_pfn: 0x10, paddr_pfn: BUF0 }],
        }),
      ),
    ).toBeNull();
    const queued = makeObs({
      domains: withDomain2({ awaiting_invalidation: [[0x10, 0x10]] }),
      iotlb: [{ iommu: 0, tag: 2, iova_pfn: 0x10, paddr_pfn: BUF0 }],
    });
    expect(IotlbCoherent.holds(queued)).toBeNull();
  });
});

describe('NoIovaReuseBeforeInvalidation', () => {
  const entry = [{ iommu: 0, tag: 2, iova_pfn: 0x10, paddr_pfn: BUF0 }];
  test('fires when an IOVA the IOTLB translates is free in the tree', () => {
    const o = makeObs({
      domains: withDomain2({ awaiting_invalidation: [[0x10, 0x10]] }),
      iotlb: entry,
    });
    expect(NoIovaReuseBeforeInvalidation.holds(o)).toBe(
      'IOVA pfn 0x10 of domain 2 is free while the IOTLB still translates it',
    );
  });
  test('fires when it sits in an rcache', () => {
    const o = makeObs({
      domains: mapped({
        iova: {
          start_pfn: 1,
          ranges: [[0x10, 0x10]],
          reserved: [],
          bins: 3,
          cached: [{ pfn: 0x10, bin: 0, pages: 1 }],
        },
      }),
      iotlb: entry,
    });
    expect(NoIovaReuseBeforeInvalidation.holds(o)).toBe(
      'IOVA pfn 0x10 of domain 2 is in an rcache while the IOTLB still translates it',
    );
  });
  test('holds while it is still allocated; an uninitialised domain is not judged', () => {
    expect(
      NoIovaReuseBeforeInvalidation.holds(makeObs({ domains: mapped(), iotlb: entry })),
    ).toBeNull();
    expect(
      NoIovaReuseBeforeInvalidation.holds(
        makeObs({ domains: withDomain2({ dma_initialised: false }), iotlb: entry }),
      ),
    ).toBeNull();
  });
});

describe('DmaIsolation', () => {
  test('fires when a device reaches a page its domain does not map, naming both pfns', () => {
    const o = makeObs({ buffer_pfn: [BUF0, BUF0 + 0x1000] });
    const bad = {
      ...o,
      access: (dev: number, pfn: number) =>
        dev === 0 && pfn === BUF0
          ? { kind: 'phys' as const, pfn: BUF0, cached: true }
          : { kind: 'fault' as const },
    };
    expect(DmaIsolation.holds(bad)).toBe(
      'device 0 PASID 0 IOVA pfn 0x100000 reaches pfn 0x100000, which its DMA domain 2 does not map',
    );
  });
  test('fires on a PASID reaching what its PASID domain does not map', () => {
    const o = makeObs({
      groups: [
        { default_domain: 2, blocking_domain: 1, domain: 2, pasids: [{ pasid: 1, domain: 3 }] },
        G1,
      ],
      domains: mapped(),
    });
    const bad = {
      ...o,
      access: (dev: number, pfn: number, pasid: number) =>
        pasid === 1 && pfn === 0x10
          ? { kind: 'phys' as const, pfn: BUF0, cached: false }
          : o.access(dev, pfn, pasid),
    };
    expect(
      DmaIsolation.holds({ ...bad, live_maps: [{ dev: 0, iova: 0x10000, size: 4096, buf: 0 }] }),
    ).toBe(
      'device 0 PASID 1 IOVA pfn 0x10 reaches pfn 0x100000, which its DMA domain 3 does not map',
    );
  });
  test('holds: mapped pages, identity, and a cached translation still queued for invalidation', () => {
    expect(
      DmaIsolation.holds(
        makeObs({ domains: mapped(), live_maps: [{ dev: 0, iova: 0x10000, size: 4096, buf: 0 }] }),
      ),
    ).toBeNull();
    expect(
      DmaIsolation.holds(
        makeObs({ groups: [{ default_domain: 0, blocking_domain: 1, domain: 0, pasids: [] }, G1] }),
      ),
    ).toBeNull();
    const o = makeObs({
      domains: withDomain2({ awaiting_invalidation: [[0x10, 0x10]] }),
      iotlb: [{ iommu: 0, tag: 2, iova_pfn: 0x10, paddr_pfn: BUF0 }],
    });
    const stale = {
      ...o,
      access: (dev: number, pfn: number, pasid: number) =>
        dev === 0 && pfn === 0x10
          ? { kind: 'phys' as const, pfn: BUF0, cached: true }
          : o.access(dev, pfn, pasid),
    };
    expect(DmaIsolation.holds(stale)).toBeNull();
    // The same translation not cached (a page-table walk) is a breach.
    const walked = {
      ...o,
      access: (dev: number, pfn: number, pasid: number) =>
        dev === 0 && pfn === 0x10
          ? { kind: 'phys' as const, pfn: BUF0, cached: false }
          : o.access(dev, pfn, pasid),
    };
    expect(DmaIsolation.holds(walked)).toContain('reaches pfn 0x100000');
  });
});

describe('BlockedMeansFault', () => {
  const blocked = [{ default_domain: 2, blocking_domain: 1, domain: 1, pasids: [] }, G1];
  test('fires when a device on the blocked domain reaches a buffer', () => {
    const o = makeObs({ groups: blocked });
    const bad = {
      ...o,
      access: (dev: number, pfn: number) =>
        dev === 0 ? { kind: 'phys' as const, pfn, cached: false } : { kind: 'fault' as const },
    };
    expect(BlockedMeansFault.holds(bad)).toBe(
      'device 0 reaches pfn 0x100000 through a blocked domain',
    );
  });
  test('holds when everything faults there, and a device on a DMA domain may reach', () => {
    expect(BlockedMeansFault.holds(makeObs({ groups: blocked }))).toBeNull();
    const o = makeObs();
    const reach = {
      ...o,
      access: (_d: number, pfn: number) => ({ kind: 'phys' as const, pfn, cached: false }),
    };
    expect(BlockedMeansFault.holds(reach)).toBeNull();
  });
});
