/**
 * Domain type bits and composite types: include/linux/iommu.h.
 * DMA_FQ is a core/dma-iommu notion only: IOMMU_DOMAIN_ALLOC_FLAGS masks it off before a
 * driver sees the type (drivers/iommu/iommu.c: __iommu_domain_alloc).
 */
export const __IOMMU_DOMAIN_PAGING = 1 << 0;
export const __IOMMU_DOMAIN_DMA_API = 1 << 1;
export const __IOMMU_DOMAIN_PT = 1 << 2;
export const __IOMMU_DOMAIN_DMA_FQ = 1 << 3;
export const __IOMMU_DOMAIN_SVA = 1 << 4;
export const __IOMMU_DOMAIN_PLATFORM = 1 << 5;

export const IOMMU_DOMAIN_BLOCKED = 0;
export const IOMMU_DOMAIN_IDENTITY = __IOMMU_DOMAIN_PT;
export const IOMMU_DOMAIN_UNMANAGED = __IOMMU_DOMAIN_PAGING;
export const IOMMU_DOMAIN_DMA = __IOMMU_DOMAIN_PAGING | __IOMMU_DOMAIN_DMA_API;
export const IOMMU_DOMAIN_DMA_FQ =
  __IOMMU_DOMAIN_PAGING | __IOMMU_DOMAIN_DMA_API | __IOMMU_DOMAIN_DMA_FQ;
export const IOMMU_DOMAIN_SVA = __IOMMU_DOMAIN_SVA;
export const IOMMU_DOMAIN_ALLOC_FLAGS = ~__IOMMU_DOMAIN_DMA_FQ;

/** include/linux/iommu.h: iommu_is_dma_domain() */
export function iommu_is_dma_domain(type: number): boolean {
  return (type & __IOMMU_DOMAIN_DMA_API) !== 0;
}

export function isPagingType(type: number): boolean {
  return (type & __IOMMU_DOMAIN_PAGING) !== 0;
}

/** The strings iommu_group_show_type() prints (drivers/iommu/iommu.c). */
export function domainTypeSysfsName(type: number): string {
  switch (type) {
    case IOMMU_DOMAIN_BLOCKED:
      return 'blocked';
    case IOMMU_DOMAIN_IDENTITY:
      return 'identity';
    case IOMMU_DOMAIN_UNMANAGED:
      return 'unmanaged';
    case IOMMU_DOMAIN_DMA:
      return 'DMA';
    case IOMMU_DOMAIN_DMA_FQ:
      return 'DMA-FQ';
    default:
      return 'unknown';
  }
}

/** Short names used in state keys, docs and counterexamples. */
export function domainTypeName(type: number): string {
  switch (type) {
    case IOMMU_DOMAIN_BLOCKED:
      return 'BLOCKED';
    case IOMMU_DOMAIN_IDENTITY:
      return 'IDENTITY';
    case IOMMU_DOMAIN_UNMANAGED:
      return 'UNMANAGED';
    case IOMMU_DOMAIN_DMA:
      return 'DMA';
    case IOMMU_DOMAIN_DMA_FQ:
      return 'DMA_FQ';
    case IOMMU_DOMAIN_SVA:
      return 'SVA';
    default:
      return `0x${type.toString(16)}`;
  }
}

/** Reserved PASID values: include/linux/iommu.h. */
export const IOMMU_NO_PASID = 0;
export const IOMMU_FIRST_GLOBAL_PASID = 1;
export const IOMMU_PASID_INVALID = -1;
