/** Documentation data of the pasid_slot chart (machines/charts/pasid_slot.machine.ts); see machines/charts/doc.ts. */
import type { ChartDoc } from './doc.js';

export const pasidSlotDoc: ChartDoc = {
  title: 'one entry of group->pasid_array',
  summary:
    'One (group, PASID) slot of the pasid_array: free, or attached to a domain with the attach handle or SVA bond the entry is tagged with. The checks (newest kernel) of iommu_attach_device_pasid and iommu_replace_device_pasid, in order; iommu_detach_device_pasid erases the entry.',
  guards: {
    isAttached: 'something is attached at this PASID',
    isFree: 'nothing is attached at this PASID',
    isNoSetDevPasid: "the domain's ops have no set_dev_pasid",
    isNoBlockedRemove: "the device's driver has no blocked domain that can remove a PASID",
    isIncompatible: "the domain's ops are not the device's driver's",
    isPasidZero: 'pasid is IOMMU_NO_PASID (0)',
    isOutOfRange: "pasid >= a member's max_pasids",
    isSetFault: 'set_dev_pasid fails (armed fault)',
    isDriverRefused: "a member's set_dev_pasid refuses the domain (another IOMMU instance)",
    isNoHandle: 'no attach handle',
    isHandleReused: 'the handle is already the one installed (WARN_ON)',
    isSameDomain: 'the domain is already attached at this PASID',
  },
  actions: {
    returnZero: '0',
    returnEOPNOTSUPP: '-EOPNOTSUPP',
    returnEINVAL: '-EINVAL',
    returnEBUSY: '-EBUSY',
    returnSetFault: '-ENOMEM (uses up the set_dev_pasid fault; the members roll back)',
    recordPasidEntry: '0, records the domain and the handle',
    recordHandle: '0, only the handle changes',
    clearPasidEntry: '0, the entry is erased',
  },
  unreachable: [
    {
      transition: 'pasid_slot/iommu_replace_device_pasid#4',
      guard: 'isNoHandle',
      reason:
        'caller contract (machines/router/contract.ts replacePasidHeldDomain): iommufd, the only caller of iommu_replace_device_pasid, always passes its attach handle',
    },
    {
      transition: 'pasid_slot/iommu_replace_device_pasid#6',
      guard: 'isHandleReused',
      reason:
        "caller contract (machines/router/contract.ts replacePasidHeldDomain): replacing with the handle already installed is a WARN_ON, the caller's bug",
    },
    {
      transition: 'pasid_slot/iommu_detach_device_pasid#2',
      guard: null,
      reason:
        "caller contract (machines/router/contract.ts detachAttachedPasid): callers detach only an attached PASID, and SVA unbind detaches its own bond's entry",
    },
  ],
};
