/**
 * The kernel rules of drivers/iommu/iommu.c that the router computes for the charts' guards
 * (machines/router/kernel.ts passes them in the event payload):
 *
 * Default-domain type selection, at boot and on a sysfs write (docs/kernel/03-default-domain.md
 * §3.1, §3.2 and docs/kernel/04-sysfs-type.md §4.1):
 *   - iommu_subsys_init: the global default (command line, Kconfig, CC_ATTR_MEM_ENCRYPT, strict);
 *   - iommu_get_def_domain_type / iommu_get_default_domain_type: the driver preference folded
 *     across the group (IDENTITY wins a conflict), then the overrides (no CONFIG_IOMMU_DMA,
 *     untrusted devices, an explicit target), -1 when no type is legal;
 *   - iommu_group_alloc_default_domain: an explicit type exactly, else the global default with
 *     the fallback to DMA (identity allocation fails when the driver has no identity domain);
 *     a default domain that already has the type is reused and nothing changes;
 *   - iommu_dma_init_domain: DMA_FQ demoted to DMA without IOMMU_CAP_DEFERRED_FLUSH or when the
 *     flush queue cannot be set up.
 *
 * And the facts about other objects: which domain a caller's reference names, what the
 * per-member attach or set_dev_pasid loop would meet first, and what a sysfs type change would
 * allocate and install. Each mirrors one kernel loop or helper, cited below.
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
import type { DomainKind } from '../../spec/drivers.js';
import { EINVAL, ENOMEM, EOPNOTSUPP } from '../../spec/errno.js';
import type { DomainRef } from '../../spec/events.js';
import type { Scenario } from '../../spec/scenario.js';
import type { AttachFacts, SysfsFacts, Target } from '../charts/iommu_group.machine.js';
import type { PasidFacts } from '../charts/pasid_slot.machine.js';
import { currentDomainName, isAllocated, isBound, type KernelSpecState } from '../router/state.js';
import { disarm, isArmed, pasidU32, type Topology } from '../router/topology.js';

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

/* Facts about other objects ---------------------------------------------------------------- */

/** A domain as one call sees it: its name relative to the call's group, kind and owner IOMMU. */
export interface ResolvedDomain extends Target {
  readonly kind: DomainKind;
  readonly iommu: number;
}

/**
 * The domain a caller's reference names, relative to group `g`: a user slot (NULL when free),
 * a group's default domain (NULL when boot found none) or its blocking domain. Another group's
 * domains are named `default:<h>` / `blocking:<h>`; the caller contract keeps them out of
 * anything that would store them.
 */
export function resolveDomain(
  topo: Topology,
  s: KernelSpecState,
  ref: DomainRef | undefined,
  g: number,
): ResolvedDomain | null {
  if (ref === undefined) return null;
  if (ref.kind === 'user') {
    const d = s.domains[ref.slot];
    if (!isAllocated(d)) return null;
    return { name: `d${ref.slot}`, region: 'private', kind: 'paging', iommu: d.context.iommu };
  }
  const own = ref.group === g;
  const iommu = topo.groups[ref.group].iommu;
  if (ref.kind === 'blocking')
    return {
      name: own ? 'blocking' : `blocking:${ref.group}`,
      region: own ? 'blocking' : 'private',
      kind: 'blocked',
      iommu,
    };
  const type = s.groups[ref.group].context.default_type;
  if (type === 'NONE') return null;
  return {
    name: own ? 'default' : `default:${ref.group}`,
    region: own ? 'default' : 'private',
    kind: type === 'IDENTITY' ? 'identity' : 'paging',
    iommu,
  };
}

export function sameDriver(topo: Topology, iommuA: number, iommuB: number): boolean {
  return topo.iommus[iommuA].driver === topo.iommus[iommuB].driver;
}

/**
 * __iommu_group_set_domain_internal()'s member loop: nothing to do for the current domain;
 * else per member, in order, __iommu_device_set_domain's require_direct refusal of a blocked
 * domain, the first attach_dev call meeting an armed fault, the driver refusing a domain of
 * another IOMMU instance.
 */
export function attachFacts(
  topo: Topology,
  s: KernelSpecState,
  g: number,
  d: ResolvedDomain,
  current: boolean,
): AttachFacts {
  const none = { current, direct_refused: false, fault: false, driver_refused: false };
  if (current) return none;
  for (const dev of topo.groups[g].devices) {
    if (topo.devices[dev].require_direct && d.kind === 'blocked')
      return { ...none, direct_refused: true };
    if (isArmed(s.armed, 'attach_dev')) return { ...none, fault: true };
    if (d.iommu !== topo.devices[dev].iommu) return { ...none, driver_refused: true };
  }
  return none;
}

export function attachFactsFor(
  topo: Topology,
  s: KernelSpecState,
  g: number,
  d: ResolvedDomain,
): AttachFacts {
  return attachFacts(topo, s, g, d, d.name === currentDomainName(s.groups[g]));
}

/**
 * The PASID prologue and __iommu_set_group_pasid() for (domain, dev, pasid): set_dev_pasid for
 * the domain's kind, the newest core's blocked-domain removal (attach only), the driver ops, the
 * max_pasids range (attach only; newest skips members without PASIDs, older cores do not), then
 * the member loop over PASID-capable devices: an armed set_dev_pasid, or the driver's refusal.
 */
export function pasidFacts(
  topo: Topology,
  armed: readonly FaultOp[],
  d: ResolvedDomain,
  dev: number,
  pasid: number,
  attach: boolean,
): PasidFacts {
  const newest = topo.scenario.kernel.revision === 'newest';
  const devIommu = topo.iommus[topo.devices[dev].iommu];
  const p = pasidU32(pasid);
  const members = topo.groups[topo.devices[dev].group].devices;
  let set_fault = false;
  let driver_refused = false;
  for (const m of members) {
    const max = topo.devices[m].max_pasids;
    if (max === 0) continue;
    // Only the first call can meet the armed fault: one that does not fail finds it unarmed.
    if (isArmed(armed, 'set_dev_pasid')) {
      set_fault = true;
      break;
    }
    if (d.iommu !== topo.devices[m].iommu || p >= max) {
      driver_refused = true;
      break;
    }
  }
  return {
    no_set_dev_pasid: !topo.iommus[d.iommu].facts.set_dev_pasid.includes(d.kind),
    no_blocked_remove:
      attach &&
      newest &&
      !(devIommu.facts.has_blocked_domain && devIommu.facts.set_dev_pasid.includes('blocked')),
    incompatible: !sameDriver(topo, d.iommu, topo.devices[dev].iommu),
    out_of_range:
      attach &&
      members.some((m) => {
        const max = topo.devices[m].max_pasids;
        return (!newest || max > 0) && p >= max;
      }),
    set_fault,
    driver_refused,
  };
}

/**
 * iommu_group_store_type() facts: the parsed string, the v6.3 checks, then what
 * iommu_setup_default_domain(group, req) would do: the legal type, the allocation (with the
 * auto fallback to DMA), IOMMU_RESV_DIRECT mappings before attach (newest retries a failed one
 * after attach; v6.3 fails), attaching the new domain, and iommu_dma_init_domain's demotion.
 */
export function sysfsFacts(
  topo: Topology,
  s: KernelSpecState,
  g: number,
  buf: string,
): { readonly sysfs: SysfsFacts; readonly attach: AttachFacts } {
  const kernel = topo.scenario.kernel;
  const legacy = kernel.revision === 'v6.3';
  const cur = s.groups[g].context.default_type;
  const req = parseSysfsType(buf);
  const devs = topo.groups[g].devices;
  const devDef = legacyDeviceDefDomainType(topo, devs[0]);
  const legacyType = (req ?? 0) || devDef || globalDefaultDomainType(kernel, topo.scenario.iommus);
  const requested = legacy ? legacyType : requestedDomainType(topo, g, req ?? 0);
  const legal = requested >= 0;
  const current = typeOfName(cur);
  const alloc = !legal
    ? { errno: 0, type: -1, reused: false, consumes: [] }
    : legacy
      ? allocDefaultDomainOfType(topo, g, requested, current, s.armed)
      : allocDefaultDomain(topo, g, requested, current, s.armed);
  let armed = disarm(s.armed, alloc.consumes);
  const direct =
    needsDirectMappings(alloc.type) &&
    devs.some((d) => topo.devices[d].require_direct) &&
    isArmed(armed, 'map_pages')
      ? (['map_pages'] as const)
      : [];
  armed = disarm(armed, direct);
  const newDomain: ResolvedDomain = {
    name: 'default',
    region: 'default',
    kind: alloc.type === IOMMU_DOMAIN_IDENTITY ? 'identity' : 'paging',
    iommu: topo.groups[g].iommu,
  };
  const attach = attachFacts(topo, { ...s, armed }, g, newDomain, false);
  const init = dmaInitType(topo, g, alloc.type, armed);
  const before = [...alloc.consumes, ...direct];
  return {
    sysfs: {
      count: buf.length,
      req,
      legacy,
      multi_device: devs.length !== 1,
      driver_bound: isBound(s.devices[devs[0]]),
      type_conflict: req !== null && req !== 0 && devDef !== 0 && req !== devDef,
      legacy_type: typeNameOf(legacyType),
      fq_fault: isArmed(s.armed, 'iommu_dma_init_fq'),
      legal,
      alloc_errno: alloc.errno,
      same_domain: !legacy && alloc.errno === 0 && alloc.reused,
      direct_fault: legacy && direct.length > 0,
      new_type: typeNameOf(init.type),
      on_alloc_error: alloc.consumes,
      on_direct_fault: before,
      on_attach_fault: [...before, 'attach_dev'],
      on_success: [...before, ...init.consumes],
    },
    attach,
  };
}
