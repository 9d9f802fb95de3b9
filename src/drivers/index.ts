/** The driver profile behind each IOMMU instance of a scenario. */
import type { HwUpdateObs } from '../../spec/observe.js';
import type { IommuInstance, IommuOps, KernelConfig, KernelState } from '../kernel/types.js';
import { amdOps } from './amd.js';
import { armSmmuV3Ops } from './arm-smmu-v3/index.js';
import { intelVtdOps } from './intel-vtd.js';
import { mockOps } from './mock.js';
import { s390Ops } from './s390.js';

export function opsFor(iommu: IommuInstance, variant: ReadonlySet<string> = new Set()): IommuOps {
  switch (iommu.driver) {
    case 'arm-smmu-v3':
      return armSmmuV3Ops(iommu.index, variant);
    case 'intel-vtd':
      return intelVtdOps(iommu.index, variant);
    case 'amd':
      return amdOps(iommu.index, variant);
    case 's390':
      return s390Ops(iommu.index, variant);
    case 'mock':
      return mockOps(iommu.index, variant);
  }
}

/** In-flight hardware entry updates (hw_steps mode), for the HitlessEntryUpdate invariant. */
export function reportHwUpdates(cfg: KernelConfig, st: KernelState): HwUpdateObs[] {
  const out: HwUpdateObs[] = [];
  for (const m of cfg.iommus) {
    const ops = cfg.ops[m.index];
    if (ops.pendingUpdates !== undefined) out.push(...ops.pendingUpdates(cfg, st, m.index));
  }
  return out;
}

/*
 * The driver layer's face to the checker (src/check imports drivers only through this file):
 * what a device access reaches, completing hardware writes in flight, and the hardware tables
 * in readable form for reports.
 */
export { CD_FIELD_NAMES, STE_FIELD_NAMES } from './arm-smmu-v3/entry.js';
export { hwTranslate } from './device-dma.js';
export { hw_complete_all } from './hw-step.js';
export { entryRoute } from './table.js';
