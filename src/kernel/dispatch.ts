/**
 * One entry for every call of the vocabulary (spec/calls.ts): the emulator side of a step.
 * Arguments are already resolved to emulator indices (a domain is its id); the harness in
 * src/check does the resolving. Kernel failures come back as negative errnos; only a harness
 * bug throws.
 */
import type { CallName, FaultOp } from '../../spec/calls.js';
import { IOMMU_DOMAIN_BLOCKED, IOMMU_DOMAIN_IDENTITY } from '../../spec/domain-types.js';
import { EINVAL } from '../../spec/errno.js';
import type { KernelRet } from '../../spec/events.js';
import { device_dma } from '../drivers/device-dma.js';
import { hw_complete_all, hw_step } from '../drivers/hw-step.js';
import {
  dma_map_single,
  dma_opt_mapping_size,
  dma_unmap_single,
  fireFqTimers,
} from './dma-iommu.js';
import { device_driver_attach, device_release_driver } from './driver-core.js';
import { fault_inject } from './faults.js';
import {
  iommu_alloc_global_pasid,
  iommu_attach_device,
  iommu_attach_device_pasid,
  iommu_attach_group,
  iommu_detach_device,
  iommu_detach_device_pasid,
  iommu_detach_group,
  iommu_device_claim_dma_owner,
  iommu_device_release_dma_owner,
  iommu_domain_free,
  iommu_free_global_pasid,
  iommu_get_domain_for_dev,
  iommu_group_claim_dma_owner,
  iommu_group_release_dma_owner,
  iommu_group_replace_domain,
  iommu_group_show_type,
  iommu_group_store_type,
  iommu_paging_domain_alloc,
  iommu_replace_device_pasid,
} from './iommu.js';
import { iommu_iotlb_sync, iommuMapPfns, iommuUnmapPfns, iovaToPhysPfn } from './iommu-map.js';
import {
  iommu_sva_bind_device,
  iommu_sva_get_pasid,
  iommu_sva_unbind_device,
  mm_pasid_drop,
} from './iommu-sva.js';
import { dma_set_max_opt_size } from './proposals/rcache-range.js';
import type { KernelConfig, KernelState } from './types.js';

/** Emulator-level arguments: every reference is an emulator index. */
export interface EmuArgs {
  dev: number;
  group: number;
  domain: number;
  pasid: number;
  sysfs: string;
  owner: string | null;
  buf: number;
  size: number;
  iova: number;
  mm: number;
  handle: string | null;
  iommu: number;
  op: FaultOp;
}

const PAGE = 4096;

/** Run one call on the emulator, mutating `st`. */
export function kernel_call(
  cfg: KernelConfig,
  st: KernelState,
  call: CallName,
  a: EmuArgs,
): KernelRet {
  if (call !== 'device_dma' && call !== 'hw_step') hw_complete_all(st);
  switch (call) {
    case 'device_driver_attach':
      return device_driver_attach(cfg, st, a.dev);
    case 'device_release_driver':
      return device_release_driver(cfg, st, a.dev);
    case 'iommu_group_store_type':
      return iommu_group_store_type(cfg, st, a.group, a.sysfs);
    case 'iommu_group_show_type':
      return iommu_group_show_type(cfg, st, a.group);
    case 'iommu_paging_domain_alloc':
      return iommu_paging_domain_alloc(cfg, st, a.dev);
    case 'iommu_domain_free':
      return iommu_domain_free(cfg, st, a.domain);
    case 'iommu_get_domain_for_dev':
      return iommu_get_domain_for_dev(cfg, st, a.dev);
    case 'iommu_attach_device':
      return iommu_attach_device(cfg, st, a.domain, a.dev);
    case 'iommu_detach_device':
      return iommu_detach_device(cfg, st, a.domain, a.dev);
    case 'iommu_attach_group':
      return iommu_attach_group(cfg, st, a.domain, a.group);
    case 'iommu_detach_group':
      return iommu_detach_group(cfg, st, a.domain, a.group);
    case 'iommu_group_replace_domain':
      return iommu_group_replace_domain(cfg, st, a.group, a.domain);
    case 'iommu_device_claim_dma_owner':
      return iommu_device_claim_dma_owner(cfg, st, a.dev, a.owner);
    case 'iommu_device_release_dma_owner':
      return iommu_device_release_dma_owner(cfg, st, a.dev);
    case 'iommu_group_claim_dma_owner':
      return iommu_group_claim_dma_owner(cfg, st, a.group, a.owner);
    case 'iommu_group_release_dma_owner':
      return iommu_group_release_dma_owner(cfg, st, a.group);
    case 'iommu_attach_device_pasid':
      return iommu_attach_device_pasid(cfg, st, a.domain, a.dev, a.pasid, a.handle);
    case 'iommu_detach_device_pasid':
      return iommu_detach_device_pasid(cfg, st, a.domain, a.dev, a.pasid);
    case 'iommu_replace_device_pasid':
      return iommu_replace_device_pasid(cfg, st, a.domain, a.dev, a.pasid, a.handle);
    case 'iommu_alloc_global_pasid':
      return iommu_alloc_global_pasid(cfg, st, a.dev);
    case 'iommu_free_global_pasid':
      return iommu_free_global_pasid(cfg, st, a.pasid);
    case 'iommu_sva_bind_device':
      return iommu_sva_bind_device(cfg, st, a.dev, a.mm, a.handle ?? `sva:${a.dev}:${a.mm}`);
    case 'iommu_sva_unbind_device':
      return iommu_sva_unbind_device(cfg, st, a.handle!);
    case 'iommu_sva_get_pasid':
      return iommu_sva_get_pasid(cfg, st, a.handle!);
    case 'mm_pasid_drop':
      return mm_pasid_drop(cfg, st, a.mm);
    case 'dma_map_single':
      return dma_map_single(cfg, st, a.dev, a.buf, a.size);
    case 'dma_unmap_single':
      return dma_unmap_single(cfg, st, a.dev, a.iova, a.size);
    case 'dma_set_max_opt_size':
      return dma_set_max_opt_size(cfg, st, a.dev, a.size);
    case 'dma_opt_mapping_size':
      return dma_opt_mapping_size(cfg, st, a.dev);
    case 'fq_flush_timeout':
      return fireFqTimers(cfg, st, a.group >= 0 ? a.group : null);
    case 'iommu_map':
      if (a.iova % PAGE !== 0 || a.size % PAGE !== 0) return -EINVAL;
      return iommuMapPfns(cfg, st, a.domain, a.iova / PAGE, cfg.buffers[a.buf].pfn, a.size / PAGE);
    case 'iommu_unmap':
    case 'iommu_unmap_fast': {
      if (a.iova % PAGE !== 0 || a.size % PAGE !== 0) return 0;
      const pages = iommuUnmapPfns(cfg, st, a.domain, a.iova / PAGE, a.size / PAGE);
      if (call === 'iommu_unmap') iommu_iotlb_sync(cfg, st, a.domain);
      return pages * PAGE;
    }
    case 'iommu_iotlb_sync':
      return iommu_iotlb_sync(cfg, st, a.domain);
    case 'iommu_iova_to_phys': {
      const d = st.domains[a.domain]!;
      if (d.type === IOMMU_DOMAIN_IDENTITY) return a.iova;
      if (d.type === IOMMU_DOMAIN_BLOCKED) return 0;
      const pfn = iovaToPhysPfn(st, a.domain, Math.floor(a.iova / PAGE));
      return pfn === 0 ? 0 : pfn * PAGE + (a.iova % PAGE);
    }
    case 'device_dma':
      return device_dma(cfg, st, a.dev, a.iova, a.pasid);
    case 'hw_step':
      return hw_step(cfg, st, a.iommu);
    case 'fault_inject':
      return fault_inject(st, a.op);
  }
}
