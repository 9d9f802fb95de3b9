/**
 * A mock driver after iommufd's selftest (drivers/iommu/iommufd/selftest.c, mock_ops), made a
 * full modern driver: static identity and blocked domains, paging domains with PASID support,
 * set_dev_pasid for every kind, SVA. Its tables are the plain [kind, domain] entries.
 */
import type { IommuOps } from '../kernel/types.js';
import { tableOps } from './profile.js';

export function mockOps(iommu: number, variant: ReadonlySet<string> = new Set()): IommuOps {
  return tableOps('mock', iommu, variant);
}
