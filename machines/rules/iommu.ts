/**
 * The facts the router hands a chart about other objects: which domain a caller's reference
 * names, what the per-member attach or set_dev_pasid loop would meet first, and what a sysfs
 * type change would allocate and install. Each mirrors one kernel loop or helper, cited below.
 */
import type { FaultOp } from '../../spec/calls.js';
import { IOMMU_DOMAIN_IDENTITY } from '../../spec/domain-types.js';
import type { DomainKind } from '../../spec/drivers.js';
import type { DomainRef } from '../../spec/events.js';
import type { AttachFacts, SysfsFacts, Target } from '../charts/iommu_group.machine.js';
import type { PasidFacts } from '../charts/pasid_slot.machine.js';
import { currentDomainName, isAllocated, isBound, type KernelSpecState } from '../router/state.js';
import { disarm, isArmed, pasidU32, type Topology } from '../router/topology.js';
import {
  allocDefaultDomain,
  allocDefaultDomainOfType,
  dmaInitType,
  globalDefaultDomainType,
  legacyDeviceDefDomainType,
  needsDirectMappings,
  parseSysfsType,
  requestedDomainType,
  typeNameOf,
  typeOfName,
} from './default-domain.js';

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
