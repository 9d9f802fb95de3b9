/**
 * Default-domain type selection, at boot and on a sysfs write, as small pure rules written from
 * docs/kernel/03-default-domain.md §3.1, §3.2 and docs/kernel/04-sysfs-type.md §4.1:
 *   - iommu_subsys_init: the global default (command line, Kconfig, CC_ATTR_MEM_ENCRYPT, strict);
 *   - iommu_get_def_domain_type / iommu_get_default_domain_type: the driver preference folded
 *     across the group (IDENTITY wins a conflict), then the overrides (no CONFIG_IOMMU_DMA,
 *     untrusted devices, an explicit target), -1 when no type is legal;
 *   - iommu_group_alloc_default_domain: an explicit type exactly, else the global default with
 *     the fallback to DMA (identity allocation fails when the driver has no identity domain);
 *     a default domain that already has the type is reused and nothing changes;
 *   - iommu_dma_init_domain: DMA_FQ demoted to DMA without IOMMU_CAP_DEFERRED_FLUSH or when the
 *     flush queue cannot be set up.
 */
import type { FaultOp } from '../../spec/calls.js';
import {
  domainTypeName,
  IOMMU_DOMAIN_DMA,
  IOMMU_DOMAIN_DMA_FQ,
  IOMMU_DOMAIN_IDENTITY,
  iommu_is_dma_domain,
  isPagingType,
} from '../../spec/domain-types.js';
import { EINVAL, ENOMEM, EOPNOTSUPP } from '../../spec/errno.js';
import type { Scenario } from '../../spec/scenario.js';
import { isArmed, type Topology } from '../router/topology.js';

/** A default domain's type as the view names it; NONE when setup failed at boot. */
export type DefaultTypeName = 'IDENTITY' | 'DMA' | 'DMA_FQ' | 'NONE';

export function typeNameOf(type: number): DefaultTypeName {
  const n = domainTypeName(type);
  return n === 'IDENTITY' || n === 'DMA' || n === 'DMA_FQ' ? n : 'NONE';
}

export function typeOfName(name: DefaultTypeName): number {
  if (name === 'IDENTITY') return IOMMU_DOMAIN_IDENTITY;
  if (name === 'DMA') return IOMMU_DOMAIN_DMA;
  if (name === 'DMA_FQ') return IOMMU_DOMAIN_DMA_FQ;
  return -1;
}

/** The device uses the IOMMU DMA ops (dev->dma_iommu) exactly when the default is DMA-API. */
export function isDmaApiType(name: DefaultTypeName): boolean {
  return name === 'DMA' || name === 'DMA_FQ';
}

/**
 * iommu_subsys_init(): passthrough from iommu.passthrough=, else from Kconfig unless memory
 * encryption overrides it; a translated default that is not strict becomes DMA_FQ. Then the
 * drivers' init: a VT-d unit in caching mode calls iommu_set_dma_strict(), which downgrades a
 * DMA_FQ default to DMA whatever iommu.strict= said (drivers/iommu/intel/iommu.c
 * intel_iommu_init: "IOMMU batching disallowed due to virtualization").
 */
export function globalDefaultDomainType(
  kernel: Scenario['kernel'],
  iommus: Scenario['iommus'] = [],
): number {
  const cmdline = kernel['iommu.passthrough'];
  const passthrough =
    cmdline ?? (kernel.CONFIG_IOMMU_DEFAULT_PASSTHROUGH && !kernel.CC_ATTR_MEM_ENCRYPT);
  if (passthrough) return IOMMU_DOMAIN_IDENTITY;
  const strict =
    (kernel['iommu.strict'] ?? kernel.CONFIG_IOMMU_DEFAULT_DMA_STRICT) ||
    iommus.some((m) => m.caching_mode);
  return strict ? IOMMU_DOMAIN_DMA : IOMMU_DOMAIN_DMA_FQ;
}

/**
 * v6.3 iommu_get_def_domain_type(dev), which iommu_change_dev_def_domain() consults for the
 * group's single device: DMA for an untrusted PCI device, else the driver's def_domain_type.
 */
export function legacyDeviceDefDomainType(topo: Topology, dev: number): number {
  return topo.devices[dev].untrusted ? IOMMU_DOMAIN_DMA : topo.devices[dev].def_domain_type;
}

/** iommu_get_def_domain_type() over the group: a conflict keeps the earlier answer unless IDENTITY. */
export function driverPreference(topo: Topology, group: number): number {
  let cur = 0;
  for (const dev of topo.groups[group].devices) {
    const type = topo.devices[dev].def_domain_type;
    if (!type || type === cur) continue;
    if (!cur || type === IOMMU_DOMAIN_IDENTITY) cur = type;
  }
  return cur;
}

/**
 * iommu_get_default_domain_type(group, target): the type to allocate, 0 for "the global
 * default", or -1 for "no legal type" (iommu_setup_default_domain then returns -EINVAL).
 */
export function requestedDomainType(topo: Topology, group: number, target: number): number {
  let type = driverPreference(topo, group);
  if (!topo.scenario.kernel.CONFIG_IOMMU_DMA) {
    if (type === IOMMU_DOMAIN_DMA) return -1; // WARN_ON: a DMA request without DMA-API support
    if (!type) type = IOMMU_DOMAIN_IDENTITY;
  }
  if (topo.groups[group].devices.some((d) => topo.devices[d].untrusted)) {
    if (type && type !== IOMMU_DOMAIN_DMA) return -1; // "refusing to probe"
    type = IOMMU_DOMAIN_DMA;
  }
  if (target) return type && target !== type ? -1 : target;
  return type;
}

/** An allocation: the type allocated (or errno < 0), whether it is the current default domain
 * reused, and the armed faults it used up. */
export interface AllocResult {
  readonly errno: number;
  readonly type: number;
  readonly reused: boolean;
  readonly consumes: readonly FaultOp[];
}

/**
 * __iommu_group_alloc_default_domain(group, type): the current default domain when it already
 * has the type (reused: the setup is then a no-op); a paging domain, PASID-capable when the first
 * device has PASIDs and retried without IOMMU_HWPT_ALLOC_PASID when the driver answers
 * -EOPNOTSUPP, failing with -ENOMEM on an armed domain_alloc_paging; else the driver's static
 * identity domain, -EOPNOTSUPP without one. `current` is the current default type (-1: none).
 */
export function allocDefaultDomainOfType(
  topo: Topology,
  group: number,
  type: number,
  current: number,
  armed: readonly FaultOp[],
): AllocResult {
  const ok = { errno: 0, type, reused: false, consumes: [] };
  if (type === current) return { ...ok, reused: true };
  if (isPagingType(type)) {
    if (isArmed(armed, 'domain_alloc_paging'))
      return { ...ok, errno: -ENOMEM, consumes: ['domain_alloc_paging'] };
    return ok;
  }
  return topo.iommus[topo.groups[group].iommu].has_identity_domain
    ? ok
    : { ...ok, errno: -EOPNOTSUPP };
}

/**
 * iommu_group_alloc_default_domain(group, req): an explicit type exactly; with no guidance the
 * global default, and on failure DMA ("Falling back to IOMMU_DOMAIN_DMA") unless the global
 * default was already DMA (-EINVAL).
 */
export function allocDefaultDomain(
  topo: Topology,
  group: number,
  req: number,
  current: number,
  armed: readonly FaultOp[],
): AllocResult {
  if (req) return allocDefaultDomainOfType(topo, group, req, current, armed);
  const global = globalDefaultDomainType(topo.scenario.kernel, topo.scenario.iommus);
  const first = allocDefaultDomainOfType(topo, group, global, current, armed);
  if (first.errno === 0) return first;
  if (global === IOMMU_DOMAIN_DMA) return { ...first, errno: -EINVAL };
  const left = armed.filter((op) => !first.consumes.includes(op));
  const second = allocDefaultDomainOfType(topo, group, IOMMU_DOMAIN_DMA, current, left);
  return { ...second, consumes: [...first.consumes, ...second.consumes] };
}

/**
 * iommu_dma_init_domain() on a new default domain: a DMA_FQ domain keeps its flush queue only
 * with IOMMU_CAP_DEFERRED_FLUSH and a successful iommu_dma_init_fq(); otherwise its type is
 * silently rewritten to DMA. Other types are unchanged.
 */
export function dmaInitType(
  topo: Topology,
  group: number,
  type: number,
  armed: readonly FaultOp[],
): { readonly type: number; readonly consumes: readonly FaultOp[] } {
  if (type !== IOMMU_DOMAIN_DMA_FQ) return { type, consumes: [] };
  if (!topo.iommus[topo.groups[group].iommu].deferred_flush)
    return { type: IOMMU_DOMAIN_DMA, consumes: [] };
  if (isArmed(armed, 'iommu_dma_init_fq'))
    return { type: IOMMU_DOMAIN_DMA, consumes: ['iommu_dma_init_fq'] };
  return { type, consumes: [] };
}

/** bus_iommu_probe -> iommu_setup_default_domain(group, 0) -> iommu_setup_dma_ops: the boot type. */
export function bootDefaultType(topo: Topology, group: number): DefaultTypeName {
  const req = requestedDomainType(topo, group, 0);
  if (req < 0) return 'NONE';
  const alloc = allocDefaultDomain(topo, group, req, -1, []);
  if (alloc.errno !== 0) return 'NONE';
  return typeNameOf(dmaInitType(topo, group, alloc.type, []).type);
}

/** iommu_group_store_type(): the sysfs string (sysfs_streq) as a type, 0 for auto, null if unknown. */
export function parseSysfsType(buf: string): number | null {
  const s = buf.endsWith('\n') ? buf.slice(0, -1) : buf;
  if (s === 'identity') return IOMMU_DOMAIN_IDENTITY;
  if (s === 'DMA') return IOMMU_DOMAIN_DMA;
  if (s === 'DMA-FQ') return IOMMU_DOMAIN_DMA_FQ;
  if (s === 'auto') return 0;
  return null;
}

/** Whether a domain of this type gets IOMMU_RESV_DIRECT mappings (iommu_create_device_direct_mappings). */
export function needsDirectMappings(type: number): boolean {
  return iommu_is_dma_domain(type);
}
