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

/** Equality of one type's values. */
type Eq<T> = (a: T, b: T) => boolean;
/** One equality per field: a field without one does not compile. */
type FieldEqs<T> = { readonly [K in keyof T]-?: Eq<T[K]> };

const same = <T>(a: T, b: T): boolean => a === b;
const samePair = <A, B>(a: readonly [A, B], b: readonly [A, B]): boolean =>
  a[0] === b[0] && a[1] === b[1];

function sameList<T>(eq: Eq<T>): Eq<readonly T[]> {
  return (a, b) => {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!eq(a[i], b[i])) return false;
    return true;
  };
}

function sameRecord<T>(eqs: FieldEqs<T>): Eq<T> {
  const fields = Object.keys(eqs) as (keyof T)[];
  const fieldEqs = fields.map((f) => eqs[f]) as Eq<T[keyof T]>[];
  return (a, b) => {
    for (let i = 0; i < fields.length; i++)
      if (!fieldEqs[i](a[fields[i]], b[fields[i]])) return false;
    return true;
  };
}

/**
 * Equality of two views, field by field (what viewKey equality means, without the text): typed,
 * so the conformance check of every explored step allocates nothing.
 */
export const sameView: Eq<SpecView> = sameRecord<SpecView>({
  groups: sameList(
    sameRecord<GroupView>({
      default_type: same,
      domain: same,
      owner: same,
      owner_cnt: same,
      pasids: sameList(samePair),
    }),
  ),
  devices: sameList(sameRecord<DeviceView>({ bound: same, maps: same })),
  user_domains: sameList(same),
  driver_pasids: sameList(same),
  mms: sameList(sameRecord<MmView>({ pasid: same, bonds: sameList(samePair) })),
});
