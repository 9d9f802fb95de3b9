/** Step properties: what one call may change (docs/kernel/13-invariants.md §13.6, §13.10,
 * §13.11, §13.17, §13.18, §13.20). */
import type { Observation } from '../observe.js';
import { groupOfDevice } from '../scenario.js';
import { type ActionInvariant, IOMMU_C } from './types.js';

function groupOfDev(o: Observation, dev: number): number {
  return groupOfDevice(o.scenario, dev);
}

export const NoStealing: ActionInvariant = {
  id: 'NoStealing',
  statement:
    'iommu_attach_device and iommu_attach_group succeed only from the default or the blocking domain.',
  citation: `${IOMMU_C}: __iommu_attach_group`,
  holds(before, ev, ret) {
    if ((ev.type !== 'iommu_attach_device' && ev.type !== 'iommu_attach_group') || ret !== 0)
      return null;
    const g = ev.group ?? groupOfDev(before, ev.dev ?? 0);
    const gr = before.groups[g];
    if (gr.domain !== gr.default_domain && gr.domain !== gr.blocking_domain)
      return `${ev.type} succeeded on group ${g} while domain ${gr.domain} (neither default ${gr.default_domain} nor blocking ${gr.blocking_domain}) was attached`;
    return null;
  },
};

export const FailedPasidAttachLeavesNoTrace: ActionInvariant = {
  id: 'FailedPasidAttachLeavesNoTrace',
  statement:
    'A failed PASID attach or replace leaves the pasid_array entry and the hardware routes of that PASID as they were.',
  citation: `${IOMMU_C}: iommu_attach_device_pasid, __iommu_set_group_pasid`,
  holds(before, ev, ret, after) {
    if (
      (ev.type !== 'iommu_attach_device_pasid' && ev.type !== 'iommu_replace_device_pasid') ||
      ret === 0
    )
      return null;
    const g = groupOfDev(before, ev.dev ?? 0);
    const pasid = ev.pasid ?? 0;
    const b = before.groups[g].pasids.find((e) => e.pasid === pasid);
    const a = after.groups[g].pasids.find((e) => e.pasid === pasid);
    if (b?.domain !== a?.domain)
      return `failed ${ev.type} (${ret}) changed pasid_array[${pasid}] from ${b?.domain ?? 'empty'} to ${a?.domain ?? 'empty'}`;
    if (pasid <= 0) return null;
    for (let dev = 0; dev < before.scenario.devices.length; dev++) {
      if (groupOfDev(before, dev) !== g) continue;
      if (JSON.stringify(before.route(dev, pasid)) !== JSON.stringify(after.route(dev, pasid)))
        return `failed ${ev.type} changed the hardware route of device ${dev} PASID ${pasid}`;
    }
    return null;
  },
};

export const ClaimNeedsNoPasids: ActionInvariant = {
  id: 'ClaimNeedsNoPasids',
  statement: 'An explicit DMA-ownership claim succeeds only on a group with no PASID attached.',
  citation: `${IOMMU_C}: __iommu_take_dma_ownership`,
  holds(before, ev, ret, after) {
    if (
      (ev.type !== 'iommu_group_claim_dma_owner' && ev.type !== 'iommu_device_claim_dma_owner') ||
      ret !== 0
    )
      return null;
    const g = ev.group ?? groupOfDev(before, ev.dev ?? 0);
    if (
      before.view.groups[g].owner === null &&
      after.view.groups[g].owner !== null &&
      before.groups[g].pasids.length > 0
    ) {
      return `group ${g} was claimed with ${before.groups[g].pasids.length} PASID(s) attached`;
    }
    return null;
  },
};

export const SysfsChangeNeedsNoUsers: ActionInvariant = {
  id: 'SysfsChangeNeedsNoUsers',
  statement:
    'A sysfs type write that replaces the default domain succeeds only when no driver or owner uses the group; the live DMA to DMA-FQ upgrade keeps the domain.',
  citation: `${IOMMU_C}: iommu_group_store_type`,
  holds(before, ev, ret, after) {
    if (ev.type !== 'iommu_group_store_type' || typeof ret !== 'number' || ret < 0) return null;
    const g = ev.group ?? 0;
    if (before.groups[g].default_domain === after.groups[g].default_domain) return null;
    if (before.view.groups[g].owner_cnt !== 0)
      return `default domain of group ${g} replaced with owner_cnt ${before.view.groups[g].owner_cnt}`;
    return null;
  },
};

export const IommuUnmapIsSynchronous: ActionInvariant = {
  id: 'IommuUnmapIsSynchronous',
  statement:
    "When iommu_unmap returns, the IOTLB holds nothing of the unmapped range under the unmapped domain's tag (other domains may map the same IOVAs).",
  citation: `${IOMMU_C}: iommu_unmap, iommu_iotlb_sync (the gather names the unmapped domain)`,
  holds(before, ev, ret, after) {
    if (ev.type !== 'iommu_unmap' || typeof ret !== 'number' || ret <= 0) return null;
    if (ev.domain === undefined) return null;
    const id = before.domainOf?.(ev.domain) ?? -1;
    const d = before.domains.find((x) => x.id === id);
    if (d === undefined) return null;
    const lo = Math.floor((ev.iova ?? 0) / 4096);
    const hi = lo + ret / 4096 - 1;
    if (
      after.iotlb.some(
        (e) => e.iommu === d.iommu && e.tag === id && e.iova_pfn >= lo && e.iova_pfn <= hi,
      )
    )
      return `IOTLB still holds part of a range iommu_unmap returned, under domain ${id}'s tag`;
    return null;
  },
};
