/**
 * A counterexample in the public trace format: the event path re-executed from the initial
 * state (so it works from fingerprints too), with names for every handle and the emulator's
 * return as each step's `expect`. `replay` reproduces it.
 */
import type { KernelEvent, KernelRet } from '../../../spec/events.js';
import { groupNames, type Scenario } from '../../../spec/scenario.js';
import type { Lockstep, ProductState } from './lockstep.js';
import { domainRefFor } from './trace-names.js';

export interface TraceStepJson {
  readonly call: string;
  readonly [arg: string]: string | number | null;
}

export interface TraceJson {
  readonly scenario: string | Scenario;
  readonly steps: TraceStepJson[];
}

function groupName(s: Scenario, g: number): string {
  return groupNames(s)[g];
}

/** Re-run `path` and write it as trace steps. */
export function buildTrace(
  scenario: Scenario,
  scenarioRef: string | Scenario,
  ls: Lockstep,
  path: readonly KernelEvent[],
): TraceJson {
  let s: ProductState = ls.initial;
  const steps: TraceStepJson[] = [];
  /** Names of live mappings per device, in the order the emulator lists them. */
  const mapNames: string[][] = scenario.devices.map(() => []);
  let iovaCounter = 0;
  for (const ev of path) {
    const step: Record<string, string | number | null> = { call: ev.type };
    if (ev.domain !== undefined) {
      step.domain =
        ev.domain.kind === 'user'
          ? `d${ev.domain.slot}`
          : `${ev.domain.kind}:${groupName(scenario, ev.domain.group)}`;
    }
    if (ev.dev !== undefined) step.dev = scenario.devices[ev.dev].name;
    if (ev.group !== undefined) step.group = groupName(scenario, ev.group);
    if (ev.pasid !== undefined) step.pasid = ev.pasid;
    if (ev.sysfs !== undefined) step.type = ev.sysfs;
    if (ev.owner !== undefined) step.owner = ev.owner;
    if (ev.buf !== undefined) step.buf = scenario.buffers[ev.buf].name;
    if (ev.size !== undefined) step.size = ev.size;
    if (ev.mm !== undefined) step.mm = `mm${ev.mm}`;
    if (ev.handle !== undefined && ev.handle !== null) step.handle = ev.handle;
    if (ev.iommu !== undefined) step.iommu = scenario.iommus[ev.iommu].name;
    if (ev.op !== undefined) step.op = ev.op;
    if (ev.map !== undefined && ev.dev !== undefined) step.iova = mapNames[ev.dev][ev.map];
    else if (ev.iova !== undefined) step.iova = ev.iova;
    if (ev.type === 'iommu_sva_bind_device') {
      delete step.handle;
      if (ev.handle) step.as = ev.handle;
    }
    const r = ls.step(s, ev);
    const ret: KernelRet = r.emuRet;
    if (ev.type === 'iommu_paging_domain_alloc' && typeof ret === 'number' && ret >= 0) {
      const slot = r.next.users.indexOf(ret);
      step.as = `d${slot}`;
      step.expect = `d${slot}`;
    } else if (ev.type === 'iommu_get_domain_for_dev') {
      // The domain as the trace names it (replay's bindReturn names it the same way).
      const ref =
        typeof ret === 'number' && ret >= 0
          ? domainRefFor(r.next.emu, r.next.users, ret)
          : undefined;
      if (typeof ret === 'number' && ret < 0) step.expect = ret;
      else if (ref !== undefined)
        step.expect =
          ref.kind === 'user' ? `d${ref.slot}` : `${ref.kind}:${groupName(scenario, ref.group)}`;
    } else if (ev.type === 'dma_map_single' && typeof ret === 'number' && ev.dev !== undefined) {
      const name = `iova${iovaCounter++}`;
      step.as = name;
      mapNames[ev.dev].push(name);
    } else {
      step.expect = ret;
    }
    if (ev.type === 'dma_unmap_single' && ev.dev !== undefined && ev.map !== undefined)
      mapNames[ev.dev].splice(ev.map, 1);
    if (
      ev.type === 'device_release_driver' &&
      ev.dev !== undefined &&
      r.next.emu.devices[ev.dev].maps.length === 0
    )
      mapNames[ev.dev] = [];
    steps.push(step as TraceStepJson);
    s = r.next;
  }
  return { scenario: scenarioRef, steps };
}
