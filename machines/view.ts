/**
 * The spec state seen as spec/view.ts's SpecView (the same JSON, key order included, that
 * src/check's abstraction function makes of the emulator), and the canonical key the explorer
 * deduplicates on: the view plus what the view leaves out but the future depends on (the
 * charts' state values, a private domain's name, attach handles, user domains' IOMMUs, SVA
 * domains and bond names, armed faults). The recorded outcome of the last call is not state.
 */
import type { GroupView, MmView, SpecView } from '../spec/view.js';
import { currentDomainName, isAllocated, isBound, type KernelSpecState } from './state.js';

export function specView(s: KernelSpecState): SpecView {
  const groups: GroupView[] = s.groups.map((g, gi) => ({
    default_type: g.context.default_type,
    domain: currentDomainName(g),
    owner: g.context.owner,
    owner_cnt: g.context.owner_cnt,
    pasids: s.pasids[gi].map((e) => [e.pasid, e.slot.context.domain ?? 'NULL'] as const),
  }));
  const user_domains: number[] = [];
  s.domains.forEach((d, slot) => {
    if (isAllocated(d)) user_domains.push(slot);
  });
  const mms: MmView[] = s.mms.map((m) => ({
    pasid: m.context.pasid,
    bonds: m.context.domains
      .flatMap((d) => d.bonds.map((b) => [b.dev, b.users] as const))
      .sort((a, b) => a[0] - b[0]),
  }));
  return {
    groups,
    devices: s.devices.map((d) => ({ bound: isBound(d), maps: d.context.maps })),
    user_domains,
    driver_pasids: s.global_pasid.context.held,
    mms,
  };
}

export function specKey(s: KernelSpecState): string {
  const groups = s.groups.map((g, gi) => [
    g.value,
    g.context.default_type,
    g.context.private_domain,
    g.context.owner,
    g.context.owner_cnt,
    s.pasids[gi].map((e) => [e.pasid, e.slot.context.domain, e.slot.context.handle]),
  ]);
  return JSON.stringify([
    groups,
    s.devices.map((d) => [isBound(d), d.context.maps]),
    s.domains.map((d) => (isAllocated(d) ? d.context.iommu : -1)),
    s.mms.map((m) => [m.context.pasid, m.context.domains]),
    s.global_pasid.context.held,
    s.armed,
  ]);
}
