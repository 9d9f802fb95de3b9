/**
 * The global PASIDs drivers hold (drivers/iommu/iommu.c: iommu_alloc_global_pasid,
 * iommu_free_global_pasid; the system-wide iommu_global_pasid_ida). An mm's PASID comes from the
 * same IDA but belongs to the mm chart; the router passes the lowest id free in both.
 *   none <-> holding
 *   iommu_alloc_global_pasid: IOMMU_PASID_INVALID when the device has no PASIDs or
 *     [IOMMU_FIRST_GLOBAL_PASID, max_pasids - 1] is used up, else the lowest free id;
 *   iommu_free_global_pasid: the id goes back (freeing IOMMU_PASID_INVALID or an id not held
 *     WARNs; the caller contract excludes both).
 */
import { assign, not, setup } from 'xstate';
import { IOMMU_PASID_INVALID } from '../../spec/domain-types.js';
import type { Outcome } from '../runtime/chart.js';

export type GlobalPasidEvent =
  | { readonly type: 'iommu_alloc_global_pasid'; readonly free_pasid: number }
  | { readonly type: 'iommu_free_global_pasid'; readonly pasid: number };

export interface GlobalPasidContext extends Outcome {
  /** Held by drivers, ascending. */
  readonly held: readonly number[];
}

export const globalPasidMachine = setup({
  types: { context: {} as GlobalPasidContext, events: {} as GlobalPasidEvent },
  guards: {
    hasHeldPasids: ({ context }) => context.held.length > 0,
    isPasidSpaceFull: ({ event }) =>
      event.type === 'iommu_alloc_global_pasid' && event.free_pasid === IOMMU_PASID_INVALID,
    isNotHeld: ({ context, event }) =>
      event.type === 'iommu_free_global_pasid' && !context.held.includes(event.pasid),
  },
  actions: {
    returnPasidInvalid: assign({ ret: IOMMU_PASID_INVALID, consumed: [] }),
    holdPasid: assign({
      held: ({ context, event }) =>
        event.type === 'iommu_alloc_global_pasid'
          ? [...context.held, event.free_pasid].sort((a, b) => a - b)
          : context.held,
      ret: ({ event }) => (event.type === 'iommu_alloc_global_pasid' ? event.free_pasid : 0),
      consumed: [],
    }),
    releasePasid: assign({
      held: ({ context, event }) =>
        event.type === 'iommu_free_global_pasid'
          ? context.held.filter((p) => p !== event.pasid)
          : context.held,
      ret: 0,
      consumed: [],
    }),
    returnZero: assign({ ret: 0, consumed: [] }),
  },
}).createMachine({
  id: 'global_pasid',
  initial: 'none',
  context: { held: [], ret: 0, consumed: [] },
  states: {
    none: { always: { guard: 'hasHeldPasids', target: 'holding' } },
    holding: { always: { guard: not('hasHeldPasids'), target: 'none' } },
  },
  on: {
    iommu_alloc_global_pasid: [
      { guard: 'isPasidSpaceFull', actions: 'returnPasidInvalid' },
      { actions: 'holdPasid' },
    ],
    iommu_free_global_pasid: [
      { guard: 'isNotHeld', actions: 'returnZero' },
      { actions: 'releasePasid' },
    ],
  },
});
