/**
 * A mock driver after iommufd's selftest (drivers/iommu/iommufd/selftest.c, mock_ops), made a
 * full modern driver: static identity and blocked domains, paging domains with PASID support,
 * set_dev_pasid for every kind, SVA. Its tables are the plain [kind, domain] entries.
 */
import type { IommuOps } from '../kernel/types.js';
import { type DriverProfile, tableOps } from './profile.js';

export const mockProfile: DriverProfile = {
  driver: 'mock',
  has_identity_domain: () => true,
  has_blocked_domain: true,
  def_domain_type: () => 0,
  set_dev_pasid: ['paging', 'identity', 'blocked', 'sva'],
  supports_sva: true,
  supports_alloc_pasid: true,
};

export function mockOps(iommu: number): IommuOps {
  return tableOps(mockProfile, iommu);
}
