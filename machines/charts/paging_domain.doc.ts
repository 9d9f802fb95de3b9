/** Documentation data of the paging_domain chart (machines/charts/paging_domain.machine.ts); see machines/charts/doc.ts. */
import type { ChartDoc } from './doc.js';

export const pagingDomainDoc: ChartDoc = {
  title: 'a domain a caller allocated',
  summary:
    'A user domain slot: a paging domain an IOMMU-API user (VFIO, iommufd, a driver) allocates with iommu_paging_domain_alloc and frees with iommu_domain_free. The caller holds it as `d<slot>`; allocation takes the lowest free slot.',
  guards: {
    isAllocFault: 'domain_alloc_paging fails (armed fault)',
  },
  actions: {
    returnAllocFault: '-ENOMEM (uses up the domain_alloc_paging fault)',
    recordDomain: "the new domain `d<slot>`, of the device's IOMMU instance",
    forgetDomain: 'nothing (void); the slot is free',
  },
  unreachable: [
    {
      transition: 'free/iommu_domain_free#1',
      guard: null,
      reason:
        'caller contract (machines/router/contract.ts freeDetachedUserDomain): only an allocated domain is freed; freeing a free one is a double free',
    },
  ],
};
