/**
 * The emulator as the checker drives it: boot a scenario, resolve a spec-level event against the
 * current emulator state, run it. Harness code: it may import the kernel and the drivers.
 */
import type { KernelEvent, KernelRet } from '../../../spec/events.js';
import type { Scenario } from '../../../spec/scenario.js';
import { hw_complete_all, opsFor } from '../../drivers/index.js';
import { type EmuArgs, kernel_call } from '../../kernel/dispatch.js';
import { iommu_boot } from '../../kernel/iommu.js';
import { type ConfigOptions, createKernelConfig, emptyKernelState } from '../../kernel/state.js';
import { type KernelConfig, type KernelState, NO_DOMAIN } from '../../kernel/types.js';

export interface Emulator {
  readonly cfg: KernelConfig;
  readonly initial: KernelState;
}

export function bootEmulator(scenario: Scenario, options: ConfigOptions = {}): Emulator {
  const cfg = createKernelConfig(scenario, opsFor, options);
  const st = emptyKernelState(cfg);
  iommu_boot(cfg, st);
  // Boot is not interleaved with device DMA: its entry writes are complete when probing ends.
  hw_complete_all(st);
  return { cfg, initial: st };
}

/** The harness's side of the product state: which emulator domain each user slot holds. */
export type UserDomains = readonly number[];

/** Resolve a domain reference to an emulator id (NO_DOMAIN for NULL or a free slot). */
export function resolveDomain(st: KernelState, users: UserDomains, ev: KernelEvent): number {
  const d = ev.domain;
  if (d === undefined) return NO_DOMAIN;
  switch (d.kind) {
    case 'user':
      return users[d.slot] ?? NO_DOMAIN;
    case 'default':
      return st.groups[d.group].default_domain;
    case 'blocking':
      return st.groups[d.group].blocking_domain;
  }
}

export function toEmuArgs(
  cfg: KernelConfig,
  st: KernelState,
  users: UserDomains,
  ev: KernelEvent,
): EmuArgs {
  const dev = ev.dev ?? -1;
  let iova = ev.iova ?? 0;
  let size = ev.size ?? 0;
  if (ev.map !== undefined && dev >= 0) {
    const m = st.devices[dev].maps[ev.map];
    iova = m.iova;
    if (ev.size === undefined) size = m.size;
  }
  // dma_map_single and iommu_map without a size map the whole buffer (never a 0-byte mapping).
  if (
    (ev.type === 'dma_map_single' || ev.type === 'iommu_map') &&
    ev.size === undefined &&
    ev.buf !== undefined
  )
    size = cfg.buffers[ev.buf].size;
  return {
    dev,
    group: ev.group ?? (dev >= 0 ? cfg.devices[dev].group : -1),
    domain: resolveDomain(st, users, ev),
    pasid: ev.pasid ?? 0,
    sysfs: ev.sysfs ?? '',
    owner: ev.owner === undefined ? null : ev.owner,
    buf: ev.buf ?? 0,
    size,
    iova,
    mm: ev.mm ?? 0,
    handle: ev.handle ?? null,
    iommu: ev.iommu ?? 0,
    op: ev.op ?? 'attach_dev',
  };
}

/**
 * The caller's side of iommu_alloc_global_pasid / iommu_free_global_pasid: the driver keeps the
 * PASID it was given and drops it when it frees it (st.driver_pasids, harness-owned).
 */
function recordCallerPasids(st: KernelState, ev: KernelEvent, ret: KernelRet): void {
  if (ev.type === 'iommu_alloc_global_pasid' && typeof ret === 'number' && ret >= 0) {
    st.driver_pasids.push(ret);
    st.driver_pasids.sort((a, b) => a - b);
  } else if (ev.type === 'iommu_free_global_pasid' && ev.pasid !== undefined) {
    const i = st.driver_pasids.indexOf(ev.pasid);
    if (i >= 0) st.driver_pasids.splice(i, 1);
  }
}

/** Run one event; `st` is mutated, `users` returned updated (allocation and free). */
export function emuStep(
  cfg: KernelConfig,
  st: KernelState,
  users: UserDomains,
  ev: KernelEvent,
): { ret: KernelRet; users: UserDomains } {
  const args = toEmuArgs(cfg, st, users, ev);
  // dma_unmap_single and device_dma name mappings by index; the groups' optional arg defaults to all.
  if (ev.type === 'fq_flush_timeout' && ev.group === undefined) args.group = -1;
  const ret = kernel_call(cfg, st, ev.type, args);
  recordCallerPasids(st, ev, ret);
  if (ev.type === 'iommu_paging_domain_alloc' && typeof ret === 'number' && ret >= 0) {
    const next = users.slice();
    const slot = next.indexOf(NO_DOMAIN);
    if (slot >= 0) next[slot] = ret;
    else next.push(ret);
    return { ret, users: next };
  }
  if (ev.type === 'iommu_domain_free' && ev.domain?.kind === 'user') {
    const next = users.slice();
    next[ev.domain.slot] = NO_DOMAIN;
    return { ret, users: next };
  }
  return { ret, users };
}
