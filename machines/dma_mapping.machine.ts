/**
 * A device as a DMA-API user: whether a kernel driver is bound through the driver core
 * (drivers/base/dd.c really_probe / device_remove) and how many dma_map_single() mappings it
 * holds (drivers/iommu/dma-iommu.c __iommu_dma_map / __iommu_dma_unmap).
 *   unbound <-> bound (idle <-> mapped, by the count of live mappings)
 *   device_driver_attach: -EBUSY when a driver is bound (__driver_probe_device), else the group's
 *     iommu_device_use_default_domain() answer (the router asks the group chart first);
 *   device_release_driver: the driver's .remove unmaps everything; no-op when unbound;
 *   dma_map_single: an IOVA, or DMA_MAPPING_ERROR when the IOMMU map reaches an armed map_pages
 *     (dma-direct, with an identity default domain, never fails);
 *   dma_opt_mapping_size: iova_rcache_range() with IOMMU DMA ops, else SIZE_MAX.
 */
import { assign, not, setup, stateIn } from 'xstate';
import type { FaultOp } from '../spec/calls.js';
import { EBUSY } from '../spec/errno.js';
import { IOVA_RET } from '../spec/model.js';
import type { Outcome } from './chart.js';

/** dma_map_single's failure value (dma_mapping_error() is true). */
export const DMA_MAPPING_ERROR = 'DMA_MAPPING_ERROR';
/** iova_rcache_range(): PAGE_SIZE << (IOVA_RANGE_CACHE_MAX_SIZE - 1) (drivers/iommu/iova.c). */
export const IOVA_RCACHE_RANGE = 4096 << 5;

export type DmaMappingEvent =
  | { readonly type: 'device_driver_attach'; readonly group_ret: number }
  | { readonly type: 'device_release_driver' }
  | { readonly type: 'dma_map_single'; readonly map_fault: boolean }
  | { readonly type: 'dma_unmap_single' }
  | { readonly type: 'dma_opt_mapping_size'; readonly dma_iommu: boolean };

export interface DmaMappingContext extends Outcome {
  readonly maps: number;
}

export const dmaMappingMachine = setup({
  types: { context: {} as DmaMappingContext, events: {} as DmaMappingEvent },
  guards: {
    isBound: stateIn('bound'),
    hasMappings: ({ context }) => context.maps > 0,
    isGroupRefused: ({ event }) => event.type === 'device_driver_attach' && event.group_ret !== 0,
    isMapFault: ({ event }) => event.type === 'dma_map_single' && event.map_fault,
    isDmaIommu: ({ event }) => event.type === 'dma_opt_mapping_size' && event.dma_iommu,
  },
  actions: {
    returnZero: assign({ ret: 0, consumed: [] }),
    returnEBUSY: assign({ ret: -EBUSY, consumed: [] }),
    returnGroupErrno: assign({
      ret: ({ event }) => (event.type === 'device_driver_attach' ? event.group_ret : 0),
      consumed: [],
    }),
    returnMappingError: assign({
      ret: DMA_MAPPING_ERROR,
      consumed: ['map_pages'] as readonly FaultOp[],
    }),
    addMapping: assign({ maps: ({ context }) => context.maps + 1, ret: IOVA_RET, consumed: [] }),
    removeMapping: assign({
      maps: ({ context }) => Math.max(0, context.maps - 1),
      ret: 0,
      consumed: [],
    }),
    unmapAll: assign({ maps: 0, ret: 0, consumed: [] }),
    returnRcacheRange: assign({ ret: IOVA_RCACHE_RANGE, consumed: [] }),
    returnSizeMax: assign({ ret: 'SIZE_MAX', consumed: [] }),
  },
}).createMachine({
  id: 'dma_mapping',
  initial: 'unbound',
  context: { maps: 0, ret: 0, consumed: [] },
  states: {
    unbound: {},
    bound: {
      initial: 'idle',
      states: {
        idle: { always: { guard: 'hasMappings', target: 'mapped' } },
        mapped: { always: { guard: not('hasMappings'), target: 'idle' } },
      },
    },
  },
  on: {
    device_driver_attach: [
      { guard: 'isBound', actions: 'returnEBUSY' },
      { guard: 'isGroupRefused', actions: 'returnGroupErrno' },
      { target: '.bound', actions: 'returnZero' },
    ],
    device_release_driver: [
      { guard: 'isBound', target: '.unbound', actions: 'unmapAll' },
      { actions: 'returnZero' },
    ],
    dma_map_single: [
      { guard: 'isMapFault', actions: 'returnMappingError' },
      { actions: 'addMapping' },
    ],
    dma_unmap_single: { actions: 'removeMapping' },
    dma_opt_mapping_size: [
      { guard: 'isDmaIommu', actions: 'returnRcacheRange' },
      { actions: 'returnSizeMax' },
    ],
  },
});
