/**
 * s390 (drivers/iommu/s390-iommu.c) as merged in v5 of the 2025 passthrough series: no
 * def_domain_type; the identity domain exists only in s390_iommu_rtr_ops, registered when the
 * zPCI function reports rtr_avail; a static blocking domain; no PASIDs, no SVA. Devices whose
 * IOMMU lacks IOMMU_CAP_DEFERRED_FLUSH (ISM, 53f8e9ad7653) fall back to strict DMA.
 */
import type { IommuOps } from '../kernel/types.js';
import { tableOps } from './profile.js';

export function s390Ops(iommu: number, variant: ReadonlySet<string> = new Set()): IommuOps {
  return tableOps('s390', iommu, variant);
}
