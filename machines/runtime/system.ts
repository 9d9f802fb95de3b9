/**
 * One spec model's charts (machines/runtime/chart.ts Chart: interned snapshots, memoised transitions,
 * each chart compiled to a flat transition function by machines/compile/index.ts), the boot state built from them, and the canonical key of a state.
 */
import type { AnyStateMachine, EventFromLogic, SnapshotFrom } from 'xstate';
import { type DmaMappingEvent, dmaMappingMachine } from '../charts/dma_mapping.machine.js';
import { type GlobalPasidEvent, globalPasidMachine } from '../charts/global_pasid.machine.js';
import { type GroupEvent, iommuGroupMachine } from '../charts/iommu_group.machine.js';
import { type MmEvent, mmMachine } from '../charts/mm.machine.js';
import { type PagingDomainEvent, pagingDomainMachine } from '../charts/paging_domain.machine.js';
import { type PasidSlotEvent, pasidSlotMachine } from '../charts/pasid_slot.machine.js';
import { compileMachine } from '../compile/index.js';
import {
  type DmaMappingSnapshot,
  FREE_SLOT,
  type GlobalPasidSnapshot,
  type GroupSnapshot,
  type KernelSpecState,
  type MmSnapshot,
  type PagingDomainSnapshot,
  type PasidSlotSnapshot,
} from '../router/state.js';
import type { Topology } from '../router/topology.js';
import { NO_MAPS } from '../router/user-maps.js';
import { bootDefaultType, isDmaApiType } from '../rules/iommu.js';
import { Chart, ObservedChart, SCOPE, type Taken, type Transitions } from './chart.js';

/** One model's charts, compiled: interned snapshots and memoised transitions. */
export interface Charts {
  readonly group: Chart<GroupSnapshot, GroupEvent>;
  readonly slot: Chart<PasidSlotSnapshot, PasidSlotEvent>;
  readonly device: Chart<DmaMappingSnapshot, DmaMappingEvent>;
  readonly domain: Chart<PagingDomainSnapshot, PagingDomainEvent>;
  readonly mm: Chart<MmSnapshot, MmEvent>;
  readonly global: Chart<GlobalPasidSnapshot, GlobalPasidEvent>;
}

/**
 * Told of every chart transition a spec step takes (instrumentation for coverage): the chart's
 * machine id, the event type, and the transitions xstate took. See machines/runtime/catalog.ts for the
 * static transition set these objects belong to.
 */
export type ChartObserver = (chart: string, eventType: string, taken: Taken) => void;

/** Which function computes a chart transition: the compiled one, or xstate's interpreter. */
export type Interpreter = 'compiled' | 'xstate';

/** Test hook: every (chart, snapshot, event) a chart computes, named by the machine's id. */
export type EvaluationRecorder = (chart: string, snapshot: object, event: object) => void;

export interface ChartsOptions {
  /** Instrumentation; when set, the charts run on xstate whatever `interpreter` says. */
  readonly observe?: ChartObserver;
  /** Default 'compiled' (machines/compile/index.ts). */
  readonly interpreter?: Interpreter;
  readonly record?: EvaluationRecorder;
}

export function compileCharts(options: ChartsOptions = {}): Charts {
  const { observe, interpreter = 'compiled', record } = options;
  const key = (value: unknown, ...rest: unknown[]) => JSON.stringify([value, ...rest]);
  const chart = <
    M extends AnyStateMachine,
    S extends SnapshotFrom<M> & object,
    E extends EventFromLogic<M>,
  >(
    machine: M & { transition(s: S, e: E, scope: typeof SCOPE): S },
    contentKey: (s: S) => string,
  ): Chart<S, E> => {
    if (observe !== undefined)
      return new ObservedChart(machine, contentKey, (e, taken) =>
        observe(machine.id, e.type, taken),
      );
    const onEvaluate = record === undefined ? undefined : (s: S, e: E) => record(machine.id, s, e);
    if (interpreter === 'xstate') return new Chart(machine, contentKey, { onEvaluate });
    return new Chart(compileMachine(machine) as Transitions<S, E>, contentKey, { onEvaluate });
  };
  const charts: Charts = {
    group: chart(iommuGroupMachine, ({ value, context: c }) =>
      key(value, c.default_type, c.private_domain, c.owner, c.owner_cnt),
    ),
    slot: chart(pasidSlotMachine, ({ value, context: c }) => key(value, c.domain, c.handle)),
    device: chart(dmaMappingMachine, ({ value, context: c }) => key(value, c.bufs, c.queued)),
    domain: chart(pagingDomainMachine, ({ value, context: c }) => key(value, c.iommu)),
    mm: chart(mmMachine, ({ value, context: c }) => key(value, c.pasid, c.domains)),
    global: chart(globalPasidMachine, ({ value, context: c }) => key(value, c.held)),
  };
  charts.slot.intern(FREE_SLOT);
  return charts;
}

/** The boot state: every group on its default domain (machines/rules/iommu.ts), nothing else. */
export function bootState(topo: Topology, charts: Charts): KernelSpecState {
  const groups = topo.groups.map((_, g) => {
    const type = bootDefaultType(topo, g);
    return charts.group.intern(
      iommuGroupMachine.resolveState({
        value: { domain: type === 'NONE' ? 'none' : 'default', ownership: 'unowned' },
        context: {
          dma_ops_reset: false,
          default_type: type,
          private_domain: null,
          owner: null,
          owner_cnt: 0,
          ret: 0,
          consumed: [],
        },
      }),
    );
  });
  return {
    groups,
    pasids: topo.groups.map(() => []),
    devices: topo.devices.map((d) =>
      charts.device.intern(
        dmaMappingMachine.resolveState({
          value: {
            driver: 'unbound',
            dma_ops: isDmaApiType(groups[d.group].context.default_type) ? 'iommu' : 'direct',
          },
          context: { maps: 0, bufs: [], queued: 0, ret: 0, consumed: [] },
        }),
      ),
    ),
    domains: Array.from({ length: topo.scenario.bounds.domains }, () =>
      charts.domain.intern(pagingDomainMachine.getInitialSnapshot(SCOPE)),
    ),
    user_maps: Array.from({ length: topo.scenario.bounds.domains }, () => NO_MAPS),
    mms: Array.from({ length: topo.scenario.bounds.mms }, () =>
      charts.mm.intern(mmMachine.getInitialSnapshot(SCOPE)),
    ),
    global_pasid: charts.global.intern(globalPasidMachine.getInitialSnapshot(SCOPE)),
    armed: [],
  };
}

/** The canonical key of a spec state: each chart's content key, in a fixed order. */
export function specKey(charts: Charts, s: KernelSpecState): string {
  const parts: string[] = [];
  s.groups.forEach((g, gi) => {
    parts.push(charts.group.key(g));
    for (const e of s.pasids[gi]) parts.push(`${e.pasid}=${charts.slot.key(e.slot)}`);
  });
  for (const d of s.devices) parts.push(charts.device.key(d));
  for (const d of s.domains) parts.push(charts.domain.key(d));
  for (const m of s.user_maps) parts.push(m.live.length + m.stale.length ? JSON.stringify(m) : '');
  for (const m of s.mms) parts.push(charts.mm.key(m));
  parts.push(charts.global.key(s.global_pasid), s.armed.join(','));
  return parts.join('|');
}
