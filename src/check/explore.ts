/**
 * Exhaustive breadth-first exploration of a scenario's product states (spec snapshot x emulator
 * state), every step through the lockstep step. Canonical keys, predecessor pointers (no copied
 * paths); counterexamples are rebuilt by re-execution, so they are the shortest.
 */
import type { KernelEvent } from '../../spec/events.js';
import type { Scenario } from '../../spec/scenario.js';
import { buildTrace, type TraceJson } from './counterexample.js';
import { bootEmulator } from './emulator.js';
import {
  createLockstep,
  type Lockstep,
  type LockstepOptions,
  type ProductState,
} from './lockstep.js';
import { stateEvents, staticUniverse } from './universe.js';

export interface ExploreOptions extends LockstepOptions {
  /** Stop (result "incomplete") after this many distinct states. */
  readonly maxStates?: number;
  /** Do not expand states at this depth (the scenario's bounds.max_depth when absent). */
  readonly maxDepth?: number;
  /** Called every `progressEvery` states with the counts so far. */
  readonly onProgress?: (p: ExploreProgress) => void;
  readonly progressEvery?: number;
  /** Polled between states; true stops the search cleanly (result "incomplete"). */
  readonly shouldStop?: () => boolean;
  /** How the scenario is named in counterexample traces (a built-in name, or inline). */
  readonly scenarioRef?: string;
  /**
   * Keep going after a violation: record the shortest trace for each invariant broken, and do
   * not expand states that break one (variant tables). Implies allViolations.
   */
  readonly collectAll?: boolean;
}

export interface ExploreProgress {
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly queued: number;
}

export interface Finding {
  readonly kind: 'violation' | 'divergence';
  /** The invariant's id, or "Conformance" for a divergence. */
  readonly invariant: string;
  readonly citation: string;
  readonly message: string;
  /** Index in trace.steps of the step that broke it (-1: the initial state). */
  readonly step: number;
  readonly trace: TraceJson;
}

export interface ExploreResult {
  readonly scenario: string;
  readonly result: 'pass' | 'violation' | 'incomplete';
  /** Distinct states reached. */
  readonly states: number;
  /** Steps taken (state x enabled event), self-loops included. */
  readonly transitions: number;
  readonly depth: number;
  readonly findings: readonly Finding[];
  /** Why the search stopped early. */
  readonly incomplete?: string;
  /** Steps taken per call, as TLC reports generated states per action. */
  readonly perCall: Readonly<Record<string, number>>;
}

function hwPending(s: ProductState): boolean {
  for (const h of s.emu.hw) if (h.pending.length > 0) return true;
  return false;
}

/** The events a state offers: the caller contract and, while hardware writes are in flight, only DMA and syncs. */
export function enabledEvents(
  scenario: Scenario,
  ls: Lockstep,
  universe: readonly KernelEvent[],
  s: ProductState,
): KernelEvent[] {
  const all = [...universe, ...stateEvents(scenario, s.emu, s.users)];
  const pending = hwPending(s);
  return all.filter((ev) => {
    if (pending)
      return (
        ev.type === 'device_dma' ||
        (ev.type === 'hw_step' && s.emu.hw[ev.iommu ?? 0].pending.length > 0)
      );
    if (ev.type === 'hw_step') return false;
    return ls.allowed(s, ev);
  });
}

export function explore(scenario: Scenario, options: ExploreOptions = {}): ExploreResult {
  const emu = bootEmulator(scenario, options);
  const ls = createLockstep(scenario, emu, {
    ...options,
    allViolations: options.collectAll ?? options.allViolations,
  });
  const collected: Finding[] = [];
  const universe = staticUniverse(scenario);
  const maxStates = options.maxStates ?? Number.POSITIVE_INFINITY;
  const maxDepth = options.maxDepth ?? scenario.bounds.max_depth ?? Number.POSITIVE_INFINITY;
  const every = options.progressEvery ?? 5000;
  const ref = options.scenarioRef ?? scenario;
  const perCall: Record<string, number> = {};

  const seen = new Map<string, number>();
  const parent: number[] = [-1];
  const parentEvent: (KernelEvent | null)[] = [null];
  seen.set(ls.key(ls.initial), 0);

  const pathTo = (i: number, last?: KernelEvent): KernelEvent[] => {
    const out: KernelEvent[] = last ? [last] : [];
    for (let j = i; j > 0; j = parent[j]) out.push(parentEvent[j]!);
    return out.reverse();
  };
  const finish = (
    result: ExploreResult['result'],
    findings: Finding[],
    transitions: number,
    depth: number,
    incomplete?: string,
  ): ExploreResult => ({
    scenario: scenario.name,
    result,
    states: seen.size,
    transitions,
    depth,
    findings,
    perCall,
    ...(incomplete ? { incomplete } : {}),
  });

  const boot = ls.check(ls.initial);
  if (boot !== null) {
    return finish(
      'violation',
      [{ kind: 'violation', ...boot, step: -1, trace: buildTrace(scenario, ref, ls, []) }],
      0,
      0,
    );
  }

  let frontier: { s: ProductState; i: number }[] = [{ s: ls.initial, i: 0 }];
  let depth = 0;
  let transitions = 0;
  let expanded = 0;
  while (frontier.length > 0) {
    if (depth >= maxDepth)
      return finish('incomplete', [], transitions, depth, `depth bound ${maxDepth} reached`);
    const next: { s: ProductState; i: number }[] = [];
    for (const { s, i } of frontier) {
      if (options.shouldStop?.()) return finish('incomplete', [], transitions, depth, 'stopped');
      for (const ev of enabledEvents(scenario, ls, universe, s)) {
        const r = ls.step(s, ev);
        transitions++;
        perCall[ev.type] = (perCall[ev.type] ?? 0) + 1;
        if (options.collectAll && (r.divergence !== null || r.violation !== null)) {
          const broken =
            r.divergence !== null
              ? [
                  {
                    invariant: 'Conformance',
                    citation: 'spec and emulator must agree',
                    message: r.divergence,
                  },
                ]
              : r.violations;
          for (const v of broken) {
            if (collected.some((f) => f.invariant === v.invariant)) continue;
            const path = pathTo(i, ev);
            collected.push({
              kind: r.divergence !== null ? 'divergence' : 'violation',
              ...v,
              step: path.length - 1,
              trace: buildTrace(scenario, ref, ls, path),
            });
          }
          continue;
        }
        if (r.divergence !== null || r.violation !== null) {
          const path = pathTo(i, ev);
          const f: Finding =
            r.divergence !== null
              ? {
                  kind: 'divergence',
                  invariant: 'Conformance',
                  citation: 'spec and emulator must agree on every return and view',
                  message: r.divergence,
                  step: path.length - 1,
                  trace: buildTrace(scenario, ref, ls, path),
                }
              : {
                  kind: 'violation',
                  ...r.violation!,
                  step: path.length - 1,
                  trace: buildTrace(scenario, ref, ls, path),
                };
          return finish('violation', [f], transitions, depth + 1);
        }
        const k = ls.key(r.next);
        if (seen.has(k)) continue;
        const idx = parent.length;
        seen.set(k, idx);
        parent.push(i);
        parentEvent.push(ev);
        next.push({ s: r.next, i: idx });
        if (seen.size >= maxStates)
          return finish(
            'incomplete',
            [],
            transitions,
            depth + 1,
            `state bound ${maxStates} reached`,
          );
      }
      expanded++;
      if (options.onProgress && expanded % every === 0)
        options.onProgress({ states: seen.size, transitions, depth, queued: next.length });
    }
    frontier = next;
    if (next.length > 0) depth++;
  }
  return finish(collected.length > 0 ? 'violation' : 'pass', collected, transitions, depth);
}
