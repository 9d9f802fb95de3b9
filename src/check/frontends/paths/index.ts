/**
 * Path tests generated from the statecharts (this folder: chart definitions in group-charts.ts and
 * object-charts.ts, their realisation in realise.ts, the composed spec as graph logic in spec-logic.ts).
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
import type { AnyStateMachine } from 'xstate';
import type { KernelSpecState } from '../../../../machines/router/state.js';
import type { CallName } from '../../../../spec/calls.js';
import type { Scenario } from '../../../../spec/scenario.js';
import { getShortestPaths } from '../graph.js';
import { type ChartDef, envOf, type Snap } from './env.js';
import { groupDef, slotDef } from './group-charts.js';
import { deviceDef, domainDef, globalDef, mmDef } from './object-charts.js';

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

export { type Realisation, realise, specStateOf } from './realise.js';
export { specEnabledEvents, specLogic } from './spec-logic.js';
