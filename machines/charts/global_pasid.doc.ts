/** Documentation data of the global_pasid chart (machines/charts/global_pasid.machine.ts); see machines/charts/doc.ts. */
import type { ChartDoc } from './doc.js';

export const globalPasidDoc: ChartDoc = {
  title: 'iommu_global_pasid_ida (the PASIDs drivers hold)',
  summary:
    'The global PASIDs drivers hold through iommu_alloc_global_pasid and give back with iommu_free_global_pasid. An mm takes its PASID from the same IDA, but that PASID belongs to the mm chart.',
  guards: {
    hasHeldPasids: 'drivers hold global PASIDs',
    isPasidSpaceFull: "no global PASID is free below the device's max_pasids",
    isNotHeld: 'the PASID is not held (WARN)',
  },
  negated: {
    hasHeldPasids: 'drivers hold no global PASID',
  },
  actions: {
    returnPasidInvalid: 'IOMMU_PASID_INVALID',
    holdPasid: 'the lowest free global PASID, now held',
    releasePasid: 'nothing (void); the PASID is free',
    returnZero: 'nothing (void)',
  },
  citations: {
    always: 'drivers/iommu/iommu.c: iommu_global_pasid_ida',
  },
  unreachable: [
    {
      transition: 'global_pasid/iommu_free_global_pasid#1',
      guard: 'isNotHeld',
      reason:
        'caller contract (machines/router/contract.ts freeHeldDriverPasid): freeing a PASID nobody holds WARNs in iommu_free_global_pasid',
    },
  ],
};
