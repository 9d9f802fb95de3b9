/** SVA invariants (docs/kernel/13-invariants.md §13.14). */
import { groupOfDevice } from '../scenario.js';
import { type Invariant, SVA_C } from './types.js';

export const SvaUsersMatchBonds: Invariant = {
  id: 'SvaUsersMatchBonds',
  statement:
    "Each SVA domain's users equals the number of live bonds on it, and a domain with no bond is freed.",
  citation: `${SVA_C}: iommu_sva_bind_device, iommu_sva_unbind_device`,
  holds(o) {
    for (const d of o.domains) {
      if (d.type !== 'SVA') continue;
      const n = o.bonds.filter((b) => b.domain === d.id).length;
      if (d.sva_users !== n) return `SVA domain ${d.id} has users ${d.sva_users} but ${n} bond(s)`;
      if (n === 0) return `SVA domain ${d.id} is alive with no bond`;
    }
    return null;
  },
};

export const SvaBondAttached: Invariant = {
  id: 'SvaBondAttached',
  statement:
    "Every bond's SVA domain is alive and attached at the mm's PASID of the bonded device's group.",
  citation: `${SVA_C}: iommu_sva_bind_device`,
  holds(o) {
    for (const b of o.bonds) {
      const d = o.domains.find((x) => x.id === b.domain);
      if (d === undefined) return `bond ${b.name} points at a freed domain`;
      const pasid = o.mms[d.sva_mm].pasid;
      const g = groupOfDevice(o.scenario, b.dev);
      if (!o.groups[g].pasids.some((e) => e.pasid === pasid && e.domain === b.domain))
        return `bond ${b.name} is not attached at PASID ${pasid}`;
    }
    return null;
  },
};
