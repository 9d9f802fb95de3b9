/**
 * The spec state seen as spec/view.ts's SpecView: the same JSON, key order included, that
 * src/check's abstraction function makes of the emulator in the same situation.
 */
import type { GroupView, MmView, SpecView } from '../../spec/view.js';
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
