/**
 * The event universe of a scenario: every call with every argument its bounds allow. The
 * explorer offers each state the events of the universe that a correct caller may make there
 * (the spec's caller contract); events on live mappings are generated from the state.
 */
import { CALL_NAMES, type CallName } from '../../../spec/calls.js';
import type { DomainRef, KernelEvent } from '../../../spec/events.js';
import type { Scenario } from '../../../spec/scenario.js';
import type { KernelState } from '../../kernel/types.js';
import type { UserDomains } from './emulator.js';

/** Calls the explorer never generates unless a scenario lists them in bounds.calls. */
const OPT_IN: ReadonlySet<CallName> = new Set([
  'iommu_map',
  'iommu_unmap',
  'iommu_unmap_fast',
  'iommu_iotlb_sync',
  'iommu_iova_to_phys',
  'iommu_get_domain_for_dev',
  'iommu_sva_get_pasid',
  'dma_opt_mapping_size',
  'iommu_group_show_type',
  'hw_step',
  'fault_inject',
]);

/** Which calls a scenario explores. */
export function exploredCalls(scenario: Scenario): CallName[] {
  const listed = scenario.bounds.calls as CallName[] | undefined;
  const base = listed ?? CALL_NAMES.filter((c) => !OPT_IN.has(c));
  const out = base.slice();
  if (scenario.bounds.hw_steps && !out.includes('hw_step')) out.push('hw_step');
  if (scenario.bounds.faults.length > 0 && !out.includes('fault_inject')) out.push('fault_inject');
  return out;
}

function groupNames(s: Scenario): string[] {
  const g: string[] = [];
  for (const d of s.devices) if (!g.includes(d.group)) g.push(d.group);
  return g;
}

/**
 * The static part of the universe: every event whose arguments do not depend on the state.
 * Mapping-indexed events (dma_unmap_single, device_dma) are added per state by `stateEvents`.
 */
export function staticUniverse(scenario: Scenario): KernelEvent[] {
  const calls = new Set(exploredCalls(scenario));
  const devs = scenario.devices.map((_, i) => i);
  const groups = groupNames(scenario).map((_, i) => i);
  const b = scenario.bounds;
  const domains: DomainRef[] = [
    ...Array.from({ length: b.domains }, (_, slot) => ({ kind: 'user', slot }) as const),
    ...groups.map((group) => ({ kind: 'default', group }) as const),
  ];
  const mms = Array.from({ length: b.mms }, (_, i) => i);
  const bufs = scenario.buffers.map((_, i) => i);
  const out: KernelEvent[] = [];
  const add = (ev: KernelEvent) => {
    if (calls.has(ev.type)) out.push(ev);
  };
  for (const dev of devs) {
    add({ type: 'device_driver_attach', dev });
    add({ type: 'device_release_driver', dev });
    add({ type: 'iommu_paging_domain_alloc', dev });
    add({ type: 'iommu_get_domain_for_dev', dev });
    add({ type: 'iommu_device_release_dma_owner', dev });
    add({ type: 'iommu_alloc_global_pasid', dev });
    add({ type: 'dma_opt_mapping_size', dev });
    for (const owner of b.owners) add({ type: 'iommu_device_claim_dma_owner', dev, owner });
    for (const domain of domains) {
      add({ type: 'iommu_attach_device', domain, dev });
      add({ type: 'iommu_detach_device', domain, dev });
      for (const pasid of b.pasids) {
        add({ type: 'iommu_attach_device_pasid', domain, dev, pasid });
        add({ type: 'iommu_detach_device_pasid', domain, dev, pasid });
        add({ type: 'iommu_replace_device_pasid', domain, dev, pasid, handle: `h${pasid}` });
      }
    }
    for (const mm of mms)
      add({ type: 'iommu_sva_bind_device', dev, mm, handle: `sva:${dev}:${mm}` });
    for (const buf of bufs) add({ type: 'dma_map_single', dev, buf });
    // debate 001: ask for IOVA caching up to 256 KiB (one order above the fixed range).
    add({ type: 'dma_set_max_opt_size', dev, size: 256 * 1024 });
  }
  for (const group of groups) {
    for (const t of b.types) add({ type: 'iommu_group_store_type', group, sysfs: t });
    add({ type: 'iommu_group_show_type', group });
    for (const owner of b.owners) add({ type: 'iommu_group_claim_dma_owner', group, owner });
    add({ type: 'iommu_group_release_dma_owner', group });
    for (const domain of domains) {
      add({ type: 'iommu_attach_group', domain, group });
      add({ type: 'iommu_detach_group', domain, group });
      add({ type: 'iommu_group_replace_domain', group, domain });
    }
  }
  for (let slot = 0; slot < b.domains; slot++)
    add({ type: 'iommu_domain_free', domain: { kind: 'user', slot } });
  for (const pasid of b.pasids) add({ type: 'iommu_free_global_pasid', pasid });
  for (const mm of mms) add({ type: 'mm_pasid_drop', mm });
  for (const dev of devs)
    for (const mm of mms) add({ type: 'iommu_sva_unbind_device', handle: `sva:${dev}:${mm}` });
  for (const dev of devs)
    for (const mm of mms) add({ type: 'iommu_sva_get_pasid', handle: `sva:${dev}:${mm}` });
  add({ type: 'fq_flush_timeout' });
  for (let iommu = 0; iommu < scenario.iommus.length; iommu++) add({ type: 'hw_step', iommu });
  for (const op of b.faults) add({ type: 'fault_inject', op });
  return out;
}

/** Events that name a live mapping of a device: unmap it, or let the device access it. */
export function stateEvents(
  scenario: Scenario,
  st: KernelState,
  _users: UserDomains,
): KernelEvent[] {
  const calls = new Set(exploredCalls(scenario));
  const out: KernelEvent[] = [];
  for (let dev = 0; dev < st.devices.length; dev++) {
    const maps = st.devices[dev].maps;
    for (let map = 0; map < maps.length; map++) {
      if (calls.has('dma_unmap_single')) out.push({ type: 'dma_unmap_single', dev, map });
      if (calls.has('device_dma')) out.push({ type: 'device_dma', dev, map, iova: maps[map].iova });
    }
  }
  return out;
}
