/**
 * ARM SMMUv3 (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c): static identity and blocked
 * domains, S1 paging domains with set_dev_pasid (arm_smmu_s1_set_dev_pasid), SVA.
 */
import type { IommuOps } from '../../kernel/types.js';
import { type DriverProfile, tableOps } from '../profile.js';

export const armSmmuV3Profile: DriverProfile = {
  driver: 'arm-smmu-v3',
  has_identity_domain: () => true,
  has_blocked_domain: true,
  def_domain_type: () => 0,
  set_dev_pasid: ['paging', 'blocked', 'sva'],
  supports_sva: true,
  supports_alloc_pasid: true,
};

export function armSmmuV3Ops(iommu: number): IommuOps {
  return tableOps(armSmmuV3Profile, iommu);
}
