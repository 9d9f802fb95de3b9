/**
 * The observation interface: what the invariants may ask of an implementation, in kernel terms
 * (domains, page tables, the IOTLB, hardware routes, warnings). src/check builds it from the
 * emulator; the invariants never see how the emulator stores anything. Domain ids are opaque
 * handles for identity only.
 */
import type { DomainRef } from './events.js';
import type { Scenario } from './scenario.js';
import type { SpecView } from './view.js';

export interface MappingObs {
  readonly iova_pfn: number;
  readonly paddr_pfn: number;
  readonly pages: number;
}

export interface IovaObs {
  readonly start_pfn: number;
  /** Allocated (including cached and reserved) ranges, [lo, hi] inclusive. */
  readonly ranges: readonly (readonly [number, number])[];
  readonly reserved: readonly (readonly [number, number])[];
  /** Number of rcache bins (orders 0..bins-1 are cached). */
  readonly bins: number;
  /** Ranges sitting in the rcache: pfn, the bin it sits in, and its allocated size in pages. */
  readonly cached: readonly {
    readonly pfn: number;
    readonly bin: number;
    readonly pages: number;
  }[];
}

export interface DomainObs {
  readonly id: number;
  /** domainTypeName: IDENTITY, BLOCKED, UNMANAGED, DMA, DMA_FQ, SVA. */
  readonly type: string;
  readonly is_static: boolean;
  readonly iommu: number;
  readonly mappings: readonly MappingObs[];
  /** IOVA ranges unmapped but not yet invalidated: the gather and the flush queue. */
  readonly awaiting_invalidation: readonly (readonly [number, number])[];
  /** null: no DMA cookie; else whether a flush queue exists (cookie->fq_domain). */
  readonly fq: boolean | null;
  /** Whether iommu_dma_init_domain() has run (the IOVA domain has rcaches). */
  readonly dma_initialised: boolean;
  readonly iova: IovaObs | null;
  readonly sva_mm: number;
  readonly sva_users: number;
}

export type RouteObs =
  | { readonly kind: 'abort' }
  | { readonly kind: 'bypass' }
  | { readonly kind: 'translate'; readonly domain: number };
export type AccessObs =
  | { readonly kind: 'fault' }
  | { readonly kind: 'phys'; readonly pfn: number; readonly cached: boolean };

export interface GroupObs {
  readonly default_domain: number;
  readonly blocking_domain: number;
  readonly domain: number;
  readonly pasids: readonly { readonly pasid: number; readonly domain: number }[];
}

export interface HwUpdateObs {
  readonly iommu: number;
  readonly dev: number;
  readonly ssid: number;
  /** The entry as it stands equals the old or the new entry on its used bits, or is invalid. */
  readonly safe: boolean;
}

export interface Observation {
  readonly scenario: Scenario;
  /** The abstract view of the implementation (for the spec-level invariants). */
  readonly view: SpecView;
  readonly domains: readonly DomainObs[];
  readonly groups: readonly GroupObs[];
  /**
   * The id of the domain a caller's reference names (user slot, default or blocking), or -1.
   * Optional for hand-made observations; the checker always answers it.
   */
  domainOf?(ref: DomainRef): number;
  /** What the hardware tables route an access from (dev, pasid) to; pasid 0 is the RID. */
  route(dev: number, pasid: number): RouteObs;
  /** Where an access from (dev, pasid) at an IOVA lands, looking only (no IOTLB fill). */
  access(dev: number, iova_pfn: number, pasid: number): AccessObs;
  readonly iotlb: readonly {
    readonly iommu: number;
    readonly tag: number;
    readonly iova_pfn: number;
    readonly paddr_pfn: number;
  }[];
  /** DMA-API mappings the bound drivers hold. */
  readonly live_maps: readonly {
    readonly dev: number;
    readonly iova: number;
    readonly size: number;
    readonly buf: number;
  }[];
  readonly buffer_pfn: readonly number[];
  /** Whether the device's DMA ops go through the IOMMU (dev->dma_iommu). */
  dma_iommu(dev: number): boolean;
  /** iommu_global_pasid_ida: the allocator's own table of allocated ids. */
  readonly ida: readonly number[];
  /**
   * The global PASIDs drivers believe they hold: each one iommu_alloc_global_pasid returned to a
   * caller that has not freed it, with repeats. Observed at the callers, not in the allocator.
   */
  readonly driver_pasids: readonly number[];
  /** Per mm: mm->pasid (what the mm believes it holds) and its SVA domains. */
  readonly mms: readonly { readonly pasid: number; readonly sva_domains: readonly number[] }[];
  readonly bonds: readonly {
    readonly name: string;
    readonly dev: number;
    readonly domain: number;
    readonly users: number;
  }[];
  readonly hw_updates: readonly HwUpdateObs[];
  readonly warnings: readonly string[];
}
