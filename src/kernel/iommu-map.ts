/**
 * The mapping half of drivers/iommu/iommu.c (iommu_map, __iommu_unmap, iommu_iova_to_phys, in
 * pfns) and include/linux/iommu.h iommu_iotlb_sync, apart from the rest of the core so that the
 * DMA-API layer (dma-iommu.ts) maps and unmaps without importing iommu.ts, as dma-iommu.c does
 * through the exported IOMMU API.
 */
import {
  __IOMMU_DOMAIN_PAGING,
  IOMMU_DOMAIN_BLOCKED,
  IOMMU_DOMAIN_IDENTITY,
} from '../../spec/domain-types.js';
import { EEXIST, EINVAL, ENOMEM } from '../../spec/errno.js';
import { should_fail } from './faults.js';
import type { EntryPoints, IommuDomain, KernelConfig, KernelState } from './types.js';
import { WARN_ON } from './warn.js';

/** The live domain `id`; a freed or unknown id is a harness bug. */
export function dom(st: KernelState, id: number): IommuDomain {
  const d = st.domains[id];
  if (d === null || d === undefined) throw new Error(`harness bug: domain ${id} is not live`);
  return d;
}

/* ------------------------------------------------------------------------------------------ */
/* IOMMU-API mapping (UNMANAGED and DMA domains)                                               */
/* ------------------------------------------------------------------------------------------ */

/** ops->iova_to_phys on the domain's page table, in pfns; 0 when unmapped. */
export function iovaToPhysPfn(st: KernelState, domain: number, iova_pfn: number): number {
  for (const m of dom(st, domain).pgtable) {
    if (iova_pfn >= m.iova_pfn && iova_pfn < m.iova_pfn + m.pages)
      return m.paddr_pfn + (iova_pfn - m.iova_pfn);
  }
  return 0;
}

/**
 * iommu_map() in pfns: -EINVAL for a non-paging domain; an IOVA already mapped is the
 * io-pgtable's -EEXIST with a WARN; map_pages can fail (fault injection: 'map_pages').
 * Mirrors: drivers/iommu/iommu.c iommu_map() / __iommu_map().
 */
export function iommuMapPfns(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  iova_pfn: number,
  paddr_pfn: number,
  pages: number,
): number {
  const d = dom(st, domain);
  if (!(d.type & __IOMMU_DOMAIN_PAGING)) return -EINVAL;
  for (let p = 0; p < pages; p++) {
    if (iovaToPhysPfn(st, domain, iova_pfn + p) !== 0) {
      WARN_ON(st, true, '__arm_lpae_map: iova already mapped (-EEXIST)');
      return -EEXIST;
    }
  }
  if (should_fail(cfg, st, 'map_pages')) return -ENOMEM;
  let i = 0;
  while (i < d.pgtable.length && d.pgtable[i].iova_pfn < iova_pfn) i++;
  d.pgtable.splice(i, 0, { iova_pfn, paddr_pfn, pages });
  return 0;
}

/**
 * __iommu_unmap() in pfns: 0 for a non-paging domain; unmaps page by page and stops at the
 * first page that is not mapped; the range joins the gather (the caller's iotlb_gather). A
 * driver without IOMMU_CAP_DEFERRED_FLUSH does its TLB maintenance inside .unmap.
 * Returns: the number of pages unmapped.
 * Mirrors: drivers/iommu/iommu.c __iommu_unmap().
 */
export function iommuUnmapPfns(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  iova_pfn: number,
  pages: number,
): number {
  const d = dom(st, domain);
  if (!(d.type & __IOMMU_DOMAIN_PAGING)) return 0;
  let done = 0;
  while (done < pages) {
    const p = iova_pfn + done;
    const idx = d.pgtable.findIndex((m) => p >= m.iova_pfn && p < m.iova_pfn + m.pages);
    if (idx < 0) break;
    const m = d.pgtable[idx];
    const pieces = [];
    if (p > m.iova_pfn)
      pieces.push({ iova_pfn: m.iova_pfn, paddr_pfn: m.paddr_pfn, pages: p - m.iova_pfn });
    if (p + 1 < m.iova_pfn + m.pages) {
      pieces.push({
        iova_pfn: p + 1,
        paddr_pfn: m.paddr_pfn + (p + 1 - m.iova_pfn),
        pages: m.iova_pfn + m.pages - p - 1,
      });
    }
    d.pgtable.splice(idx, 1, ...pieces);
    done++;
  }
  if (done > 0) {
    d.gather.push([iova_pfn, iova_pfn + done - 1]);
    const cap = cfg.ops[d.iommu].capable(cfg, -1, 'IOMMU_CAP_DEFERRED_FLUSH');
    if (!cap) iommu_iotlb_sync(cfg, st, domain);
  }
  return done;
}

/**
 * iommu_iotlb_sync(domain): ops->iotlb_sync on the gathered range; the IOTLB forgets the
 * domain's translations.
 * Mirrors: include/linux/iommu.h iommu_iotlb_sync().
 */
export function iommu_iotlb_sync(cfg: KernelConfig, st: KernelState, domain: number): number {
  const d = dom(st, domain);
  d.gather = [];
  cfg.ops[d.iommu].flush_iotlb_all(cfg, st, domain);
  return 0;
}

const PAGE = 4096;

/**
 * iommu_map(domain, iova, paddr, size): -EINVAL for an IOVA or size that is not page aligned
 * (iommu_map's alignment check), then __iommu_map's checks (iommuMapPfns).
 * Returns: 0 or a negative errno.
 * Mirrors: drivers/iommu/iommu.c iommu_map().
 */
export function iommu_map(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  iova: number,
  paddr_pfn: number,
  size: number,
): number {
  if (iova % PAGE !== 0 || size % PAGE !== 0) return -EINVAL;
  return iommuMapPfns(cfg, st, domain, iova / PAGE, paddr_pfn, size / PAGE);
}

/**
 * iommu_unmap_fast(domain, iova, size): __iommu_unmap into the caller's gather, without the
 * sync; an unaligned range unmaps nothing.
 * Returns: the bytes unmapped.
 * Mirrors: include/linux/iommu.h iommu_unmap_fast().
 */
export function iommu_unmap_fast(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  iova: number,
  size: number,
): number {
  if (iova % PAGE !== 0 || size % PAGE !== 0) return 0;
  return iommuUnmapPfns(cfg, st, domain, iova / PAGE, size / PAGE) * PAGE;
}

/**
 * iommu_unmap(domain, iova, size): __iommu_unmap, then iommu_iotlb_sync on the gather.
 * Returns: the bytes unmapped.
 * Mirrors: drivers/iommu/iommu.c iommu_unmap().
 */
export function iommu_unmap(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  iova: number,
  size: number,
): number {
  if (iova % PAGE !== 0 || size % PAGE !== 0) return 0;
  const bytes = iommuUnmapPfns(cfg, st, domain, iova / PAGE, size / PAGE) * PAGE;
  iommu_iotlb_sync(cfg, st, domain);
  return bytes;
}

/**
 * iommu_iova_to_phys(domain, iova): the IOVA itself for an identity domain, 0 for a blocked
 * one, else ops->iova_to_phys on the page table (0 when unmapped).
 * Mirrors: drivers/iommu/iommu.c iommu_iova_to_phys().
 */
export function iommu_iova_to_phys(st: KernelState, domain: number, iova: number): number {
  const d = dom(st, domain);
  if (d.type === IOMMU_DOMAIN_IDENTITY) return iova;
  if (d.type === IOMMU_DOMAIN_BLOCKED) return 0;
  const pfn = iovaToPhysPfn(st, domain, Math.floor(iova / PAGE));
  return pfn === 0 ? 0 : pfn * PAGE + (iova % PAGE);
}

export const IOMMU_MAP_ENTRY_POINTS = {
  iommu_map: (cfg, st, a) => iommu_map(cfg, st, a.domain, a.iova, cfg.buffers[a.buf].pfn, a.size),
  iommu_unmap: (cfg, st, a) => iommu_unmap(cfg, st, a.domain, a.iova, a.size),
  iommu_unmap_fast: (cfg, st, a) => iommu_unmap_fast(cfg, st, a.domain, a.iova, a.size),
  iommu_iotlb_sync: (cfg, st, a) => iommu_iotlb_sync(cfg, st, a.domain),
  iommu_iova_to_phys: (_cfg, st, a) => iommu_iova_to_phys(st, a.domain, a.iova),
} satisfies EntryPoints<
  'iommu_map' | 'iommu_unmap' | 'iommu_unmap_fast' | 'iommu_iotlb_sync' | 'iommu_iova_to_phys'
>;
