/**
 * Intel VT-d (drivers/iommu/intel/iommu.c) in scalable mode: a context entry whose RID2PASID
 * slot and PASID table entries point at a domain's page table (by domain id), pass through, or
 * are not present. Static identity and blocked domains; set_dev_pasid for paging, identity and
 * SVA domains; IOMMU_HWPT_ALLOC_PASID supported.
 * def_domain_type (device_def_domain_type) asks for IDENTITY only for graphics and Azalia quirks,
 * which the scenario format does not describe: no preference here.
 * intel_iommu_init: a unit in caching mode (CAP.CM, a virtual VT-d) that translates
 * second-stage by default forces strict mode, "IOMMU batching disallowed due to virtualization"
 * (the flush queue does no page-selective invalidation, and every invalidation is a VM exit).
 */
import { iommu_set_dma_strict } from '../kernel/iommu.js';
import type { IommuOps } from '../kernel/types.js';
import { tableOps } from './profile.js';

export function intelVtdOps(iommu: number, variant: ReadonlySet<string> = new Set()): IommuOps {
  return {
    ...tableOps('intel-vtd', iommu, variant),
    init(cfg, st, m) {
      // if (cap_caching_mode(iommu->cap) && !first_level_by_default(iommu))
      if (cfg.scenario.iommus[m].caching_mode) iommu_set_dma_strict(st);
    },
  };
}
