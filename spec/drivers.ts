/**
 * What distinguishes one IOMMU driver from another at the core's interface: static identity and
 * blocked domains, def_domain_type, which kinds of domain have set_dev_pasid, SVA and
 * IOMMU_HWPT_ALLOC_PASID support. A fact table both sides read, like the errno table; how a
 * driver programs its hardware lives in src/drivers.
 */
import {
  IOMMU_DOMAIN_BLOCKED,
  IOMMU_DOMAIN_DMA,
  IOMMU_DOMAIN_DMA_FQ,
  IOMMU_DOMAIN_IDENTITY,
  IOMMU_DOMAIN_SVA,
} from './domain-types.js';
import type { DeviceConfig, DriverName, IommuConfig, Scenario } from './scenario.js';

export type DomainKind = 'paging' | 'identity' | 'blocked' | 'sva';

/** Which kind of domain ops a domain type gets. */
export function domainKind(type: number): DomainKind {
  if (type === IOMMU_DOMAIN_IDENTITY) return 'identity';
  if (type === IOMMU_DOMAIN_BLOCKED) return 'blocked';
  if (type === IOMMU_DOMAIN_SVA) return 'sva';
  return 'paging';
}

export interface DriverFacts {
  readonly driver: DriverName;
  /** ops->identity_domain exists for this IOMMU instance. */
  has_identity_domain(iommu: IommuConfig): boolean;
  /** ops->blocked_domain exists. */
  readonly has_blocked_domain: boolean;
  /** ops->def_domain_type(dev): 0 for no preference. */
  def_domain_type(scenario: Scenario, dev: DeviceConfig, max_pasids: number): number;
  /** Kinds of domain whose ops have set_dev_pasid ('blocked': PASID removal works). */
  readonly set_dev_pasid: readonly DomainKind[];
  /** ops->domain_alloc_sva exists. */
  readonly supports_sva: boolean;
  /** domain_alloc_paging_flags accepts IOMMU_HWPT_ALLOC_PASID. */
  readonly supports_alloc_pasid: boolean;
}

/** drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c: arm_smmu_ops (S1 set_dev_pasid, SVA). */
const armSmmuV3: DriverFacts = {
  driver: 'arm-smmu-v3',
  has_identity_domain: () => true,
  has_blocked_domain: true,
  def_domain_type: () => 0,
  set_dev_pasid: ['paging', 'blocked', 'sva'],
  supports_sva: true,
  supports_alloc_pasid: true,
};

/**
 * drivers/iommu/intel/iommu.c: intel_iommu_ops. device_def_domain_type asks for IDENTITY only
 * for graphics and Azalia quirks, which scenarios do not describe: no preference here.
 */
const intelVtd: DriverFacts = {
  driver: 'intel-vtd',
  has_identity_domain: () => true,
  has_blocked_domain: true,
  def_domain_type: () => 0,
  set_dev_pasid: ['paging', 'identity', 'blocked', 'sva'],
  supports_sva: true,
  supports_alloc_pasid: true,
};

/**
 * drivers/iommu/amd/iommu.c: amd_iommu_def_domain_type(): DMA for untrusted devices; IDENTITY for
 * PASID-capable devices unless memory encryption is active (SNP is not modelled). PASIDs serve
 * SVA only (drivers/iommu/amd/pasid.c).
 */
const amd: DriverFacts = {
  driver: 'amd',
  has_identity_domain: () => true,
  has_blocked_domain: true,
  def_domain_type(scenario, dev, max_pasids) {
    if (dev.pci && dev.untrusted) return IOMMU_DOMAIN_DMA;
    if (max_pasids > 0 && !scenario.kernel.CC_ATTR_MEM_ENCRYPT) return IOMMU_DOMAIN_IDENTITY;
    return 0;
  },
  set_dev_pasid: ['blocked', 'sva'],
  supports_sva: true,
  supports_alloc_pasid: true,
};

/**
 * drivers/iommu/s390-iommu.c as merged in 2025: no def_domain_type; identity only in
 * s390_iommu_rtr_ops (rtr_avail); no PASIDs, no SVA.
 */
const s390: DriverFacts = {
  driver: 's390',
  has_identity_domain: (iommu) => iommu.rtr_avail,
  has_blocked_domain: true,
  def_domain_type: () => 0,
  set_dev_pasid: [],
  supports_sva: false,
  supports_alloc_pasid: false,
};

/** drivers/iommu/iommufd/selftest.c mock_ops, made a full modern driver. */
const mock: DriverFacts = {
  driver: 'mock',
  has_identity_domain: () => true,
  has_blocked_domain: true,
  def_domain_type: () => 0,
  set_dev_pasid: ['paging', 'identity', 'blocked', 'sva'],
  supports_sva: true,
  supports_alloc_pasid: true,
};

export const DRIVER_FACTS: Readonly<Record<DriverName, DriverFacts>> = {
  'arm-smmu-v3': armSmmuV3,
  'intel-vtd': intelVtd,
  amd,
  s390,
  mock,
};

/**
 * Matthew Rosato's v1 (Dec 2024, debate 002): s390_iommu_def_domain_type() returns IDENTITY with
 * passthrough and rtr_avail, DMA when strict, else DMA_FQ. Rejected: drivers must never see
 * DMA_FQ, and a driver type other than DMA defeats the untrusted-device override.
 */
const s390DefDomainDmaFq: DriverFacts = {
  ...s390,
  def_domain_type(scenario, dev) {
    const iommu = scenario.iommus.find((m) => m.name === dev.iommu);
    const k = scenario.kernel;
    const passthrough =
      k['iommu.passthrough'] ?? (k.CONFIG_IOMMU_DEFAULT_PASSTHROUGH && !k.CC_ATTR_MEM_ENCRYPT);
    if (iommu?.rtr_avail && passthrough) return IOMMU_DOMAIN_IDENTITY;
    if (k['iommu.strict'] ?? k.CONFIG_IOMMU_DEFAULT_DMA_STRICT) return IOMMU_DOMAIN_DMA;
    return IOMMU_DOMAIN_DMA_FQ;
  },
};

/** The facts of a driver under a design variant's rules (spec/variants). */
export function factsFor(driver: DriverName, rules: ReadonlySet<string>): DriverFacts {
  if (driver === 's390' && rules.has('s390-def-domain-dma-fq')) return s390DefDomainDmaFq;
  return DRIVER_FACTS[driver];
}
