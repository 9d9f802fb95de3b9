/**
 * The caller contract: whether a correct caller may make a call now. The explorer generates only
 * allowed calls; kernel errors stay allowed (they are the point). What is excluded is a call
 * the kernel documents as the caller's bug, usually by a WARN_ON, a use-after-free or a silent
 * corruption, plus the scenario's exploration bounds. One predicate per call.
 *
 * Domains a caller holds: a domain it allocated (user slot d<k>, while allocated), and, for a
 * bound DMA-API driver only, its own group's default domain through iommu_get_domain_for_dev()
 * (the IDXD pattern, docs/kernel/06-pasid.md §6.6). Nobody holds a blocking domain or another
 * group's default domain.
 */
import { type CALLS, type CallName, callSpec } from '../../spec/calls.js';
import type { DomainRef, KernelEvent } from '../../spec/events.js';
import type { ViewDomain } from '../../spec/view.js';
import { attachFacts } from '../rules/iommu.js';
import {
  attachedAnywhere,
  bondNamed,
  currentDomainName,
  isAllocated,
  isBound,
  type KernelSpecState,
  pasidAttachedAnywhere,
  slotAt,
} from './state.js';
import { isArmed, type Topology } from './topology.js';

/** Calls proposed on the list and never merged (spec/calls.ts `proposal`). */
type ProposedCallName = {
  [K in CallName]: (typeof CALLS)[K] extends { readonly proposal: string } ? K : never;
}[CallName];
/** The merged kernel's calls: the ones the spec has rules for. */
export type MergedCallName = Exclude<CallName, ProposedCallName>;

export function isProposed(type: CallName): type is ProposedCallName {
  return callSpec(type).proposal !== undefined;
}

type Predicate = (topo: Topology, s: KernelSpecState, ev: KernelEvent) => boolean;

const always: Predicate = () => true;

function groupOf(topo: Topology, ev: KernelEvent): number {
  return ev.group ?? topo.devices[ev.dev ?? 0].group;
}

/** The name of an allocated user domain the event names, else null. */
function userDomain(s: KernelSpecState, ref: DomainRef | undefined): ViewDomain | null {
  return ref?.kind === 'user' && isAllocated(s.domains[ref.slot]) ? `d${ref.slot}` : null;
}

function isOwned(s: KernelSpecState, g: number): boolean {
  return s.groups[g].matches({ ownership: 'owned' });
}

/**
 * Whether the caller of a PASID call may hold this domain at this PASID (see the header): a user
 * domain anywhere, or the group's default domain by its bound DMA-API driver at a global PASID
 * that driver allocated (the IDXD pattern: iommu_get_domain_for_dev, iommu_alloc_global_pasid,
 * iommu_attach_device_pasid; docs/kernel/06-pasid.md §6.6).
 */
function holdsPasidDomain(topo: Topology, s: KernelSpecState, ev: KernelEvent): boolean {
  if (userDomain(s, ev.domain) !== null) return true;
  const g = groupOf(topo, ev);
  return (
    ev.domain?.kind === 'default' &&
    ev.domain.group === g &&
    s.groups[g].matches({ ownership: 'dma_api' }) &&
    s.global_pasid.context.held.includes(ev.pasid ?? -1)
  );
}

/** The name a PASID call's domain has in the group's pasid_array. */
function pasidDomainName(topo: Topology, ev: KernelEvent): ViewDomain | null {
  const ref = ev.domain;
  if (ref === undefined) return null;
  if (ref.kind === 'user') return `d${ref.slot}`;
  return ref.group === groupOf(topo, ev) ? ref.kind : null;
}

/** A global PASID an mm holds belongs to that mm's SVA binds (docs/kernel/06-pasid.md §6.4,
 * docs/kernel/13-invariants.md §13.13). */
function isMmPasid(s: KernelSpecState, pasid: number | undefined): boolean {
  return s.mms.some((m) => m.context.pasid === pasid);
}

/**
 * device_release_driver: only a bound driver, and only after it detached its PASIDs
 * (iommu_device_unuse_default_domain WARNs on a non-empty pasid_array).
 */
const releaseDriverWithoutPasids: Predicate = (topo, s, ev) =>
  isBound(s.devices[ev.dev ?? 0]) && s.pasids[groupOf(topo, ev)].length === 0;

/** iommu_paging_domain_alloc: within the scenario's bound on live user domains. */
const allocWithinBound: Predicate = (topo, s) =>
  s.domains.filter(isAllocated).length < topo.scenario.bounds.domains;

/**
 * iommu_domain_free: only a domain the caller allocated and has detached everywhere (a domain
 * still in group->domain or a pasid_array is a use-after-free; static and default domains are
 * never the caller's to free).
 */
const freeDetachedUserDomain: Predicate = (_topo, s, ev) => {
  const name = userDomain(s, ev.domain);
  return name !== null && !attachedAnywhere(s, name);
};

/**
 * iommu_attach_device: with a domain the caller allocated. Attaching the default domain through
 * the RID attach calls would put an owned group on its default domain
 * (docs/kernel/13-invariants.md §13.4), and a domain freed under the group would be a
 * use-after-free.
 */
const attachUserDomain: Predicate = (_topo, s, ev) => userDomain(s, ev.domain) !== null;

function isMultiDevice(topo: Topology, g: number): boolean {
  return topo.groups[g].devices.length > 1;
}

/**
 * iommu_attach_group: as iommu_attach_device, and not over DMA-API drivers of other devices: in
 * a multi-device group with drivers bound, nothing tells them their domain changed and their
 * mappings stop translating (docs/kernel/14-design-alternatives.md §14.1, the iGPU + HDMI audio
 * group). Group-level attach is
 * for the group's explicit owner or a group nobody uses.
 */
const attachGroupNotShared: Predicate = (topo, s, ev) => {
  const g = groupOf(topo, ev);
  return (
    attachUserDomain(topo, s, ev) &&
    !(isMultiDevice(topo, g) && s.groups[g].matches({ ownership: 'dma_api' }))
  );
};

/**
 * iommu_group_replace_domain (IOMMUFD_INTERNAL): by iommufd, which owns the group it replaces
 * domains on; with a domain it allocated.
 */
const replaceOnOwnedGroup: Predicate = (topo, s, ev) =>
  attachUserDomain(topo, s, ev) && isOwned(s, groupOf(topo, ev));

/**
 * device_driver_attach: not onto a multi-device group an unowned caller left on its private
 * domain. The kernel checks group->domain only when owner_cnt > 0
 * (docs/kernel/05-attach-ownership.md §5.3), so the bind succeeds and the driver's DMA-API mappings, made in the default domain, never translate; the
 * previous caller should have detached.
 */
const bindOnUsableGroup: Predicate = (topo, s, ev) => {
  const g = groupOf(topo, ev);
  return !(
    isMultiDevice(topo, g) && s.groups[g].matches({ domain: 'private', ownership: 'unowned' })
  );
};

/**
 * iommu_detach_device: with the group's current user domain, on a singleton group, and not while
 * attach_dev is armed (the move back to the core domain must succeed). Avoids the WARNs of
 * iommu_detach_device (domain != group->domain, non-singleton) and __iommu_group_set_domain_nofail.
 */
const detachDeviceCurrentDomain: Predicate = (topo, s, ev) => {
  const g = groupOf(topo, ev);
  const name = userDomain(s, ev.domain);
  return (
    name !== null &&
    currentDomainName(s.groups[g]) === name &&
    topo.groups[g].devices.length === 1 &&
    !isArmed(s.armed, 'attach_dev')
  );
};

/** iommu_detach_group: with the group's current user domain; the nofail move must not be armed to fail. */
const detachGroupCurrentDomain: Predicate = (topo, s, ev) => {
  const name = userDomain(s, ev.domain);
  return (
    name !== null &&
    currentDomainName(s.groups[groupOf(topo, ev)]) === name &&
    !isArmed(s.armed, 'attach_dev')
  );
};

/**
 * The claims: with an owner cookie (a NULL owner is a WARN_ON and -EINVAL), on a group that has
 * a default domain to return to (release would WARN setting a NULL domain), and not while
 * attach_dev is armed if a require_direct member refuses the blocking domain before any attach:
 * the rollback then re-attaches that member with MUST_SUCCEED and meets the armed op (a WARN
 * and the member left on the blocking domain).
 */
const claimWithOwner: Predicate = (topo, s, ev) => {
  if (ev.owner === undefined || ev.owner === null) return false;
  const g = groupOf(topo, ev);
  if (s.groups[g].context.default_type === 'NONE') return false;
  const blocking = {
    name: 'blocking',
    region: 'blocking',
    kind: 'blocked',
    iommu: topo.groups[g].iommu,
  } as const;
  return !(
    isArmed(s.armed, 'attach_dev') && attachFacts(topo, s, g, blocking, false).direct_refused
  );
};

/**
 * iommu_group_release_dma_owner: only the owner of an owned group, after detaching its PASIDs,
 * and not while attach_dev is armed (the move to the default domain must succeed). Avoids the
 * WARN in __iommu_release_dma_ownership and __iommu_group_set_domain_nofail.
 */
const releaseOwnedGroup: Predicate = (topo, s, ev) => {
  const g = groupOf(topo, ev);
  return isOwned(s, g) && s.pasids[g].length === 0 && !isArmed(s.armed, 'attach_dev');
};

/** iommu_device_release_dma_owner: as the group release, unless other claims remain (owner_cnt > 1). */
const releaseOwnedDevice: Predicate = (topo, s, ev) => {
  const g = groupOf(topo, ev);
  return isOwned(s, g) && (s.groups[g].context.owner_cnt > 1 || releaseOwnedGroup(topo, s, ev));
};

/**
 * iommu_attach_device_pasid: with a domain the caller holds, at a PASID that is not an mm's
 * global PASID (the kernel does not partition the PASID space; only the caller can keep
 * device-local PASIDs off global ones).
 */
const attachPasidHeldDomain: Predicate = (topo, s, ev) =>
  holdsPasidDomain(topo, s, ev) && !isMmPasid(s, ev.pasid);

/**
 * iommu_detach_device_pasid: with the domain attached at that PASID, never an SVA bond's (that
 * is iommu_sva_unbind_device's); the kernel erases the slot whatever domain is passed.
 */
const detachAttachedPasid: Predicate = (topo, s, ev) => {
  const slot = slotAt(s, groupOf(topo, ev), ev.pasid ?? 0);
  const name = pasidDomainName(topo, ev);
  return (
    slot.matches('attached') &&
    name !== null &&
    slot.context.domain === name &&
    !name.startsWith('sva:')
  );
};

/**
 * iommu_replace_device_pasid: newest only (it does not exist before), by iommufd (the only
 * caller, IOMMUFD_INTERNAL), which always passes its attach handle
 * (drivers/iommu/iommufd/device.c), with a domain the caller holds, not over an SVA bond, not at
 * an mm's PASID, and not with the handle already installed at that PASID (a WARN_ON and -EINVAL).
 */
const replacePasidHeldDomain: Predicate = (topo, s, ev) => {
  if (topo.scenario.kernel.revision !== 'newest' || !attachPasidHeldDomain(topo, s, ev))
    return false;
  if (ev.handle === undefined || ev.handle === null) return false;
  const slot = slotAt(s, groupOf(topo, ev), ev.pasid ?? 0);
  if (slot.context.domain?.startsWith('sva:')) return false;
  return slot.context.handle !== (ev.handle ?? null);
};

/**
 * iommu_free_global_pasid: only a PASID a driver holds and has detached everywhere (freeing an
 * unallocated id or IOMMU_PASID_INVALID WARNs; a freed PASID still attached can be handed out
 * again).
 */
const freeHeldDriverPasid: Predicate = (_topo, s, ev) =>
  s.global_pasid.context.held.includes(ev.pasid ?? -1) && !pasidAttachedAnywhere(s, ev.pasid ?? -1);

/**
 * iommu_sva_bind_device: not while a device-local PASID is attached anywhere (a PASID that is
 * neither an mm's nor one a driver holds from iommu_alloc_global_pasid). The bind hands the mm
 * the lowest free id of the one global IDA without looking at any pasid_array
 * (drivers/iommu/iommu-sva.c: iommu_alloc_mm_data; drivers/iommu/iommu.c:
 * iommu_alloc_global_pasid), and the mm's PASID is what ENQCMD sends from that process to any
 * device (iommu_sva_get_pasid: mm_get_enqcmd_pasid), so a system that binds SVA takes every
 * PASID it attaches from the global allocator, as IDXD does (drivers/dma/idxd/init.c:
 * idxd_enable_system_pasid; docs/kernel/06-pasid.md §6.4-§6.6). A caller that attached a
 * PASID of its own choosing and then binds breaks that rule: the bind fails -EBUSY in its group,
 * or the mm's PASID means two things.
 */
const bindWithoutDeviceLocalPasids: Predicate = (_topo, s) =>
  s.pasids.every((entries) =>
    entries.every((e) => isMmPasid(s, e.pasid) || s.global_pasid.context.held.includes(e.pasid)),
  );

/** iommu_sva_unbind_device / iommu_sva_get_pasid: only a live bond handle. */
const liveBond: Predicate = (_topo, s, ev) => bondNamed(s, ev.handle) !== null;

/** mm_pasid_drop: the mm is torn down only after every bond of it is gone. */
const dropUnboundMm: Predicate = (_topo, s, ev) => s.mms[ev.mm ?? 0]?.context.domains.length === 0;

/** dma_map_single: by a bound driver, within the scenario's bound on live mappings. */
const mapByBoundDriver: Predicate = (topo, s, ev) => {
  const d = s.devices[ev.dev ?? 0];
  return isBound(d) && d.context.maps < topo.scenario.bounds.maps;
};

/** dma_unmap_single: only a mapping the driver holds. */
const unmapLiveMapping: Predicate = (_topo, s, ev) =>
  ev.map !== undefined && ev.map < s.devices[ev.dev ?? 0].context.maps;

/** device_dma: at a live mapping when it names one (any raw IOVA is a legal access). */
const dmaAtLiveMapping: Predicate = (_topo, s, ev) =>
  ev.map === undefined || ev.map < s.devices[ev.dev ?? 0].context.maps;

/**
 * iommu_map: into a domain the caller allocated (the DMA API owns its default domain's IOVA
 * space), not while map_pages is armed (the spec does not say whether the call reaches the
 * driver), and not over an IOVA the caller already mapped there (machines/router/user-maps.ts):
 * re-mapping a mapped IOVA is the caller's bug, which io-pgtable and VT-d answer with a WARN and
 * -EEXIST (drivers/iommu/io-pgtable-arm.c: arm_lpae_init_pte).
 */
const mapUserDomain: Predicate = (topo, s, ev) => {
  if (userDomain(s, ev.domain) === null || isArmed(s.armed, 'map_pages')) return false;
  const maps = ev.domain?.kind === 'user' ? s.user_maps[ev.domain.slot] : undefined;
  const size = ev.size ?? topo.scenario.buffers[ev.buf ?? 0]?.size ?? 0;
  const lo = Math.floor((ev.iova ?? 0) / 4096);
  const hi = lo + Math.max(1, Math.ceil(size / 4096)) - 1;
  return !(maps?.live.some((p) => p[0] >= lo && p[0] <= hi) ?? false);
};

/** iommu_unmap / iommu_unmap_fast: only a domain the caller allocated. */
const unmapUserDomain: Predicate = (_topo, s, ev) => userDomain(s, ev.domain) !== null;

/** iommu_iotlb_sync / iommu_iova_to_phys: a live domain (a user domain or a default domain). */
const liveDomain: Predicate = (_topo, s, ev) =>
  userDomain(s, ev.domain) !== null ||
  (ev.domain?.kind === 'default' && s.groups[ev.domain.group].context.default_type !== 'NONE');

export const CALLER_CONTRACT: Readonly<Record<MergedCallName, Predicate>> = {
  device_driver_attach: bindOnUsableGroup,
  device_release_driver: releaseDriverWithoutPasids,
  iommu_group_store_type: always,
  iommu_group_show_type: always,
  iommu_paging_domain_alloc: allocWithinBound,
  iommu_domain_free: freeDetachedUserDomain,
  iommu_get_domain_for_dev: always,
  iommu_attach_device: attachUserDomain,
  iommu_detach_device: detachDeviceCurrentDomain,
  iommu_attach_group: attachGroupNotShared,
  iommu_detach_group: detachGroupCurrentDomain,
  iommu_group_replace_domain: replaceOnOwnedGroup,
  iommu_device_claim_dma_owner: claimWithOwner,
  iommu_device_release_dma_owner: releaseOwnedDevice,
  iommu_group_claim_dma_owner: claimWithOwner,
  iommu_group_release_dma_owner: releaseOwnedGroup,
  iommu_attach_device_pasid: attachPasidHeldDomain,
  iommu_detach_device_pasid: detachAttachedPasid,
  iommu_replace_device_pasid: replacePasidHeldDomain,
  iommu_alloc_global_pasid: always,
  iommu_free_global_pasid: freeHeldDriverPasid,
  iommu_sva_bind_device: bindWithoutDeviceLocalPasids,
  iommu_sva_unbind_device: liveBond,
  iommu_sva_get_pasid: liveBond,
  mm_pasid_drop: dropUnboundMm,
  dma_map_single: mapByBoundDriver,
  dma_unmap_single: unmapLiveMapping,
  dma_opt_mapping_size: always,
  fq_flush_timeout: always,
  iommu_map: mapUserDomain,
  iommu_unmap: unmapUserDomain,
  iommu_unmap_fast: unmapUserDomain,
  iommu_iotlb_sync: liveDomain,
  iommu_iova_to_phys: liveDomain,
  device_dma: dmaAtLiveMapping,
  hw_step: always,
  fault_inject: always,
};

/** Proposed calls are the design variants' business: the merged kernel's contract allows them. */
export function callerMayCall(topo: Topology, s: KernelSpecState, ev: KernelEvent): boolean {
  return isProposed(ev.type) || CALLER_CONTRACT[ev.type](topo, s, ev);
}
