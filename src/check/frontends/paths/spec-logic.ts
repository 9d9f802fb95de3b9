/**
 * The composed spec alone as graph logic: the SpecModel as fromTransition logic, with the
 * explorer's enabled events computed from the spec's view (no emulator), so that @xstate/graph
 * can search it.
 */
import { fromTransition, type TransitionActorLogic } from 'xstate';
import type { KernelEvent } from '../../../../spec/events.js';
import type { SpecModel } from '../../../../spec/model.js';
import { groupOfDevice, type Scenario } from '../../../../spec/scenario.js';
import type { SpecView } from '../../../../spec/view.js';
import { exploredCalls } from '../../core/universe.js';

/* The composed spec alone, as graph logic ---------------------------------------------------- */

/**
 * The events the explorer would offer in a spec state, computed from the spec alone: the
 * static universe plus dma_unmap_single / device_dma for each mapping the spec's view says a
 * device holds, filtered by the caller contract (model.allowed) and by the parts of the
 * lockstep's filter that are not the spec's: a domain reference must name a live domain, and
 * the refcount bounds (owner_cnt <= group size, an SVA bond taken at most twice). No hw_step:
 * the spec has no hardware writes in flight.
 */
export function specEnabledEvents<S>(
  scenario: Scenario,
  model: SpecModel<S>,
  universe: readonly KernelEvent[],
  s: S,
): KernelEvent[] {
  const view = model.view(s);
  const calls = new Set(exploredCalls(scenario));
  const groupOf = groupIndexer(scenario);
  const mapped: KernelEvent[] = [];
  view.devices.forEach((d, dev) => {
    for (let map = 0; map < d.maps; map++) {
      if (calls.has('dma_unmap_single')) mapped.push({ type: 'dma_unmap_single', dev, map });
      if (calls.has('device_dma')) mapped.push({ type: 'device_dma', dev, map });
    }
  });
  return [...universe, ...mapped].filter(
    (ev) =>
      ev.type !== 'hw_step' &&
      liveDomainRef(view, ev) &&
      withinSpecRefcountBounds(scenario, groupOf, view, ev) &&
      model.allowed(s, ev),
  );
}

function groupIndexer(scenario: Scenario): (dev: number) => number {
  return (dev) => groupOfDevice(scenario, dev);
}

function liveDomainRef(view: SpecView, ev: KernelEvent): boolean {
  const d = ev.domain;
  if (d === undefined) return true;
  if (d.kind === 'user') return view.user_domains.includes(d.slot);
  if (d.kind === 'default') return view.groups[d.group].default_type !== 'NONE';
  return true;
}

/** src/check/core/lockstep.ts withinRefcountBounds, read from the spec's view. */
function withinSpecRefcountBounds(
  scenario: Scenario,
  groupOf: (dev: number) => number,
  view: SpecView,
  ev: KernelEvent,
): boolean {
  if (ev.type === 'iommu_device_claim_dma_owner' && ev.dev !== undefined) {
    const g = groupOf(ev.dev);
    const size = scenario.devices.filter((_, i) => groupOf(i) === g).length;
    return view.groups[g].owner_cnt < size;
  }
  if (ev.type === 'iommu_sva_bind_device' && ev.dev !== undefined && ev.mm !== undefined) {
    const g = groupOf(ev.dev);
    const pasid = view.mms[ev.mm].pasid;
    const entry = view.groups[g].pasids.find(([p]) => p === pasid);
    if (entry === undefined || !entry[1].startsWith('sva:')) return true;
    const owner = view.mms[Number(entry[1].slice(4))];
    const bond = owner?.bonds.find(([dev]) => groupOf(dev) === g);
    return bond === undefined || bond[1] < 2;
  }
  return true;
}

/** The composed spec as xstate logic: fromTransition over model.step. */
export function specLogic<S>(model: SpecModel<S>): TransitionActorLogic<S, KernelEvent, undefined> {
  return fromTransition((s: S, ev: KernelEvent) => model.step(s, ev).next, model.initial);
}
