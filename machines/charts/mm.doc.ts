/** Documentation data of the mm chart (machines/charts/mm.machine.ts); see machines/charts/doc.ts. */
import type { ChartDoc } from './doc.js';

export const mmDoc: ChartDoc = {
  title: 'struct mm_struct as SVA sees it (mm->iommu_mm)',
  summary:
    'A process address space as SVA sees it: its global PASID, its SVA domains (one per IOMMU it is bound through) and the bonds on each with their refcounts. The PASID outlives every bond until mm_pasid_drop. The states follow the context through eventless transitions.',
  guards: {
    hasPasid: 'the mm has a global PASID',
    hasBonds: 'the mm has SVA bonds',
    isOverflow: "the mm's PASID >= the device's max_pasids",
    isNoSpace: 'the mm has no PASID and no global PASID is free',
    isBondBusy: 'the (group, PASID) entry is tagged with something not of this mm',
    isExistingBond: "this mm's bond is already at (group, PASID)",
    isReusingDomain: 'an SVA domain the mm already has attaches',
    isSvaUnsupported: 'the driver cannot allocate an SVA domain',
    isSvaAllocFault: 'allocating the SVA domain fails (armed fault)',
    isSvaAttachRefused: 'attaching the new SVA domain fails',
    isUnknownBond: 'the handle is not a bond of this mm',
    isLastReference: "the bond's last reference",
  },
  negated: {
    hasBonds: 'the mm has no SVA bonds',
    hasPasid: 'the mm has no PASID',
  },
  actions: {
    recordPasid: 'the mm keeps the PASID it got',
    returnZero: '0',
    returnEOVERFLOW: '-EOVERFLOW',
    returnENOSPC: '-ENOSPC',
    returnEBUSY: '-EBUSY',
    returnEOPNOTSUPP: '-EOPNOTSUPP',
    returnSvaAllocFault: '-ENOMEM (uses up the domain_alloc_paging fault)',
    returnAttachErrno: "the attach's errno",
    addBondReference: 'the existing handle, its refcount + 1',
    addBond: 'a new handle on the existing SVA domain',
    addDomainWithBond: 'a new handle on a new SVA domain',
    removeBond: 'nothing (void); the bond goes, and its domain with its last bond',
    dropBondReference: 'nothing (void); the refcount - 1',
    returnPasid: "the mm's PASID",
    clearPasid: 'nothing (void); the PASID is freed',
  },
  citations: {
    mm_pasid_drop: 'drivers/iommu/iommu-sva.c: mm_pasid_drop',
    always: 'drivers/iommu/iommu-sva.c: iommu_alloc_mm_data (mm->iommu_mm)',
  },
  unreachable: [
    {
      transition: 'mm/iommu_sva_bind_device#3',
      guard: 'isBondBusy',
      reason:
        "something other than the mm's bond at the mm's PASID: the caller contract never attaches at an mm's PASID (machines/router/contract.ts attachPasidHeldDomain), never binds while a device-local PASID is attached anywhere (bindWithoutDeviceLocalPasids), and a driver's global PASID is never an mm's (one IDA), so the slot holds this mm's bond or nothing",
    },
    {
      transition: 'mm/iommu_sva_bind_device#6',
      guard: 'isSvaUnsupported',
      reason:
        'every driver profile whose devices have PASIDs has domain_alloc_sva (spec/drivers.ts); s390, the one without, has no PASIDs, so its binds fail earlier (-EOVERFLOW or -ENOSPC)',
    },
    {
      transition: 'mm/iommu_sva_unbind_device#1',
      guard: 'isUnknownBond',
      reason:
        'the router looks the bond up first and asks only the mm that holds it; the caller contract (machines/router/contract.ts liveBond) unbinds live handles only',
    },
    {
      transition: 'bonded/always#2',
      guard: 'not(hasBonds)',
      reason:
        'only mm_pasid_drop clears the PASID, and the caller contract (machines/router/contract.ts dropUnboundMm) drops an mm after its bonds are gone, so a bonded mm never loses its PASID and its bonds at once',
    },
  ],
};
