/**
 * What a caller's own paging domains map, as the spec sees it: for each user domain slot, which
 * buffer page each IOVA page reaches (iommu_map), and the pages unmapped with iommu_unmap_fast
 * whose IOTLB entries may still translate until iommu_iotlb_sync (drivers/iommu/iommu.c:
 * iommu_map, __iommu_unmap, iommu_unmap_fast, iommu_iova_to_phys; include/linux/iommu.h
 * iommu_iotlb_sync). From it the spec states the results of iommu_map, iommu_unmap(_fast),
 * iommu_iova_to_phys and of device DMA through such a domain.
 */
import { EEXIST, EFAULT, EINVAL } from '../../spec/errno.js';
import { bufferPfn, PAGE_SHIFT } from '../../spec/layout.js';

const PAGE = 2 ** PAGE_SHIFT;

/** One IOVA page: [iova_pfn, buffer index, page offset in the buffer]. */
export type UserPage = readonly [number, number, number];

export interface UserMaps {
  /** Mapped pages, ascending by IOVA pfn. */
  readonly live: readonly UserPage[];
  /** Pages unmapped without a sync yet: the IOTLB may still hold them. */
  readonly stale: readonly UserPage[];
}

export const NO_MAPS: UserMaps = { live: [], stale: [] };

const at = (pages: readonly UserPage[], pfn: number) => pages.find((p) => p[0] === pfn);

/** iommu_map(domain, iova, buf, size): -EINVAL unaligned, -EEXIST over a mapped page, else 0. */
export function userMap(
  m: UserMaps,
  iova: number,
  buf: number,
  size: number,
): { readonly ret: number; readonly next: UserMaps } {
  if (iova % PAGE !== 0 || size % PAGE !== 0) return { ret: -EINVAL, next: m };
  const lo = iova / PAGE;
  const n = size / PAGE;
  for (let k = 0; k < n; k++) if (at(m.live, lo + k)) return { ret: -EEXIST, next: m };
  if (n === 0) return { ret: 0, next: m };
  const added: UserPage[] = Array.from({ length: n }, (_, k) => [lo + k, buf, k] as const);
  const live = [...m.live, ...added].sort((a, b) => a[0] - b[0]);
  return { ret: 0, next: { ...m, live } };
}

/**
 * iommu_unmap / iommu_unmap_fast(domain, iova, size): page by page from `iova`, stopping at the
 * first page not mapped; returns the bytes unmapped (0 when unaligned). Without the sync the
 * unmapped pages stay stale.
 */
export function userUnmap(
  m: UserMaps,
  iova: number,
  size: number,
  sync: boolean,
): { readonly ret: number; readonly next: UserMaps } {
  if (iova % PAGE !== 0 || size % PAGE !== 0) return { ret: 0, next: m };
  const lo = iova / PAGE;
  const gone: UserPage[] = [];
  for (let k = 0; k < size / PAGE; k++) {
    const p = at(m.live, lo + k);
    if (p === undefined) break;
    gone.push(p);
  }
  if (gone.length === 0) return { ret: 0, next: m };
  const live = m.live.filter((p) => !gone.includes(p));
  const stale = sync ? [] : [...m.stale, ...gone];
  return { ret: gone.length * PAGE, next: { live, stale } };
}

/** iommu_iotlb_sync(domain): nothing of the domain stays cached. */
export function userSync(m: UserMaps): UserMaps {
  return m.stale.length === 0 ? m : { ...m, stale: [] };
}

/** iommu_iova_to_phys(domain, iova): the buffer's physical address, or 0 when unmapped. */
export function userIovaToPhys(m: UserMaps, iova: number): number {
  const p = at(m.live, Math.floor(iova / PAGE));
  return p === undefined ? 0 : (bufferPfn(p[1]) + p[2]) * PAGE + (iova % PAGE);
}

/**
 * What a DMA through the domain at `iova` may reach: the mapped buffer or a fault, and any
 * buffer a stale (unsynced) entry still holds for that page.
 */
export function userDma(
  m: UserMaps,
  iova: number,
  bufferName: (buf: number) => string,
): readonly (number | string)[] {
  const pfn = Math.floor(iova / PAGE);
  const p = at(m.live, pfn);
  const out: (number | string)[] = [p === undefined ? -EFAULT : bufferName(p[1])];
  for (const s of m.stale)
    if (s[0] === pfn && !out.includes(bufferName(s[1]))) out.push(bufferName(s[1]));
  return out;
}
