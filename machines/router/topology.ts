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
}

export interface GroupTopo {
  readonly iommu: number;
  readonly devices: readonly number[];
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
    };
  });
  const groups: GroupTopo[] = groupNames(scenario).map((_, g) => {
    const members = devices.flatMap((d, i) => (d.group === g ? [i] : []));
    return { iommu: devices[members[0]].iommu, devices: members };
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
