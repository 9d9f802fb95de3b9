/** DMA-API, IOTLB and isolation invariants (docs/kernel/13-invariants.md §13.16,
 * §13.18, §13.19; DMA isolation). */
import type { DomainObs, Observation } from '../observe.js';
import { groupOfDevice } from '../scenario.js';
import { devicesOf } from './groups.js';
import { DMA_C, type Invariant, IOVA_C } from './types.js';

const PAGE = 4096;

function groupOfDev(o: Observation, dev: number): number {
  return groupOfDevice(o.scenario, dev);
}

function translate(d: DomainObs, pfn: number): number {
  for (const m of d.mappings)
    if (pfn >= m.iova_pfn && pfn < m.iova_pfn + m.pages) return m.paddr_pfn + (pfn - m.iova_pfn);
  return 0;
}

function awaiting(d: DomainObs, pfn: number): boolean {
  return d.awaiting_invalidation.some(([lo, hi]) => pfn >= lo && pfn <= hi);
}

export const FqConsistency: Invariant = {
  id: 'FqConsistency',
  statement:
    'An initialised DMA-API domain is DMA_FQ exactly when it has a flush queue; otherwise its type was demoted to DMA.',
  citation: `${DMA_C}: iommu_dma_init_domain, iommu_dma_init_fq`,
  holds(o) {
    for (const d of o.domains) {
      if (d.fq === null || !d.dma_initialised) continue;
      if ((d.type === 'DMA_FQ') !== d.fq)
        return `domain ${d.id} is ${d.type} with${d.fq ? '' : 'out'} a flush queue`;
    }
    return null;
  },
};

export const FlushQueueNeedsDeferredFlush: Invariant = {
  id: 'FlushQueueNeedsDeferredFlush',
  statement:
    'A default domain has a flush queue only when every device of its group sits behind an IOMMU that can defer invalidation (IOMMU_CAP_DEFERRED_FLUSH).',
  citation: `${DMA_C}: iommu_dma_init_domain (known gap: the sysfs live DMA to DMA-FQ upgrade in iommu_group_store_type does not check the capability)`,
  holds(o) {
    for (let g = 0; g < o.groups.length; g++) {
      const d = o.domains.find((x) => x.id === o.groups[g].default_domain);
      if (d === undefined || d.fq !== true) continue;
      for (const dev of devicesOf(o, g)) {
        const name = o.scenario.devices[dev].iommu;
        const m = o.scenario.iommus.find((x) => x.name === name);
        if (!m?.caps.includes('IOMMU_CAP_DEFERRED_FLUSH'))
          return `default domain ${d.id} of group ${g} has a flush queue but device ${dev}'s IOMMU ${name} lacks IOMMU_CAP_DEFERRED_FLUSH`;
      }
    }
    return null;
  },
};

export const LiveMappingsTranslate: Invariant = {
  id: 'LiveMappingsTranslate',
  statement:
    "Every live DMA-API mapping of a bound driver reaches the mapped buffer, unless the driver's own singleton group was moved off its default domain (by that driver).",
  citation: `${DMA_C}: __iommu_dma_map; drivers/iommu/iommu.c: iommu_group_store_type, iommu_attach_device`,
  holds(o) {
    for (const m of o.live_maps) {
      const gi = groupOfDev(o, m.dev);
      const g = o.groups[gi];
      const singleton = devicesOf(o, gi).length === 1;
      if ((g.domain !== g.default_domain && singleton) || o.hw_updates.some((u) => u.dev === m.dev))
        continue;
      const want = o.buffer_pfn[m.buf];
      const pages = Math.max(1, Math.ceil(m.size / PAGE));
      for (let p = 0; p < pages; p++) {
        const a = o.access(m.dev, Math.floor(m.iova / PAGE) + p, 0);
        if (a.kind !== 'phys' || a.pfn !== want + p) {
          return `device ${m.dev} IOVA 0x${(m.iova + p * PAGE).toString(16)} should reach buffer ${m.buf} but ${a.kind === 'fault' ? 'faults' : `reaches pfn 0x${a.pfn.toString(16)}`}`;
        }
      }
    }
    return null;
  },
};

export const IotlbCoherent: Invariant = {
  id: 'IotlbCoherent',
  statement:
    'Every IOTLB entry belongs to a live domain and agrees with its page table, unless its IOVA is queued for invalidation.',
  citation: `${DMA_C}: __iommu_dma_unmap, fq_ring_free_locked; drivers/iommu/iommu.c: iommu_domain_free`,
  holds(o) {
    for (const e of o.iotlb) {
      const d = o.domains.find((x) => x.id === e.tag);
      if (d === undefined)
        return `IOTLB of IOMMU ${e.iommu} still holds IOVA pfn 0x${e.iova_pfn.toString(16)} of freed domain tag ${e.tag}`;
      if (d.type === 'SVA') continue;
      const now = translate(d, e.iova_pfn);
      if (now === e.paddr_pfn) continue;
      if (now !== 0)
        return `IOTLB maps IOVA pfn 0x${e.iova_pfn.toString(16)} of domain ${d.id} to 0x${e.paddr_pfn.toString(16)}, its page table now says 0x${now.toString(16)}`;
      if (!awaiting(d, e.iova_pfn))
        return `IOTLB still translates unmapped IOVA pfn 0x${e.iova_pfn.toString(16)} of domain ${d.id} and no invalidation is pending`;
    }
    return null;
  },
};

export const NoIovaReuseBeforeInvalidation: Invariant = {
  id: 'NoIovaReuseBeforeInvalidation',
  statement:
    'An IOVA the IOTLB may still translate is never back in the allocator (free in the tree or in an rcache).',
  citation: `${DMA_C}: __iommu_dma_unmap, queue_iova; ${IOVA_C}: free_iova_fast`,
  holds(o) {
    for (const e of o.iotlb) {
      const d = o.domains.find((x) => x.id === e.tag);
      if (d === undefined || d.iova === null || !d.dma_initialised) continue;
      const inTree = d.iova.ranges.some(([lo, hi]) => e.iova_pfn >= lo && e.iova_pfn <= hi);
      const cached = d.iova.cached.some((c) => e.iova_pfn >= c.pfn && e.iova_pfn < c.pfn + c.pages);
      if (!inTree || cached)
        return `IOVA pfn 0x${e.iova_pfn.toString(16)} of domain ${d.id} is ${cached ? 'in an rcache' : 'free'} while the IOTLB still translates it`;
    }
    return null;
  },
};

export const DmaIsolation: Invariant = {
  id: 'DmaIsolation',
  statement:
    "A device's access reaches only what its current domain or PASID entries map (identity reaches the address itself), or a translation still queued for invalidation.",
  citation:
    'drivers/iommu/iommu.c: __iommu_group_set_domain_internal ("DMA must only be able to access either new_domain or group->domain")',
  holds(o) {
    const probes = new Set<number>();
    for (const m of o.live_maps) probes.add(Math.floor(m.iova / PAGE));
    for (const p of o.buffer_pfn) probes.add(p);
    for (const e of o.iotlb) probes.add(e.iova_pfn);
    for (let dev = 0; dev < o.scenario.devices.length; dev++) {
      if (o.hw_updates.some((u) => u.dev === dev)) continue;
      const g = o.groups[groupOfDev(o, dev)];
      const targets: [number, number][] = [
        [0, g.domain],
        ...g.pasids.map((e) => [e.pasid, e.domain] as [number, number]),
      ];
      for (const [pasid, did] of targets) {
        const d = o.domains.find((x) => x.id === did);
        if (d === undefined) continue;
        for (const pfn of probes) {
          const a = o.access(dev, pfn, pasid);
          if (a.kind === 'fault') continue;
          if (d.type === 'IDENTITY' && a.pfn === pfn) continue;
          if (d.type === 'SVA') continue;
          if (translate(d, pfn) === a.pfn) continue;
          if (a.cached && awaiting(d, pfn)) continue;
          return `device ${dev} PASID ${pasid} IOVA pfn 0x${pfn.toString(16)} reaches pfn 0x${a.pfn.toString(16)}, which its ${d.type} domain ${d.id} does not map`;
        }
      }
    }
    return null;
  },
};

export const BlockedMeansFault: Invariant = {
  id: 'BlockedMeansFault',
  statement: 'Every RID access of a device whose group sits on a blocked domain faults.',
  citation: 'drivers/iommu/iommu.c: __iommu_group_alloc_blocking_domain',
  holds(o) {
    for (let g = 0; g < o.groups.length; g++) {
      const d = o.domains.find((x) => x.id === o.groups[g].domain);
      if (
        d === undefined ||
        (d.type !== 'BLOCKED' &&
          !(o.groups[g].domain === o.groups[g].blocking_domain && d.mappings.length === 0))
      )
        continue;
      for (const dev of devicesOf(o, g)) {
        if (o.hw_updates.some((u) => u.dev === dev)) continue;
        for (const pfn of o.buffer_pfn)
          if (o.access(dev, pfn, 0).kind !== 'fault')
            return `device ${dev} reaches pfn 0x${pfn.toString(16)} through a blocked domain`;
        for (const m of o.live_maps)
          if (o.access(dev, Math.floor(m.iova / PAGE), 0).kind !== 'fault')
            return `device ${dev} reaches IOVA 0x${m.iova.toString(16)} through a blocked domain`;
      }
    }
    return null;
  },
};
