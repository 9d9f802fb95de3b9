/**
 * The catalogue of seeded bugs (P-style "deliberately broken variants"): each is a switch in the
 * emulator, labelled where it acts with `cfg.mutants.has('<name>')`, selectable with
 * `--mutant NAME`. The test suite shows that `explore` catches every one on the named built-in
 * scenario, with a counterexample.
 */
export interface Mutant {
  readonly name: string;
  /** What the seeded bug does, in one sentence. */
  readonly bug: string;
  /** The kernel function whose rule it breaks. */
  readonly site: string;
  /** The built-in scenario on which explore must catch it. */
  readonly scenario: string;
}

export const MUTANTS: readonly Mutant[] = [
  {
    name: 'sysfs-type-with-driver-bound',
    bug: 'the sysfs type change checks only an explicit owner, not DMA-API drivers, so the default domain is replaced under a bound driver',
    site: 'drivers/iommu/iommu.c: iommu_group_store_type',
    scenario: 'smmu-dma',
  },
  {
    name: 'pasid-slot-overwrite',
    bug: 'iommu_attach_device_pasid overwrites an occupied pasid_array slot instead of failing -EBUSY',
    site: 'drivers/iommu/iommu.c: iommu_attach_device_pasid',
    scenario: 'vtd-pasid',
  },
  {
    name: 'strict-free-before-sync',
    bug: 'a strict unmap frees the IOVA before the IOTLB sync',
    site: 'drivers/iommu/dma-iommu.c: __iommu_dma_unmap',
    scenario: 'vtd-dma-strict',
  },
  {
    name: 'fq-entry-freed-early',
    bug: 'a flush-queue unmap frees the IOVA at once instead of queueing it until a flush completes',
    site: 'drivers/iommu/dma-iommu.c: iommu_dma_free_iova',
    scenario: 'smmu-dma',
  },
  {
    name: 'untrusted-identity',
    bug: 'default-domain selection ignores untrusted devices, so passthrough gives them identity',
    site: 'drivers/iommu/iommu.c: iommu_get_default_domain_type',
    scenario: 'mock-untrusted',
  },
  {
    name: 'global-pasid-twice',
    bug: 'the global PASID allocator hands out an already allocated PASID again',
    site: 'drivers/iommu/iommu.c: iommu_alloc_global_pasid',
    scenario: 'vtd-pasid',
  },
  {
    name: 'rcache-non-pow2',
    bug: 'the DMA layer allocates IOVAs without the power-of-two roundup, so odd sizes are freed into the rcache',
    site: 'drivers/iommu/iova.c: alloc_iova_fast',
    scenario: 'vtd-dma-strict',
  },
  {
    name: 'ste-rewritten-without-v0',
    bug: 'an SMMUv3 STE/CD is rewritten qword by qword in place, without the V=0 step a breaking update needs',
    site: 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c: arm_smmu_write_entry',
    scenario: 'smmu-hitless',
  },
  {
    name: 'cd-left-after-detach',
    bug: 'iommu_detach_device_pasid erases the pasid_array slot but leaves the hardware PASID entry (CD) behind',
    site: 'drivers/iommu/iommu.c: iommu_detach_device_pasid',
    scenario: 'vtd-pasid',
  },
  {
    name: 'claim-with-pasids',
    bug: 'an explicit DMA-ownership claim succeeds with PASIDs still attached',
    site: 'drivers/iommu/iommu.c: __iommu_take_dma_ownership',
    scenario: 'vtd-pasid',
  },
  {
    name: 'missed-invalidation-on-free',
    bug: "a driver frees a domain without invalidating its tag, so the IOTLB keeps the dead domain's translations",
    site: 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c: arm_smmu_domain_free',
    scenario: 'smmu-dma',
  },
  {
    name: 'sva-domain-freed-with-users',
    bug: 'iommu_sva_unbind_device frees the SVA domain while another bond still uses it',
    site: 'drivers/iommu/iommu-sva.c: iommu_sva_unbind_device',
    scenario: 'vtd-sva',
  },
  {
    name: 'attach-steals-domain',
    bug: "iommu_attach_device replaces another user's domain instead of failing -EBUSY",
    site: 'drivers/iommu/iommu.c: __iommu_attach_group',
    scenario: 'vtd-require-direct',
  },
];

export const MUTANT_NAMES: ReadonlySet<string> = new Set(MUTANTS.map((m) => m.name));
