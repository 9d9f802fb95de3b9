/**
 * Every chart edge of the built-in scenarios: the (chart, snapshot, event) triples the spec-only
 * search makes the charts compute, recorded through the spec model's evaluation hook with the
 * charts on xstate's interpreter. Shared by the compiled-chart agreement tests.
 */
import type { AnyStateMachine } from 'xstate';
import { dmaMappingMachine } from '../../machines/charts/dma_mapping.machine.js';
import { globalPasidMachine } from '../../machines/charts/global_pasid.machine.js';
import { iommuGroupMachine } from '../../machines/charts/iommu_group.machine.js';
import { mmMachine } from '../../machines/charts/mm.machine.js';
import { pagingDomainMachine } from '../../machines/charts/paging_domain.machine.js';
import { pasidSlotMachine } from '../../machines/charts/pasid_slot.machine.js';
import { createSpecModel } from '../../machines/router/kernel.js';
import { parseScenario } from '../../spec/parse.js';
import type { Scenario } from '../../spec/scenario.js';
import { BUILTIN_SCENARIOS } from '../../spec/scenarios/index.js';
import { specSearch } from '../../src/check/frontends/spec-search.js';

/** The spec's charts by machine id. */
export const CHART_MACHINES: Readonly<Record<string, AnyStateMachine>> = Object.fromEntries(
  [
    iommuGroupMachine,
    pasidSlotMachine,
    pagingDomainMachine,
    globalPasidMachine,
    mmMachine,
    dmaMappingMachine,
  ].map((m) => [m.id, m]),
);

export interface ChartEdge {
  readonly scenario: string;
  readonly chart: string;
  readonly snapshot: object;
  readonly event: object;
}

export function builtin(name: string): Scenario {
  const r = parseScenario(BUILTIN_SCENARIOS[name]);
  if (!r.ok) throw new Error(`${name}: ${r.where}: ${r.message}`);
  return r.value;
}

let cache: readonly ChartEdge[] | undefined;

/** The edges of every built-in scenario's spec-only search, on xstate-interpreted charts. */
export function builtinChartEdges(): readonly ChartEdge[] {
  if (cache !== undefined) return cache;
  const edges: ChartEdge[] = [];
  for (const name of Object.keys(BUILTIN_SCENARIOS)) {
    const sc = builtin(name);
    const model = createSpecModel(sc, {
      interpreter: 'xstate',
      recordEvaluations: (chart, snapshot, event) =>
        edges.push({ scenario: name, chart, snapshot, event }),
    });
    specSearch(sc, model);
  }
  cache = edges;
  return edges;
}
