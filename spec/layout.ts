/**
 * The physical memory layout of every scenario: buffer i at BUFFER_BASE_PFN + i *
 * BUFFER_STRIDE_PFN (4 GiB up, 16 MiB apart, so buffers never share a page), and the
 * IOMMU_RESV_DIRECT page of require_direct device i at DIRECT_BASE_PFN + i (firmware memory
 * below 4 GiB). Both sides of the check use it.
 */
export const PAGE_SHIFT = 12;
export const BUFFER_BASE_PFN = 0x100000;
export const BUFFER_STRIDE_PFN = 0x1000;
export const DIRECT_BASE_PFN = 0xe0000;

export function bufferPfn(i: number): number {
  return BUFFER_BASE_PFN + i * BUFFER_STRIDE_PFN;
}
export function directPfn(dev: number): number {
  return DIRECT_BASE_PFN + dev;
}
