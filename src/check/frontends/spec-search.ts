/**
 * Spec-only exhaustive search: the statecharts alone, no emulator. The events are those the
 * explorer would offer (src/check/frontends/paths.ts specEnabledEvents: the scenario's universe, the
 * mapping events the spec's view holds, the caller contract and the exploration bounds on
 * refcounts). Its count is the spec's reachable state space, and its speed is the benchmark's
 * measure of the statechart interpreter.
 */
import type { SpecModel } from '../../../spec/model.js';
import type { Scenario } from '../../../spec/scenario.js';
import { staticUniverse } from '../core/universe.js';
import { specEnabledEvents } from './paths/index.js';

export interface SpecSearchResult {
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  /** False when maxStates stopped the search before the frontier emptied. */
  readonly complete: boolean;
}

export function specSearch<S>(
  scenario: Scenario,
  model: SpecModel<S>,
  maxStates = Number.POSITIVE_INFINITY,
): SpecSearchResult {
  const universe = staticUniverse(scenario);
  const seen = new Set<string>([model.key(model.initial)]);
  let frontier: S[] = [model.initial];
  let transitions = 0;
  let depth = 0;
  while (frontier.length > 0) {
    if (seen.size >= maxStates) return { states: seen.size, transitions, depth, complete: false };
    const next: S[] = [];
    for (const s of frontier) {
      for (const ev of specEnabledEvents(scenario, model, universe, s)) {
        const n = model.step(s, ev).next;
        transitions++;
        const k = model.key(n);
        if (seen.has(k)) continue;
        seen.add(k);
        next.push(n);
      }
    }
    frontier = next;
    if (next.length > 0) depth++;
  }
  return { states: seen.size, transitions, depth, complete: true };
}
