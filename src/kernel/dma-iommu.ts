/**
 * The DMA-API layer on top of the core: drivers/iommu/dma-iommu.c. Cookies, domain
 * initialisation (granule, base pfn, rcaches, flush queue or the silent demotion to DMA),
 * dma_map_single / dma_unmap_single on DMA and DMA-FQ domains, and the flush-queue timer.
 * The flush-queue ring itself is in iova-fq.ts, the allocator in iova.ts.
 */
import {
  IOMMU_DOMAIN_DMA,
  IOMMU_DOMAIN_DMA_FQ,
  iommu_is_dma_domain,
} from '../../spec/domain-types.js';
import { EFAULT, EINVAL, ENOMEM } from '../../spec/errno.js';
import { should_fail } from './faults.js';
import { dom, iommu_iotlb_sync, iommuMapPfns, iommuUnmapPfns } from './iommu-map.js';
import {
  alloc_iova,
  alloc_iova_fast,
  free_iova_fast,
  init_iova_domain,
  iova_domain_init_rcaches,
  iova_rcache_range,
  reserve_iova,
} from './iova.js';
import { fq_flush_timeout, iommu_dma_init_fq, putIovaCookie, queue_iova } from './iova-fq.js';
import {
  type EntryPoints,
  type IommuDomain,
  type KernelConfig,
  type KernelState,
  NO_DOMAIN,
} from './types.js';
import { WARN_ON } from './warn.js';

/** (dma_addr_t)~0: what dma_map_single returns on failure (dma_mapping_error() is true). */
export const DMA_MAPPING_ERROR = 'DMA_MAPPING_ERROR';

const PAGE_SHIFT = 12;
const DMA_BIT_MASK_32_PFN = 0xfffff;

/**
 * iommu_get_dma_cookie(): an IOVA cookie for a DMA-API domain; the IOVA domain is initialised
 * later, by iommu_dma_init_domain() from the first device's iommu_setup_dma_ops().
 * Mirrors: drivers/iommu/dma-iommu.c iommu_get_dma_cookie().
 */
export function iommu_get_dma_cookie(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  _dev: number,
): void {
  const d = dom(st, domain);
  d.cookie = {
    iovad: init_iova_domain(cfg.scenario.dma.granule, 1, cfg.scenario.dma.iova_mag_size),
    fq: null,
  };
}

/**
 * iommu_put_dma_cookie(): frees the flush queue and the IOVA domain.
 * Mirrors: drivers/iommu/dma-iommu.c iommu_put_dma_cookie().
 */
export function iommu_put_dma_cookie(d: IommuDomain): void {
  if (d.cookie !== null) putIovaCookie(d.cookie);
  d.cookie = null;
}

/** Flush-queue size for a device: per-CPU queue, or the single large queue for shadow_on_flush. */
function fqSize(cfg: KernelConfig, dev: number): number {
  const base = cfg.scenario.dma.fq_size;
  return cfg.devices[dev].shadow_on_flush ? base * 2 : base;
}

/**
 * iommu_dma_init_fq() for a domain: idempotent; creates the queue (fault injection:
 * 'iommu_dma_init_fq'). The sysfs live upgrade calls it directly.
 * Returns: 0, -ENOMEM (allocation failed), -EINVAL (no cookie).
 * Mirrors: drivers/iommu/dma-iommu.c iommu_dma_init_fq().
 */
export function iommu_dma_init_fq_domain(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
): number {
  const d = dom(st, domain);
  if (d.cookie === null) return -EINVAL;
  if (d.cookie.fq !== null) return 0;
  if (should_fail(cfg, st, 'iommu_dma_init_fq')) return -ENOMEM;
  const group = cfg.groups.find((g) => st.groups[g.index].default_domain === domain);
  const dev = group !== undefined ? group.devices[0] : 0;
  return iommu_dma_init_fq(d.cookie, fqSize(cfg, dev));
}

/**
 * iommu_dma_init_domain(domain, dev): granule = the smallest page size, base pfn 1; a second
 * device finds it initialised (-EFAULT "Incompatible range" only if granule or base differ);
 * rcaches; a DMA_FQ domain without IOMMU_CAP_DEFERRED_FLUSH (or whose queue fails) is silently
 * rewritten to DMA; the device's reserved regions are reserved in the IOVA space.
 * Returns: 0, -EINVAL (no cookie), -EFAULT.
 * Mirrors: drivers/iommu/dma-iommu.c iommu_dma_init_domain().
 */
export function iommu_dma_init_domain(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  dev: number,
): number {
  const d = dom(st, domain);
  if (d.cookie === null) return -EINVAL;
  const iovad = d.cookie.iovad;
  if (iovad.rcaches !== null) {
    if (iovad.granule !== cfg.scenario.dma.granule || iovad.start_pfn !== 1) return -EFAULT;
    return 0;
  }
  const ret = iova_domain_init_rcaches(iovad);
  if (ret) return ret;
  if (d.type === IOMMU_DOMAIN_DMA_FQ) {
    const capable = cfg.ops[d.iommu].capable(cfg, dev, 'IOMMU_CAP_DEFERRED_FLUSH');
    if (!capable || iommu_dma_init_fq_domain(cfg, st, domain)) d.type = IOMMU_DOMAIN_DMA;
  }
  // iova_reserve_iommu_regions(): IOMMU_RESV_DIRECT regions are never handed out.
  const info = cfg.devices[dev];
  if (info.require_direct) reserve_iova(iovad, info.direct_pfn, info.direct_pfn);
  return 0;
}

/**
 * iommu_setup_dma_ops(dev): the IOMMU DMA ops are installed when the current domain is a
 * DMA-API domain; a failing iommu_dma_init_domain keeps the platform (direct) DMA ops.
 * Resets the PCI 32-bit IOVA workaround (!iommu.forcedac).
 * Mirrors: drivers/iommu/dma-iommu.c iommu_setup_dma_ops().
 */
export function iommu_setup_dma_ops(cfg: KernelConfig, st: KernelState, dev: number): void {
  const info = cfg.devices[dev];
  const ds = st.devices[dev];
  if (info.pci) ds.pci_32bit_workaround = !cfg.scenario.kernel['iommu.forcedac'];
  const domain = st.groups[info.group].domain;
  ds.dma_iommu = domain !== NO_DOMAIN && iommu_is_dma_domain(dom(st, domain).type);
  if (ds.dma_iommu && iommu_dma_init_domain(cfg, st, domain, dev)) ds.dma_iommu = false;
}

/** iommu_get_dma_domain(dev): the DMA API always uses the group's default domain. */
function iommu_get_dma_domain(cfg: KernelConfig, st: KernelState, dev: number): number {
  return st.groups[cfg.devices[dev].group].default_domain;
}

/**
 * iommu_dma_alloc_iova(): PCI devices try below 4 GiB first; the first failure turns the
 * workaround off for good ("Using %d-bit DMA addresses"); only the second try may flush the
 * rcaches. Returns the IOVA pfn, or 0.
 * Mirrors: drivers/iommu/dma-iommu.c iommu_dma_alloc_iova().
 */
function iommu_dma_alloc_iova(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  pages: number,
  dev: number,
): number {
  const iovad = dom(st, domain).cookie!.iovad;
  const limit = cfg.devices[dev].dma_limit_pfn;
  const ds = st.devices[dev];
  if (cfg.mutants.has('rcache-non-pow2'))
    return alloc_iova(iovad, pages, Math.min(limit, DMA_BIT_MASK_32_PFN), false);
  if (limit > DMA_BIT_MASK_32_PFN && ds.pci_32bit_workaround) {
    const pfn = alloc_iova_fast(iovad, pages, DMA_BIT_MASK_32_PFN, false);
    if (pfn) return pfn;
    ds.pci_32bit_workaround = false;
  }
  return alloc_iova_fast(iovad, pages, limit, true);
}

/** iommu_dma_free_iova(): into the flush queue when the unmap was queued, else straight back. */
function iommu_dma_free_iova(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  pfn: number,
  pages: number,
  queued: boolean,
): void {
  const d = dom(st, domain);
  const cookie = d.cookie!;
  if (queued) {
    if (cfg.mutants.has('fq-entry-freed-early')) {
      free_iova_fast(cookie.iovad, pfn, pages);
      return;
    }
    // The IOVA goes back to the allocator at once although its invalidation is still queued.
    if (cfg.mutants.has('fq-iova-reused-while-queued')) free_iova_fast(cookie.iovad, pfn, pages);
    queue_iova(cookie, pfn, pages, () => cfg.ops[d.iommu].flush_iotlb_all(cfg, st, domain));
    fqNormalize(d);
  } else {
    free_iova_fast(cookie.iovad, pfn, pages);
  }
}

/**
 * The flush counters only matter relative to each other: an entry is either already covered by
 * a completed flush (counter < fq_flush_finish_cnt) or not. Renumbering keeps the state finite
 * without changing what fq_ring_free_locked() will free.
 */
function fqNormalize(d: IommuDomain): void {
  const fq = d.cookie?.fq;
  if (!fq || fq.fq_flush_start_cnt !== fq.fq_flush_finish_cnt) return;
  const fin = fq.fq_flush_finish_cnt;
  for (const e of fq.entries) e.counter = e.counter < fin ? 0 : 1;
  fq.fq_flush_start_cnt = 1;
  fq.fq_flush_finish_cnt = 1;
}

/**
 * dma_map_single(dev, buf, size) -> iommu_dma_map_page() -> __iommu_dma_map(): align, allocate
 * an IOVA, iommu_map() it to the buffer; a failed map frees the IOVA at once (nothing was mapped).
 * Without IOMMU DMA ops (identity default domain) dma-direct returns the physical address.
 * Returns: the IOVA (bytes), or DMA_MAPPING_ERROR.
 * Mirrors: drivers/iommu/dma-iommu.c __iommu_dma_map(); kernel/dma/direct.h dma_direct_map_page().
 */
export function dma_map_single(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
  buf: number,
  size: number,
): number | string {
  const b = cfg.buffers[buf];
  const ds = st.devices[dev];
  const pages = Math.max(1, Math.ceil(size / cfg.scenario.dma.granule));
  if (!ds.dma_iommu) {
    const phys = b.pfn * 2 ** PAGE_SHIFT;
    ds.maps.push({ iova: phys, size, buf });
    return phys;
  }
  const domain = iommu_get_dma_domain(cfg, st, dev);
  const pfn = iommu_dma_alloc_iova(cfg, st, domain, pages, dev);
  if (!pfn) return DMA_MAPPING_ERROR;
  if (iommuMapPfns(cfg, st, domain, pfn, b.pfn, pages)) {
    free_iova_fast(dom(st, domain).cookie!.iovad, pfn, pages);
    return DMA_MAPPING_ERROR;
  }
  const iova = pfn * 2 ** PAGE_SHIFT;
  ds.maps.push({ iova, size, buf });
  return iova;
}

/**
 * dma_unmap_single(dev, iova, size) -> __iommu_dma_unmap(): iommu_unmap_fast(); strict domains
 * sync the IOTLB and only then free the IOVA; flush-queue domains skip the sync and queue_iova().
 * dma-direct (no IOMMU DMA ops) has nothing to undo. Returns nothing (0).
 * Mirrors: drivers/iommu/dma-iommu.c __iommu_dma_unmap(), iommu_dma_free_iova().
 */
export function dma_unmap_single(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
  iova: number,
  size: number,
): number {
  const ds = st.devices[dev];
  const i = ds.maps.findIndex((m) => m.iova === iova);
  if (i >= 0) ds.maps.splice(i, 1);
  if (!ds.dma_iommu) return 0;
  const domain = iommu_get_dma_domain(cfg, st, dev);
  const d = dom(st, domain);
  const pfn = Math.floor(iova / 2 ** PAGE_SHIFT);
  const pages = Math.max(1, Math.ceil(size / cfg.scenario.dma.granule));
  const queued = d.cookie!.fq !== null;
  const unmapped = iommuUnmapPfns(cfg, st, domain, pfn, pages);
  WARN_ON(st, unmapped !== pages, '__iommu_dma_unmap: unmapped != size');
  if (!queued) {
    if (cfg.mutants.has('strict-free-before-sync')) {
      free_iova_fast(d.cookie!.iovad, pfn, pages);
      d.gather = [];
      return 0;
    }
    iommu_iotlb_sync(cfg, st, domain);
  } else {
    d.gather = [];
  }
  iommu_dma_free_iova(cfg, st, domain, pfn, pages, queued);
  return 0;
}

/**
 * The harness's timer event (the `fq_flush_timeout` call): each armed flush-queue timer fires,
 * running fq_flush_timeout (src/kernel/iova-fq.ts) on its cookie with the domain's IOMMU
 * flush_iotlb_all. With a group, only that group's default domain; without, every armed queue.
 */
export function fireFqTimers(cfg: KernelConfig, st: KernelState, group: number | null): number {
  for (const d of st.domains) {
    if (d === null || d.cookie === null || d.cookie.fq === null || !d.cookie.fq.fq_timer_on)
      continue;
    if (group !== null && st.groups[group].default_domain !== d.id) continue;
    fq_flush_timeout(d.cookie, () => {
      if (cfg.mutants.has('fq-timer-skips-flush')) return;
      cfg.ops[d.iommu].flush_iotlb_all(cfg, st, d.id);
    });
    fqNormalize(d);
  }
  return 0;
}

/**
 * dma_opt_mapping_size(dev): iommu_dma_opt_mapping_size() = iova_rcache_range() with IOMMU DMA
 * ops; dma-direct has no preference and returns SIZE_MAX (given here as the string "SIZE_MAX",
 * since 2^64-1 is not exact in a JSON number).
 * Mirrors: kernel/dma/mapping.c dma_opt_mapping_size(); drivers/iommu/dma-iommu.c iommu_dma_opt_mapping_size().
 */
export function dma_opt_mapping_size(
  _cfg: KernelConfig,
  st: KernelState,
  dev: number,
): number | string {
  return st.devices[dev].dma_iommu ? iova_rcache_range() : 'SIZE_MAX';
}

/** The entry points this module mirrors (src/kernel/dispatch.ts joins the tables). */
export const DMA_IOMMU_C_ENTRY_POINTS = {
  dma_map_single: (cfg, st, a) => dma_map_single(cfg, st, a.dev, a.buf, a.size),
  dma_unmap_single: (cfg, st, a) => dma_unmap_single(cfg, st, a.dev, a.iova, a.size),
  dma_opt_mapping_size: (cfg, st, a) => dma_opt_mapping_size(cfg, st, a.dev),
  fq_flush_timeout: (cfg, st, a) => fireFqTimers(cfg, st, a.group >= 0 ? a.group : null),
} satisfies Partial<EntryPoints>;
