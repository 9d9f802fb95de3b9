/**
 * ARM SMMUv3 (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c): static identity and blocked
 * domains, S1 paging domains with set_dev_pasid (arm_smmu_s1_set_dev_pasid), SVA.
 */
import type { IommuOps } from '../../kernel/types.js';
import { tableOps } from '../profile.js';

export function armSmmuV3Ops(iommu: number): IommuOps {
  return tableOps('arm-smmu-v3', iommu);
}
