/**
 * A spec state with its devices relabelled (spec/symmetry.ts): group charts and their pasid_arrays
 * move to the image group, device charts to the image device, and every context field that names
 * a device or a group is rewritten: another group's domain ("default:<g>"), SVA handles
 * ("sva:<dev>:<mm>") and the mm charts' bonds (dev, group, handle). User domain slots, the
 * global PASID chart and the armed faults name no device. The result is made of interned
 * snapshots, so it steps and keys like any other state.
 */
import { type DevicePermutation, permuteDomainName, permuteHandle } from '../../spec/symmetry.js';
import { iommuGroupMachine } from '../charts/iommu_group.machine.js';
import type { SvaDomain } from '../charts/mm.machine.js';
import { mmMachine } from '../charts/mm.machine.js';
import { pasidSlotMachine } from '../charts/pasid_slot.machine.js';
import type {
  GroupSnapshot,
  KernelSpecState,
  MmSnapshot,
  PasidEntry,
  PasidSlotSnapshot,
} from '../router/state.js';
import type { Charts } from './system.js';

function permuteGroup(charts: Charts, g: GroupSnapshot, p: DevicePermutation): GroupSnapshot {
  const pd = g.context.private_domain;
  const next = pd === null ? pd : permuteDomainName(pd, p);
  if (next === pd) return g;
  return charts.group.intern(
    iommuGroupMachine.resolveState({
      value: g.value,
      context: { ...g.context, private_domain: next },
    }) as GroupSnapshot,
  );
}

function permuteSlot(
  charts: Charts,
  s: PasidSlotSnapshot,
  p: DevicePermutation,
): PasidSlotSnapshot {
  const { domain, handle } = s.context;
  const d = domain === null ? null : permuteDomainName(domain, p);
  const h = handle === null ? null : permuteHandle(handle, p);
  if (d === domain && h === handle) return s;
  return charts.slot.intern(
    pasidSlotMachine.resolveState({
      value: s.value,
      context: { ...s.context, domain: d, handle: h },
    }) as PasidSlotSnapshot,
  );
}

function permuteMm(charts: Charts, m: MmSnapshot, p: DevicePermutation): MmSnapshot {
  if (m.context.domains.length === 0) return m;
  const domains: SvaDomain[] = m.context.domains.map((d) => ({
    iommu: d.iommu,
    bonds: d.bonds.map((b) => ({
      name: permuteHandle(b.name, p),
      dev: p.dev[b.dev],
      group: p.group[b.group],
      users: b.users,
    })),
  }));
  return charts.mm.intern(
    mmMachine.resolveState({ value: m.value, context: { ...m.context, domains } }) as MmSnapshot,
  );
}

/** `s` with device d relabelled p.dev[d] and group g relabelled p.group[g]. */
export function permuteSpecState(
  charts: Charts,
  s: KernelSpecState,
  p: DevicePermutation,
): KernelSpecState {
  const groups: GroupSnapshot[] = s.groups.slice();
  const pasids: (readonly PasidEntry[])[] = s.pasids.slice();
  s.groups.forEach((g, gi) => {
    groups[p.group[gi]] = permuteGroup(charts, g, p);
    pasids[p.group[gi]] = s.pasids[gi].map((e) => ({
      pasid: e.pasid,
      slot: permuteSlot(charts, e.slot, p),
    }));
  });
  const devices = s.devices.slice();
  s.devices.forEach((d, di) => {
    devices[p.dev[di]] = d;
  });
  return {
    groups,
    pasids,
    devices,
    domains: s.domains,
    user_maps: s.user_maps,
    mms: s.mms.map((m) => permuteMm(charts, m, p)),
    global_pasid: s.global_pasid,
    armed: s.armed,
  };
}
