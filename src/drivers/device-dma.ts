/**
 * What a device sees: an access from (dev, PASID) at an IOVA walks the IOTLB, then the hardware
 * tables (through the driver's walk), then the page table the entry points at. It never reads
 * the core's bookkeeping. Identity passes through; blocked and absent entries fault.
 */
import { IOMMU_DOMAIN_SVA } from '../../spec/domain-types.js';
import { EFAULT } from '../../spec/errno.js';
import type { KernelConfig, KernelState } from '../kernel/types.js';
import { iotlbFill, iotlbLookup } from './iotlb.js';

/** The outcome of one access: the physical page reached, or a fault. */
export type DmaOutcome =
  | { readonly kind: 'fault' }
  | { readonly kind: 'phys'; readonly pfn: number; readonly cached: boolean };

/**
 * Translate one access. With `fill`, a table walk that succeeds is cached in the IOTLB, as the
 * hardware does; invariants probe with fill = false so that looking changes nothing.
 */
export function hwTranslate(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
  iova_pfn: number,
  pasid: number,
  fill: boolean,
): DmaOutcome {
  const iommu = cfg.devices[dev].iommu;
  const route = cfg.ops[iommu].walk(cfg, st, dev, pasid);
  if (route.kind === 'abort') return { kind: 'fault' };
  if (route.kind === 'bypass') return { kind: 'phys', pfn: iova_pfn, cached: false };
  const tag = route.domain;
  const hit = iotlbLookup(st, iommu, tag, iova_pfn);
  if (hit !== 0) return { kind: 'phys', pfn: hit, cached: true };
  const d = st.domains[tag];
  if (d === null || d === undefined) return { kind: 'fault' };
  let pfn = 0;
  if (d.type === IOMMU_DOMAIN_SVA) {
    // An mm maps every buffer of the scenario at its physical address (a simplification).
    if (cfg.buffers.some((b) => iova_pfn >= b.pfn && iova_pfn < b.pfn + pagesOf(b.size)))
      pfn = iova_pfn;
  } else {
    for (const m of d.pgtable) {
      if (iova_pfn >= m.iova_pfn && iova_pfn < m.iova_pfn + m.pages) {
        pfn = m.paddr_pfn + (iova_pfn - m.iova_pfn);
        break;
      }
    }
  }
  if (pfn === 0) return { kind: 'fault' };
  if (fill) iotlbFill(st, iommu, tag, iova_pfn, pfn);
  return { kind: 'phys', pfn, cached: false };
}

function pagesOf(size: number): number {
  return Math.max(1, Math.ceil(size / 4096));
}

/** Name what lives at a physical page: a buffer, a firmware direct region, or raw memory. */
export function physName(cfg: KernelConfig, pfn: number): string {
  for (const b of cfg.buffers) if (pfn >= b.pfn && pfn < b.pfn + pagesOf(b.size)) return b.name;
  for (const d of cfg.devices)
    if (d.require_direct && pfn === d.direct_pfn) return `direct:${d.name}`;
  return `phys:0x${(pfn * 4096).toString(16)}`;
}

/**
 * device_dma(dev, iova, pasid): the device issues a DMA read. Returns the name of the buffer
 * reached, or -EFAULT when the IOMMU faults it.
 */
export function device_dma(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
  iova: number,
  pasid: number,
): string | number {
  const out = hwTranslate(cfg, st, dev, Math.floor(iova / 4096), pasid, true);
  if (out.kind === 'fault') return -EFAULT;
  return physName(cfg, out.pfn);
}
