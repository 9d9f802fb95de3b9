/**
 * Breadth-first search over product states (spec x emulator) for the conformance suite: every
 * allowed event of every reached state goes through the lockstep step; divergences and invariant
 * violations are collected with the event path that reaches them, and the search goes on past
 * them (a state that diverged or broke an invariant is not expanded).
 */

import { createSpecModel } from '../../machines/router/kernel.js';
import type { KernelEvent } from '../../spec/events.js';
import type { Scenario } from '../../spec/scenario.js';
import { bootEmulator } from '../../src/check/core/emulator.js';
import { enabledEvents } from '../../src/check/core/explore.js';
import { createLockstep, type ProductState } from '../../src/check/core/lockstep.js';
import { staticUniverse } from '../../src/check/core/universe.js';

export interface Found {
  readonly path: readonly KernelEvent[];
  readonly message: string;
  /** The invariant's id for a violation; "Conformance" for a divergence. */
  readonly invariant: string;
}

export interface BfsResult {
  readonly states: number;
  readonly transitions: number;
  /** The whole reachable space was visited within the bound. */
  readonly complete: boolean;
  readonly divergences: readonly Found[];
  readonly violations: readonly Found[];
}

export function lockstepBfs(
  scenario: Scenario,
  maxStates: number,
  options: { readonly invariants?: readonly string[] } = {},
): BfsResult {
  const emu = bootEmulator(scenario);
  const ls = createLockstep(scenario, emu, {
    spec: createSpecModel(scenario),
    invariants: options.invariants,
  });
  const universe = staticUniverse(scenario);
  const seen = new Set<string>([ls.key(ls.initial)]);
  const queue: { s: ProductState; path: readonly KernelEvent[] }[] = [{ s: ls.initial, path: [] }];
  const divergences: Found[] = [];
  const violations: Found[] = [];
  let transitions = 0;
  let head = 0;
  while (head < queue.length) {
    const { s, path } = queue[head++];
    for (const ev of enabledEvents(scenario, ls, universe, s)) {
      const r = ls.step(s, ev);
      transitions++;
      if (r.divergence !== null) {
        divergences.push({ path: [...path, ev], message: r.divergence, invariant: 'Conformance' });
        continue;
      }
      if (r.violation !== null) {
        violations.push({
          path: [...path, ev],
          message: r.violation.message,
          invariant: r.violation.invariant,
        });
        continue;
      }
      const k = ls.key(r.next);
      if (seen.has(k)) continue;
      if (seen.size >= maxStates) return result(false);
      seen.add(k);
      queue.push({ s: r.next, path: [...path, ev] });
    }
  }
  return result(true);

  function result(complete: boolean): BfsResult {
    return { states: seen.size, transitions, complete, divergences, violations };
  }
}

/** An event path as one line per call, for failure messages. */
export function describePath(path: readonly KernelEvent[]): string {
  return path
    .map((ev) => {
      const { type, ...args } = ev;
      return `${type}(${Object.entries(args)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(', ')})`;
    })
    .join('\n  ');
}
