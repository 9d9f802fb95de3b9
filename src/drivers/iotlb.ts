/**
 * The IOTLB of one IOMMU instance: translations cached under the domain's hardware tag (ASID,
 * DID, AMD domain id), filled by device accesses and dropped only by invalidations. A stale
 * entry keeps translating until then: that is how a missed flush becomes observable.
 */
import type { KernelConfig, KernelState } from '../kernel/types.js';

export function iotlbLookup(st: KernelState, iommu: number, tag: number, iova_pfn: number): number {
  for (const e of st.hw[iommu].iotlb)
    if (e.tag === tag && e.iova_pfn === iova_pfn) return e.paddr_pfn;
  return 0;
}

export function iotlbFill(
  st: KernelState,
  iommu: number,
  tag: number,
  iova_pfn: number,
  paddr_pfn: number,
): void {
  const tlb = st.hw[iommu].iotlb;
  let i = 0;
  while (i < tlb.length && (tlb[i].tag < tag || (tlb[i].tag === tag && tlb[i].iova_pfn < iova_pfn)))
    i++;
  tlb.splice(i, 0, { tag, iova_pfn, paddr_pfn });
}

/** Invalidate every translation cached for `tag` (flush_iotlb_all / TLBI by ASID / DID flush). */
export function iotlbInvalidateTag(
  _cfg: KernelConfig,
  st: KernelState,
  iommu: number,
  tag: number,
): void {
  const tlb = st.hw[iommu].iotlb;
  if (tlb.length === 0) return;
  st.hw[iommu].iotlb = tlb.filter((e) => e.tag !== tag);
}
