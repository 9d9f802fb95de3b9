/** Documentation data of the dma_mapping chart (machines/charts/dma_mapping.machine.ts); see machines/charts/doc.ts. */
import type { ChartDoc } from './doc.js';

export const dmaMappingDoc: ChartDoc = {
  title: 'a device as a DMA-API user',
  summary:
    'A device as a DMA-API user, as two concurrent regions: whether a kernel driver is bound through the driver core and holds dma_map_single mappings (`driver`), and which DMA ops the device uses (`dma_ops`: dev->dma_iommu, set by iommu_setup_dma_ops from group->domain at boot and after every successful sysfs type write).',
  guards: {
    isBound: 'a driver is bound',
    isIommuDma: 'the device uses the IOMMU DMA ops',
    hasMappings: 'the driver holds mappings',
    isGroupRefused: 'the group refuses DMA-API use (iommu_device_use_default_domain failed)',
    isMapArmed: 'map_pages fails (armed fault)',
    isIovaSpaceFull:
      "the IOVA space is full: the group's live mappings and queued IOVAs fill the slots the DMA mask leaves",
    isLazyUnmap: 'the default domain has a flush queue (DMA_FQ)',
    isDmaApiDomain: 'group->domain is a DMA-API default domain',
  },
  negated: {
    hasMappings: 'the driver holds no mapping',
  },
  actions: {
    returnZero: '0',
    returnEBUSY: '-EBUSY',
    returnGroupErrno: "the group's errno",
    returnMappingError: 'DMA_MAPPING_ERROR (uses up the map_pages fault)',
    returnIovaExhausted: 'DMA_MAPPING_ERROR (iommu_dma_alloc_iova found no IOVA)',
    queueIova: 'nothing (void); one mapping fewer, its IOVA queued until the next flush',
    freeQueued: 'the queued IOVAs return to the allocator',
    addMapping: 'an IOVA; one more mapping',
    removeMapping: 'nothing (void); one mapping fewer',
    unmapAll: "0; the driver's .remove unmaps everything",
    returnRcacheRange: 'iova_rcache_range() (128 KiB)',
    returnSizeMax: 'SIZE_MAX',
  },
  citations: {
    iommu_setup_dma_ops: 'drivers/iommu/dma-iommu.c: iommu_setup_dma_ops',
    fq_ring_free:
      'drivers/iommu/dma-iommu.c: fq_ring_free_locked, fq_flush_timeout, iommu_dma_free_fq',
    always: 'kernel/dma/mapping.c: dma_map_page_attrs, dma_unmap_page_attrs (the live mappings)',
  },
  unreachable: [
    {
      transition: 'driver/device_release_driver#2',
      guard: null,
      reason:
        'the router answers device_release_driver on an unbound device itself (nothing to do), and the caller contract (machines/router/contract.ts releaseDriverWithoutPasids) releases bound drivers only',
    },
  ],
};
