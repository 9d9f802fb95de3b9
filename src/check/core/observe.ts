/** The observation interface (spec/observe.ts) answered from the emulator's state. */
import { domainTypeName } from '../../../spec/domain-types.js';
import type { DomainObs, HwUpdateObs, Observation } from '../../../spec/observe.js';
import { hwTranslate } from '../../drivers/index.js';
import type { KernelConfig, KernelState } from '../../kernel/types.js';
import { abstractView } from './abstraction.js';
import { resolveDomain, type UserDomains } from './emulator.js';

/** A driver may report in-flight entry updates (SMMUv3); others have none. */
export type HwUpdateReporter = (cfg: KernelConfig, st: KernelState) => HwUpdateObs[];

export function observe(
  cfg: KernelConfig,
  st: KernelState,
  users: UserDomains,
  hwUpdates: HwUpdateReporter,
): Observation {
  const domains: DomainObs[] = [];
  for (const d of st.domains) {
    if (d === null) continue;
    const c = d.cookie;
    const awaiting: [number, number][] = d.gather.map((g) => [g[0], g[1]]);
    if (c?.fq) for (const e of c.fq.entries) awaiting.push([e.iova_pfn, e.iova_pfn + e.pages - 1]);
    const cached: { pfn: number; bin: number; pages: number }[] = [];
    if (c?.iovad.rcaches) {
      c.iovad.rcaches.forEach((bin, order) => {
        for (const mag of [bin.loaded, bin.prev, ...bin.depot]) {
          for (const pfn of mag) {
            const r = c.iovad.ranges.find(([lo, hi]) => pfn >= lo && pfn <= hi);
            cached.push({ pfn, bin: order, pages: r ? r[1] - r[0] + 1 : 0 });
          }
        }
      });
    }
    domains.push({
      id: d.id,
      type: domainTypeName(d.type),
      is_static: d.is_static,
      iommu: d.iommu,
      mappings: d.pgtable,
      awaiting_invalidation: awaiting,
      fq: c === null ? null : c.fq !== null,
      dma_initialised: c !== null && c.iovad.rcaches !== null,
      iova:
        c === null
          ? null
          : {
              start_pfn: c.iovad.start_pfn,
              ranges: c.iovad.ranges,
              reserved: c.iovad.reserved,
              bins: c.iovad.rcaches?.length ?? 0,
              cached,
            },
      sva_mm: d.mm,
      sva_users: d.users,
    });
  }
  const iotlb = [];
  for (let i = 0; i < st.hw.length; i++)
    for (const e of st.hw[i].iotlb)
      iotlb.push({ iommu: i, tag: e.tag, iova_pfn: e.iova_pfn, paddr_pfn: e.paddr_pfn });
  const live_maps = [];
  for (let dev = 0; dev < st.devices.length; dev++)
    for (const m of st.devices[dev].maps)
      live_maps.push({ dev, iova: m.iova, size: m.size, buf: m.buf });
  return {
    scenario: cfg.scenario,
    view: abstractView(cfg, st, users),
    domains,
    groups: st.groups.map((g) => ({
      default_domain: g.default_domain,
      blocking_domain: g.blocking_domain,
      domain: g.domain,
      pasids: g.pasid_array.map((e) => ({ pasid: e.pasid, domain: e.domain })),
    })),
    domainOf: (ref) => resolveDomain(st, users, { type: 'iommu_map', domain: ref }),
    route: (dev, pasid) => cfg.ops[cfg.devices[dev].iommu].walk(cfg, st, dev, pasid),
    access: (dev, iova_pfn, pasid) => hwTranslate(cfg, st, dev, iova_pfn, pasid, false),
    iotlb,
    live_maps,
    buffer_pfn: cfg.buffers.map((b) => b.pfn),
    dma_iommu: (dev) => st.devices[dev].dma_iommu,
    ida: st.global_pasids,
    driver_pasids: st.driver_pasids,
    mms: st.mms,
    bonds: st.svas,
    hw_updates: hwUpdates(cfg, st),
    warnings: st.warnings,
  };
}
