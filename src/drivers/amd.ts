/**
 * AMD IOMMU (drivers/iommu/amd/iommu.c, pasid.c): a DTE per device and a per-device GCR3 table
 * for PASIDs (dev_data->gcr3_info), which only SVA domains use (iommu_sva_set_dev_pasid).
 * Static identity and blocked domains.
 * amd_iommu_def_domain_type(): DMA for untrusted devices; IDENTITY for PASID-capable devices
 * unless memory encryption is active (SNP is not modelled); else no preference.
 */
import type { IommuOps } from '../kernel/types.js';
import { tableOps } from './profile.js';

export function amdOps(iommu: number, variant: ReadonlySet<string> = new Set()): IommuOps {
  return tableOps('amd', iommu, variant);
}
