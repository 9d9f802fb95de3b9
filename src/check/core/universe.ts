/**
 * The event universe of a scenario: every call with every argument its bounds allow, derived
 * from the call vocabulary (spec/calls.ts). Each parameter kind ranges over the scenario's
 * bounds (a `dev` over its devices, a `pasid` over `bounds.pasids`, ...); `EXPLORED` says, for
 * the calls that need it, what differs from that default. A call added to spec/calls.ts is
 * explored with no edit here, so it cannot be forgotten. The explorer offers each state the events of the universe that a correct caller may
 * make there (the spec's caller contract); events on live mappings are generated per state.
 */
import { CALL_NAMES, CALLS, type CallName, type ParamKind } from '../../../spec/calls.js';
import type { DomainRef, KernelEvent } from '../../../spec/events.js';
import { groupNames, type Scenario } from '../../../spec/scenario.js';
import type { KernelState } from '../../kernel/types.js';
import type { UserDomains } from './emulator.js';

/** The values each parameter kind takes in a scenario. */
type Ranges = { readonly [K in ParamKind]: readonly unknown[] };

interface Plan {
  /** Offered only when the scenario lists the call in `bounds.calls` (or a bound switches it on). */
  readonly optIn?: boolean;
  /** Ranges of some parameters, by parameter name, in place of their kind's (an optional
   * parameter is left out unless named here). */
  readonly ranges?: (r: Ranges) => Readonly<Record<string, readonly unknown[]>>;
  /** Arguments computed from the others (the `as` name a handle-returning call records). */
  readonly derive?: (ev: KernelEvent) => Partial<KernelEvent>;
  /** Made per state, one per live DMA mapping of a device, not from the bounds. */
  readonly perMapping?: boolean;
}

const PAGE = 4096;

/**
 * How the explorer makes the calls that differ from the default, every parameter over its kind's
 * range (a call not listed here is explored that way: a new call cannot be left out).
 */
export const EXPLORED: { readonly [C in CallName]?: Plan } = {
  iommu_group_show_type: { optIn: true },
  iommu_domain_free: { ranges: (r) => ({ domain: r.domain.filter(isUserDomain) }) },
  iommu_get_domain_for_dev: { optIn: true },
  // iommufd, the only caller of replace, always passes an attach handle.
  iommu_replace_device_pasid: { derive: (ev) => ({ handle: `h${ev.pasid}` }) },
  iommu_sva_bind_device: { derive: (ev) => ({ handle: svaHandle(ev.dev!, ev.mm!) }) },
  iommu_sva_unbind_device: { ranges: (r) => ({ handle: svaHandles(r) }) },
  iommu_sva_get_pasid: { optIn: true, ranges: (r) => ({ handle: svaHandles(r) }) },
  dma_unmap_single: { perMapping: true },
  dma_opt_mapping_size: { optIn: true },
  // debate 001: ask for IOVA caching up to 256 KiB (one order above the fixed range).
  dma_set_max_opt_size: { ranges: () => ({ size: [256 * 1024] }) },
  iommu_map: { optIn: true },
  iommu_unmap: { optIn: true, ranges: () => ({ size: [PAGE] }) },
  iommu_unmap_fast: { optIn: true, ranges: () => ({ size: [PAGE] }) },
  iommu_iotlb_sync: { optIn: true },
  iommu_iova_to_phys: { optIn: true },
  device_dma: { perMapping: true },
  hw_step: { optIn: true },
  fault_inject: { optIn: true },
};

function planOf(call: CallName): Plan {
  return EXPLORED[call] ?? {};
}

function isUserDomain(d: unknown): boolean {
  return (d as DomainRef).kind === 'user';
}

/** The `as` name the explorer gives the bond of device `dev` with mm `mm`. */
export function svaHandle(dev: number, mm: number): string {
  return `sva:${dev}:${mm}`;
}

function svaHandles(r: Ranges): string[] {
  const out: string[] = [];
  for (const dev of r.dev as number[])
    for (const mm of r.mm as number[]) out.push(svaHandle(dev, mm));
  return out;
}

/** Which calls a scenario explores. */
export function exploredCalls(scenario: Scenario): CallName[] {
  const listed = scenario.bounds.calls as CallName[] | undefined;
  const base = listed ?? CALL_NAMES.filter((c) => !planOf(c).optIn);
  const out = base.slice();
  if (scenario.bounds.hw_steps && !out.includes('hw_step')) out.push('hw_step');
  if (scenario.bounds.faults.length > 0 && !out.includes('fault_inject')) out.push('fault_inject');
  return out;
}

function rangesOf(scenario: Scenario): Ranges {
  const b = scenario.bounds;
  const groups = groupNames(scenario).map((_, i) => i);
  const domains: DomainRef[] = [
    ...Array.from({ length: b.domains }, (_, slot) => ({ kind: 'user', slot }) as const),
    ...groups.map((group) => ({ kind: 'default', group }) as const),
  ];
  return {
    dev: scenario.devices.map((_, i) => i),
    group: groups,
    domain: domains,
    handle: [],
    pasid: b.pasids,
    type: b.types,
    owner: b.owners,
    buf: scenario.buffers.map((_, i) => i),
    size: [],
    iova: b.iovas,
    mm: Array.from({ length: b.mms }, (_, i) => i),
    iommu: scenario.iommus.map((_, i) => i),
    op: b.faults,
  };
}

/** The event field a parameter fills: the trace's `type` is the event's `sysfs`. */
function fieldOf(param: string): keyof KernelEvent {
  return param === 'type' ? 'sysfs' : (param as keyof KernelEvent);
}

/** Every event of one call over the product of its parameters' ranges, in parameter order. */
function eventsOf(call: CallName, r: Ranges): KernelEvent[] {
  const plan = planOf(call);
  const own = plan.ranges?.(r) ?? {};
  let out: Record<string, unknown>[] = [{ type: call }];
  for (const param of CALLS[call].params) {
    const values = own[param.name] ?? (param.optional ? null : r[param.kind]);
    if (values === null) continue;
    const field = fieldOf(param.name);
    out = out.flatMap((ev) => values.map((v) => ({ ...ev, [field]: v })));
  }
  return out.map((ev) => {
    const e = ev as unknown as KernelEvent;
    return plan.derive ? { ...e, ...plan.derive(e) } : e;
  });
}

/**
 * The static part of the universe: every event whose arguments do not depend on the state.
 * Mapping-indexed events (dma_unmap_single, device_dma) are added per state by `stateEvents`.
 */
export function staticUniverse(scenario: Scenario): KernelEvent[] {
  const r = rangesOf(scenario);
  const out: KernelEvent[] = [];
  for (const call of exploredCalls(scenario))
    if (!planOf(call).perMapping) out.push(...eventsOf(call, r));
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
    // A scenario that maps raw IOVAs (iommu_map) lets every device access them, on the RID and
    // on each explored PASID: DMA behind every IOMMU instance, through PASID entries too.
    if (calls.has('device_dma') && calls.has('iommu_map'))
      for (const iova of scenario.bounds.iovas)
        for (const pasid of [0, ...scenario.bounds.pasids.filter((p) => p > 0)])
          out.push(
            pasid === 0
              ? { type: 'device_dma', dev, iova }
              : { type: 'device_dma', dev, iova, pasid },
          );
  }
  return out;
}
