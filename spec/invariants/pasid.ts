/** PASID invariants (docs/kernel/13-invariants.md §13.8, §13.9, §13.10, §13.12,
 * §13.13). */
import type { Observation } from '../observe.js';
import { devicesOf } from './groups.js';
import { type ActionInvariant, type Invariant, IOMMU_C, SVA_C } from './types.js';

function pasidCapable(o: Observation, dev: number): boolean {
  const d = o.scenario.devices[dev];
  const m = o.scenario.iommus.find((x) => x.name === d.iommu);
  return Math.min(d.max_pasids, m?.max_pasids ?? 0) > 0;
}

function maxPasids(o: Observation, dev: number): number {
  const d = o.scenario.devices[dev];
  const m = o.scenario.iommus.find((x) => x.name === d.iommu);
  return Math.min(d.max_pasids, m?.max_pasids ?? 0);
}

export const PasidRoutesToOneDomain: Invariant = {
  id: 'PasidRoutesToOneDomain',
  statement:
    "Every (device, PASID) the hardware routes goes to exactly the domain the group's pasid_array holds for it, and nothing else is routed.",
  citation: `${IOMMU_C}: iommu_attach_device_pasid`,
  holds(o) {
    for (let g = 0; g < o.groups.length; g++) {
      for (const dev of devicesOf(o, g)) {
        if (!pasidCapable(o, dev) || o.hw_updates.some((u) => u.dev === dev)) continue;
        for (let pasid = 1; pasid < maxPasids(o, dev); pasid++) {
          const want = o.groups[g].pasids.find((e) => e.pasid === pasid);
          const r = o.route(dev, pasid);
          if (want === undefined) {
            if (r.kind !== 'abort')
              return `device ${dev} PASID ${pasid} is routed (${r.kind}) with no pasid_array entry`;
            continue;
          }
          const t = o.domains.find((d) => d.id === want.domain)?.type;
          const ok =
            (r.kind === 'translate' && r.domain === want.domain) ||
            (t === 'IDENTITY' && r.kind === 'bypass');
          if (!ok)
            return `device ${dev} PASID ${pasid} routes to ${JSON.stringify(r)}, pasid_array holds domain ${want.domain}`;
        }
      }
    }
    return null;
  },
};

export const NoPasidZeroEntry: Invariant = {
  id: 'NoPasidZeroEntry',
  statement: 'IOMMU_NO_PASID (0) is the RID: no pasid_array entry is ever made for it.',
  citation: `${IOMMU_C}: iommu_attach_device_pasid`,
  holds(o) {
    for (let g = 0; g < o.groups.length; g++)
      if (o.groups[g].pasids.some((e) => e.pasid === 0))
        return `group ${g} has a PASID 0 entry (domain ${o.groups[g].pasids.find((e) => e.pasid === 0)?.domain})`;
    return null;
  },
};

export const PasidWithinRange: Invariant = {
  id: 'PasidWithinRange',
  statement: 'Every attached PASID is below max_pasids of each PASID-capable member of its group.',
  citation: `${IOMMU_C}: iommu_attach_device_pasid`,
  holds(o) {
    for (let g = 0; g < o.groups.length; g++) {
      for (const e of o.groups[g].pasids) {
        for (const dev of devicesOf(o, g)) {
          if (pasidCapable(o, dev) && e.pasid >= maxPasids(o, dev))
            return `group ${g}: PASID ${e.pasid} >= max_pasids of device ${dev}`;
        }
      }
    }
    return null;
  },
};

export const GlobalPasidSingleHolder: Invariant = {
  id: 'GlobalPasidSingleHolder',
  statement:
    'A global PASID has exactly one holder (one mm or one driver allocation), counted by what each holder believes it holds, and is in the global IDA while held.',
  citation: `${IOMMU_C}: iommu_alloc_global_pasid; ${SVA_C}: iommu_alloc_mm_data`,
  holds(o) {
    const holders = new Map<number, string[]>();
    const hold = (p: number, who: string) => holders.set(p, [...(holders.get(p) ?? []), who]);
    o.mms.forEach((m, i) => {
      if (m.pasid >= 0) hold(m.pasid, `mm${i}`);
    });
    for (const p of o.driver_pasids) hold(p, 'a driver');
    for (const [p, who] of holders) {
      if (who.length > 1) return `global PASID ${p} has ${who.length} holders: ${who.join(', ')}`;
      if (!o.ida.includes(p))
        return `global PASID ${p} is held by ${who[0]} but not allocated in the IDA`;
    }
    return null;
  },
};

export const PasidAttachNeverReplaces: ActionInvariant = {
  id: 'PasidAttachNeverReplaces',
  statement:
    'A successful iommu_attach_device_pasid found the PASID free in the group: it never replaces a live pasid_array entry (iommu_replace_device_pasid does that).',
  citation: `${IOMMU_C}: iommu_attach_device_pasid (xa_insert: -EBUSY on an occupied slot)`,
  holds(before, ev, ret, after) {
    if (ev.type !== 'iommu_attach_device_pasid' || ret !== 0) return null;
    const g = before.groups.findIndex((_, gi) => devicesOf(before, gi).includes(ev.dev ?? 0));
    const pasid = ev.pasid ?? 0;
    const was = before.groups[g].pasids.find((e) => e.pasid === pasid);
    if (was === undefined) return null;
    const now = after.groups[g].pasids.find((e) => e.pasid === pasid);
    return `iommu_attach_device_pasid succeeded on group ${g} PASID ${pasid}, which held domain ${was.domain} (now ${now?.domain ?? 'none'})`;
  },
};

export const GlobalPasidNotDeviceLocal: Invariant = {
  id: 'GlobalPasidNotDeviceLocal',
  statement:
    "An mm's global PASID, wherever it is attached, holds that mm's SVA domain and never a device-local domain.",
  citation: `${SVA_C}: iommu_sva_bind_device (docs/kernel/06-pasid.md §6.4: the core does not partition the PASID space)`,
  holds(o) {
    for (let mm = 0; mm < o.mms.length; mm++) {
      const p = o.mms[mm].pasid;
      if (p < 0) continue;
      for (let g = 0; g < o.groups.length; g++) {
        const e = o.groups[g].pasids.find((x) => x.pasid === p);
        if (e === undefined) continue;
        const d = o.domains.find((x) => x.id === e.domain);
        if (d === undefined || d.type !== 'SVA' || d.sva_mm !== mm)
          return `mm${mm}'s PASID ${p} holds a non-SVA domain in group ${g}`;
      }
    }
    return null;
  },
};
