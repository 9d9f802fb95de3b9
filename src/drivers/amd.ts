/**
 * AMD IOMMU (drivers/iommu/amd/iommu.c, pasid.c): a DTE per device and a per-device GCR3 table
 * for PASIDs (dev_data->gcr3_info), which only SVA domains use (iommu_sva_set_dev_pasid).
 * Static identity and blocked domains.
 * amd_iommu_def_domain_type(): DMA for untrusted devices; IDENTITY for PASID-capable devices
 * unless memory encryption is active (SNP is not modelled); else no preference.
 */
import { IOMMU_DOMAIN_DMA, IOMMU_DOMAIN_IDENTITY } from '../../spec/domain-types.js';
import type { IommuOps } from '../kernel/types.js';
import { type DriverProfile, tableOps } from './profile.js';

export const amdProfile: DriverProfile = {
  driver: 'amd',
  has_identity_domain: () => true,
  has_blocked_domain: true,
  def_domain_type(cfg, dev) {
    const d = cfg.devices[dev];
    if (d.pci && d.untrusted) return IOMMU_DOMAIN_DMA;
    if (d.max_pasids > 0 && !cfg.scenario.kernel.CC_ATTR_MEM_ENCRYPT) return IOMMU_DOMAIN_IDENTITY;
    return 0;
  },
  set_dev_pasid: ['blocked', 'sva'],
  supports_sva: true,
  supports_alloc_pasid: true,
};

export function amdOps(iommu: number): IommuOps {
  return tableOps(amdProfile, iommu);
}
