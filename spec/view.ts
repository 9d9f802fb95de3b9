/**
 * The abstract state both sides agree on. The statecharts produce it from their snapshots; the
 * checker's abstraction function produces it from the emulator. Conformance is equality of the
 * two. Domains are named the way a caller holds them:
 *   d<k>            the k-th domain a caller allocated with iommu_paging_domain_alloc (lowest free slot)
 *   default         the group's default domain (its type is in `default_type`)
 *   blocking        the group's blocking domain
 *   sva:<mm>        the SVA domain of an mm on this group's IOMMU
 */
export type ViewDomain = string;

export interface GroupView {
  /** Type of group->default_domain: IDENTITY, DMA, DMA_FQ (domainTypeName). */
  readonly default_type: string;
  /** group->domain as a ViewDomain. */
  readonly domain: ViewDomain;
  readonly owner: string | null;
  readonly owner_cnt: number;
  /** pasid_array: [pasid, domain], sorted by pasid. */
  readonly pasids: readonly (readonly [number, ViewDomain])[];
}

export interface DeviceView {
  /** A DMA-API driver is bound. */
  readonly bound: boolean;
  /** Live dma_map_single mappings the driver holds. */
  readonly maps: number;
}

export interface MmView {
  /** The mm's global PASID, or -1. */
  readonly pasid: number;
  /** Live SVA bonds (handles) of this mm, as "dev" indices with their refcounts: [dev, users]. */
  readonly bonds: readonly (readonly [number, number])[];
}

export interface SpecView {
  readonly groups: readonly GroupView[];
  readonly devices: readonly DeviceView[];
  /** User domain slots currently allocated, ascending. */
  readonly user_domains: readonly number[];
  /** Global PASIDs held through iommu_alloc_global_pasid by drivers (not by mms), sorted. */
  readonly driver_pasids: readonly number[];
  readonly mms: readonly MmView[];
}

export function viewKey(v: SpecView): string {
  return JSON.stringify(v);
}

/** Equality of two views, field by field (what viewKey equality means, without the text). */
export function sameView(a: SpecView, b: SpecView): boolean {
  return sameJson(a, b);
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Readonly<Record<string, unknown>>;
  const rb = b as Readonly<Record<string, unknown>>;
  const ka = Object.keys(ra);
  if (ka.length !== Object.keys(rb).length) return false;
  for (const k of ka) if (!(k in rb) || !sameJson(ra[k], rb[k])) return false;
  return true;
}
