/**
 * A device as a DMA-API user, two regions:
 *   driver:  unbound | bound (idle | mapped)  whether a kernel driver is bound through the driver
 *            core (drivers/base/dd.c really_probe / device_remove) and whether it holds
 *            dma_map_single() mappings (the count is context);
 *   dma_ops: iommu | direct                   dev->dma_iommu, which iommu_setup_dma_ops()
 *            (drivers/iommu/dma-iommu.c) sets from group->domain at boot and after every
 *            successful sysfs type write (even one that keeps the domain).
 *   device_driver_attach: -EBUSY when a driver is bound (__driver_probe_device), else the group's
 *     iommu_device_use_default_domain() answer (the router asks the group chart first);
 *   device_release_driver: the driver's .remove unmaps everything (in lazy mode into the flush
 *     queue: the router counts what stays queued, `queued`); no-op when unbound;
 *   dma_map_single: an IOVA, or DMA_MAPPING_ERROR when the IOVA space is full (iommu_dma_alloc_iova
 *     returns 0: the group's live mappings and the IOVAs its flush queue still holds fill the
 *     slots the DMA mask leaves, machines/router/topology.ts iovaSlots) or when the IOMMU ops'
 *     map reaches an armed map_pages (__iommu_dma_map; dma-direct never fails here);
 *   dma_unmap_single: one mapping fewer; in lazy mode its IOVA waits in the flush queue
 *     (`queued`, queue_iova) until fq_ring_free (a flush: the timer, a full queue, a freed domain);
 *   dma_opt_mapping_size: iova_rcache_range() with the IOMMU DMA ops, else SIZE_MAX.
 */
import { and, assign, not, setup, stateIn } from 'xstate';
import type { FaultOp } from '../../spec/calls.js';
import { EBUSY } from '../../spec/errno.js';
import { IOVA_RET } from '../../spec/model.js';
import type { Outcome } from '../runtime/chart.js';

/** dma_map_single's failure value (dma_mapping_error() is true). */
export const DMA_MAPPING_ERROR = 'DMA_MAPPING_ERROR';
/** iova_rcache_range(): PAGE_SIZE << (IOVA_RANGE_CACHE_MAX_SIZE - 1) (drivers/iommu/iova.c). */
export const IOVA_RCACHE_RANGE = 4096 << 5;

export type DmaMappingEvent =
  | { readonly type: 'device_driver_attach'; readonly group_ret: number }
  | {
      readonly type: 'device_release_driver';
      /** This device's IOVAs still queued after the unmaps (router: queue_iova one by one). */
      readonly queued: number;
    }
  | {
      readonly type: 'dma_map_single';
      readonly map_armed: boolean;
      readonly iova_full: boolean;
      /** The buffer mapped (its index in the scenario). */
      readonly buf: number;
    }
  | {
      readonly type: 'dma_unmap_single';
      readonly lazy: boolean;
      /** Which live mapping, in the order they were made. */
      readonly map: number;
    }
  | { readonly type: 'fq_ring_free' }
  | { readonly type: 'dma_opt_mapping_size' }
  | { readonly type: 'iommu_setup_dma_ops'; readonly dma_api_domain: boolean };

export interface DmaMappingContext extends Outcome {
  readonly maps: number;
  /** The buffer of each live mapping, in the order they were made (what its IOVA reaches). */
  readonly bufs: readonly number[];
  /** IOVAs of this device's lazy unmaps still in its group's flush queue. */
  readonly queued: number;
}

/** The live mappings' buffers without the one dma_unmap_single names. */
function withoutMap(bufs: readonly number[], event: DmaMappingEvent): readonly number[] {
  const i = event.type === 'dma_unmap_single' ? event.map : -1;
  return i >= 0 && i < bufs.length ? [...bufs.slice(0, i), ...bufs.slice(i + 1)] : bufs.slice(1);
}

export const dmaMappingMachine = setup({
  types: { context: {} as DmaMappingContext, events: {} as DmaMappingEvent },
  guards: {
    isBound: stateIn({ driver: 'bound' }),
    isIommuDma: stateIn({ dma_ops: 'iommu' }),
    hasMappings: ({ context }) => context.maps > 0,
    isGroupRefused: ({ event }) => event.type === 'device_driver_attach' && event.group_ret !== 0,
    isMapArmed: ({ event }) => event.type === 'dma_map_single' && event.map_armed,
    isIovaSpaceFull: ({ event }) => event.type === 'dma_map_single' && event.iova_full,
    isLazyUnmap: ({ event }) => event.type === 'dma_unmap_single' && event.lazy,
    isDmaApiDomain: ({ event }) => event.type === 'iommu_setup_dma_ops' && event.dma_api_domain,
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
    returnIovaExhausted: assign({ ret: DMA_MAPPING_ERROR, consumed: [] }),
    queueIova: assign({
      maps: ({ context }) => Math.max(0, context.maps - 1),
      bufs: ({ context, event }) => withoutMap(context.bufs, event),
      queued: ({ context }) => context.queued + 1,
      ret: 0,
      consumed: [],
    }),
    freeQueued: assign({ queued: 0, ret: 0, consumed: [] }),
    addMapping: assign({
      maps: ({ context }) => context.maps + 1,
      bufs: ({ context, event }) => [
        ...context.bufs,
        event.type === 'dma_map_single' ? event.buf : -1,
      ],
      ret: IOVA_RET,
      consumed: [],
    }),
    removeMapping: assign({
      maps: ({ context }) => Math.max(0, context.maps - 1),
      bufs: ({ context, event }) => withoutMap(context.bufs, event),
      ret: 0,
      consumed: [],
    }),
    unmapAll: assign({
      maps: 0,
      bufs: [],
      queued: ({ event }) => (event.type === 'device_release_driver' ? event.queued : 0),
      ret: 0,
      consumed: [],
    }),
    returnRcacheRange: assign({ ret: IOVA_RCACHE_RANGE, consumed: [] }),
    returnSizeMax: assign({ ret: 'SIZE_MAX', consumed: [] }),
  },
}).createMachine({
  id: 'dma_mapping',
  type: 'parallel',
  context: { maps: 0, bufs: [], queued: 0, ret: 0, consumed: [] },
  states: {
    driver: {
      initial: 'unbound',
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
          { guard: and(['isIommuDma', 'isIovaSpaceFull']), actions: 'returnIovaExhausted' },
          { guard: and(['isIommuDma', 'isMapArmed']), actions: 'returnMappingError' },
          { actions: 'addMapping' },
        ],
        dma_unmap_single: [
          { guard: and(['isIommuDma', 'isLazyUnmap']), actions: 'queueIova' },
          { actions: 'removeMapping' },
        ],
        fq_ring_free: { actions: 'freeQueued' },
      },
    },
    dma_ops: {
      initial: 'iommu',
      states: { iommu: {}, direct: {} },
      on: {
        iommu_setup_dma_ops: [
          { guard: 'isDmaApiDomain', target: '.iommu', actions: 'returnZero' },
          { target: '.direct', actions: 'returnZero' },
        ],
        dma_opt_mapping_size: [
          { guard: 'isIommuDma', actions: 'returnRcacheRange' },
          { actions: 'returnSizeMax' },
        ],
      },
    },
  },
});
