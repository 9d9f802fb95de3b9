/**
 * A user domain slot: a domain an IOMMU-API user (VFIO, iommufd, a driver) allocated with
 * iommu_paging_domain_alloc() and frees with iommu_domain_free() (drivers/iommu/iommu.c). The
 * caller holds it as `d<slot>`; allocation takes the lowest free slot.
 *   free --iommu_paging_domain_alloc--> allocated (on the device's IOMMU instance)
 *   iommu_paging_domain_alloc: an UNMANAGED paging domain from the driver's domain_alloc_paging;
 *     an armed domain_alloc_paging fails it with -ENOMEM (__iommu_domain_alloc);
 *   iommu_domain_free: back to free (the caller contract says it is attached nowhere).
 */
import { assign, setup } from 'xstate';
import type { FaultOp } from '../../spec/calls.js';
import { ENOMEM } from '../../spec/errno.js';
import type { Outcome } from '../runtime/chart.js';

export type PagingDomainEvent =
  | {
      readonly type: 'iommu_paging_domain_alloc';
      readonly slot: number;
      readonly iommu: number;
      readonly alloc_fault: boolean;
    }
  | { readonly type: 'iommu_domain_free' };

export interface PagingDomainContext extends Outcome {
  /** The IOMMU instance whose driver allocated it; -1 while free. */
  readonly iommu: number;
}

export const pagingDomainMachine = setup({
  types: { context: {} as PagingDomainContext, events: {} as PagingDomainEvent },
  guards: {
    isAllocFault: ({ event }) => 'alloc_fault' in event && event.alloc_fault,
  },
  actions: {
    returnAllocFault: assign({
      ret: -ENOMEM,
      consumed: ['domain_alloc_paging'] as readonly FaultOp[],
    }),
    recordDomain: assign({
      iommu: ({ event }) => ('iommu' in event ? event.iommu : -1),
      ret: ({ event }) => ('slot' in event ? `domain:d${event.slot}` : 0),
      consumed: [],
    }),
    forgetDomain: assign({ iommu: -1, ret: 0, consumed: [] }),
  },
}).createMachine({
  id: 'paging_domain',
  initial: 'free',
  context: { iommu: -1, ret: 0, consumed: [] },
  states: {
    free: {
      on: {
        iommu_paging_domain_alloc: [
          { guard: 'isAllocFault', actions: 'returnAllocFault' },
          { target: 'allocated', actions: 'recordDomain' },
        ],
        iommu_domain_free: { actions: 'forgetDomain' },
      },
    },
    allocated: {
      on: {
        iommu_domain_free: { target: 'free', actions: 'forgetDomain' },
      },
    },
  },
});
