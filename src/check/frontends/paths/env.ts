/** What the chart-path generators share: the scenario environment, event labels, the chart definition shape. */
import type { AnyStateMachine, EventFromLogic } from 'xstate';
import {
  type GroupSnapshot,
  type KernelSpecState,
  replaceAt,
} from '../../../../machines/router/state.js';
import { type Topology, topologyOf } from '../../../../machines/router/topology.js';
import { sysfsFacts } from '../../../../machines/rules/iommu.js';
import type { Chart } from '../../../../machines/runtime/chart.js';
import { bootState, type Charts, compileCharts } from '../../../../machines/runtime/system.js';
import type { CallName } from '../../../../spec/calls.js';
import type { Scenario } from '../../../../spec/scenario.js';
import { exploredCalls } from '../../core/universe.js';
import type { ChartName } from './index.js';

export type Snap<M extends AnyStateMachine> = ReturnType<M['transition']>;

/** A chart instance for getShortestPaths: its machine, events, keys and descriptions. */
export interface ChartDef<M extends AnyStateMachine> {
  readonly chart: ChartName;
  readonly instance: string;
  readonly machine: M;
  readonly compiled: Chart<Snap<M>, EventFromLogic<M>>;
  /** The instance in a composed spec state. */
  readonly project: (s: KernelSpecState) => Snap<M>;
  readonly events: (s: Snap<M>) => EventFromLogic<M>[];
  /** The kernel calls that deliver an event of this type to the chart. */
  readonly calls: (type: EventFromLogic<M>['type']) => readonly CallName[];
  readonly describe: (s: Snap<M>) => string;
  readonly label: (ev: EventFromLogic<M>) => string;
}

/** What every chart's events function reads about the scenario. */
export interface Env {
  readonly scenario: Scenario;
  readonly topo: Topology;
  readonly charts: Charts;
  readonly boot: KernelSpecState;
  readonly calls: ReadonlySet<CallName>;
}

export function envOf(scenario: Scenario): Env {
  const topo = topologyOf(scenario);
  const charts = compileCharts();
  return {
    scenario,
    topo,
    charts,
    boot: bootState(topo, charts),
    calls: new Set(exploredCalls(scenario)),
  };
}

/** Event labels: the events functions name each event as the kernel call that sends it. */
export class Labels<E extends object> {
  private readonly names = new WeakMap<E, string>();
  add(out: E[], label: string, ev: E): void {
    this.names.set(ev, label);
    out.push(ev);
  }
  get = (ev: E & { readonly type: string }): string => this.names.get(ev) ?? ev.type;
}

export const unique = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

/** A state value flattened: `domain.private+ownership.dma_api`. */
export function valueName(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || typeof v !== 'object') return String(v);
  return Object.entries(v)
    .map(([k, sub]) => `${k}.${valueName(sub)}`)
    .join('+');
}

/** The IOMMU instances a user domain can be allocated on (iommu_paging_domain_alloc(dev)). */
export function userDomainIommus(env: Env): number[] {
  return unique(env.topo.devices.map((d) => d.iommu));
}

export function userDomainName(env: Env, slot: number, iommu: number): string {
  const many = userDomainIommus(env).length > 1;
  return many ? `d${slot}@${env.scenario.iommus[iommu].name}` : `d${slot}`;
}

/** Whether anything can be attached at a PASID of group g in this scenario. */
export function mayHavePasids(env: Env, g: number): boolean {
  const { calls, topo } = env;
  return (
    (calls.has('iommu_attach_device_pasid') || calls.has('iommu_sva_bind_device')) &&
    topo.groups[g].devices.some((d) => topo.devices[d].max_pasids > 0)
  );
}

/**
 * The default-domain types a group can have: its boot type, then whatever a sysfs write of one
 * of the scenario's types installs from a type already reached (the group unowned, on its
 * default domain: the only place a write installs anything).
 */
export function reachableDefaultTypes(
  env: Env,
  g: number,
): GroupSnapshot['context']['default_type'][] {
  const start = env.boot.groups[g];
  const seen = new Map([[start.context.default_type, start]]);
  const queue = [start];
  if (!env.calls.has('iommu_group_store_type')) return [...seen.keys()];
  for (let head = 0; head < queue.length; head++) {
    const s = queue[head];
    for (const t of env.scenario.bounds.types) {
      const synth = { ...env.boot, groups: replaceAt(env.boot.groups, g, s) };
      const next = env.charts.group.fire(s, {
        type: 'iommu_group_store_type',
        ...sysfsFacts(env.topo, synth, g, t),
      }).next;
      if (!seen.has(next.context.default_type)) {
        seen.set(next.context.default_type, next);
        queue.push(next);
      }
    }
  }
  return [...seen.keys()];
}

/* iommu_group ------------------------------------------------------------------------------ */
