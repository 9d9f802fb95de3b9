/** DMA ownership invariants (docs/kernel/13-invariants.md §13.3, §13.4, §13.11). */
import { devicesOf } from './groups.js';
import { type Invariant, IOMMU_C } from './types.js';

export const OwnerImpliesCount: Invariant = {
  id: 'OwnerImpliesCount',
  statement: 'A group with an explicit DMA owner has owner_cnt >= 1.',
  citation: `${IOMMU_C}: __iommu_take_dma_ownership`,
  holds(o) {
    for (let g = 0; g < o.view.groups.length; g++) {
      const v = o.view.groups[g];
      if (v.owner !== null && v.owner_cnt < 1)
        return `group ${g} owned by ${v.owner} with owner_cnt ${v.owner_cnt}`;
    }
    return null;
  },
};

export const OwnerExcludesDmaApiDrivers: Invariant = {
  id: 'OwnerExcludesDmaApiDrivers',
  statement:
    'While a group has an explicit owner no DMA-API driver is bound to any of its devices.',
  citation: `${IOMMU_C}: iommu_device_use_default_domain, iommu_group_claim_dma_owner`,
  holds(o) {
    for (let g = 0; g < o.view.groups.length; g++) {
      if (o.view.groups[g].owner === null) continue;
      for (const d of devicesOf(o, g))
        if (o.view.devices[d].bound)
          return `device ${d} has a DMA-API driver while group ${g} is owned`;
    }
    return null;
  },
};

export const OwnedGroupOffDefault: Invariant = {
  id: 'OwnedGroupOffDefault',
  statement:
    'An explicitly owned group is never on its default domain: a claim moves it to the blocking domain first.',
  citation: `${IOMMU_C}: __iommu_take_dma_ownership`,
  holds(o) {
    for (let g = 0; g < o.groups.length; g++) {
      const gr = o.groups[g];
      if (o.view.groups[g].owner !== null && gr.domain === gr.default_domain)
        return `group ${g} owned by ${o.view.groups[g].owner} is on its default domain ${gr.domain}`;
    }
    return null;
  },
};

export const BoundDriversCounted: Invariant = {
  id: 'BoundDriversCounted',
  statement:
    'owner_cnt of a group without an explicit owner equals the number of its devices with a DMA-API driver bound.',
  citation: `${IOMMU_C}: iommu_device_use_default_domain, iommu_device_unuse_default_domain`,
  holds(o) {
    for (let g = 0; g < o.view.groups.length; g++) {
      const v = o.view.groups[g];
      if (v.owner !== null) continue;
      const n = devicesOf(o, g).filter((d) => o.view.devices[d].bound).length;
      if (v.owner_cnt !== n)
        return `group ${g}: owner_cnt ${v.owner_cnt} with ${n} bound driver(s)`;
    }
    return null;
  },
};
