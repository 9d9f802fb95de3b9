/**
 * The call vocabulary: every kernel entry point a trace step, a statechart event, a
 * fast-check command or an explorer edge may name, with its parameters by their kernel names.
 * Shared by the spec, the machines, the emulator and the harness.
 */

/** What a parameter names. Handles (`domain`, `handle`, `iova`) refer to an earlier step's `as`. */
export type ParamKind =
  | 'dev' // a device of the scenario
  | 'group' // an iommu_group of the scenario
  | 'domain' // a domain handle returned by an earlier step
  | 'handle' // an SVA bond or an iommufd attach handle, by name
  | 'pasid' // any integer: the kernel decides what is in range
  | 'type' // any string written to sysfs
  | 'owner' // a DMA owner cookie (a name, or null for the kernel's NULL)
  | 'buf' // a buffer of the scenario
  | 'size' // a byte count
  | 'iova' // a number, or the `as` name of an earlier dma_map_single
  | 'mm' // a process address space, by name
  | 'iommu' // an IOMMU instance of the scenario
  | 'op'; // a driver op that fault injection may fail

export interface ParamSpec {
  readonly name: string;
  readonly kind: ParamKind;
  readonly optional?: boolean;
}

/** What a successful call returns into the trace. */
export type ReturnKind =
  | 'errno' // 0 or a negative errno
  | 'void' // always 0
  | 'domain' // a domain handle (named by `as`) or a negative errno
  | 'handle' // an SVA handle (named by `as`) or a negative errno
  | 'pasid' // a PASID number (or IOMMU_PASID_INVALID)
  | 'iova' // an IOVA number, named by `as`, or the string "DMA_MAPPING_ERROR"
  | 'number' // a plain number
  | 'string' // a printed string (sysfs read)
  | 'bytes' // a sysfs write: the byte count, or a negative errno
  | 'dma'; // a buffer name reached, or -EFAULT

export interface CallSpec {
  readonly name: string;
  readonly params: readonly ParamSpec[];
  readonly returns: ReturnKind;
  /** Where the kernel has it. */
  readonly citation: string;
  /** Not a kernel entry point but a harness event (device access, timer, hardware step). */
  readonly harness?: boolean;
  /** Proposed on the list but never merged: exists only under a design variant (spec/variants). */
  readonly proposal?: string;
}

const p = (name: string, kind: ParamKind, optional = false): ParamSpec => ({
  name,
  kind,
  optional,
});
const IOMMU_C = 'drivers/iommu/iommu.c';
const SVA_C = 'drivers/iommu/iommu-sva.c';
const DMA_C = 'drivers/iommu/dma-iommu.c';

export const CALLS = {
  device_driver_attach: {
    name: 'device_driver_attach',
    params: [p('dev', 'dev')],
    returns: 'errno',
    citation: `drivers/base/dd.c: really_probe -> ${IOMMU_C}: iommu_device_use_default_domain`,
  },
  device_release_driver: {
    name: 'device_release_driver',
    params: [p('dev', 'dev')],
    returns: 'void',
    citation: `drivers/base/dd.c: device_remove -> ${IOMMU_C}: iommu_device_unuse_default_domain`,
  },
  iommu_group_store_type: {
    name: 'iommu_group_store_type',
    params: [p('group', 'group'), p('type', 'type')],
    returns: 'bytes',
    citation: `${IOMMU_C}: iommu_group_store_type`,
  },
  iommu_group_show_type: {
    name: 'iommu_group_show_type',
    params: [p('group', 'group')],
    returns: 'string',
    citation: `${IOMMU_C}: iommu_group_show_type`,
  },
  iommu_paging_domain_alloc: {
    name: 'iommu_paging_domain_alloc',
    params: [p('dev', 'dev')],
    returns: 'domain',
    citation: `${IOMMU_C}: iommu_paging_domain_alloc`,
  },
  iommu_domain_free: {
    name: 'iommu_domain_free',
    params: [p('domain', 'domain')],
    returns: 'void',
    citation: `${IOMMU_C}: iommu_domain_free`,
  },
  iommu_get_domain_for_dev: {
    name: 'iommu_get_domain_for_dev',
    params: [p('dev', 'dev')],
    returns: 'domain',
    citation: `${IOMMU_C}: iommu_get_domain_for_dev`,
  },
  iommu_attach_device: {
    name: 'iommu_attach_device',
    params: [p('domain', 'domain'), p('dev', 'dev')],
    returns: 'errno',
    citation: `${IOMMU_C}: iommu_attach_device`,
  },
  iommu_detach_device: {
    name: 'iommu_detach_device',
    params: [p('domain', 'domain'), p('dev', 'dev')],
    returns: 'void',
    citation: `${IOMMU_C}: iommu_detach_device`,
  },
  iommu_attach_group: {
    name: 'iommu_attach_group',
    params: [p('domain', 'domain'), p('group', 'group')],
    returns: 'errno',
    citation: `${IOMMU_C}: iommu_attach_group`,
  },
  iommu_detach_group: {
    name: 'iommu_detach_group',
    params: [p('domain', 'domain'), p('group', 'group')],
    returns: 'void',
    citation: `${IOMMU_C}: iommu_detach_group`,
  },
  iommu_group_replace_domain: {
    name: 'iommu_group_replace_domain',
    params: [p('group', 'group'), p('domain', 'domain')],
    returns: 'errno',
    citation: `${IOMMU_C}: iommu_group_replace_domain`,
  },
  iommu_device_claim_dma_owner: {
    name: 'iommu_device_claim_dma_owner',
    params: [p('dev', 'dev'), p('owner', 'owner')],
    returns: 'errno',
    citation: `${IOMMU_C}: iommu_device_claim_dma_owner`,
  },
  iommu_device_release_dma_owner: {
    name: 'iommu_device_release_dma_owner',
    params: [p('dev', 'dev')],
    returns: 'void',
    citation: `${IOMMU_C}: iommu_device_release_dma_owner`,
  },
  iommu_group_claim_dma_owner: {
    name: 'iommu_group_claim_dma_owner',
    params: [p('group', 'group'), p('owner', 'owner')],
    returns: 'errno',
    citation: `${IOMMU_C}: iommu_group_claim_dma_owner`,
  },
  iommu_group_release_dma_owner: {
    name: 'iommu_group_release_dma_owner',
    params: [p('group', 'group')],
    returns: 'void',
    citation: `${IOMMU_C}: iommu_group_release_dma_owner`,
  },
  iommu_attach_device_pasid: {
    name: 'iommu_attach_device_pasid',
    params: [
      p('domain', 'domain'),
      p('dev', 'dev'),
      p('pasid', 'pasid'),
      p('handle', 'handle', true),
    ],
    returns: 'errno',
    citation: `${IOMMU_C}: iommu_attach_device_pasid`,
  },
  iommu_detach_device_pasid: {
    name: 'iommu_detach_device_pasid',
    params: [p('domain', 'domain'), p('dev', 'dev'), p('pasid', 'pasid')],
    returns: 'void',
    citation: `${IOMMU_C}: iommu_detach_device_pasid`,
  },
  iommu_replace_device_pasid: {
    name: 'iommu_replace_device_pasid',
    params: [
      p('domain', 'domain'),
      p('dev', 'dev'),
      p('pasid', 'pasid'),
      p('handle', 'handle', true),
    ],
    returns: 'errno',
    citation: `${IOMMU_C}: iommu_replace_device_pasid`,
  },
  iommu_alloc_global_pasid: {
    name: 'iommu_alloc_global_pasid',
    params: [p('dev', 'dev')],
    returns: 'pasid',
    citation: `${IOMMU_C}: iommu_alloc_global_pasid`,
  },
  iommu_free_global_pasid: {
    name: 'iommu_free_global_pasid',
    params: [p('pasid', 'pasid')],
    returns: 'void',
    citation: `${IOMMU_C}: iommu_free_global_pasid`,
  },
  iommu_sva_bind_device: {
    name: 'iommu_sva_bind_device',
    params: [p('dev', 'dev'), p('mm', 'mm')],
    returns: 'handle',
    citation: `${SVA_C}: iommu_sva_bind_device`,
  },
  iommu_sva_unbind_device: {
    name: 'iommu_sva_unbind_device',
    params: [p('handle', 'handle')],
    returns: 'void',
    citation: `${SVA_C}: iommu_sva_unbind_device`,
  },
  iommu_sva_get_pasid: {
    name: 'iommu_sva_get_pasid',
    params: [p('handle', 'handle')],
    returns: 'pasid',
    citation: `${SVA_C}: iommu_sva_get_pasid`,
  },
  mm_pasid_drop: {
    name: 'mm_pasid_drop',
    params: [p('mm', 'mm')],
    returns: 'void',
    citation: `${SVA_C}: mm_pasid_drop`,
  },
  dma_map_single: {
    name: 'dma_map_single',
    params: [p('dev', 'dev'), p('buf', 'buf'), p('size', 'size', true)],
    returns: 'iova',
    citation: `${DMA_C}: iommu_dma_map_page -> __iommu_dma_map`,
  },
  dma_unmap_single: {
    name: 'dma_unmap_single',
    params: [p('dev', 'dev'), p('iova', 'iova'), p('size', 'size', true)],
    returns: 'void',
    citation: `${DMA_C}: iommu_dma_unmap_page -> __iommu_dma_unmap`,
  },
  dma_opt_mapping_size: {
    name: 'dma_opt_mapping_size',
    params: [p('dev', 'dev')],
    returns: 'number',
    citation: `${DMA_C}: iommu_dma_opt_mapping_size`,
  },
  dma_set_max_opt_size: {
    name: 'dma_set_max_opt_size',
    params: [p('dev', 'dev'), p('size', 'size')],
    returns: 'errno',
    citation:
      'proposed in "[PATCH 1/6] iommu: Move IOVA power-of-2 roundup into allocator" (John Garry, 2021)',
    proposal: '001_e28787a912bf3fd1',
  },
  fq_flush_timeout: {
    name: 'fq_flush_timeout',
    params: [p('group', 'group', true)],
    returns: 'void',
    citation: `${DMA_C}: fq_flush_timeout`,
  },
  iommu_map: {
    name: 'iommu_map',
    params: [p('domain', 'domain'), p('iova', 'iova'), p('buf', 'buf'), p('size', 'size', true)],
    returns: 'errno',
    citation: `${IOMMU_C}: iommu_map`,
  },
  iommu_unmap: {
    name: 'iommu_unmap',
    params: [p('domain', 'domain'), p('iova', 'iova'), p('size', 'size')],
    returns: 'number',
    citation: `${IOMMU_C}: iommu_unmap`,
  },
  iommu_unmap_fast: {
    name: 'iommu_unmap_fast',
    params: [p('domain', 'domain'), p('iova', 'iova'), p('size', 'size')],
    returns: 'number',
    citation: `${IOMMU_C}: iommu_unmap_fast`,
  },
  iommu_iotlb_sync: {
    name: 'iommu_iotlb_sync',
    params: [p('domain', 'domain')],
    returns: 'void',
    citation: `include/linux/iommu.h: iommu_iotlb_sync`,
  },
  iommu_iova_to_phys: {
    name: 'iommu_iova_to_phys',
    params: [p('domain', 'domain'), p('iova', 'iova')],
    returns: 'number',
    citation: `${IOMMU_C}: iommu_iova_to_phys`,
  },
  device_dma: {
    name: 'device_dma',
    params: [p('dev', 'dev'), p('iova', 'iova'), p('pasid', 'pasid', true)],
    returns: 'dma',
    citation: 'a DMA transaction issued by the device, translated by the IOMMU hardware',
    harness: true,
  },
  hw_step: {
    name: 'hw_step',
    params: [p('iommu', 'iommu')],
    returns: 'void',
    citation:
      'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c: arm_smmu_write_entry (one entry_set and its sync)',
    harness: true,
  },
  fault_inject: {
    name: 'fault_inject',
    params: [p('op', 'op')],
    returns: 'void',
    citation: 'drivers/iommu/iommufd/selftest.c: iommufd_should_fail (fail_nth)',
    harness: true,
  },
} as const satisfies Record<string, CallSpec>;

export type CallName = keyof typeof CALLS;

/** The call's spec, widened to CallSpec (optional fields readable on every call). */
export function callSpec(name: CallName): CallSpec {
  return CALLS[name];
}
export const CALL_NAMES = Object.keys(CALLS) as CallName[];

export function isCallName(name: string): name is CallName {
  return Object.hasOwn(CALLS, name);
}

/** Driver ops fault injection can fail (iommufd's fail_nth covers allocations the same way). */
export const FAULT_OPS = [
  'attach_dev',
  'set_dev_pasid',
  'domain_alloc_paging',
  'iommu_dma_init_fq',
  'map_pages',
] as const;
export type FaultOp = (typeof FAULT_OPS)[number];
