/**
 * One shard of a partitioned breadth-first search: the explorer's search split across workers
 * without sharing memory. Every state is owned by one shard, chosen by a hash of its canonical
 * key; a shard remembers the states it owns, expands them one BFS level at a time, and hands the
 * successors it does not own to their owners as plain data (the emulator state, the user slots,
 * and the path of calls from the initial state, from which the spec state is rebuilt). Levels are
 * synchronised by the caller, so each state is reached at its breadth-first depth and the counts
 * (states, transitions, depth, calls) equal the serial explorer's. A shard does not build
 * counterexamples: at the first violation or divergence it reports one, and the caller reruns the
 * serial explorer, whose first finding is the shortest.
 *
 * Sound when the key identifies the state (everything a step reads), the assumption the serial
 * explorer already makes when it drops a state whose key it has seen. Design variants compare no
 * views, their key leaves the spec state out, and which of two spec states the serial search
 * keeps depends on its order: run them serially (`splittable`).
 */
import type { KernelEvent } from '../../../spec/events.js';
import type { Scenario } from '../../../spec/scenario.js';
import type { KernelState } from '../../kernel/types.js';
import { bootEmulator, type UserDomains } from '../core/emulator.js';
import { enabledEvents } from '../core/explore.js';
import { createLockstep, type ProductState } from '../core/lockstep.js';
import { staticUniverse } from '../core/universe.js';
import { fingerprint64 } from './fingerprint.js';
import { type SymmetryInfo, type SymmetryOptions, symmetryFor } from './symmetry.js';

/** A successor sent to its owner: plain, structured-cloneable data. */
export interface ForwardedState {
  /** Its key (under symmetry, the orbit's canonical key), which decides its owner. */
  readonly key: string;
  /** The spec state's key: the owner's cache of spec states, before replaying the path. */
  readonly specKey: string;
  readonly emu: KernelState;
  readonly users: UserDomains;
  /** The calls from the initial state, in order (the spec state is rebuilt from them). */
  readonly path: readonly KernelEvent[];
}

/** What expanding one level found. */
export interface LevelResult {
  /** "violation": a step broke an invariant or diverged; "stopped": shouldStop said so. */
  readonly status: 'ok' | 'violation' | 'stopped';
  readonly transitions: number;
  readonly perCall: Readonly<Record<string, number>>;
  /** Successors for each shard (this shard's own entry is empty). */
  readonly outboxes: readonly (readonly ForwardedState[])[];
}

export interface Shard {
  /** The initial state breaks an invariant (the caller reruns the serial explorer). */
  readonly bootViolation: boolean;
  /** The scenario's symmetry classes and whether they are used, as explore reports them. */
  readonly symmetry: SymmetryInfo | null;
  /** States this shard owns, the initial one included if it owns it. */
  owned(): number;
  /** States waiting in this shard's current level. */
  frontierSize(): number;
  /** Expand the current level; successors this shard owns go to its next level. */
  expand(shouldStop?: () => boolean): LevelResult;
  /** Take successors other shards found; returns how many were new. */
  ingest(batch: readonly ForwardedState[]): number;
  /** The next level becomes current; returns its size. */
  advance(): number;
}

/** Which of `shards` shards owns a state key. */
export function ownerOf(key: string, shards: number): number {
  return fingerprint64(key)[0] % shards;
}

/**
 * Whether a run can be split across shards with results equal to the serial explorer's: no state
 * bound or fingerprints (where the search stops, or which fingerprint collides, depends on the
 * order), no collected findings, and conformance on (see above).
 */
export function splittable(options: {
  readonly maxStates?: number;
  readonly fingerprint?: boolean;
  readonly collectAll?: boolean;
  readonly conformance?: boolean;
}): boolean {
  return (
    options.maxStates === undefined &&
    options.fingerprint !== true &&
    options.collectAll !== true &&
    options.conformance !== false
  );
}

interface Entry {
  readonly s: ProductState;
  readonly path: readonly KernelEvent[];
}

export function createShard(
  scenario: Scenario,
  options: SymmetryOptions,
  shard: number,
  shards: number,
): Shard {
  const ls = createLockstep(scenario, bootEmulator(scenario, options), options);
  const spec = options.spec ?? null;
  const universe = staticUniverse(scenario);
  // States are told apart as the serial explorer tells them apart: by their key under symmetry.
  const sym = symmetryFor(scenario, ls.cfg, options, ls.key);
  const keyOf = sym?.key ?? ls.key;
  // Keys this shard owns and has seen, and keys it has already sent to their owners.
  const known = new Set<string>();
  const specStates = new Map<string, unknown>();
  const specKeyOf = (s: ProductState) => (spec === null ? '' : spec.key(s.spec));
  let frontier: Entry[] = [];
  let next: Entry[] = [];
  let owned = 0;

  const initialKey = keyOf(ls.initial);
  known.add(initialKey);
  const ownsInitial = ownerOf(initialKey, shards) === shard;
  if (ownsInitial) {
    frontier.push({ s: ls.initial, path: [] });
    owned = 1;
  }
  if (spec !== null) specStates.set(specKeyOf(ls.initial), ls.initial.spec);

  /** The spec state at the end of a path: cached by key, else replayed (spec steps are pure). */
  const specStateOf = (f: ForwardedState): unknown => {
    if (spec === null) return null;
    const cached = specStates.get(f.specKey);
    if (cached !== undefined) return cached;
    // spec.step answers proposed calls with the state unchanged, as the lockstep step does.
    let s = ls.initial.spec;
    for (const ev of f.path) s = spec.step(s, ev).next;
    specStates.set(f.specKey, s);
    return s;
  };

  return {
    bootViolation: ownsInitial && ls.check(ls.initial) !== null,
    symmetry: sym?.info ?? null,
    owned: () => owned,
    frontierSize: () => frontier.length,
    expand(shouldStop) {
      const outboxes: ForwardedState[][] = Array.from({ length: shards }, () => []);
      const perCall: Record<string, number> = {};
      let transitions = 0;
      const done = (status: LevelResult['status']): LevelResult => ({
        status,
        transitions,
        perCall,
        outboxes,
      });
      for (const { s, path } of frontier) {
        if (shouldStop?.()) return done('stopped');
        const evs = enabledEvents(scenario, ls, universe, s);
        for (const ev of evs) {
          const r = ls.step(s, ev);
          transitions++;
          perCall[ev.type] = (perCall[ev.type] ?? 0) + 1;
          if (r.divergence !== null || r.violation !== null) return done('violation');
          const key = keyOf(r.next);
          if (known.has(key)) continue;
          known.add(key);
          const owner = ownerOf(key, shards);
          const specKey = specKeyOf(r.next);
          if (spec !== null && !specStates.has(specKey)) specStates.set(specKey, r.next.spec);
          if (owner === shard) {
            next.push({ s: r.next, path: [...path, ev] });
            owned++;
          } else {
            outboxes[owner].push({
              key,
              specKey,
              emu: r.next.emu,
              users: r.next.users,
              path: [...path, ev],
            });
          }
        }
      }
      return done('ok');
    },
    ingest(batch) {
      let added = 0;
      for (const f of batch) {
        if (known.has(f.key)) continue;
        known.add(f.key);
        next.push({ s: { spec: specStateOf(f), emu: f.emu, users: f.users }, path: f.path });
        added++;
      }
      owned += added;
      return added;
    },
    advance() {
      frontier = next;
      next = [];
      return frontier.length;
    },
  };
}
