/**
 * Driver ops over the facts of spec/drivers.ts plus a hardware table. Drivers that keep plain
 * [kind, domain] tables share `tableOps`; SMMUv3 brings its own STE/CD encoding.
 */
import { IOMMU_DOMAIN_BLOCKED, IOMMU_DOMAIN_IDENTITY } from '../../spec/domain-types.js';
import { type DriverFacts, domainKind, factsFor } from '../../spec/drivers.js';
import { EINVAL } from '../../spec/errno.js';
import type { DriverName, IommuCap } from '../../spec/scenario.js';
import type { HwRoute, IommuOps, KernelConfig, KernelState } from '../kernel/types.js';
import { iotlbInvalidateTag } from './iotlb.js';
import {
  abortEntry,
  bypassEntry,
  entryRoute,
  pasidSlot,
  translateEntry,
  writePasidSlot,
} from './table.js';

/** The scenario's caps for the device's IOMMU (device_iommu_capable). */
export function capableFromScenario(
  cfg: KernelConfig,
  dev: number,
  cap: IommuCap,
  iommu: number,
): boolean {
  const m = dev >= 0 ? cfg.devices[dev].iommu : iommu;
  return cfg.iommus[m].caps.includes(cap);
}

/** The entry a domain programs: identity bypasses, blocked aborts, anything else translates. */
export function entryFor(st: KernelState, domain: number): number[] {
  const d = st.domains[domain];
  if (d === null || d === undefined) return abortEntry();
  if (d.type === IOMMU_DOMAIN_IDENTITY) return bypassEntry();
  if (d.type === IOMMU_DOMAIN_BLOCKED) return abortEntry();
  return translateEntry(domain);
}

/** The driver's own domain_free: invalidate the domain's hardware tag before the id is reused. */
export function freeDomainTag(cfg: KernelConfig, st: KernelState, domain: number): void {
  const d = st.domains[domain];
  if (d === null || d === undefined) return;
  if (cfg.mutants.has('missed-invalidation-on-free')) return;
  iotlbInvalidateTag(cfg, st, cfg.mutants.has('free-flushes-iommu0') ? 0 : d.iommu, domain);
}

/** Driver ops over plain [kind, domain] tables: VT-d, AMD, s390 and the mock. */
export function tableOps(
  driver: DriverName,
  iommuIndex: number,
  variant: ReadonlySet<string> = new Set(),
): IommuOps {
  const p: DriverFacts = factsFor(driver, variant);
  return {
    driver,
    has_identity_domain: (cfg, iommu) => p.has_identity_domain(cfg.scenario.iommus[iommu]),
    has_blocked_domain: p.has_blocked_domain,
    def_domain_type: (cfg, dev) =>
      p.def_domain_type(cfg.scenario, cfg.scenario.devices[dev], cfg.devices[dev].max_pasids),
    capable: (cfg, dev, cap) => capableFromScenario(cfg, dev, cap, iommuIndex),
    supports_alloc_pasid: () => p.supports_alloc_pasid,
    supports_set_dev_pasid: (type) => p.set_dev_pasid.includes(domainKind(type)),
    supports_sva: p.supports_sva,
    attach_dev(cfg, st, domain, dev) {
      if (st.domains[domain]!.iommu !== cfg.devices[dev].iommu) return -EINVAL;
      st.hwdev[dev].rid = entryFor(st, domain);
      return 0;
    },
    set_dev_pasid(cfg, st, domain, dev, pasid, _old) {
      const d = st.domains[domain]!;
      if (d.iommu !== cfg.devices[dev].iommu) return -EINVAL;
      if (pasid >= cfg.devices[dev].max_pasids) return -EINVAL;
      writePasidSlot(st, dev, pasid, d.type === IOMMU_DOMAIN_BLOCKED ? null : entryFor(st, domain));
      return 0;
    },
    domain_free: freeDomainTag,
    flush_iotlb_all(cfg, st, domain) {
      iotlbInvalidateTag(cfg, st, st.domains[domain]!.iommu, domain);
    },
    walk(_cfg, st, dev, pasid): HwRoute {
      const h = st.hwdev[dev];
      if (pasid === 0) return entryRoute(h.rid);
      return entryRoute(pasidSlot(h, pasid)?.entry);
    },
  };
}
