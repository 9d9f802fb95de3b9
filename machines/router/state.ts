/**
 * The system's spec state: one snapshot per kernel object of the scenario, plus the driver ops
 * armed to fail (fault_inject, a harness fact). Snapshots are immutable; a step replaces the
 * few it changes. PASID slots are kept only while attached: a free slot is the chart's
 * initial snapshot, so a group's pasid_array is exactly its list of slots.
 */
import type { SnapshotFrom } from 'xstate';
import type { FaultOp } from '../../spec/calls.js';
import { IOMMU_FIRST_GLOBAL_PASID, IOMMU_PASID_INVALID } from '../../spec/domain-types.js';
import type { ViewDomain } from '../../spec/view.js';
import type { dmaMappingMachine } from '../charts/dma_mapping.machine.js';
import type { globalPasidMachine } from '../charts/global_pasid.machine.js';
import type { iommuGroupMachine } from '../charts/iommu_group.machine.js';
import { findBond, type mmMachine, type SvaBond } from '../charts/mm.machine.js';
import type { pagingDomainMachine } from '../charts/paging_domain.machine.js';
import { pasidSlotMachine } from '../charts/pasid_slot.machine.js';
import { SCOPE } from '../runtime/chart.js';
import type { UserMaps } from './user-maps.js';

export type GroupSnapshot = SnapshotFrom<typeof iommuGroupMachine>;
export type PasidSlotSnapshot = SnapshotFrom<typeof pasidSlotMachine>;
export type PagingDomainSnapshot = SnapshotFrom<typeof pagingDomainMachine>;
export type MmSnapshot = SnapshotFrom<typeof mmMachine>;
export type GlobalPasidSnapshot = SnapshotFrom<typeof globalPasidMachine>;
export type DmaMappingSnapshot = SnapshotFrom<typeof dmaMappingMachine>;

export interface PasidEntry {
  readonly pasid: number;
  readonly slot: PasidSlotSnapshot;
}

export interface KernelSpecState {
  readonly groups: readonly GroupSnapshot[];
  /** Per group: its pasid_array, ascending by PASID (attached slots only). */
  readonly pasids: readonly (readonly PasidEntry[])[];
  /** Per device: driver binding and DMA-API mappings. */
  readonly devices: readonly DmaMappingSnapshot[];
  /** User domain slots d0, d1, ... */
  readonly domains: readonly PagingDomainSnapshot[];
  /** Per user domain slot: what its IOVAs map (machines/router/user-maps.ts). */
  readonly user_maps: readonly UserMaps[];
  readonly mms: readonly MmSnapshot[];
  readonly global_pasid: GlobalPasidSnapshot;
  /** Driver ops armed by fault_inject, in FAULT_OPS order. */
  readonly armed: readonly FaultOp[];
}

/** A PASID slot with nothing attached. */
export const FREE_SLOT: PasidSlotSnapshot = pasidSlotMachine.getInitialSnapshot(SCOPE);

export function slotAt(s: KernelSpecState, group: number, pasid: number): PasidSlotSnapshot {
  for (const e of s.pasids[group]) if (e.pasid === pasid) return e.slot;
  return FREE_SLOT;
}

/** The group's pasid_array with `slot` at `pasid` (dropped when free). */
export function withSlot(
  entries: readonly PasidEntry[],
  pasid: number,
  slot: PasidSlotSnapshot,
): readonly PasidEntry[] {
  const rest = entries.filter((e) => e.pasid !== pasid);
  if (!slot.matches('attached')) return rest;
  return [...rest, { pasid, slot }].sort((a, b) => a.pasid - b.pasid);
}

export function replaceAt<T>(list: readonly T[], i: number, v: T): readonly T[] {
  const out = list.slice();
  out[i] = v;
  return out;
}

/**
 * group->domain as the view names it. A group whose default-domain setup failed has
 * group->domain == group->default_domain == NULL, which the view calls `default` too.
 */
export function currentDomainName(g: GroupSnapshot): ViewDomain {
  if (g.matches({ domain: 'blocking' })) return 'blocking';
  if (g.matches({ domain: 'private' })) return g.context.private_domain ?? 'NULL';
  return 'default';
}

export function isBound(d: DmaMappingSnapshot): boolean {
  return d.matches({ driver: 'bound' });
}

export function isAllocated(d: PagingDomainSnapshot | undefined): boolean {
  return d?.matches('allocated') === true;
}

/** Global PASIDs held now: by drivers and by mms (one IDA). */
function heldGlobalPasids(s: KernelSpecState): number[] {
  const held = s.global_pasid.context.held.slice();
  for (const m of s.mms) if (m.context.pasid !== IOMMU_PASID_INVALID) held.push(m.context.pasid);
  return held;
}

/** ida_alloc_range(IOMMU_FIRST_GLOBAL_PASID, max_pasids - 1): the lowest free id, or -1. */
export function lowestFreeGlobalPasid(s: KernelSpecState, max_pasids: number): number {
  const held = heldGlobalPasids(s);
  for (let id = IOMMU_FIRST_GLOBAL_PASID; id <= max_pasids - 1; id++)
    if (!held.includes(id)) return id;
  return IOMMU_PASID_INVALID;
}

/** The mm holding the bond named `name`, with the bond. */
export function bondNamed(
  s: KernelSpecState,
  name: string | null | undefined,
): { readonly mm: number; readonly bond: SvaBond } | null {
  if (name === null || name === undefined) return null;
  for (let mm = 0; mm < s.mms.length; mm++) {
    const bond = findBond(s.mms[mm].context.domains, name);
    if (bond !== undefined) return { mm, bond };
  }
  return null;
}

/** Whether some group has `name` as its RID domain or at a PASID. */
export function attachedAnywhere(s: KernelSpecState, name: ViewDomain): boolean {
  return (
    s.groups.some((g) => currentDomainName(g) === name) ||
    s.pasids.some((entries) => entries.some((e) => e.slot.context.domain === name))
  );
}

/** Whether some group has anything attached at `pasid`. */
export function pasidAttachedAnywhere(s: KernelSpecState, pasid: number): boolean {
  return s.pasids.some((entries) => entries.some((e) => e.pasid === pasid));
}
