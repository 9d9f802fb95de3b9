/** Group and domain-lifecycle invariants (docs/kernel/13-invariants.md §13.1, §13.2,
 * §13.6, §13.7, §13.15, §13.23). */
import { directPfn } from '../layout.js';
import type { Observation } from '../observe.js';
import { devicesOfGroup } from '../scenario.js';
import { type Invariant, IOMMU_C } from './types.js';

const liveIds = (o: Observation) => new Set(o.domains.map((d) => d.id));
const typeOf = (o: Observation, id: number) => o.domains.find((d) => d.id === id)?.type;

export const TypeOK: Invariant = {
  id: 'TypeOK',
  statement:
    'Every group points at live domains, owner counts are non-negative, and pasid_array keys are sorted and unique.',
  citation: `${IOMMU_C}: struct iommu_group`,
  holds(o) {
    const live = liveIds(o);
    for (let g = 0; g < o.groups.length; g++) {
      const gr = o.groups[g];
      for (const [what, id] of [
        ['default_domain', gr.default_domain],
        ['domain', gr.domain],
      ] as const) {
        if (!live.has(id)) return `group ${g}: ${what} ${id} is not a live domain`;
      }
      if (gr.blocking_domain !== -1 && !live.has(gr.blocking_domain))
        return `group ${g}: blocking_domain ${gr.blocking_domain} is not a live domain`;
      const v = o.view.groups[g];
      if (v.owner_cnt < 0) return `group ${g}: owner_cnt ${v.owner_cnt}`;
      for (let i = 1; i < gr.pasids.length; i++) {
        if (gr.pasids[i - 1].pasid >= gr.pasids[i].pasid)
          return `group ${g}: pasid_array keys ${gr.pasids[i - 1].pasid}, ${gr.pasids[i].pasid} are not sorted and unique`;
      }
      for (const e of gr.pasids)
        if (!live.has(e.domain)) return `group ${g}: PASID ${e.pasid} points at a freed domain`;
    }
    return null;
  },
};

export const NeverDomainless: Invariant = {
  id: 'NeverDomainless',
  statement:
    'After the first default-domain setup every group has a current domain and a default domain.',
  citation: `${IOMMU_C}: iommu_setup_default_domain`,
  holds(o) {
    for (let g = 0; g < o.groups.length; g++) {
      if (o.groups[g].domain < 0 || o.groups[g].default_domain < 0)
        return `group ${g} has no domain (domain ${o.groups[g].domain}, default_domain ${o.groups[g].default_domain})`;
    }
    return null;
  },
};

export const OneCurrentDomain: Invariant = {
  id: 'OneCurrentDomain',
  statement: "Every member of a group is routed (RID traffic) to the group's current domain.",
  citation: `${IOMMU_C}: __iommu_group_set_domain_internal`,
  holds(o) {
    for (let g = 0; g < o.groups.length; g++) {
      const want = o.groups[g].domain;
      const t = typeOf(o, want);
      for (const dev of devicesOf(o, g)) {
        if (o.hw_updates.some((u) => u.dev === dev)) continue;
        const r = o.route(dev, 0);
        const ok =
          (t === 'IDENTITY' && r.kind === 'bypass') ||
          (t === 'BLOCKED' && r.kind === 'abort') ||
          (r.kind === 'translate' && r.domain === want);
        if (!ok)
          return `device ${dev} of group ${g} is routed to ${JSON.stringify(r)}, group->domain is ${want} (${t})`;
      }
    }
    return null;
  },
};

export const RequireDirectNeverBlocked: Invariant = {
  id: 'RequireDirectNeverBlocked',
  statement: 'A device whose firmware requires a 1:1 mapping is never on a blocking domain.',
  citation: `${IOMMU_C}: __iommu_device_set_domain`,
  holds(o) {
    for (let g = 0; g < o.groups.length; g++) {
      const gr = o.groups[g];
      const blocked = gr.domain === gr.blocking_domain || typeOf(o, gr.domain) === 'BLOCKED';
      if (!blocked) continue;
      for (const dev of devicesOf(o, g))
        if (o.scenario.devices[dev].require_direct)
          return `require_direct device ${dev} is on blocking domain ${gr.domain} of group ${g}`;
    }
    return null;
  },
};

export const DirectRegionsMapped: Invariant = {
  id: 'DirectRegionsMapped',
  statement:
    "A require_direct device's IOMMU_RESV_DIRECT region is mapped 1:1 in its group's DMA-API default domain.",
  citation: `${IOMMU_C}: iommu_create_device_direct_mappings`,
  holds(o) {
    for (let g = 0; g < o.groups.length; g++) {
      const def = o.domains.find((d) => d.id === o.groups[g].default_domain);
      if (def === undefined || (def.type !== 'DMA' && def.type !== 'DMA_FQ')) continue;
      for (const dev of devicesOf(o, g)) {
        if (!o.scenario.devices[dev].require_direct) continue;
        const pfn = directPfn(dev);
        if (
          !def.mappings.some(
            (m) =>
              pfn >= m.iova_pfn &&
              pfn < m.iova_pfn + m.pages &&
              m.paddr_pfn + (pfn - m.iova_pfn) === pfn,
          )
        ) {
          return `direct region pfn 0x${pfn.toString(16)} of device ${dev} is not mapped 1:1 in default domain ${def.id}`;
        }
      }
    }
    return null;
  },
};

export const UntrustedNeverIdentity: Invariant = {
  id: 'UntrustedNeverIdentity',
  statement: 'A group holding an untrusted PCI device never gets an identity default domain.',
  citation: `${IOMMU_C}: iommu_get_default_domain_type`,
  holds(o) {
    for (let g = 0; g < o.groups.length; g++) {
      if (
        !devicesOf(o, g).some((d) => o.scenario.devices[d].untrusted && o.scenario.devices[d].pci)
      )
        continue;
      if (o.view.groups[g].default_type === 'IDENTITY')
        return `group ${g} with an untrusted device has an IDENTITY default domain`;
    }
    return null;
  },
};

export const UntrustedStrict: Invariant = {
  id: 'UntrustedStrict',
  statement:
    'A group holding an untrusted PCI device has a strict DMA default domain: never identity, never a flush queue.',
  citation: `${IOMMU_C}: iommu_get_default_domain_type (known gap: the sysfs live DMA to DMA-FQ upgrade in iommu_group_store_type does not check untrusted)`,
  holds(o) {
    for (let g = 0; g < o.groups.length; g++) {
      if (
        !devicesOf(o, g).some((d) => o.scenario.devices[d].untrusted && o.scenario.devices[d].pci)
      )
        continue;
      const t = o.view.groups[g].default_type;
      if (t !== 'DMA') return `group ${g} with an untrusted device has a ${t} default domain`;
    }
    return null;
  },
};

export const StaticDomainsIntact: Invariant = {
  id: 'StaticDomainsIntact',
  statement: 'Static identity and blocked domains are never freed and never hold mappings.',
  citation: `${IOMMU_C}: __iommu_domain_alloc, __iommu_map`,
  holds(o) {
    for (const d of o.domains)
      if (d.is_static && d.mappings.length > 0)
        return `static ${d.type} domain ${d.id} holds mappings`;
    return null;
  },
};

/** Device indices of group g, in scenario order. */
export function devicesOf(o: Observation, g: number): number[] {
  return devicesOfGroup(o.scenario, g);
}
