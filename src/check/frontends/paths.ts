/**
 * Path tests generated from the statecharts, and the composed spec as graph logic.
 *
 * Chart paths: one chart instance of a small built-in scenario (group 0, device 0, the PASID
 * slot (group 0, PASID 1), ...) is explored alone with @xstate/graph's getShortestPaths. Its events are the
 * ones the router would send it in that scenario: the calls the scenario explores, the caller
 * contract's preconditions that the chart can see, and the facts about other objects computed
 * by the router's own helpers (machines/rules/iommu.ts) on the boot state with this chart's snapshot
 * in place; facts that depend on objects the chart cannot see (pasid_array_empty, a user
 * domain's IOMMU) are offered with every value the scenario allows. Each shortest path is then
 * realised as a kernel-call sequence: a breadth-first search over the scenario's product states
 * (spec x emulator, through the lockstep step) that keeps the instance on the path's states in
 * order, moving it only with a call that delivers the path's next event. A path no kernel
 * sequence follows is reported with how far it got, for the caller to explain.
 *
 * The composed spec alone: the SpecModel as fromTransition logic, with the explorer's enabled
 * events computed from the spec's view (no emulator), so that @xstate/graph can search it.
 */
import {
  type AnyStateMachine,
  type EventFromLogic,
  fromTransition,
  type TransitionActorLogic,
} from 'xstate';
import {
  type DmaMappingEvent,
  dmaMappingMachine,
} from '../../../machines/charts/dma_mapping.machine.js';
import {
  type GlobalPasidEvent,
  globalPasidMachine,
} from '../../../machines/charts/global_pasid.machine.js';
import {
  type GroupEvent,
  iommuGroupMachine,
} from '../../../machines/charts/iommu_group.machine.js';
import { type BindFacts, type MmEvent, mmMachine } from '../../../machines/charts/mm.machine.js';
import {
  type PagingDomainEvent,
  pagingDomainMachine,
} from '../../../machines/charts/paging_domain.machine.js';
import {
  type PasidSlotEvent,
  pasidSlotMachine,
} from '../../../machines/charts/pasid_slot.machine.js';
import { createSpecModel } from '../../../machines/router/kernel.js';
import {
  currentDomainName,
  type DmaMappingSnapshot,
  FREE_SLOT,
  type GlobalPasidSnapshot,
  type GroupSnapshot,
  isAllocated,
  isBound,
  type KernelSpecState,
  lowestFreeGlobalPasid,
  type MmSnapshot,
  type PagingDomainSnapshot,
  type PasidSlotSnapshot,
  replaceAt,
  slotAt,
} from '../../../machines/router/state.js';
import { type Topology, topologyOf } from '../../../machines/router/topology.js';
import { isDmaApiType } from '../../../machines/rules/default-domain.js';
import {
  attachFacts,
  pasidFacts as pasidFactsOf,
  type ResolvedDomain,
  sameDriver,
  sysfsFacts,
} from '../../../machines/rules/iommu.js';
import type { Chart } from '../../../machines/runtime/chart.js';
import { bootState, type Charts, compileCharts } from '../../../machines/runtime/system.js';
import type { CallName } from '../../../spec/calls.js';
import { IOMMU_PASID_INVALID } from '../../../spec/domain-types.js';
import { EBUSY, EPROBE_DEFER } from '../../../spec/errno.js';
import type { KernelEvent } from '../../../spec/events.js';
import type { SpecModel } from '../../../spec/model.js';
import { groupOfDevice, type Scenario } from '../../../spec/scenario.js';
import type { SpecView } from '../../../spec/view.js';
import { bootEmulator } from '../core/emulator.js';
import { enabledEvents } from '../core/explore.js';
import { createLockstep, type ProductState } from '../core/lockstep.js';
import { exploredCalls, staticUniverse } from '../core/universe.js';
import { getShortestPaths } from './graph.js';

export type ChartName =
  | 'iommu_group'
  | 'pasid_slot'
  | 'dma_mapping'
  | 'paging_domain'
  | 'mm'
  | 'global_pasid';

/** One shortest path of a chart instance, with what the realisation needs. */
export interface ChartPath {
  /** The target state, described. */
  readonly state: string;
  /** The chart events of the path, described; empty for the boot state. */
  readonly via: readonly string[];
  /** The instance's content key along the path: the boot state, then one per event. */
  readonly keys: readonly string[];
  /** For each event: the kernel calls that deliver it to this chart. */
  readonly calls: readonly (readonly CallName[])[];
}

/** A chart instance of a scenario with its shortest paths. */
export interface ChartPaths {
  readonly chart: ChartName;
  readonly scenario: Scenario;
  /** Which instance the paths follow: "group 0", "device 0", "group 0 PASID 1", ... */
  readonly instance: string;
  readonly paths: readonly ChartPath[];
  /** The instance's content key (machines/runtime/system.ts) in a composed spec state. */
  projectKey(s: KernelSpecState): string;
}

/** The test name of a path: `<chart>: <state> via <events>`. */
export function pathName(chart: ChartName, p: ChartPath): string {
  return `${chart}: ${p.state} via ${p.via.length === 0 ? '(boot)' : p.via.join(' → ')}`;
}

type Snap<M extends AnyStateMachine> = ReturnType<M['transition']>;

/** A chart instance for getShortestPaths: its machine, events, keys and descriptions. */
interface ChartDef<M extends AnyStateMachine> {
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

function pathsOf<M extends AnyStateMachine>(
  scenario: Scenario,
  boot: KernelSpecState,
  def: ChartDef<M>,
): ChartPaths {
  const key = (s: Snap<M>) => def.compiled.key(s);
  const found = getShortestPaths(def.machine, {
    fromState: def.project(boot),
    events: (s) => def.events(s),
    serializeState: (s) => key(s),
  });
  const paths: ChartPath[] = found.map((p) => {
    // Step 0 is xstate.init at the start state; step i > 0 is the event that led to its state.
    const moves = p.steps.slice(1);
    return {
      state: def.describe(p.state),
      via: moves.map((st) => def.label(st.event)),
      keys: p.steps.map((st) => key(st.state)),
      calls: moves.map((st) => def.calls(st.event.type)),
    };
  });
  return {
    chart: def.chart,
    scenario,
    instance: def.instance,
    paths,
    projectKey: (s) => key(def.project(s)),
  };
}

/** What every chart's events function reads about the scenario. */
interface Env {
  readonly scenario: Scenario;
  readonly topo: Topology;
  readonly charts: Charts;
  readonly boot: KernelSpecState;
  readonly calls: ReadonlySet<CallName>;
}

function envOf(scenario: Scenario): Env {
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
class Labels<E extends object> {
  private readonly names = new WeakMap<E, string>();
  add(out: E[], label: string, ev: E): void {
    this.names.set(ev, label);
    out.push(ev);
  }
  get = (ev: E & { readonly type: string }): string => this.names.get(ev) ?? ev.type;
}

const unique = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

/** A state value flattened: `domain.private+ownership.dma_api`. */
function valueName(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || typeof v !== 'object') return String(v);
  return Object.entries(v)
    .map(([k, sub]) => `${k}.${valueName(sub)}`)
    .join('+');
}

/** The IOMMU instances a user domain can be allocated on (iommu_paging_domain_alloc(dev)). */
function userDomainIommus(env: Env): number[] {
  return unique(env.topo.devices.map((d) => d.iommu));
}

function userDomainName(env: Env, slot: number, iommu: number): string {
  const many = userDomainIommus(env).length > 1;
  return many ? `d${slot}@${env.scenario.iommus[iommu].name}` : `d${slot}`;
}

/** Whether anything can be attached at a PASID of group g in this scenario. */
function mayHavePasids(env: Env, g: number): boolean {
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
function reachableDefaultTypes(env: Env, g: number): GroupSnapshot['context']['default_type'][] {
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

/** The kernel call that sends each group event (the driver core's bind and unbind use the group). */
const GROUP_CALLS: Readonly<Record<GroupEvent['type'], CallName>> = {
  iommu_device_use_default_domain: 'device_driver_attach',
  iommu_device_unuse_default_domain: 'device_release_driver',
  iommu_group_claim_dma_owner: 'iommu_group_claim_dma_owner',
  iommu_device_claim_dma_owner: 'iommu_device_claim_dma_owner',
  iommu_group_release_dma_owner: 'iommu_group_release_dma_owner',
  iommu_device_release_dma_owner: 'iommu_device_release_dma_owner',
  iommu_attach_device: 'iommu_attach_device',
  iommu_attach_group: 'iommu_attach_group',
  iommu_group_replace_domain: 'iommu_group_replace_domain',
  iommu_detach_device: 'iommu_detach_device',
  iommu_detach_group: 'iommu_detach_group',
  iommu_group_store_type: 'iommu_group_store_type',
  iommu_group_show_type: 'iommu_group_show_type',
  iommu_get_domain_for_dev: 'iommu_get_domain_for_dev',
};

function groupDef(env: Env, g: number): ChartDef<typeof iommuGroupMachine> {
  const { topo, calls, scenario } = env;
  const labels = new Labels<GroupEvent>();
  const members = topo.groups[g].devices;
  const multi = members.length > 1;
  const pasidOpts = mayHavePasids(env, g) ? [true, false] : [true];
  const callOf = (type: GroupEvent['type']): CallName => GROUP_CALLS[type];
  const blocking: ResolvedDomain = {
    name: 'blocking',
    region: 'blocking',
    kind: 'blocked',
    iommu: topo.groups[g].iommu,
  };
  const events = (s: GroupSnapshot): GroupEvent[] => {
    const out: GroupEvent[] = [];
    const add = (label: string, ev: GroupEvent) => {
      if (calls.has(callOf(ev.type))) labels.add(out, label, ev);
    };
    const users = s.context.owner_cnt;
    const dmaApi = s.matches({ ownership: 'dma_api' });
    const owned = s.matches({ ownership: 'owned' });
    // The boot state with this group in place; a DMA-API user means its first member is bound.
    const synth: KernelSpecState = {
      ...env.boot,
      groups: replaceAt(env.boot.groups, g, s),
      devices: dmaApi
        ? replaceAt(
            env.boot.devices,
            members[0],
            env.charts.device.fire(env.boot.devices[members[0]], {
              type: 'device_driver_attach',
              group_ret: 0,
            }).next,
          )
        : env.boot.devices,
    };
    const pasids = (pe: boolean) => (pe ? '' : ', PASIDs attached');
    // Each member binds its driver once (driver core), not onto a multi-device group an unowned
    // caller left on its private domain (contract); release only a bound driver, PASIDs gone.
    const strandedPrivate = multi && s.matches({ domain: 'private', ownership: 'unowned' });
    if (!(dmaApi && users >= members.length) && !strandedPrivate)
      for (const pe of pasidOpts)
        add(`device_driver_attach${pasids(pe)}`, {
          type: 'iommu_device_use_default_domain',
          pasid_array_empty: pe,
        });
    if (dmaApi)
      add('device_release_driver', {
        type: 'iommu_device_unuse_default_domain',
        pasid_array_empty: true,
      });
    // Claims: with an owner, on a group with a default domain; each member claims once.
    if (s.context.default_type !== 'NONE') {
      const attach = attachFacts(topo, synth, g, blocking, s.matches({ domain: 'blocking' }));
      for (const owner of scenario.bounds.owners)
        for (const pe of pasidOpts) {
          const claim = { owner, pasid_array_empty: pe, attach };
          add(`iommu_group_claim_dma_owner(${owner}${pasids(pe)})`, {
            type: 'iommu_group_claim_dma_owner',
            ...claim,
          });
          if (!(owned && users >= members.length))
            add(`iommu_device_claim_dma_owner(${owner}${pasids(pe)})`, {
              type: 'iommu_device_claim_dma_owner',
              ...claim,
            });
        }
    }
    // Releases: only by the owner, after its PASIDs are detached (unless claims remain).
    if (owned) {
      add('iommu_group_release_dma_owner', {
        type: 'iommu_group_release_dma_owner',
        pasid_array_empty: true,
      });
      for (const pe of users > 1 ? pasidOpts : [true])
        add(`iommu_device_release_dma_owner${pasids(pe)}`, {
          type: 'iommu_device_release_dma_owner',
          pasid_array_empty: pe,
        });
    }
    // RID attach and detach with the caller's user domains, on each IOMMU they may be from.
    for (let slot = 0; slot < scenario.bounds.domains; slot++)
      for (const iommu of userDomainIommus(env)) {
        const name = `d${slot}`;
        const d: ResolvedDomain = { name, region: 'private', kind: 'paging', iommu };
        const current = currentDomainName(s) === name;
        const common = {
          compatible: sameDriver(topo, iommu, topo.groups[g].iommu),
          target: { name, region: 'private' } as const,
          attach: attachFacts(topo, synth, g, d, current),
        };
        const shown = userDomainName(env, slot, iommu);
        add(`iommu_attach_device(${shown})`, {
          type: 'iommu_attach_device',
          singleton: !multi,
          ...common,
        });
        if (!(multi && dmaApi))
          add(`iommu_attach_group(${shown})`, { type: 'iommu_attach_group', ...common });
        if (owned)
          add(`iommu_group_replace_domain(${shown})`, {
            type: 'iommu_group_replace_domain',
            ...common,
          });
        if (current && !multi)
          add(`iommu_detach_device(${shown})`, {
            type: 'iommu_detach_device',
            current: true,
            singleton: true,
          });
        if (current) add(`iommu_detach_group(${shown})`, { type: 'iommu_detach_group' });
      }
    for (const t of scenario.bounds.types)
      add(`iommu_group_store_type(${JSON.stringify(t)})`, {
        type: 'iommu_group_store_type',
        ...sysfsFacts(topo, synth, g, t),
      });
    add('iommu_group_show_type', { type: 'iommu_group_show_type' });
    add('iommu_get_domain_for_dev', { type: 'iommu_get_domain_for_dev' });
    return out;
  };
  return {
    chart: 'iommu_group',
    instance: `group ${g}`,
    machine: iommuGroupMachine,
    compiled: env.charts.group,
    project: (s) => s.groups[g],
    events,
    calls: (type) => [callOf(type)],
    describe: (s) => {
      const c = s.context;
      const extra = [
        c.default_type,
        c.private_domain ?? '',
        c.owner === null ? '' : `owner=${c.owner}`,
        `owner_cnt=${c.owner_cnt}`,
      ].filter((x) => x !== '');
      return `${valueName(s.value)} [${extra.join(' ')}]`;
    },
    label: labels.get,
  };
}

/* pasid_slot ------------------------------------------------------------------------------- */

function slotDef(env: Env, g: number, pasid: number): ChartDef<typeof pasidSlotMachine> {
  const { topo, calls, scenario } = env;
  const labels = new Labels<PasidSlotEvent>();
  const members = topo.groups[g].devices;
  const devName = (dev: number) => (scenario.devices.length > 1 ? `, dev ${dev}` : '');
  // The domains a caller may hold at this PASID: its user domains, and the group's default
  // domain through the IDXD pattern (a driver's own global PASID, so only where the scenario
  // allocates global PASIDs), in every kind the default domain can have.
  const held: ResolvedDomain[] = [];
  for (let slot = 0; slot < scenario.bounds.domains; slot++)
    for (const iommu of userDomainIommus(env))
      held.push({ name: `d${slot}`, region: 'private', kind: 'paging', iommu });
  const defaultKinds = reachableDefaultTypes(env, g).flatMap((type) =>
    type === 'NONE' ? [] : [type === 'IDENTITY' ? ('identity' as const) : ('paging' as const)],
  );
  if (calls.has('iommu_alloc_global_pasid'))
    for (const kind of unique(defaultKinds))
      held.push({ name: 'default', region: 'default', kind, iommu: topo.groups[g].iommu });
  const events = (s: PasidSlotSnapshot): PasidSlotEvent[] => {
    const out: PasidSlotEvent[] = [];
    for (const dev of members)
      for (const d of held) {
        const shown =
          d.name === 'default' ? 'default' : userDomainName(env, Number(d.name.slice(1)), d.iommu);
        const call = (attach: boolean) => ({
          domain: d.name,
          pasid,
          facts: pasidFacts(env, d, dev, pasid, attach),
        });
        if (calls.has('iommu_attach_device_pasid'))
          labels.add(out, `iommu_attach_device_pasid(${shown}${devName(dev)})`, {
            type: 'iommu_attach_device_pasid',
            handle: null,
            ...call(true),
          });
        if (calls.has('iommu_replace_device_pasid') && scenario.kernel.revision === 'newest')
          labels.add(out, `iommu_replace_device_pasid(${shown}${devName(dev)})`, {
            type: 'iommu_replace_device_pasid',
            handle: `h${pasid}`,
            ...call(false),
          });
      }
    if (calls.has('iommu_sva_bind_device'))
      for (const dev of members)
        for (let mm = 0; mm < scenario.bounds.mms; mm++) {
          const d: ResolvedDomain = {
            name: `sva:${mm}`,
            region: 'private',
            kind: 'sva',
            iommu: topo.devices[dev].iommu,
          };
          labels.add(out, `iommu_sva_bind_device(dev ${dev}, mm ${mm})`, {
            type: 'iommu_attach_device_pasid',
            domain: d.name,
            handle: `sva:${dev}:${mm}`,
            pasid,
            facts: pasidFacts(env, d, dev, pasid, true),
          });
        }
    if (s.matches('attached')) {
      const sva = s.context.domain?.startsWith('sva:') === true;
      if (calls.has(sva ? 'iommu_sva_unbind_device' : 'iommu_detach_device_pasid'))
        labels.add(out, sva ? 'iommu_sva_unbind_device' : 'iommu_detach_device_pasid', {
          type: 'iommu_detach_device_pasid',
        });
    }
    return out;
  };
  const SLOT_CALLS: Record<PasidSlotEvent['type'], readonly CallName[]> = {
    iommu_attach_device_pasid: ['iommu_attach_device_pasid', 'iommu_sva_bind_device'],
    iommu_replace_device_pasid: ['iommu_replace_device_pasid'],
    iommu_detach_device_pasid: ['iommu_detach_device_pasid', 'iommu_sva_unbind_device'],
  };
  return {
    chart: 'pasid_slot',
    instance: `group ${g} PASID ${pasid}`,
    machine: pasidSlotMachine,
    compiled: env.charts.slot,
    project: (s) => slotAt(s, g, pasid),
    events,
    calls: (type) => SLOT_CALLS[type],
    describe: (s) =>
      s.matches('attached')
        ? `attached [${s.context.domain}${s.context.handle === null ? '' : ` handle=${s.context.handle}`}]`
        : 'free',
    label: labels.get,
  };
}

/** machines/rules/iommu.ts pasidFacts with nothing armed (no built-in scenario arms faults). */
function pasidFacts(env: Env, d: ResolvedDomain, dev: number, pasid: number, attach: boolean) {
  return pasidFactsOf(env.topo, env.boot.armed, d, dev, pasid, attach);
}

/* dma_mapping ------------------------------------------------------------------------------ */

function deviceDef(env: Env, dev: number): ChartDef<typeof dmaMappingMachine> {
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
      labels.add(out, 'device_release_driver', { type: 'device_release_driver' });
    // dma_map_single by a bound driver, within the scenario's bound on live mappings.
    if (bound && calls.has('dma_map_single') && s.context.maps < scenario.bounds.maps)
      for (const map_armed of faults.includes('map_pages') ? [false, true] : [false])
        labels.add(out, `dma_map_single${map_armed ? ' (map_pages armed)' : ''}`, {
          type: 'dma_map_single',
          map_armed,
        });
    if (s.context.maps > 0 && calls.has('dma_unmap_single'))
      labels.add(out, 'dma_unmap_single', { type: 'dma_unmap_single' });
    if (calls.has('dma_opt_mapping_size'))
      labels.add(out, 'dma_opt_mapping_size', { type: 'dma_opt_mapping_size' });
    // A sysfs write installs a domain only with owner_cnt == 0: no driver is bound.
    if (!bound && calls.has('iommu_group_store_type'))
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
    calls: (type) => [type === 'iommu_setup_dma_ops' ? 'iommu_group_store_type' : type],
    describe: (s) => `${valueName(s.value)} [maps=${s.context.maps}]`,
    label: labels.get,
  };
}

/* paging_domain ---------------------------------------------------------------------------- */

function domainDef(env: Env, slot: number): ChartDef<typeof pagingDomainMachine> {
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

function mmDef(env: Env, mm: number): ChartDef<typeof mmMachine> {
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

function globalDef(env: Env): ChartDef<typeof globalPasidMachine> {
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

/* The chart instances the path tests follow ------------------------------------------------ */

export type ChartInstance =
  | { readonly chart: 'iommu_group'; readonly group: number }
  | { readonly chart: 'pasid_slot'; readonly group: number; readonly pasid: number }
  | { readonly chart: 'dma_mapping'; readonly dev: number }
  | { readonly chart: 'paging_domain'; readonly slot: number }
  | { readonly chart: 'mm'; readonly mm: number }
  | { readonly chart: 'global_pasid' };

/** Every shortest path of one chart instance of a scenario (@xstate/graph getShortestPaths). */
export function chartPaths(scenario: Scenario, which: ChartInstance): ChartPaths {
  const env = envOf(scenario);
  switch (which.chart) {
    case 'iommu_group':
      return pathsOf(scenario, env.boot, groupDef(env, which.group));
    case 'pasid_slot':
      return pathsOf(scenario, env.boot, slotDef(env, which.group, which.pasid));
    case 'dma_mapping':
      return pathsOf(scenario, env.boot, deviceDef(env, which.dev));
    case 'paging_domain':
      return pathsOf(scenario, env.boot, domainDef(env, which.slot));
    case 'mm':
      return pathsOf(scenario, env.boot, mmDef(env, which.mm));
    case 'global_pasid':
      return pathsOf(scenario, env.boot, globalDef(env));
  }
}

/* Realisation on the emulator -------------------------------------------------------------- */

export type Realisation =
  | { readonly ok: true; readonly events: readonly KernelEvent[] }
  | {
      readonly ok: false;
      /** The most path events any kernel sequence followed. */
      readonly followed: number;
      /** Product states searched. */
      readonly searched: number;
    };

/** The lockstep's spec state, which createSpecModel makes a KernelSpecState. */
export function specStateOf(s: ProductState): KernelSpecState {
  return s.spec as KernelSpecState;
}

/**
 * The shortest kernel-call sequence, among the calls the explorer would make, that takes the
 * chart instance through the path's states in order: a call may leave the instance where it is
 * (other objects move), or move it to the path's next state if it is one of the calls that
 * deliver the path's next event. Divergences and broken invariants are the replay's to report,
 * so the search does not route around them.
 */
export function realise(cp: ChartPaths, path: ChartPath, maxStates = 200_000): Realisation {
  const scenario = cp.scenario;
  const ls = createLockstep(scenario, bootEmulator(scenario), { spec: createSpecModel(scenario) });
  const universe = staticUniverse(scenario);
  const n = path.keys.length - 1;
  if (cp.projectKey(specStateOf(ls.initial)) !== path.keys[0])
    return { ok: false, followed: -1, searched: 0 };
  interface Node {
    readonly s: ProductState;
    readonly at: number;
    readonly parent: number;
    readonly ev: KernelEvent | null;
  }
  const nodes: Node[] = [{ s: ls.initial, at: 0, parent: -1, ev: null }];
  const seen = new Set([`0#${ls.key(ls.initial)}`]);
  let followed = 0;
  for (let head = 0; head < nodes.length; head++) {
    const node = nodes[head];
    if (node.at === n) {
      const events: KernelEvent[] = [];
      for (let i = head; nodes[i].ev !== null; i = nodes[i].parent) events.push(nodes[i].ev!);
      return { ok: true, events: events.reverse() };
    }
    for (const ev of enabledEvents(scenario, ls, universe, node.s)) {
      const r = ls.step(node.s, ev);
      const k = cp.projectKey(specStateOf(r.next));
      let at: number;
      if (k === path.keys[node.at + 1] && path.calls[node.at].includes(ev.type)) at = node.at + 1;
      else if (k === path.keys[node.at]) at = node.at;
      else continue;
      const key = `${at}#${ls.key(r.next)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      followed = Math.max(followed, at);
      nodes.push({ s: r.next, at, parent: head, ev });
      if (nodes.length >= maxStates) return { ok: false, followed, searched: nodes.length };
    }
  }
  return { ok: false, followed, searched: nodes.length };
}

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
