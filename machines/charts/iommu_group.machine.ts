/**
 * struct iommu_group (drivers/iommu/iommu.c): which domain the group's RID traffic uses, who uses
 * the group's DMA, and the type of its default domain.
 *
 * Two orthogonal regions:
 *   domain:    none | default | blocking | private   (group->domain; `private` is a domain some
 *              caller allocated and attached, named in context)
 *   ownership: unowned | dma_api | owned             (owner_cnt == 0 / DMA-API drivers bound /
 *              an explicit owner such as VFIO; the count and the owner cookie are context)
 * The default domain's type (IDENTITY, DMA, DMA_FQ) is context: the router computes new types
 * with machines/rules/iommu.ts.
 *
 * Every kernel call is one ordered list of guarded transitions in one place, in the kernel's
 * check order, so each errno path is its own transition: on the `domain` region for calls that
 * move only group->domain, on `ownership` for the DMA-API use count, and at the root for the
 * explicit claims and releases, which move both regions (a root transition targets both, so
 * neither region is reset). Facts about other objects (the
 * pasid_array, the domain being attached, the per-device attach loop, armed faults) arrive in
 * the event. Functions mirrored: iommu_device_use_default_domain,
 * iommu_device_unuse_default_domain, iommu_{group,device}_claim_dma_owner and
 * __iommu_take_dma_ownership, iommu_{group,device}_release_dma_owner,
 * iommu_attach_device/iommu_attach_group (__iommu_attach_group), iommu_group_replace_domain,
 * iommu_detach_device/iommu_detach_group (__iommu_group_set_core_domain),
 * __iommu_group_set_domain_internal, iommu_group_store_type (newest and the v6.3
 * iommu_change_dev_def_domain rules), iommu_group_show_type, iommu_get_domain_for_dev.
 */
import { and, assign, not, or, setup, stateIn } from 'xstate';
import type { FaultOp } from '../../spec/calls.js';
import { domainTypeSysfsName, IOMMU_DOMAIN_DMA_FQ } from '../../spec/domain-types.js';
import { EBUSY, EINVAL, ENOMEM, EPERM, EPROBE_DEFER } from '../../spec/errno.js';
import { typeOfName } from '../rules/iommu.js';
import type {
  AttachFacts,
  GroupContext,
  GroupEvent,
  SysfsFacts,
  Target,
} from './iommu_group.events.js';

export type { AttachFacts, GroupContext, GroupEvent, SysfsFacts, Target };

const facts = (e: GroupEvent): AttachFacts | null => ('attach' in e ? e.attach : null);
const sysfs = (e: GroupEvent): SysfsFacts | null => ('sysfs' in e ? e.sysfs : null);
const pasidsAttached = (e: GroupEvent): boolean => 'pasid_array_empty' in e && !e.pasid_array_empty;
const target = (e: GroupEvent): Target | null => ('target' in e ? e.target : null);
/** The sysfs facts when the v6.3 rules apply. */
const legacy = (e: GroupEvent): SysfsFacts | null => (sysfs(e)?.legacy ? sysfs(e) : null);
const isLiveUpgrade = (c: GroupContext, e: GroupEvent): boolean =>
  sysfs(e)?.req === IOMMU_DOMAIN_DMA_FQ && c.default_type === 'DMA';

export const iommuGroupMachine = setup({
  types: { context: {} as GroupContext, events: {} as GroupEvent },
  guards: {
    isDomainless: stateIn({ domain: 'none' }),
    isOnDefaultDomain: stateIn({ domain: 'default' }),
    isOnBlockingDomain: stateIn({ domain: 'blocking' }),
    isOnPrivateDomain: stateIn({ domain: 'private' }),
    isUnowned: stateIn({ ownership: 'unowned' }),
    isShared: stateIn({ ownership: 'dma_api' }),
    isOwned: stateIn({ ownership: 'owned' }),
    hasUsers: ({ context }) => context.owner_cnt > 0,
    hasSeveralUsers: ({ context }) => context.owner_cnt > 1,
    isUnused: ({ context }) => context.owner_cnt === 0,
    isLastUser: ({ context }) => context.owner_cnt === 1,
    hasPasids: ({ event }) => pasidsAttached(event),
    isNullOwner: ({ event }) => 'owner' in event && event.owner === null,
    isOtherOwner: ({ context, event }) => 'owner' in event && event.owner !== context.owner,
    isReleaseInconsistent: ({ context, event }) =>
      context.owner_cnt === 0 || context.owner === null || pasidsAttached(event),
    isNotSingleton: ({ event }) => 'singleton' in event && !event.singleton,
    isIncompatible: ({ event }) => 'compatible' in event && !event.compatible,
    isNullDomain: ({ event }) => 'target' in event && event.target === null,
    isNotCurrentDomain: ({ event }) => 'current' in event && !event.current,
    isTargetCurrent: ({ event }) => facts(event)?.current === true,
    isDirectRefused: ({ event }) => facts(event)?.direct_refused === true,
    isAttachFault: ({ event }) => facts(event)?.fault === true,
    isDriverRefused: ({ event }) => facts(event)?.driver_refused === true,
    isTargetDefault: ({ event }) => target(event)?.region === 'default',
    isTargetBlocking: ({ event }) => target(event)?.region === 'blocking',
    isNoDefaultDomain: ({ context }) => context.default_type === 'NONE',
    isUnknownType: ({ event }) => sysfs(event)?.req === null,
    isLegacyRules: ({ event }) => legacy(event) !== null,
    isLegacyMultiDevice: ({ event }) => legacy(event)?.multi_device === true,
    isLegacyDriverBound: ({ context, event }) =>
      legacy(event)?.driver_bound === true && !isLiveUpgrade(context, event),
    isLegacyTypeConflict: ({ event }) => legacy(event)?.type_conflict === true,
    isLegacySameType: ({ context, event }) => legacy(event)?.legacy_type === context.default_type,
    isLiveUpgrade: ({ context, event }) => isLiveUpgrade(context, event),
    isFlushQueueFault: ({ event }) => sysfs(event)?.fq_fault === true,
    isNoLegalType: ({ event }) => sysfs(event)?.legal === false,
    isAllocError: ({ event }) => (sysfs(event)?.alloc_errno ?? 0) !== 0,
    isSameDefaultDomain: ({ event }) => sysfs(event)?.same_domain === true,
    isDirectMapFault: ({ event }) => sysfs(event)?.direct_fault === true,
  },
  actions: {
    returnZero: assign({ ret: 0, consumed: [] }),
    returnEBUSY: assign({ ret: -EBUSY, consumed: [] }),
    returnEPERM: assign({ ret: -EPERM, consumed: [] }),
    returnEINVAL: assign({ ret: -EINVAL, consumed: [] }),
    returnEPROBE_DEFER: assign({ ret: -EPROBE_DEFER, consumed: [] }),
    returnAttachFault: assign({ ret: -ENOMEM, consumed: ['attach_dev'] as readonly FaultOp[] }),
    countUser: assign({ owner_cnt: ({ context }) => context.owner_cnt + 1, ret: 0, consumed: [] }),
    uncountUser: assign({
      owner_cnt: ({ context }) => context.owner_cnt - 1,
      ret: 0,
      consumed: [],
    }),
    recordOwner: assign({
      owner: ({ event }) => ('owner' in event ? event.owner : null),
      owner_cnt: ({ context }) => context.owner_cnt + 1,
      ret: 0,
      consumed: [],
    }),
    clearOwner: assign({ owner: null, owner_cnt: 0, ret: 0, consumed: [] }),
    recordPrivateDomain: assign({
      private_domain: ({ event }) => target(event)?.name ?? null,
      ret: 0,
      consumed: [],
    }),
    forgetPrivateDomain: assign({ private_domain: null }),
    returnCount: assign({
      ret: ({ event }) => sysfs(event)?.count ?? 0,
      consumed: [],
      dma_ops_reset: false,
    }),
    keepDefaultDomain: assign({
      ret: ({ event }) => sysfs(event)?.count ?? 0,
      consumed: ({ event }) => sysfs(event)?.on_alloc_error ?? [],
      dma_ops_reset: true,
    }),
    upgradeToFlushQueue: assign({
      default_type: 'DMA_FQ',
      ret: ({ event }) => sysfs(event)?.count ?? 0,
      consumed: [],
      dma_ops_reset: false,
    }),
    returnFlushQueueFault: assign({
      ret: -ENOMEM,
      consumed: ['iommu_dma_init_fq'] as readonly FaultOp[],
    }),
    returnAllocError: assign({
      ret: ({ event }) => sysfs(event)?.alloc_errno ?? 0,
      consumed: ({ event }) => sysfs(event)?.on_alloc_error ?? [],
    }),
    returnDirectMapFault: assign({
      ret: -ENOMEM,
      consumed: ({ event }) => sysfs(event)?.on_direct_fault ?? [],
    }),
    returnSetupAttachFault: assign({
      ret: -ENOMEM,
      consumed: ({ event }) => sysfs(event)?.on_attach_fault ?? [],
    }),
    installDefaultDomain: assign({
      default_type: ({ context, event }) => sysfs(event)?.new_type ?? context.default_type,
      ret: ({ event }) => sysfs(event)?.count ?? 0,
      consumed: ({ event }) => sysfs(event)?.on_success ?? [],
      dma_ops_reset: true,
    }),
    returnTypeName: assign({
      ret: ({ context }) =>
        context.default_type === 'NONE'
          ? 'unknown\n'
          : `${domainTypeSysfsName(typeOfName(context.default_type))}\n`,
      consumed: [],
    }),
    returnNullDomain: assign({ ret: -1, consumed: [] }),
    returnDefaultHandle: assign({ ret: 'domain:default', consumed: [] }),
    returnBlockingHandle: assign({ ret: 'domain:blocking', consumed: [] }),
    returnPrivateHandle: assign({
      ret: ({ context }) => `domain:${context.private_domain}`,
      consumed: [],
    }),
  },
}).createMachine({
  id: 'iommu_group',
  type: 'parallel',
  context: {
    dma_ops_reset: false,
    default_type: 'NONE',
    private_domain: null,
    owner: null,
    owner_cnt: 0,
    ret: 0,
    consumed: [],
  },
  states: {
    domain: {
      initial: 'default',
      states: {
        none: {},
        default: {},
        blocking: {},
        private: { exit: 'forgetPrivateDomain' },
      },
      // Calls that move only group->domain (targets are this region's states).
      on: {
        iommu_attach_device: [
          { guard: 'isNotSingleton', actions: 'returnEINVAL' },
          ...attachFromCoreDomain(),
        ],
        iommu_attach_group: attachFromCoreDomain(),
        iommu_group_replace_domain: [
          { guard: 'isNullDomain', actions: 'returnEINVAL' },
          ...setDomain(),
        ],
        iommu_detach_device: [
          { guard: 'isNotCurrentDomain', actions: 'returnZero' },
          { guard: 'isNotSingleton', actions: 'returnZero' },
          ...setCoreDomain(),
        ],
        iommu_detach_group: setCoreDomain(),
        iommu_group_store_type: [
          { guard: 'isNoDefaultDomain', actions: 'returnEINVAL' },
          { guard: 'isUnknownType', actions: 'returnEINVAL' },
          { guard: 'isLegacyMultiDevice', actions: 'returnEINVAL' },
          { guard: 'isLegacyDriverBound', actions: 'returnEBUSY' },
          { guard: and(['isLegacyRules', not('isOnDefaultDomain')]), actions: 'returnEBUSY' },
          { guard: 'isLegacyTypeConflict', actions: 'returnEINVAL' },
          { guard: 'isLegacySameType', actions: 'returnCount' },
          { guard: and(['isLiveUpgrade', 'isFlushQueueFault']), actions: 'returnFlushQueueFault' },
          { guard: 'isLiveUpgrade', actions: 'upgradeToFlushQueue' },
          { guard: and([not('isLegacyRules'), 'hasUsers']), actions: 'returnEPERM' },
          { guard: 'isNoLegalType', actions: 'returnEINVAL' },
          { guard: 'isAllocError', actions: 'returnAllocError' },
          { guard: 'isSameDefaultDomain', actions: 'keepDefaultDomain' },
          { guard: 'isDirectMapFault', actions: 'returnDirectMapFault' },
          { guard: 'isAttachFault', actions: 'returnSetupAttachFault' },
          { target: '.default', actions: 'installDefaultDomain' },
        ],
        iommu_group_show_type: { actions: 'returnTypeName' },
        iommu_get_domain_for_dev: [
          { guard: 'isDomainless', actions: 'returnNullDomain' },
          { guard: 'isOnDefaultDomain', actions: 'returnDefaultHandle' },
          { guard: 'isOnBlockingDomain', actions: 'returnBlockingHandle' },
          { actions: 'returnPrivateHandle' },
        ],
      },
    },
    ownership: {
      initial: 'unowned',
      states: { unowned: {}, dma_api: {}, owned: {} },
      // The DMA-API users' count (the driver core's use/unuse).
      on: {
        iommu_device_use_default_domain: [
          { guard: 'isNoDefaultDomain', actions: 'returnEPROBE_DEFER' },
          { guard: 'isOwned', actions: 'returnEBUSY' },
          { guard: and(['isShared', not('isOnDefaultDomain')]), actions: 'returnEBUSY' },
          { guard: and(['isShared', 'hasPasids']), actions: 'returnEBUSY' },
          { guard: 'isUnowned', target: '.dma_api', actions: 'countUser' },
          { actions: 'countUser' },
        ],
        iommu_device_unuse_default_domain: [
          { guard: or(['isUnused', 'hasPasids']), actions: 'returnZero' },
          { guard: and(['isShared', 'isLastUser']), target: '.unowned', actions: 'uncountUser' },
          { actions: 'uncountUser' },
        ],
      },
    },
  },
  // Explicit ownership moves both regions at once: claim to blocking, release to default.
  on: {
    iommu_group_claim_dma_owner: [
      { guard: 'isNullOwner', actions: 'returnEINVAL' },
      { guard: 'hasUsers', actions: 'returnEPERM' },
      ...takeOwnership(),
    ],
    iommu_device_claim_dma_owner: [
      { guard: 'isNullOwner', actions: 'returnEINVAL' },
      { guard: and(['hasUsers', 'isOtherOwner']), actions: 'returnEPERM' },
      { guard: 'hasUsers', actions: 'countUser' },
      ...takeOwnership(),
    ],
    iommu_group_release_dma_owner: [
      { guard: 'isReleaseInconsistent', actions: 'returnZero' },
      { target: ['.domain.default', '.ownership.unowned'], actions: 'clearOwner' },
    ],
    iommu_device_release_dma_owner: [
      { guard: 'hasSeveralUsers', actions: 'uncountUser' },
      { guard: 'isReleaseInconsistent', actions: 'returnZero' },
      { target: ['.domain.default', '.ownership.unowned'], actions: 'clearOwner' },
    ],
  },
});

/** __iommu_take_dma_ownership(): only from the default domain and with no PASID attached. */
function takeOwnership() {
  return [
    { guard: and([not('isOnDefaultDomain'), not('isDomainless')]), actions: 'returnEBUSY' },
    { guard: 'hasPasids', actions: 'returnEBUSY' },
    { guard: 'isDirectRefused', actions: 'returnEINVAL' },
    { guard: 'isAttachFault', actions: 'returnAttachFault' },
    { target: ['.domain.blocking', '.ownership.owned'], actions: 'recordOwner' },
  ] as const;
}

/** __iommu_attach_group(): no stealing from someone else's domain, same driver ops. */
function attachFromCoreDomain() {
  return [
    { guard: 'isOnPrivateDomain', actions: 'returnEBUSY' },
    { guard: 'isIncompatible', actions: 'returnEINVAL' },
    ...setDomain(),
  ] as const;
}

/** __iommu_group_set_domain_internal() without MUST_SUCCEED: all members move, or none. */
function setDomain() {
  return [
    { guard: 'isTargetCurrent', actions: 'returnZero' },
    { guard: 'isDirectRefused', actions: 'returnEINVAL' },
    { guard: 'isAttachFault', actions: 'returnAttachFault' },
    { guard: 'isDriverRefused', actions: 'returnEINVAL' },
    { guard: 'isTargetDefault', target: '.default', actions: 'returnZero' },
    { guard: 'isTargetBlocking', target: '.blocking', actions: 'returnZero' },
    { target: '.private', actions: 'recordPrivateDomain' },
  ] as const;
}

/** __iommu_group_set_core_domain(): blocking while owned, else default (nofail). */
function setCoreDomain() {
  return [
    { guard: 'isOwned', target: '.blocking', actions: 'returnZero' },
    { target: '.default', actions: 'returnZero' },
  ] as const;
}
