/**
 * The abstraction function: the emulator's state seen as the spec's view (spec/view.ts).
 * Conformance is view(emulator) == view(spec).
 */
import { domainTypeName, IOMMU_DOMAIN_SVA } from '../../../spec/domain-types.js';
import type { GroupView, SpecView, ViewDomain } from '../../../spec/view.js';
import type { KernelConfig, KernelState } from '../../kernel/types.js';
import type { UserDomains } from './emulator.js';

/** A domain id named as a caller holds it, relative to group g. */
export function viewDomainName(
  st: KernelState,
  users: UserDomains,
  g: number,
  id: number,
): ViewDomain {
  const slot = users.indexOf(id);
  if (slot >= 0) return `d${slot}`;
  const gr = st.groups[g];
  if (id === gr.default_domain) return 'default';
  if (id === gr.blocking_domain) return 'blocking';
  const d = st.domains[id];
  if (d !== null && d !== undefined && d.type === IOMMU_DOMAIN_SVA) return `sva:${d.mm}`;
  return id < 0 ? 'NULL' : `#${id}`;
}

export function abstractView(_cfg: KernelConfig, st: KernelState, users: UserDomains): SpecView {
  const groups: GroupView[] = st.groups.map((g, gi) => ({
    default_type:
      g.default_domain >= 0 && st.domains[g.default_domain]
        ? domainTypeName(st.domains[g.default_domain]!.type)
        : 'NONE',
    domain: viewDomainName(st, users, gi, g.domain),
    owner: g.owner,
    owner_cnt: g.owner_cnt,
    pasids: g.pasid_array.map((e) => [e.pasid, viewDomainName(st, users, gi, e.domain)] as const),
  }));
  const mmPasids = new Set(st.mms.map((m) => m.pasid));
  const user_domains: number[] = [];
  users.forEach((id, slot) => {
    if (id >= 0) user_domains.push(slot);
  });
  return {
    groups,
    devices: st.devices.map((d) => ({ bound: d.driver_bound, maps: d.maps.length })),
    user_domains,
    driver_pasids: st.global_pasids.filter((p) => !mmPasids.has(p)),
    mms: st.mms.map((m, mi) => ({
      pasid: m.pasid,
      bonds: st.svas
        .filter((s) => st.domains[s.domain]?.mm === mi)
        .map((s) => [s.dev, s.users] as const)
        .sort((a, b) => a[0] - b[0]),
    })),
  };
}
