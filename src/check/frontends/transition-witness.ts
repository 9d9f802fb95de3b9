/**
 * A witness trace for each chart transition: the shortest kernel-call sequence (breadth-first
 * over product states, spec and emulator in lockstep, as the explorer searches) whose last step
 * takes the transition. The charts report every transition a spec step takes (createSpecModel's
 * onTransition, the hook coverage counts with); the search stops a scenario once every wanted
 * transition has a witness. The HTML report shows the trace when a transition is clicked.
 */
import { type ChartObserver, createSpecModel } from '../../../machines/router/kernel.js';
import { transitionInfo } from '../../../machines/runtime/catalog.js';
import type { KernelEvent } from '../../../spec/events.js';
import { buildTrace, type TraceJson } from '../core/counterexample.js';
import { bootEmulator } from '../core/emulator.js';
import { enabledEvents } from '../core/explore.js';
import { createLockstep, type ProductState } from '../core/lockstep.js';
import { staticUniverse } from '../core/universe.js';
import type { CoverageScenario } from './coverage.js';

export interface TransitionWitness {
  readonly chart: string;
  /** The catalog's transition id (`<source>/<event>#<n>`). */
  readonly transition: string;
  readonly scenario: string;
  /** Ends with the step that takes the transition. */
  readonly trace: TraceJson;
}

export interface WitnessSearchOptions {
  /** Stop a scenario's search after this many distinct states. */
  readonly maxStates?: number;
}

/** The key witnesses are filed under: `<chart> <transition id>`. */
export function witnessKey(chart: string, transition: string): string {
  return `${chart} ${transition}`;
}

/**
 * Witnesses for the `wanted` transitions (keys of witnessKey) each scenario takes, searched in
 * scenario order: a transition gets the shortest trace of the first scenario that takes it.
 * `wanted` maps each key to the scenarios worth searching for it (coverage's `scenarios`).
 */
export function transitionWitnesses(
  scenarios: readonly CoverageScenario[],
  wanted: ReadonlyMap<string, readonly string[]>,
  options: WitnessSearchOptions = {},
): TransitionWitness[] {
  const found = new Map<string, TransitionWitness>();
  for (const { ref, scenario } of scenarios) {
    const targets = new Set(
      [...wanted].filter(([k, refs]) => !found.has(k) && refs.includes(ref)).map(([k]) => k),
    );
    if (targets.size === 0) continue;
    let taken: string[] = [];
    const onTransition: ChartObserver = (chart, _event, t) => {
      for (const x of t.transitions) {
        const info = transitionInfo(x);
        if (info !== undefined) taken.push(witnessKey(chart, info.id));
      }
    };
    const spec = createSpecModel(scenario, { onTransition });
    const emu = bootEmulator(scenario);
    const ls = createLockstep(scenario, emu, { spec });
    const universe = staticUniverse(scenario);
    const maxStates = options.maxStates ?? 200_000;
    const maxDepth = scenario.bounds.max_depth ?? Number.POSITIVE_INFINITY;
    const parent: number[] = [-1];
    const parentEvent: number[] = [0];
    const seen = new Set<string>([ls.key(ls.initial)]);
    const pathTo = (i: number, last: KernelEvent): KernelEvent[] => {
      const idx: number[] = [];
      for (let j = i; j > 0; j = parent[j]) idx.push(parentEvent[j]);
      idx.reverse();
      const out: KernelEvent[] = [];
      let s = ls.initial;
      for (const e of idx) {
        const ev = enabledEvents(scenario, ls, universe, s)[e];
        out.push(ev);
        s = ls.step(s, ev).next;
      }
      out.push(last);
      return out;
    };
    let frontier: { s: ProductState; i: number }[] = [{ s: ls.initial, i: 0 }];
    let depth = 0;
    search: while (frontier.length > 0 && depth < maxDepth) {
      const next: { s: ProductState; i: number }[] = [];
      for (const { s, i } of frontier) {
        const evs = enabledEvents(scenario, ls, universe, s);
        for (let e = 0; e < evs.length; e++) {
          taken = [];
          const r = ls.step(s, evs[e]);
          const hits = taken.filter((k) => targets.has(k));
          if (hits.length > 0) {
            // Rebuilding the path re-runs the spec, which reports transitions again.
            const trace = buildTrace(scenario, ref, ls, pathTo(i, evs[e]));
            for (const k of hits) {
              if (!targets.delete(k)) continue;
              const [chart, transition] = k.split(' ');
              found.set(k, { chart, transition, scenario: ref, trace });
            }
            if (targets.size === 0) break search;
          }
          if (r.divergence !== null || r.violation !== null) continue;
          const k = ls.key(r.next);
          if (seen.has(k)) continue;
          seen.add(k);
          parent.push(i);
          parentEvent.push(e);
          next.push({ s: r.next, i: parent.length - 1 });
          if (seen.size >= maxStates) break search;
        }
      }
      frontier = next;
      depth++;
    }
  }
  return [...found.values()];
}
