/**
 * The kernel revisions the emulator and the spec mirror. The newest is modelled by default;
 * the older ones are selectable per scenario (`kernel.revision`) and differ only where
 * docs/kernel/ (revisions: docs/kernel/00-sources.md §0.1) calls out a difference.
 */
export const KERNEL_REVISIONS = ['v6.3', 'v6.12', 'newest'] as const;
export type KernelRevision = (typeof KERNEL_REVISIONS)[number];

export const KERNEL_REF = {
  newest:
    'newest: drivers/iommu/iommu.c, newest generation (iommu_replace_device_pasid, tagged pasid_array)',
  'v6.12': 'v6.12: drivers/iommu/iommu.c ~v6.12 (iommu_attach_handle, release_domain)',
  'v6.3': 'v6.3: drivers/iommu/iommu.c ~v6.3 (iommu_change_dev_def_domain, -EBUSY sysfs rules)',
} as const satisfies Record<KernelRevision, string>;

/** A citation: `drivers/iommu/iommu.c: iommu_attach_device_pasid`. */
export function cite(file: string, fn: string): string {
  return `${file}: ${fn}`;
}
