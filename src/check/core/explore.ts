/**
 * Exhaustive breadth-first exploration of a scenario's product states (spec snapshot x emulator
 * state), every step through the lockstep step. Canonical keys, predecessor pointers (no copied
 * paths); counterexamples are rebuilt by re-execution, so they are the shortest.
 */
import type { KernelEvent } from '../../../spec/events.js';
import type { Scenario } from '../../../spec/scenario.js';
import { collisionProbability } from '../scale/fingerprint.js';
import { Predecessors } from '../scale/predecessors.js';
import { createStateStore } from '../scale/state-store.js';
import { type SymmetryInfo, symmetryFor } from '../scale/symmetry.js';
import { buildTrace, type TraceJson } from './counterexample.js';
import { bootEmulator } from './emulator.js';
import {
  createLockstep,
  type Lockstep,
  type LockstepOptions,
  type ProductState,
  type TransitionResult,
  type Violation,
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
  /**
   * Store 64-bit fingerprints and predecessor indices only (about 16 bytes a state plus table
   * slack) instead of full keys; counterexamples are rebuilt by re-execution.
   */
  readonly fingerprint?: boolean;
  /**
   * Dedup states on their canonical key under the scenario's symmetry classes (default true when
   * it declares any; src/check/scale/symmetry.ts). Stored states and traces stay real.
   */
  readonly symmetry?: boolean;
  /** Told at the end what the seen-set and the predecessor pointers allocated (npm run bench). */
  readonly onMemory?: (m: { readonly states: number; readonly bytes: number }) => void;
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
  /** Fingerprint mode: the chance a collision hid states (TLC's n^2/2^65), and the bytes kept per state. */
  readonly fingerprint?: { readonly collisionProbability: number; readonly bytesPerState: number };
  /** The scenario's symmetry classes and whether they were used (states then count orbits). */
  readonly symmetry?: SymmetryInfo;
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
  const allViolations = options.collectAll ?? options.allViolations ?? false;
  const ls = createLockstep(scenario, emu, { ...options, allViolations });
  const collected: Finding[] = [];
  const universe = staticUniverse(scenario);
  const maxStates = options.maxStates ?? Number.POSITIVE_INFINITY;
  const maxDepth = options.maxDepth ?? scenario.bounds.max_depth ?? Number.POSITIVE_INFINITY;
  const every = options.progressEvery ?? 5000;
  const ref = options.scenarioRef ?? scenario;
  const perCall: Record<string, number> = {};
  const sym = symmetryFor(scenario, ls.cfg, options, ls.key);

  // Seen states: hash-consed exact keys, or 64-bit fingerprints (state-store.ts). Predecessors:
  // how many successors each state added and the index of the event among the parent's enabled
  // events, so a path is rebuilt by re-execution.
  const store = createStateStore(ls.cfg, options, sym?.permutations ?? []);
  const seenCount = () => store.size;
  /** The step's violations as Lockstep.step orders them: state invariants, then action ones. */
  const withStateViolations = (t: TransitionResult, stateV: Violation[]) => {
    const violations = stateV;
    if (t.divergence === null && (allViolations || violations.length === 0))
      violations.push(...t.actionViolations);
    return { next: t.next, divergence: t.divergence, violation: violations[0] ?? null, violations };
  };
  const preds = new Predecessors();
  store.probe(ls.initial);
  store.add();

  const pathTo = (i: number, last?: KernelEvent): KernelEvent[] => {
    const idx = preds.path(i);
    const out: KernelEvent[] = [];
    let s = ls.initial;
    for (const e of idx) {
      const ev = enabledEvents(scenario, ls, universe, s)[e];
      out.push(ev);
      s = ls.step(s, ev).next;
    }
    if (last) out.push(last);
    return out;
  };
  const finish = (
    result: ExploreResult['result'],
    findings: Finding[],
    transitions: number,
    depth: number,
    incomplete?: string,
  ): ExploreResult => {
    options.onMemory?.({ states: store.size, bytes: store.bytes + preds.bytes });
    return finishResult(result, findings, transitions, depth, incomplete);
  };
  const finishResult = (
    result: ExploreResult['result'],
    findings: Finding[],
    transitions: number,
    depth: number,
    incomplete?: string,
  ): ExploreResult => ({
    scenario: scenario.name,
    result,
    states: seenCount(),
    transitions,
    depth,
    findings,
    perCall,
    ...(incomplete ? { incomplete } : {}),
    ...(sym !== null ? { symmetry: sym.info } : {}),
    ...(options.fingerprint
      ? {
          fingerprint: {
            collisionProbability: collisionProbability(store.size),
            // What is allocated: the fingerprint table with its open-addressing slack, and the
            // predecessor arrays (1-byte successor count, 2-byte event index) with their slack.
            bytesPerState: (store.bytes + preds.bytes) / Math.max(1, store.size),
          },
        }
      : {}),
  });

  const bootViolations = options.collectAll
    ? ls.checkAllOf(ls.initial)
    : [ls.check(ls.initial)].filter((v) => v !== null);
  if (bootViolations.length > 0) {
    const trace = buildTrace(scenario, ref, ls, []);
    return finish(
      'violation',
      bootViolations.map((v) => ({ kind: 'violation' as const, ...v, step: -1, trace })),
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
      const evs = enabledEvents(scenario, ls, universe, s);
      if (evs.length > 0xffff)
        throw new Error(
          `${evs.length} enabled events in one state: more than the 16-bit predecessor index holds`,
        );
      for (let e = 0; e < evs.length; e++) {
        const ev = evs[e];
        const t = ls.transition(s, ev);
        transitions++;
        perCall[ev.type] = (perCall[ev.type] ?? 0) + 1;
        // State invariants once per new state: a state already seen held them all (the search
        // stops at the first violation, and collectAll never marks a violating state seen).
        const fresh = t.divergence === null && store.probe(t.next);
        const r = withStateViolations(t, fresh ? ls.stateViolations(t.next) : []);
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
        if (!fresh) continue;
        store.add();
        const idx = preds.add(i, e);
        next.push({ s: r.next, i: idx });
        if (seenCount() >= maxStates)
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
        options.onProgress({ states: seenCount(), transitions, depth, queued: next.length });
    }
    frontier = next;
    if (next.length > 0) depth++;
  }
  return finish(collected.length > 0 ? 'violation' : 'pass', collected, transitions, depth);
}
