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
  /**
   * The invariant it must break: the first finding of `explore` on its scenario, with the spec's
   * conformance check off (the invariants alone catch it) and on (test/check/core/mutants.test.ts).
   */
  readonly target: string;
}

export const MUTANTS: readonly Mutant[] = [
  {
    name: 'sysfs-type-with-driver-bound',
    bug: 'the sysfs type change checks only an explicit owner, not DMA-API drivers, so the default domain is replaced under a bound driver',
    site: 'drivers/iommu/iommu.c: iommu_group_store_type',
    scenario: 'smmu-dma',
    target: 'SysfsChangeNeedsNoUsers',
  },
  {
    name: 'pasid-slot-overwrite',
    bug: 'iommu_attach_device_pasid overwrites an occupied pasid_array slot instead of failing -EBUSY',
    site: 'drivers/iommu/iommu.c: iommu_attach_device_pasid',
    scenario: 'vtd-pasid',
    target: 'PasidAttachNeverReplaces',
  },
  {
    name: 'strict-free-before-sync',
    bug: 'a strict unmap frees the IOVA before the IOTLB sync',
    site: 'drivers/iommu/dma-iommu.c: __iommu_dma_unmap',
    scenario: 'vtd-dma-strict',
    target: 'IotlbCoherent',
  },
  {
    name: 'fq-entry-freed-early',
    bug: 'a flush-queue unmap frees the IOVA at once instead of queueing it until a flush completes',
    site: 'drivers/iommu/dma-iommu.c: iommu_dma_free_iova',
    scenario: 'smmu-dma',
    target: 'IotlbCoherent',
  },
  {
    name: 'untrusted-identity',
    bug: 'default-domain selection ignores untrusted devices, so passthrough gives them identity',
    site: 'drivers/iommu/iommu.c: iommu_get_default_domain_type',
    scenario: 'mock-untrusted',
    target: 'UntrustedNeverIdentity',
  },
  {
    name: 'global-pasid-twice',
    bug: 'the global PASID allocator hands out an already allocated PASID again',
    site: 'drivers/iommu/iommu.c: iommu_alloc_global_pasid',
    scenario: 'vtd-pasid',
    target: 'GlobalPasidSingleHolder',
  },
  {
    name: 'rcache-non-pow2',
    bug: 'the DMA layer allocates IOVAs without the power-of-two roundup, so odd sizes are freed into the rcache',
    site: 'drivers/iommu/iova.c: alloc_iova_fast',
    scenario: 'vtd-dma-strict',
    target: 'RcacheTyping',
  },
  {
    name: 'ste-rewritten-without-v0',
    bug: 'an SMMUv3 STE/CD is rewritten qword by qword in place, without the V=0 step a breaking update needs',
    site: 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c: arm_smmu_write_entry',
    scenario: 'smmu-hitless',
    target: 'HitlessEntryUpdate',
  },
  {
    name: 'cd-left-after-detach',
    bug: 'iommu_detach_device_pasid erases the pasid_array slot but leaves the hardware PASID entry (CD) behind',
    site: 'drivers/iommu/iommu.c: iommu_detach_device_pasid',
    scenario: 'vtd-pasid',
    target: 'PasidRoutesToOneDomain',
  },
  {
    name: 'claim-with-pasids',
    bug: 'an explicit DMA-ownership claim succeeds with PASIDs still attached',
    site: 'drivers/iommu/iommu.c: __iommu_take_dma_ownership',
    scenario: 'vtd-pasid',
    target: 'ClaimNeedsNoPasids',
  },
  {
    name: 'missed-invalidation-on-free',
    bug: "a driver frees a domain without invalidating its tag, so the IOTLB keeps the dead domain's translations",
    site: 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c: arm_smmu_domain_free',
    scenario: 'smmu-dma',
    target: 'IotlbCoherent',
  },
  {
    name: 'sva-domain-freed-with-users',
    bug: 'iommu_sva_unbind_device frees the SVA domain while another bond still uses it',
    site: 'drivers/iommu/iommu-sva.c: iommu_sva_unbind_device',
    scenario: 'vtd-sva',
    target: 'TypeOK',
  },
  {
    name: 'attach-steals-domain',
    bug: "iommu_attach_device replaces another user's domain instead of failing -EBUSY",
    site: 'drivers/iommu/iommu.c: __iommu_attach_group',
    scenario: 'vtd-require-direct',
    target: 'NoStealing',
  },
  {
    name: 'untrusted-lazy-default',
    bug: 'default-domain selection refuses a non-DMA driver type for an untrusted device but no longer forces DMA, so under lazy invalidation its group takes the global DMA_FQ default',
    site: 'drivers/iommu/iommu.c: iommu_get_default_domain_type',
    scenario: 'mock-untrusted-lazy',
    target: 'UntrustedStrict',
  },
  {
    name: 'sysfs-fq-without-queue',
    bug: 'the sysfs live DMA to DMA-FQ upgrade flips the type without iommu_dma_init_fq(), so a DMA_FQ domain has no flush queue',
    site: 'drivers/iommu/iommu.c: iommu_group_store_type',
    scenario: 'smmu-dma',
    target: 'FqConsistency',
  },
  {
    name: 'release-keeps-owner',
    bug: 'releasing DMA ownership drops owner_cnt to 0 and restores the default domain but leaves group->owner set',
    site: 'drivers/iommu/iommu.c: __iommu_release_dma_ownership',
    scenario: 'vtd-pasid',
    target: 'OwnerImpliesCount',
  },
  {
    name: 'sva-unbind-skips-users',
    bug: 'iommu_sva_unbind_device removes a bond but does not drop the SVA domain users count while other bonds remain',
    site: 'drivers/iommu/iommu-sva.c: iommu_sva_unbind_device',
    scenario: 'vtd-sva',
    target: 'SvaUsersMatchBonds',
  },
  {
    name: 'fq-timer-skips-flush',
    bug: 'the flush-queue timer frees the queued IOVAs without invalidating the IOTLB first',
    site: 'drivers/iommu/dma-iommu.c: fq_flush_timeout',
    scenario: 'smmu-dma',
    target: 'IotlbCoherent',
  },
  {
    name: 'cd-written-at-ssid0',
    bug: "the SMMUv3 driver writes a PASID's context descriptor at SSID 0 of the master's CD table, over the RID's CD",
    site: 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c: arm_smmu_set_pasid',
    scenario: 'smmu-pasid-replace',
    target: 'OneCurrentDomain',
  },
  {
    name: 'sva-pasid-of-other-mm',
    bug: "an mm's first SVA bind is given the PASID another mm already holds instead of a fresh global PASID",
    site: 'drivers/iommu/iommu-sva.c: iommu_alloc_mm_data',
    scenario: 'vtd-sva-two-mms',
    target: 'GlobalPasidSingleHolder',
  },
  {
    name: 'free-flushes-iommu0',
    bug: "a driver's domain free invalidates the domain's tag on the first IOMMU instance instead of its own",
    site: 'drivers/iommu/intel/iommu.c: intel_iommu_domain_free (domain_flush_cache, iommu_flush_iotlb_psi per unit)',
    scenario: 'vtd-two-units',
    target: 'IotlbCoherent',
  },
  {
    name: 'direct-mappings-skipped',
    bug: 'the IOMMU_RESV_DIRECT region of a require_direct device is not mapped into its DMA default domain',
    site: 'drivers/iommu/iommu.c: iommu_create_device_direct_mappings',
    scenario: 'vtd-require-direct',
    target: 'DirectRegionsMapped',
  },
  {
    name: 'require-direct-blocked',
    bug: 'a require_direct device is moved to the blocking domain (a DMA-ownership claim) instead of failing -EINVAL',
    site: 'drivers/iommu/iommu.c: __iommu_device_set_domain',
    scenario: 'vtd-require-direct',
    target: 'RequireDirectNeverBlocked',
  },
  {
    name: 'driver-ignores-owner',
    bug: 'iommu_device_use_default_domain lets a DMA-API driver bind to a group an explicit owner (VFIO) holds',
    site: 'drivers/iommu/iommu.c: iommu_device_use_default_domain',
    scenario: 'vtd-pasid',
    target: 'OwnerExcludesDmaApiDrivers',
  },
  {
    name: 'fq-iova-reused-while-queued',
    bug: 'a flush-queue unmap queues the invalidation but also frees the IOVA into the rcache at once, so it can be handed out while the IOTLB still translates it',
    site: 'drivers/iommu/dma-iommu.c: iommu_dma_free_iova, queue_iova',
    scenario: 'smmu-dma',
    target: 'NoIovaReuseBeforeInvalidation',
  },
];

export const MUTANT_NAMES: ReadonlySet<string> = new Set(MUTANTS.map((m) => m.name));
