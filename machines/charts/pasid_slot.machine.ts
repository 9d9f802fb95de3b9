/**
 * One (group, PASID) slot of group->pasid_array (drivers/iommu/iommu.c): `free`, or `attached`
 * to a domain (named as the caller holds it, or `sva:<mm>`) with the iommufd attach handle or
 * SVA bond the entry is tagged with.
 *
 * Mirrors the newest core's checks in order (docs/kernel/06-pasid.md §6.1, §6.2):
 *   iommu_attach_device_pasid: -EOPNOTSUPP (no set_dev_pasid for the domain; no blocked domain
 *     that can remove a PASID), -EINVAL (other driver's ops, IOMMU_NO_PASID), -EINVAL (pasid >=
 *     max_pasids of a member), -EBUSY (xa_insert on an occupied slot), then
 *     __iommu_set_group_pasid: -ENOMEM (armed set_dev_pasid) or the driver's -EINVAL, after
 *     which every member is rolled back and no entry appears;
 *   iommu_replace_device_pasid: the same prologue, -EINVAL without a handle, -EINVAL on a free
 *     slot, -EINVAL (WARN) for the handle already installed, then only the handle changes for
 *     the same domain, else set_dev_pasid(new, old) with the old domain kept on failure;
 *   iommu_detach_device_pasid: the slot is erased (the caller passes the attached domain).
 * Facts about the domain, the members and armed faults come in the event.
 */
import { assign, setup, stateIn } from 'xstate';
import type { FaultOp } from '../../spec/calls.js';
import { IOMMU_NO_PASID } from '../../spec/domain-types.js';
import { EBUSY, EINVAL, ENOMEM, EOPNOTSUPP } from '../../spec/errno.js';
import type { ViewDomain } from '../../spec/view.js';
import type { Outcome } from '../runtime/chart.js';

export interface PasidFacts {
  /** domain->ops->set_dev_pasid is missing for this kind of domain. */
  readonly no_set_dev_pasid: boolean;
  /** newest: the device's driver has no blocked domain with set_dev_pasid (attach only). */
  readonly no_blocked_remove: boolean;
  /** The domain's ops are not the device's driver. */
  readonly incompatible: boolean;
  /** pasid >= max_pasids of a member (newest skips members without PASIDs). */
  readonly out_of_range: boolean;
  /** The first set_dev_pasid call hits the armed fault. */
  readonly set_fault: boolean;
  /** A member's set_dev_pasid refuses the domain (another IOMMU instance). */
  readonly driver_refused: boolean;
}

interface PasidCall {
  readonly domain: ViewDomain;
  readonly handle: string | null;
  readonly pasid: number;
  readonly facts: PasidFacts;
}
export type PasidSlotEvent =
  | ({ readonly type: 'iommu_attach_device_pasid' } & PasidCall)
  | ({ readonly type: 'iommu_replace_device_pasid' } & PasidCall)
  | { readonly type: 'iommu_detach_device_pasid' };

export interface PasidSlotContext extends Outcome {
  readonly domain: ViewDomain | null;
  readonly handle: string | null;
}

const facts = (e: PasidSlotEvent): PasidFacts | null => ('facts' in e ? e.facts : null);

export const pasidSlotMachine = setup({
  types: { context: {} as PasidSlotContext, events: {} as PasidSlotEvent },
  guards: {
    isAttached: stateIn('attached'),
    isFree: stateIn('free'),
    isNoSetDevPasid: ({ event }) => facts(event)?.no_set_dev_pasid === true,
    isNoBlockedRemove: ({ event }) => facts(event)?.no_blocked_remove === true,
    isIncompatible: ({ event }) => facts(event)?.incompatible === true,
    isPasidZero: ({ event }) => 'pasid' in event && event.pasid === IOMMU_NO_PASID,
    isOutOfRange: ({ event }) => facts(event)?.out_of_range === true,
    isSetFault: ({ event }) => facts(event)?.set_fault === true,
    isDriverRefused: ({ event }) => facts(event)?.driver_refused === true,
    isNoHandle: ({ event }) => 'handle' in event && event.handle === null,
    isHandleReused: ({ context, event }) => 'handle' in event && event.handle === context.handle,
    isSameDomain: ({ context, event }) => 'domain' in event && event.domain === context.domain,
  },
  actions: {
    returnZero: assign({ ret: 0, consumed: [] }),
    returnEOPNOTSUPP: assign({ ret: -EOPNOTSUPP, consumed: [] }),
    returnEINVAL: assign({ ret: -EINVAL, consumed: [] }),
    returnEBUSY: assign({ ret: -EBUSY, consumed: [] }),
    returnSetFault: assign({ ret: -ENOMEM, consumed: ['set_dev_pasid'] as readonly FaultOp[] }),
    recordPasidEntry: assign({
      domain: ({ event }) => ('domain' in event ? event.domain : null),
      handle: ({ event }) => ('handle' in event ? event.handle : null),
      ret: 0,
      consumed: [],
    }),
    recordHandle: assign({
      handle: ({ event }) => ('handle' in event ? event.handle : null),
      ret: 0,
      consumed: [],
    }),
    clearPasidEntry: assign({ domain: null, handle: null, ret: 0, consumed: [] }),
  },
}).createMachine({
  id: 'pasid_slot',
  initial: 'free',
  context: { domain: null, handle: null, ret: 0, consumed: [] },
  states: {
    free: {},
    attached: {},
  },
  on: {
    iommu_attach_device_pasid: [
      { guard: 'isNoSetDevPasid', actions: 'returnEOPNOTSUPP' },
      { guard: 'isNoBlockedRemove', actions: 'returnEOPNOTSUPP' },
      { guard: 'isIncompatible', actions: 'returnEINVAL' },
      { guard: 'isPasidZero', actions: 'returnEINVAL' },
      { guard: 'isOutOfRange', actions: 'returnEINVAL' },
      { guard: 'isAttached', actions: 'returnEBUSY' },
      { guard: 'isSetFault', actions: 'returnSetFault' },
      { guard: 'isDriverRefused', actions: 'returnEINVAL' },
      { target: '.attached', actions: 'recordPasidEntry' },
    ],
    iommu_replace_device_pasid: [
      { guard: 'isNoSetDevPasid', actions: 'returnEOPNOTSUPP' },
      { guard: 'isIncompatible', actions: 'returnEINVAL' },
      { guard: 'isPasidZero', actions: 'returnEINVAL' },
      { guard: 'isNoHandle', actions: 'returnEINVAL' },
      { guard: 'isFree', actions: 'returnEINVAL' },
      { guard: 'isHandleReused', actions: 'returnEINVAL' },
      { guard: 'isSameDomain', actions: 'recordHandle' },
      { guard: 'isSetFault', actions: 'returnSetFault' },
      { guard: 'isDriverRefused', actions: 'returnEINVAL' },
      { actions: 'recordPasidEntry' },
    ],
    iommu_detach_device_pasid: [
      { guard: 'isAttached', target: '.free', actions: 'clearPasidEntry' },
      { actions: 'returnZero' },
    ],
  },
});
