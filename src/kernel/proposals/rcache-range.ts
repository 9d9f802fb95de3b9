/**
 * The emulator side of a proposal that was never merged: debate 001, a driver asking for IOVA
 * caching above the fixed rcache range ("[PATCH 1/6] iommu: Move IOVA power-of-2 roundup into
 * allocator", John Garry, 2021; docs/kernel/14-design-alternatives.md §14.2). It lives apart
 * from the dma-iommu.c mirror; spec/variants/ selects its rules (`cfg.variant`).
 */
import { EBUSY, EOPNOTSUPP, EPROBE_DEFER } from '../../../spec/errno.js';
import { device_release_driver } from '../driver-core.js';
import { dom } from '../iommu-map.js';
import { free_cpu_cached_iovas, free_global_cached_iovas, order_base_2 } from '../iova.js';
import type { EntryPoints, IovaDomain, KernelConfig, KernelState } from '../types.js';

/**
 * dma_set_max_opt_size(dev, size): a driver asks for IOVA caching up to `size`. Never merged
 * (debate 001); the merged kernel keeps the range fixed and has no such call (-EOPNOTSUPP here).
 * Under the design variants:
 *   rcache-range-live         the live default domain's rcaches grow at once (objected: IOVAs
 *                             allocated unrounded before the change are freed into the caches);
 *   rcache-range-sysfs        only with no driver bound (-EBUSY otherwise); the caches start empty;
 *   rcache-range-probe-defer  with a driver bound the call fails -EPROBE_DEFER and the driver is
 *                             unbound to reprobe onto a domain with the larger range.
 * Returns: 0, -EBUSY, -EPROBE_DEFER, -EOPNOTSUPP.
 */
export function dma_set_max_opt_size(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
  size: number,
): number {
  const v = cfg.variant;
  if (
    !v.has('rcache-range-live') &&
    !v.has('rcache-range-sysfs') &&
    !v.has('rcache-range-probe-defer')
  )
    return -EOPNOTSUPP;
  const group = cfg.devices[dev].group;
  const g = st.groups[group];
  const iovad = dom(st, g.default_domain).cookie?.iovad;
  if (iovad === undefined || iovad.rcaches === null) return -EOPNOTSUPP;
  const bins = order_base_2(Math.max(1, Math.ceil(size / cfg.scenario.dma.granule))) + 1;
  if (!v.has('rcache-range-live')) {
    if (g.owner_cnt !== 0) {
      if (v.has('rcache-range-sysfs')) return -EBUSY;
      for (const d of cfg.groups[group].devices) device_release_driver(cfg, st, d);
      growRcaches(iovad, bins, true);
      return -EPROBE_DEFER;
    }
    growRcaches(iovad, bins, true);
    return 0;
  }
  growRcaches(iovad, bins, false);
  return 0;
}

/** Add bins up to `bins`; a fresh domain (reprobe) starts with every cached IOVA returned. */
function growRcaches(iovad: IovaDomain, bins: number, fresh: boolean): void {
  if (fresh) {
    free_cpu_cached_iovas(iovad);
    free_global_cached_iovas(iovad);
  }
  while (iovad.rcaches !== null && iovad.rcaches.length < bins)
    iovad.rcaches.push({ loaded: [], prev: [], depot: [] });
}

/** The proposal's entry point (src/kernel/dispatch.ts joins the tables). */
export const RCACHE_RANGE_ENTRY_POINTS = {
  dma_set_max_opt_size: (cfg, st, a) => dma_set_max_opt_size(cfg, st, a.dev, a.size),
} satisfies Partial<EntryPoints>;
