/**
 * The driver-core calls that reach the IOMMU core: binding and unbinding a DMA-API driver
 * (drivers/base/dd.c really_probe / device_remove, through the bus's dma_configure and
 * dma_cleanup). A well-behaved driver unmaps its DMA-API mappings in .remove.
 */
import { EBUSY } from '../../spec/errno.js';
import { dma_unmap_single } from './dma-iommu.js';
import { iommu_device_unuse_default_domain, iommu_device_use_default_domain } from './iommu.js';
import type { EntryPoints, KernelConfig, KernelState } from './types.js';

/**
 * device_driver_attach(drv, dev): -EBUSY if a driver is already bound (__driver_probe_device);
 * then iommu_device_use_default_domain()'s -EBUSY fails the probe.
 * Returns: 0 or a negative errno.
 * Mirrors: drivers/base/dd.c device_driver_attach() -> really_probe() -> pci_dma_configure().
 */
export function device_driver_attach(cfg: KernelConfig, st: KernelState, dev: number): number {
  if (st.devices[dev].driver_bound) return -EBUSY;
  const ret = iommu_device_use_default_domain(cfg, st, dev);
  if (ret) return ret;
  st.devices[dev].driver_bound = true;
  return 0;
}

/**
 * device_release_driver(dev): the driver's .remove unmaps what it mapped, then dma_cleanup
 * calls iommu_device_unuse_default_domain(). No-op when nothing is bound. Returns nothing (0).
 * Mirrors: drivers/base/dd.c device_release_driver() -> device_remove() -> pci_dma_cleanup().
 */
export function device_release_driver(cfg: KernelConfig, st: KernelState, dev: number): number {
  const ds = st.devices[dev];
  if (!ds.driver_bound) return 0;
  for (const m of ds.maps.slice()) dma_unmap_single(cfg, st, dev, m.iova, m.size);
  iommu_device_unuse_default_domain(cfg, st, dev);
  ds.driver_bound = false;
  return 0;
}

/** The entry points this module mirrors (src/kernel/dispatch.ts joins the tables). */
export const DRIVER_CORE_ENTRY_POINTS = {
  device_driver_attach: (cfg, st, a) => device_driver_attach(cfg, st, a.dev),
  device_release_driver: (cfg, st, a) => device_release_driver(cfg, st, a.dev),
} satisfies Partial<EntryPoints>;
