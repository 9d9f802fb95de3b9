/**
 * The immutable facts of a scenario the charts and the router read: groups in order of first
 * appearance, each device's group, IOMMU instance and dev->iommu->max_pasids (the smaller of the
 * device capability and the IOMMU limit: drivers/iommu/iommu.c dev_iommu_get_max_pasids), and
 * the driver facts of spec/drivers.ts per IOMMU instance.
 */
import type { FaultOp } from '../../spec/calls.js';
import { DRIVER_FACTS, type DriverFacts } from '../../spec/drivers.js';
import { type DriverName, groupNames, groupOfDevice, type Scenario } from '../../spec/scenario.js';

export interface IommuTopo {
  readonly driver: DriverName;
  readonly facts: DriverFacts;
  /** ops->identity_domain exists on this instance. */
  readonly has_identity_domain: boolean;
  /** device_iommu_capable(dev, IOMMU_CAP_DEFERRED_FLUSH) for its devices. */
  readonly deferred_flush: boolean;
}

export interface DeviceTopo {
  readonly group: number;
  readonly iommu: number;
  readonly max_pasids: number;
  readonly require_direct: boolean;
  /** pdev->untrusted (only PCI devices can be untrusted). */
  readonly untrusted: boolean;
  /** ops->def_domain_type(dev): 0 for no preference. */
  readonly def_domain_type: number;
  /**
   * How many DMA-API mappings the device's DMA mask leaves room for in its default domain's
   * IOVA space (iovaSlots), Infinity when the space is far larger than any bound.
   */
  readonly iova_slots: number;
}

export interface GroupTopo {
  readonly iommu: number;
  readonly devices: readonly number[];
  /**
   * IOVAs the group's flush queue holds before an enqueue must flush it: fq_full() keeps one
   * ring slot free (drivers/iommu/dma-iommu.c), so the scenario's dma.fq_size - 1, doubled
   * first for a shadow_on_flush device's single large queue (iommu_dma_init_options).
   */
  readonly fq_entries: number;
}

/** A mask of at least this many bits leaves more IOVA space than any bound can use. */
const IOVA_AMPLE_MASK_BITS = 32;

/**
 * The abstract fact behind IOVA exhaustion, not the allocator: a mapping of `pages` granules takes
 * one block of roundup_pow_of_two(pages) granules below 32 (alloc_iova_fast's roundup, the size
 * otherwise), aligned to roundup_pow_of_two(pages) (alloc_iova size_aligned), between pfn 1 (IOVA
 * 0 is never handed out: iommu_dma_init_domain) and the DMA mask (iommu_dma_alloc_iova); with
 * every mapping the same size they tile the space, so the space holds this many. Freed IOVAs are
 * reusable at once in strict mode (free_iova_fast; alloc_iova_fast flushes the rcaches before it
 * gives up) and after the next flush in lazy mode (queue_iova), which the router counts.
 */
export function iovaSlots(dma_mask_bits: number, pages: number, granule_shift = 12): number {
  if (dma_mask_bits >= IOVA_AMPLE_MASK_BITS) return Number.POSITIVE_INFINITY;
  const limit_pfn = 2 ** (dma_mask_bits - granule_shift) - 1;
  const align = 2 ** Math.ceil(Math.log2(Math.max(1, pages)));
  const size = pages < 32 ? align : pages;
  return Math.max(0, Math.floor((limit_pfn + 1 - size) / align));
}

/** Granules of the scenario's mappings (every buffer rounds to the same block when it matters). */
function mappingPages(scenario: Scenario): number {
  let pages = 1;
  for (const b of scenario.buffers)
    pages = Math.max(pages, Math.ceil(b.size / scenario.dma.granule));
  return pages;
}

export interface Topology {
  readonly scenario: Scenario;
  readonly iommus: readonly IommuTopo[];
  readonly devices: readonly DeviceTopo[];
  readonly groups: readonly GroupTopo[];
}

export function topologyOf(scenario: Scenario): Topology {
  const iommuIndex = new Map(scenario.iommus.map((m, i) => [m.name, i]));
  const iommus: IommuTopo[] = scenario.iommus.map((m) => ({
    driver: m.driver,
    facts: DRIVER_FACTS[m.driver],
    has_identity_domain: DRIVER_FACTS[m.driver].has_identity_domain(m),
    deferred_flush: m.caps.includes('IOMMU_CAP_DEFERRED_FLUSH'),
  }));
  const devices: DeviceTopo[] = scenario.devices.map((d, index) => {
    const iommu = iommuIndex.get(d.iommu) ?? 0;
    const max_pasids = Math.min(d.max_pasids, scenario.iommus[iommu].max_pasids);
    return {
      group: groupOfDevice(scenario, index),
      iommu,
      max_pasids,
      require_direct: d.require_direct,
      untrusted: d.pci && d.untrusted,
      def_domain_type: iommus[iommu].facts.def_domain_type(scenario, d, max_pasids),
      iova_slots: iovaSlots(d.dma_mask_bits, mappingPages(scenario)),
    };
  });
  const groups: GroupTopo[] = groupNames(scenario).map((_, g) => {
    const members = devices.flatMap((d, i) => (d.group === g ? [i] : []));
    const single = scenario.devices[members[0]].shadow_on_flush;
    const fq_entries = scenario.dma.fq_size * (single ? 2 : 1) - 1;
    return { iommu: devices[members[0]].iommu, devices: members, fq_entries };
  });
  return { scenario, iommus, devices, groups };
}

/* Armed faults (fault_inject): a small sorted list, the order of FAULT_OPS. */

export function isArmed(armed: readonly FaultOp[], op: FaultOp): boolean {
  return armed.includes(op);
}

export function disarm(armed: readonly FaultOp[], ops: readonly FaultOp[]): readonly FaultOp[] {
  return ops.length === 0 ? armed : armed.filter((op) => !ops.includes(op));
}

/** The u32 a PASID argument is in the kernel (ioasid_t): -1 is IOMMU_PASID_INVALID, 0xffffffff. */
export function pasidU32(pasid: number): number {
  return pasid >>> 0;
}
