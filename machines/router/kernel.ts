/**
 * The spec of the IOMMU core as a SpecModel: one chart per kernel object (machines/*.machine.ts)
 * and this pure router. For each kernel call it follows the kernel's check order across objects:
 * it computes the facts a chart needs about the others (machines/rules/iommu.ts), asks the owning
 * charts in order, commits their new snapshots only as far as the kernel would, and takes the
 * expected return and the armed faults the path used up from the chart that answered.
 * Returns are in spec/model.ts's normalised form; the caller contract is machines/router/contract.ts;
 * the charts run compiled (machines/runtime/system.ts), so a step rarely reaches xstate at all.
 */
import { FAULT_OPS, type FaultOp } from '../../spec/calls.js';
import { IOMMU_PASID_INVALID } from '../../spec/domain-types.js';
import { EFAULT, EINVAL } from '../../spec/errno.js';
import type { KernelEvent } from '../../spec/events.js';
import { ANY_RET, type SpecModel, type SpecRet } from '../../spec/model.js';
import type { Scenario } from '../../spec/scenario.js';
import { isIdentity } from '../../spec/symmetry.js';
import type { DmaMappingEvent } from '../charts/dma_mapping.machine.js';
import type { GroupEvent } from '../charts/iommu_group.machine.js';
import type { BindFacts } from '../charts/mm.machine.js';
import { pagingDomainMachine } from '../charts/paging_domain.machine.js';
import type { PasidSlotEvent } from '../charts/pasid_slot.machine.js';
import {
  attachFacts,
  attachFactsFor,
  isDmaApiType,
  pasidFacts,
  type ResolvedDomain,
  resolveDomain,
  sameDriver,
  sysfsFacts,
} from '../rules/iommu.js';
import { type Fired, type Outcome, SCOPE } from '../runtime/chart.js';
import { memoiseSpecModel } from '../runtime/memo.js';
import { permuteSpecState } from '../runtime/symmetry.js';
import {
  bootState,
  type ChartObserver,
  compileCharts,
  type EvaluationRecorder,
  type Interpreter,
  specKey,
} from '../runtime/system.js';
import { callerMayCall, isProposed, type MergedCallName } from './contract.js';
import { resyncState } from './resync.js';
import {
  bondNamed,
  currentDomainName,
  FREE_SLOT,
  isAllocated,
  isBound,
  type KernelSpecState,
  lowestFreeGlobalPasid,
  type PasidSlotSnapshot,
  replaceAt,
  slotAt,
  withSlot,
} from './state.js';
import { disarm, isArmed, topologyOf } from './topology.js';
import {
  NO_MAPS,
  type UserMaps,
  userDma,
  userIovaToPhys,
  userMap,
  userSync,
  userUnmap,
} from './user-maps.js';
import { specView } from './view.js';

export type { ChartObserver, EvaluationRecorder, Interpreter } from '../runtime/system.js';
export type { KernelSpecState } from './state.js';

export interface SpecModelOptions {
  /**
   * Instrumentation: told of every chart transition each spec step takes, memoised or not
   * (coverage, src/check/frontends/coverage.ts). Absent, the charts run uninstrumented.
   */
  readonly onTransition?: ChartObserver;
  /**
   * What computes chart transitions: 'compiled' (default; machines/compile/index.ts) or 'xstate'
   * (machine.transition, for comparison and benchmarks). Instrumented models always use xstate.
   */
  readonly interpreter?: Interpreter;
  /** Test hook: told of every (chart, snapshot, event) a chart computes (memo misses only). */
  readonly recordEvaluations?: EvaluationRecorder;
}

interface Step {
  readonly ret: SpecRet;
  readonly next: KernelSpecState;
}

const outcome = (f: Fired<{ readonly context: Outcome }>): Outcome => f.outcome.context;

export function createSpecModel(
  scenario: Scenario,
  options: SpecModelOptions = {},
): SpecModel<KernelSpecState> {
  const topo = topologyOf(scenario);
  const charts = compileCharts({
    observe: options.onTransition,
    interpreter: options.interpreter,
    record: options.recordEvaluations,
  });
  const groupOf = (dev: number) => topo.devices[dev].group;
  const emptyPasids = (s: KernelSpecState, g: number) => s.pasids[g].length === 0;

  /** Ask a group chart; commit its snapshot and use up the faults its answer consumed. */
  function askGroup(s: KernelSpecState, g: number, ev: GroupEvent): Step {
    const f = charts.group.fire(s.groups[g], ev);
    const o = outcome(f);
    return {
      ret: o.ret,
      next: { ...s, groups: replaceAt(s.groups, g, f.next), armed: disarm(s.armed, o.consumed) },
    };
  }

  /** Ask the slot chart at (g, pasid); commit its snapshot into the group's pasid_array. */
  function askSlot(s: KernelSpecState, g: number, pasid: number, ev: PasidSlotEvent): Step {
    const f = charts.slot.fire(slotAt(s, g, pasid), ev);
    const o = outcome(f);
    return {
      ret: o.ret,
      next: {
        ...s,
        pasids: replaceAt(s.pasids, g, withSlot(s.pasids[g], pasid, f.next)),
        armed: disarm(s.armed, o.consumed),
      },
    };
  }

  function pasidCall(
    s: KernelSpecState,
    type: 'iommu_attach_device_pasid' | 'iommu_replace_device_pasid',
    ev: KernelEvent,
  ): Step {
    const dev = ev.dev ?? 0;
    const pasid = ev.pasid ?? 0;
    const g = groupOf(dev);
    const d = resolveDomain(topo, s, ev.domain, g);
    if (d === null) return { ret: -EINVAL, next: s };
    const facts = pasidFacts(topo, s.armed, d, dev, pasid, type === 'iommu_attach_device_pasid');
    return askSlot(s, g, pasid, { type, domain: d.name, handle: ev.handle ?? null, pasid, facts });
  }

  /** iommu_attach_device / iommu_attach_group / iommu_group_replace_domain. */
  function rid(s: KernelSpecState, g: number, ev: KernelEvent): Step {
    const d = resolveDomain(topo, s, ev.domain, g);
    const compatible = d !== null && sameDriver(topo, d.iommu, topo.groups[g].iommu);
    const target = d === null ? null : { name: d.name, region: d.region };
    const none = { current: false, direct_refused: false, fault: false, driver_refused: false };
    const attach = d === null ? none : attachFactsFor(topo, s, g, d);
    if (ev.type === 'iommu_group_replace_domain')
      return askGroup(s, g, { type: 'iommu_group_replace_domain', target, attach });
    if (target === null) return { ret: -EINVAL, next: s };
    if (ev.type === 'iommu_attach_group')
      return askGroup(s, g, { type: 'iommu_attach_group', compatible, target, attach });
    const singleton = topo.groups[g].devices.length === 1;
    return askGroup(s, g, { type: 'iommu_attach_device', singleton, compatible, target, attach });
  }

  function claim(s: KernelSpecState, g: number, ev: KernelEvent): Step {
    const blocking: ResolvedDomain = {
      name: 'blocking',
      region: 'blocking',
      kind: 'blocked',
      iommu: topo.groups[g].iommu,
    };
    const current = currentDomainName(s.groups[g]) === 'blocking';
    const common = {
      owner: ev.owner ?? null,
      pasid_array_empty: emptyPasids(s, g),
      attach: attachFacts(topo, s, g, blocking, current),
    };
    return askGroup(
      s,
      g,
      ev.type === 'iommu_group_claim_dma_owner'
        ? { type: 'iommu_group_claim_dma_owner', ...common }
        : { type: 'iommu_device_claim_dma_owner', ...common },
    );
  }

  function driverAttach(s: KernelSpecState, dev: number): Step {
    // __driver_probe_device checks dev->driver before really_probe reaches the group: a bound
    // device answers -EBUSY (the device chart's first guard) without asking the group.
    if (isBound(s.devices[dev])) {
      const device = charts.device.fire(s.devices[dev], {
        type: 'device_driver_attach',
        group_ret: 0,
      });
      return { ret: outcome(device).ret, next: s };
    }
    const g = groupOf(dev);
    const group = charts.group.fire(s.groups[g], {
      type: 'iommu_device_use_default_domain',
      pasid_array_empty: emptyPasids(s, g),
    });
    const device = charts.device.fire(s.devices[dev], {
      type: 'device_driver_attach',
      group_ret: Number(outcome(group).ret),
    });
    const ret = outcome(device).ret;
    if (ret !== 0) return { ret, next: s };
    return {
      ret,
      next: {
        ...s,
        groups: replaceAt(s.groups, g, group.next),
        devices: replaceAt(s.devices, dev, device.next),
      },
    };
  }

  /**
   * What a device's DMA may reach, from the abstract state, as the set of allowed results (the
   * buffer's name, or -EFAULT): at a live DMA-API mapping with the group on its default domain,
   * the mapped buffer (translated by a DMA domain, or the physical address itself under dma-direct
   * with an identity default); on the blocking domain, a fault whatever the address. Not
   * predicted ("*"): raw IOVAs (a caller's iommu_map, a mapping already unmapped), a group on a
   * caller's domain, PASID traffic, and scenarios whose hardware updates interleave with DMA
   * (hw_steps: the old or the new entry may be in use).
   */
  function deviceDma(s: KernelSpecState, ev: KernelEvent): SpecRet {
    const dev = ev.dev ?? 0;
    const g = groupOf(dev);
    if (topo.scenario.bounds.hw_steps) return ANY_RET;
    const group = s.groups[g];
    const pasid = ev.pasid ?? 0;
    // The domain the access is routed to: the RID's, or the PASID's pasid_array entry.
    let where: string | null = currentDomainName(group);
    if (pasid !== 0) {
      if (topo.devices[dev].max_pasids === 0) return ANY_RET;
      where = slotAt(s, g, pasid).context.domain ?? null;
      if (where === null) return [-EFAULT];
    }
    if (where === 'blocking') return [-EFAULT];
    const user = /^d(\d+)$/.exec(where);
    if (user !== null && ev.map === undefined) {
      const m = s.user_maps[Number(user[1])] ?? NO_MAPS;
      return userDma(m, ev.iova ?? 0, (b) => topo.scenario.buffers[b]?.name ?? `buf${b}`);
    }
    if (pasid !== 0 || ev.map === undefined || where !== 'default') return ANY_RET;
    const d = s.devices[dev];
    const buf = d.context.bufs[ev.map] ?? -1;
    if (buf < 0 || buf >= topo.scenario.buffers.length) return ANY_RET;
    const type = group.context.default_type;
    const translated = usesIommuDma(d) && isDmaApiType(type);
    const direct = !usesIommuDma(d) && type === 'IDENTITY';
    return translated || direct ? [topo.scenario.buffers[buf].name] : ANY_RET;
  }

  /* IOVA space (machines/router/topology.ts iovaSlots) and the group's flush queue. */

  function usesIommuDma(d: KernelSpecState['devices'][number]): boolean {
    return d.matches({ dma_ops: 'iommu' });
  }

  /** IOVAs the group's default domain has handed out: live mappings and queued unmaps. */
  function iovasInUse(s: KernelSpecState, g: number): number {
    let n = 0;
    for (const d of topo.groups[g].devices)
      if (usesIommuDma(s.devices[d])) n += s.devices[d].context.maps + s.devices[d].context.queued;
    return n;
  }

  function queuedIovas(s: KernelSpecState, g: number): number {
    let n = 0;
    for (const d of topo.groups[g].devices) n += s.devices[d].context.queued;
    return n;
  }

  /** fq_ring_free after a completed flush: every queued IOVA of the group is free again. */
  function freeQueue(s: KernelSpecState, g: number): KernelSpecState {
    let devices = s.devices;
    for (const d of topo.groups[g].devices)
      if (devices[d].context.queued > 0)
        devices = replaceAt(
          devices,
          d,
          charts.device.fire(devices[d], { type: 'fq_ring_free' }).next,
        );
    return devices === s.devices ? s : { ...s, devices };
  }

  /**
   * One unmap of a live mapping: in lazy mode (a DMA_FQ default domain) the IOVA is queued, and
   * a full queue is flushed and freed first (queue_iova: fq_full, fq_flush_iotlb).
   */
  function unmapOne(s: KernelSpecState, dev: number, map: number): Step {
    const g = groupOf(dev);
    const lazy = s.groups[g].context.default_type === 'DMA_FQ';
    let t = s;
    if (lazy && usesIommuDma(s.devices[dev]) && queuedIovas(s, g) >= topo.groups[g].fq_entries)
      t = freeQueue(s, g);
    return deviceCall(t, dev, { type: 'dma_unmap_single', lazy, map });
  }

  function driverRelease(bound: KernelSpecState, dev: number): Step {
    if (!isBound(bound.devices[dev])) return { ret: 0, next: bound };
    // The driver's .remove unmaps every mapping, one dma_unmap_single each: in lazy mode each
    // IOVA is queued, a full queue flushed and freed first (queue_iova).
    let s = bound;
    const g0 = groupOf(dev);
    let queued = s.devices[dev].context.queued;
    if (s.groups[g0].context.default_type === 'DMA_FQ' && usesIommuDma(s.devices[dev])) {
      let total = queuedIovas(s, g0);
      let flushed = false;
      for (let i = s.devices[dev].context.maps; i > 0; i--) {
        if (total >= topo.groups[g0].fq_entries) {
          total = 0;
          queued = 0;
          flushed = true;
        }
        total++;
        queued++;
      }
      if (flushed) s = freeQueue(s, g0);
    }
    const device = charts.device.fire(s.devices[dev], { type: 'device_release_driver', queued });
    const g = groupOf(dev);
    const after = { ...s, devices: replaceAt(s.devices, dev, device.next) };
    const r = askGroup(after, g, {
      type: 'iommu_device_unuse_default_domain',
      pasid_array_empty: emptyPasids(s, g),
    });
    return { ret: outcome(device).ret, next: r.next };
  }

  function deviceCall(s: KernelSpecState, dev: number, ev: DmaMappingEvent): Step {
    const f = charts.device.fire(s.devices[dev], ev);
    const o = outcome(f);
    return {
      ret: o.ret,
      next: {
        ...s,
        devices: replaceAt(s.devices, dev, f.next),
        armed: disarm(s.armed, o.consumed),
      },
    };
  }

  function pagingDomainAlloc(s: KernelSpecState, dev: number): Step {
    let slot = s.domains.findIndex((d) => !isAllocated(d));
    const domains =
      slot >= 0
        ? s.domains
        : [...s.domains, charts.domain.intern(pagingDomainMachine.getInitialSnapshot(SCOPE))];
    if (slot < 0) slot = s.domains.length;
    const f = charts.domain.fire(domains[slot], {
      type: 'iommu_paging_domain_alloc',
      slot,
      iommu: topo.devices[dev].iommu,
      alloc_fault: isArmed(s.armed, 'domain_alloc_paging'),
    });
    const o = outcome(f);
    return {
      ret: o.ret,
      next: {
        ...s,
        domains: replaceAt(domains, slot, f.next),
        user_maps: replaceAt(s.user_maps, slot, NO_MAPS),
        armed: disarm(s.armed, o.consumed),
      },
    };
  }

  /** A user domain slot the event names, with what it maps; null for any other domain. */
  function userSlot(s: KernelSpecState, ev: KernelEvent): number | null {
    const slot = ev.domain?.kind === 'user' ? ev.domain.slot : -1;
    return slot >= 0 && isAllocated(s.domains[slot]) ? slot : null;
  }

  /** iommu_map, iommu_unmap(_fast), iommu_iotlb_sync, iommu_iova_to_phys on a domain. */
  function mapping(s: KernelSpecState, ev: KernelEvent): Step {
    const slot = userSlot(s, ev);
    const iova = ev.iova ?? 0;
    if (slot === null) {
      if (ev.type === 'iommu_iotlb_sync') return { ret: 0, next: s };
      if (ev.type === 'iommu_iova_to_phys' && ev.domain?.kind === 'default') {
        const type = s.groups[ev.domain.group].context.default_type;
        if (type === 'IDENTITY') return { ret: iova, next: s };
      }
      return { ret: ANY_RET, next: s };
    }
    const m = s.user_maps[slot] ?? NO_MAPS;
    const put = (next: UserMaps) =>
      next === m ? s : { ...s, user_maps: replaceAt(s.user_maps, slot, next) };
    switch (ev.type) {
      case 'iommu_map': {
        const buf = ev.buf ?? 0;
        const size = ev.size ?? topo.scenario.buffers[buf]?.size ?? 0;
        const r = userMap(m, iova, buf, size);
        return { ret: r.ret, next: put(r.next) };
      }
      case 'iommu_unmap':
      case 'iommu_unmap_fast': {
        const r = userUnmap(m, iova, ev.size ?? 0, ev.type === 'iommu_unmap');
        return { ret: r.ret, next: put(r.next) };
      }
      case 'iommu_iotlb_sync':
        return { ret: 0, next: put(userSync(m)) };
      default:
        return { ret: userIovaToPhys(m, iova), next: s };
    }
  }

  /** iommu_group_store_type, then iommu_setup_dma_ops() on every member when the write did. */
  function storeType(s: KernelSpecState, g: number, buf: string): Step {
    const f = charts.group.fire(s.groups[g], {
      type: 'iommu_group_store_type',
      ...sysfsFacts(topo, s, g, buf),
    });
    const o = f.outcome.context;
    const r = {
      ret: o.ret,
      next: { ...s, groups: replaceAt(s.groups, g, f.next), armed: disarm(s.armed, o.consumed) },
    };
    const group = f.next;
    if (typeof r.ret !== 'number' || r.ret < 0) return r;
    // A new default domain: the old one is freed with its flush queue (iommu_dma_free_fq).
    if (group.context.default_type !== s.groups[g].context.default_type)
      r.next = freeQueue(r.next, g);
    if (!o.dma_ops_reset) return r;
    const dma_api_domain =
      currentDomainName(group) === 'default' && isDmaApiType(group.context.default_type);
    let devices = r.next.devices;
    for (const dev of topo.groups[g].devices)
      devices = replaceAt(
        devices,
        dev,
        charts.device.fire(devices[dev], { type: 'iommu_setup_dma_ops', dma_api_domain }).next,
      );
    return { ret: r.ret, next: { ...r.next, devices } };
  }

  function svaBind(s: KernelSpecState, ev: KernelEvent): Step {
    const dev = ev.dev ?? 0;
    const mm = ev.mm ?? 0;
    const g = groupOf(dev);
    const handle = ev.handle ?? `sva:${dev}:${mm}`;
    const own = s.mms[mm].context;
    const dev_max_pasids = topo.devices[dev].max_pasids;
    const free_pasid = lowestFreeGlobalPasid(s, dev_max_pasids);
    const pasid = own.pasid !== IOMMU_PASID_INVALID ? own.pasid : free_pasid;
    const entry = pasid < 0 ? FREE_SLOT : slotAt(s, g, pasid);
    const tag = entry.matches('attached') ? entry.context.handle : null;
    const bond = bondNamed(s, tag);
    const mine = bond !== null && entry.context.domain === `sva:${mm}`;
    // The attach attempts: each SVA domain of the mm (newest first), else a new one.
    let armed = s.armed;
    const consumes: FaultOp[] = [];
    let attached: PasidSlotSnapshot | null = null;
    let reuse_domain = -1;
    let outcomeName: BindFacts['outcome'] = 'new';
    let attach_errno = 0;
    const attempt = (iommu: number): PasidSlotSnapshot | null => {
      const d: ResolvedDomain = { name: `sva:${mm}`, region: 'private', kind: 'sva', iommu };
      const f = charts.slot.fire(entry, {
        type: 'iommu_attach_device_pasid',
        domain: d.name,
        handle,
        pasid,
        facts: pasidFacts(topo, armed, d, dev, pasid, true),
      });
      const o = outcome(f);
      armed = disarm(armed, o.consumed);
      consumes.push(...o.consumed);
      attach_errno = Number(o.ret);
      return o.ret === 0 ? f.next : null;
    };
    if (pasid >= 0 && tag === null) {
      own.domains.some((d, i) => {
        attached = attempt(d.iommu);
        if (attached !== null) reuse_domain = i;
        return attached !== null;
      });
      if (attached !== null) outcomeName = 'reuse';
      else if (!topo.iommus[topo.devices[dev].iommu].facts.supports_sva)
        outcomeName = 'unsupported';
      else if (isArmed(armed, 'domain_alloc_paging')) outcomeName = 'alloc_fault';
      else {
        attached = attempt(topo.devices[dev].iommu);
        outcomeName = attached === null ? 'attach_error' : 'new';
      }
    }
    const f = charts.mm.fire(s.mms[mm], {
      type: 'iommu_sva_bind_device',
      bind: {
        dev,
        group: g,
        handle,
        dev_max_pasids,
        free_pasid,
        busy: tag !== null && !mine,
        existing_bond: mine ? tag : null,
        outcome: outcomeName,
        reuse_domain,
        iommu: topo.devices[dev].iommu,
        attach_errno,
        consumes,
      },
    });
    const o = outcome(f);
    const bonded = o.ret === handle && (outcomeName === 'reuse' || outcomeName === 'new');
    const slot: PasidSlotSnapshot | null = bonded ? attached : null;
    return {
      ret: o.ret,
      next: {
        ...s,
        mms: replaceAt(s.mms, mm, f.next),
        pasids:
          slot === null ? s.pasids : replaceAt(s.pasids, g, withSlot(s.pasids[g], pasid, slot)),
        armed: disarm(s.armed, o.consumed),
      },
    };
  }

  function svaUnbind(s: KernelSpecState, handle: string | null | undefined): Step {
    const found = bondNamed(s, handle);
    if (found === null) return { ret: 0, next: s };
    const pasid = s.mms[found.mm].context.pasid;
    const f = charts.mm.fire(s.mms[found.mm], {
      type: 'iommu_sva_unbind_device',
      handle: found.bond.name,
    });
    const after = { ...s, mms: replaceAt(s.mms, found.mm, f.next) };
    if (found.bond.users > 1) return { ret: outcome(f).ret, next: after };
    return askSlot(after, found.bond.group, pasid, { type: 'iommu_detach_device_pasid' });
  }

  function step(s: KernelSpecState, ev: KernelEvent): Step {
    const type = ev.type as MergedCallName;
    const dev = ev.dev ?? 0;
    switch (type) {
      case 'device_driver_attach':
        return driverAttach(s, dev);
      case 'device_release_driver':
        return driverRelease(s, dev);
      case 'iommu_group_store_type':
        return storeType(s, ev.group ?? 0, ev.sysfs ?? '');
      case 'iommu_group_show_type':
        return { ret: askGroup(s, ev.group ?? 0, { type }).ret, next: s };
      case 'iommu_get_domain_for_dev':
        return { ret: askGroup(s, groupOf(dev), { type }).ret, next: s };
      case 'iommu_paging_domain_alloc':
        return pagingDomainAlloc(s, dev);
      case 'iommu_domain_free': {
        const slot = ev.domain?.kind === 'user' ? ev.domain.slot : -1;
        if (slot < 0 || slot >= s.domains.length) return { ret: 0, next: s };
        const f = charts.domain.fire(s.domains[slot], { type });
        return {
          ret: outcome(f).ret,
          next: {
            ...s,
            domains: replaceAt(s.domains, slot, f.next),
            user_maps: replaceAt(s.user_maps, slot, NO_MAPS),
          },
        };
      }
      case 'iommu_attach_device':
      case 'iommu_detach_device':
        if (type === 'iommu_attach_device') return rid(s, groupOf(dev), ev);
        return askGroup(s, groupOf(dev), {
          type,
          current:
            resolveDomain(topo, s, ev.domain, groupOf(dev))?.name ===
            currentDomainName(s.groups[groupOf(dev)]),
          singleton: topo.groups[groupOf(dev)].devices.length === 1,
        });
      case 'iommu_attach_group':
      case 'iommu_group_replace_domain':
        return rid(s, ev.group ?? 0, ev);
      case 'iommu_detach_group':
        return askGroup(s, ev.group ?? 0, { type });
      case 'iommu_group_claim_dma_owner':
        return claim(s, ev.group ?? 0, ev);
      case 'iommu_device_claim_dma_owner':
        return claim(s, groupOf(dev), ev);
      case 'iommu_group_release_dma_owner':
      case 'iommu_device_release_dma_owner': {
        const g = type === 'iommu_group_release_dma_owner' ? (ev.group ?? 0) : groupOf(dev);
        return askGroup(s, g, { type, pasid_array_empty: emptyPasids(s, g) });
      }
      case 'iommu_attach_device_pasid':
      case 'iommu_replace_device_pasid':
        return pasidCall(s, type, ev);
      case 'iommu_detach_device_pasid':
        return askSlot(s, groupOf(dev), ev.pasid ?? 0, { type });
      case 'iommu_alloc_global_pasid':
      case 'iommu_free_global_pasid': {
        const f = charts.global.fire(
          s.global_pasid,
          type === 'iommu_alloc_global_pasid'
            ? { type, free_pasid: lowestFreeGlobalPasid(s, topo.devices[dev].max_pasids) }
            : { type, pasid: ev.pasid ?? IOMMU_PASID_INVALID },
        );
        return { ret: outcome(f).ret, next: { ...s, global_pasid: f.next } };
      }
      case 'iommu_sva_bind_device':
        return svaBind(s, ev);
      case 'iommu_sva_unbind_device':
        return svaUnbind(s, ev.handle);
      case 'iommu_sva_get_pasid': {
        const found = bondNamed(s, ev.handle);
        if (found === null) return { ret: IOMMU_PASID_INVALID, next: s };
        return { ret: outcome(charts.mm.fire(s.mms[found.mm], { type })).ret, next: s };
      }
      case 'mm_pasid_drop': {
        const mm = ev.mm ?? 0;
        const f = charts.mm.fire(s.mms[mm], { type });
        return { ret: outcome(f).ret, next: { ...s, mms: replaceAt(s.mms, mm, f.next) } };
      }
      case 'dma_map_single':
        return deviceCall(s, dev, {
          type,
          map_armed: isArmed(s.armed, 'map_pages'),
          iova_full: iovasInUse(s, groupOf(dev)) >= topo.devices[dev].iova_slots,
          buf: ev.buf ?? 0,
        });
      case 'dma_unmap_single':
        return unmapOne(s, dev, ev.map ?? 0);
      case 'dma_opt_mapping_size':
        return { ret: deviceCall(s, dev, { type }).ret, next: s };
      case 'iommu_map':
      case 'iommu_unmap':
      case 'iommu_unmap_fast':
      case 'iommu_iova_to_phys':
      case 'iommu_iotlb_sync':
        return mapping(s, ev);
      case 'fq_flush_timeout': {
        // fq_flush_timeout: flush the IOTLB, then free every queued IOVA (of one group, or all).
        let t = s;
        for (let g = 0; g < topo.groups.length; g++)
          if (ev.group === undefined || ev.group === g) t = freeQueue(t, g);
        return { ret: 0, next: t };
      }
      case 'device_dma':
        return { ret: deviceDma(s, ev), next: s };
      case 'hw_step':
        // One staged entry write and its sync: void.
        return { ret: 0, next: s };

      case 'fault_inject': {
        const op = ev.op;
        if (op === undefined || isArmed(s.armed, op)) return { ret: ANY_RET, next: s };
        const armed = [...s.armed, op].sort((a, b) => FAULT_OPS.indexOf(a) - FAULT_OPS.indexOf(b));
        return { ret: ANY_RET, next: { ...s, armed } };
      }
      default:
        return unreachable(type, s);
    }
  }

  const model: SpecModel<KernelSpecState> = {
    initial: bootState(topo, charts),
    // A call proposed on the list and never merged has no rule in the merged kernel's spec.
    step: (s, ev) => (isProposed(ev.type) ? { ret: ANY_RET, next: s } : step(s, ev)),
    allowed: (s, ev) => callerMayCall(topo, s, ev),
    view: specView,
    key: (st) => specKey(charts, st),
    permute: (st, p) => (isIdentity(p) ? st : permuteSpecState(charts, st, p)),
    resync: (st, view) => resyncState(charts, st, view),
  };
  // Instrumented models (coverage) see every step; the others answer repeated questions once.
  return options.onTransition === undefined ? memoiseSpecModel(model) : model;
}

/** Exhaustiveness: every merged call has a case above. */
function unreachable(_type: never, s: KernelSpecState): Step {
  return { ret: ANY_RET, next: s };
}
