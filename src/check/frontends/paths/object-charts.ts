/** Chart-path definitions of the other charts: a device's DMA mappings, a user domain, an mm, the global PASID space. */
import {
  type DmaMappingEvent,
  dmaMappingMachine,
} from '../../../../machines/charts/dma_mapping.machine.js';
import {
  type GlobalPasidEvent,
  globalPasidMachine,
} from '../../../../machines/charts/global_pasid.machine.js';
import { type BindFacts, type MmEvent, mmMachine } from '../../../../machines/charts/mm.machine.js';
import {
  type PagingDomainEvent,
  pagingDomainMachine,
} from '../../../../machines/charts/paging_domain.machine.js';
import {
  type DmaMappingSnapshot,
  FREE_SLOT,
  type GlobalPasidSnapshot,
  isAllocated,
  isBound,
  type KernelSpecState,
  lowestFreeGlobalPasid,
  type MmSnapshot,
  type PagingDomainSnapshot,
  replaceAt,
} from '../../../../machines/router/state.js';
import { isDmaApiType } from '../../../../machines/rules/iommu.js';
import { IOMMU_PASID_INVALID } from '../../../../spec/domain-types.js';
import { EBUSY, EPROBE_DEFER } from '../../../../spec/errno.js';
import {
  type ChartDef,
  type Env,
  Labels,
  reachableDefaultTypes,
  unique,
  userDomainIommus,
  valueName,
} from './env.js';
import { pasidFacts } from './group-charts.js';

export function deviceDef(env: Env, dev: number): ChartDef<typeof dmaMappingMachine> {
  const { topo, calls, scenario } = env;
  const labels = new Labels<DmaMappingEvent>();
  const g = topo.devices[dev].group;
  const faults = scenario.bounds.faults;
  const claims =
    calls.has('iommu_group_claim_dma_owner') || calls.has('iommu_device_claim_dma_owner');
  // What iommu_device_use_default_domain can answer: -EPROBE_DEFER without a default domain,
  // -EBUSY on an owned group.
  const groupRets = [
    env.boot.groups[g].context.default_type === 'NONE' ? -EPROBE_DEFER : 0,
    ...(claims ? [-EBUSY] : []),
  ];
  // iommu_setup_dma_ops after a sysfs write: the DMA ops of each type the group can get.
  const dmaOps = unique(reachableDefaultTypes(env, g).map(isDmaApiType));
  const events = (s: DmaMappingSnapshot): DmaMappingEvent[] => {
    const out: DmaMappingEvent[] = [];
    const bound = isBound(s);
    if (calls.has('device_driver_attach'))
      for (const group_ret of groupRets)
        labels.add(out, `device_driver_attach${group_ret === 0 ? '' : ` (group: ${group_ret})`}`, {
          type: 'device_driver_attach',
          group_ret,
        });
    if (bound && calls.has('device_release_driver'))
      labels.add(out, 'device_release_driver', {
        type: 'device_release_driver',
        queued: s.context.queued,
      });
    // dma_map_single by a bound driver, within the scenario's bound on live mappings.
    if (bound && calls.has('dma_map_single') && s.context.maps < scenario.bounds.maps)
      for (const map_armed of faults.includes('map_pages') ? [false, true] : [false])
        for (const iova_full of Number.isFinite(topo.devices[dev].iova_slots)
          ? [false, true]
          : [false])
          labels.add(
            out,
            `dma_map_single${map_armed ? ' (map_pages armed)' : ''}${iova_full ? ' (IOVA space full)' : ''}`,
            { type: 'dma_map_single', map_armed, iova_full, buf: 0 },
          );
    // A lazy unmap queues its IOVA; the queue holds fq_entries before an enqueue flushes it
    // (the router empties it then), which bounds the chart's `queued` count here too.
    const queueRoom = s.context.queued < topo.groups[g].fq_entries;
    if (s.context.maps > 0 && calls.has('dma_unmap_single'))
      for (const lazy of unique(reachableDefaultTypes(env, g).map((t) => t === 'DMA_FQ')))
        if (!lazy || queueRoom)
          labels.add(out, `dma_unmap_single${lazy ? ' (flush queue)' : ''}`, {
            type: 'dma_unmap_single',
            lazy,
            map: 0,
          });
    if (s.context.queued > 0 && calls.has('fq_flush_timeout'))
      labels.add(out, 'fq_flush_timeout', { type: 'fq_ring_free' });
    if (calls.has('dma_opt_mapping_size'))
      labels.add(out, 'dma_opt_mapping_size', { type: 'dma_opt_mapping_size' });
    // A sysfs write installs a domain only with owner_cnt == 0: no driver is bound; replacing
    // the default domain frees its flush queue first (the router sends fq_ring_free before).
    if (!bound && s.context.queued === 0 && calls.has('iommu_group_store_type'))
      for (const dma_api_domain of dmaOps)
        labels.add(
          out,
          `iommu_group_store_type → iommu_setup_dma_ops(${dma_api_domain ? 'iommu' : 'direct'})`,
          { type: 'iommu_setup_dma_ops', dma_api_domain },
        );
    return out;
  };
  return {
    chart: 'dma_mapping',
    instance: `device ${dev}`,
    machine: dmaMappingMachine,
    compiled: env.charts.device,
    project: (s) => s.devices[dev],
    events,
    calls: (type) => [
      type === 'iommu_setup_dma_ops'
        ? 'iommu_group_store_type'
        : type === 'fq_ring_free'
          ? 'fq_flush_timeout'
          : type,
    ],
    describe: (s) => `${valueName(s.value)} [maps=${s.context.maps}]`,
    label: labels.get,
  };
}

/* paging_domain ---------------------------------------------------------------------------- */

export function domainDef(env: Env, slot: number): ChartDef<typeof pagingDomainMachine> {
  const { topo, calls, scenario } = env;
  const labels = new Labels<PagingDomainEvent>();
  const faultOpts = scenario.bounds.faults.includes('domain_alloc_paging')
    ? [false, true]
    : [false];
  const events = (s: PagingDomainSnapshot): PagingDomainEvent[] => {
    const out: PagingDomainEvent[] = [];
    // The lowest free slot is this one only while it is free (allocation takes the lowest).
    if (!isAllocated(s) && calls.has('iommu_paging_domain_alloc'))
      for (const iommu of userDomainIommus(env))
        for (const alloc_fault of faultOpts) {
          const dev = topo.devices.findIndex((d) => d.iommu === iommu);
          labels.add(out, `iommu_paging_domain_alloc(dev ${dev}${alloc_fault ? ', armed' : ''})`, {
            type: 'iommu_paging_domain_alloc',
            slot,
            iommu,
            alloc_fault,
          });
        }
    if (isAllocated(s) && calls.has('iommu_domain_free'))
      labels.add(out, `iommu_domain_free(d${slot})`, { type: 'iommu_domain_free' });
    return out;
  };
  return {
    chart: 'paging_domain',
    instance: `user domain d${slot}`,
    machine: pagingDomainMachine,
    compiled: env.charts.domain,
    project: (s) => s.domains[slot],
    events,
    calls: (type) => [type],
    describe: (s) =>
      isAllocated(s) ? `allocated [d${slot}@${scenario.iommus[s.context.iommu].name}]` : 'free',
    label: labels.get,
  };
}

/* mm --------------------------------------------------------------------------------------- */

export function mmDef(env: Env, mm: number): ChartDef<typeof mmMachine> {
  const { topo, calls, scenario } = env;
  const labels = new Labels<MmEvent>();
  const events = (s: MmSnapshot): MmEvent[] => {
    const out: MmEvent[] = [];
    const own = s.context;
    const bonds = own.domains.flatMap((d) => d.bonds);
    const synth: KernelSpecState = { ...env.boot, mms: replaceAt(env.boot.mms, mm, s) };
    if (calls.has('iommu_sva_bind_device'))
      for (let dev = 0; dev < topo.devices.length; dev++) {
        const g = topo.devices[dev].group;
        const dev_max_pasids = topo.devices[dev].max_pasids;
        const free_pasid = lowestFreeGlobalPasid(synth, dev_max_pasids);
        const pasid = own.pasid !== IOMMU_PASID_INVALID ? own.pasid : free_pasid;
        // This mm's bond at (group, PASID): the entry is tagged with the first bond made there.
        const existing = bonds.find((b) => b.group === g) ?? null;
        // The exploration bound on SVA refcounts (src/check/core/lockstep.ts withinRefcountBounds).
        if (existing !== null && existing.users >= 2) continue;
        const attempt = (iommu: number) =>
          env.charts.slot.fire(FREE_SLOT, {
            type: 'iommu_attach_device_pasid',
            domain: `sva:${mm}`,
            handle: `sva:${dev}:${mm}`,
            pasid,
            facts: pasidFacts(
              env,
              { name: `sva:${mm}`, region: 'private', kind: 'sva', iommu },
              dev,
              pasid,
              true,
            ),
          }).outcome.context.ret;
        let outcome: BindFacts['outcome'] = 'new';
        let reuse_domain = -1;
        let attach_errno = 0;
        if (pasid >= 0 && existing === null) {
          reuse_domain = own.domains.findIndex((d) => attempt(d.iommu) === 0);
          if (reuse_domain >= 0) outcome = 'reuse';
          else if (!topo.iommus[topo.devices[dev].iommu].facts.supports_sva)
            outcome = 'unsupported';
          else {
            attach_errno = Number(attempt(topo.devices[dev].iommu));
            outcome = attach_errno === 0 ? 'new' : 'attach_error';
          }
        }
        // Another caller's domain may already sit at the mm's PASID (the IDA hands out ids
        // that device-local PASID attaches use), where the scenario attaches PASIDs directly.
        const taken = existing === null && pasid >= 0 && calls.has('iommu_attach_device_pasid');
        for (const busy of taken ? [false, true] : [false])
          labels.add(out, `iommu_sva_bind_device(dev ${dev}${busy ? ', PASID taken' : ''})`, {
            type: 'iommu_sva_bind_device',
            bind: {
              dev,
              group: g,
              handle: `sva:${dev}:${mm}`,
              dev_max_pasids,
              free_pasid,
              busy,
              existing_bond: existing?.name ?? null,
              outcome,
              reuse_domain,
              iommu: topo.devices[dev].iommu,
              attach_errno,
              consumes: [],
            },
          });
      }
    // Only live bonds are unbound or asked for their PASID; the mm goes only once unbound.
    for (const b of bonds) {
      if (calls.has('iommu_sva_unbind_device'))
        labels.add(out, `iommu_sva_unbind_device(${b.name})`, {
          type: 'iommu_sva_unbind_device',
          handle: b.name,
        });
    }
    if (bonds.length > 0 && calls.has('iommu_sva_get_pasid'))
      labels.add(out, 'iommu_sva_get_pasid', { type: 'iommu_sva_get_pasid' });
    if (bonds.length === 0 && calls.has('mm_pasid_drop'))
      labels.add(out, 'mm_pasid_drop', { type: 'mm_pasid_drop' });
    return out;
  };
  return {
    chart: 'mm',
    instance: `mm ${mm}`,
    machine: mmMachine,
    compiled: env.charts.mm,
    project: (s) => s.mms[mm],
    events,
    calls: (type) => [type],
    describe: (s) => {
      const bonds = s.context.domains.map(
        (d) =>
          `${scenario.iommus[d.iommu].name}{${d.bonds.map((b) => `${b.name}×${b.users}`).join(',')}}`,
      );
      return `${valueName(s.value)} [pasid=${s.context.pasid}${bonds.length > 0 ? ` ${bonds.join(' ')}` : ''}]`;
    },
    label: labels.get,
  };
}

/* global_pasid ----------------------------------------------------------------------------- */

export function globalDef(env: Env): ChartDef<typeof globalPasidMachine> {
  const { topo, calls, scenario } = env;
  const labels = new Labels<GlobalPasidEvent>();
  const events = (s: GlobalPasidSnapshot): GlobalPasidEvent[] => {
    const out: GlobalPasidEvent[] = [];
    const synth: KernelSpecState = { ...env.boot, global_pasid: s };
    if (calls.has('iommu_alloc_global_pasid'))
      for (let dev = 0; dev < topo.devices.length; dev++)
        labels.add(out, `iommu_alloc_global_pasid(dev ${dev})`, {
          type: 'iommu_alloc_global_pasid',
          free_pasid: lowestFreeGlobalPasid(synth, topo.devices[dev].max_pasids),
        });
    // Only a PASID a driver holds is freed (the scenario's PASIDs).
    if (calls.has('iommu_free_global_pasid'))
      for (const pasid of scenario.bounds.pasids)
        if (s.context.held.includes(pasid))
          labels.add(out, `iommu_free_global_pasid(${pasid})`, {
            type: 'iommu_free_global_pasid',
            pasid,
          });
    return out;
  };
  return {
    chart: 'global_pasid',
    instance: 'the global PASID allocator',
    machine: globalPasidMachine,
    compiled: env.charts.global,
    project: (s) => s.global_pasid,
    events,
    calls: (type) => [type],
    describe: (s) => `${valueName(s.value)} [held=${s.context.held.join(',') || '-'}]`,
    label: labels.get,
  };
}
