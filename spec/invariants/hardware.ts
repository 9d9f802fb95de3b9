/** Hardware-table invariants (docs/kernel/13-invariants.md §13.26). */
import type { Invariant } from './types.js';

export const HitlessEntryUpdate: Invariant = {
  id: 'HitlessEntryUpdate',
  statement:
    'Between two syncs an STE or CD equals its old or its new value on the bits its configuration uses, or is invalid (V=0).',
  citation: 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c: arm_smmu_write_entry; arm-smmu-v3-test.c',
  holds(o) {
    for (const u of o.hw_updates) {
      if (!u.safe)
        return `IOMMU ${u.iommu}: device ${u.dev} ${u.ssid < 0 ? 'STE' : `CD ${u.ssid}`} is neither old nor new between syncs`;
    }
    return null;
  },
};

export const NoWarningFired: Invariant = {
  id: 'NoWarningFired',
  statement: "No WARN_ON fired: every kernel warning is somebody's bug.",
  citation: 'include/asm-generic/bug.h: WARN_ON',
  holds(o) {
    return o.warnings.length === 0
      ? null
      : `WARN: ${o.warnings[0]}${o.warnings.length > 1 ? ` (and ${o.warnings.length - 1} more)` : ''}`;
  },
};
