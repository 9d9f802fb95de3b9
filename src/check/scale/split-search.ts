/**
 * The level-synchronous driver of a partitioned search (shard.ts): asks a team of shards to
 * expand one breadth-first level at a time, keeps the explorer's depth and bound rules, and sums
 * the shards' counts into the explorer's result. Where the team lives (this thread, worker
 * threads) is the team's business: the driver only awaits its answers.
 */
import type { Scenario } from '../../../spec/scenario.js';
import type { ExploreResult } from '../core/explore.js';
import { createShard, type Shard } from './shard.js';
import type { SymmetryInfo, SymmetryOptions } from './symmetry.js';

/** One shard's answer for a level: the level expanded, successors exchanged, the next one current. */
export interface ShardLevelReport {
  readonly status: 'ok' | 'violation' | 'stopped';
  readonly transitions: number;
  readonly perCall: Readonly<Record<string, number>>;
  /** The size of the shard's next level. */
  readonly frontier: number;
  /** States the shard owns so far. */
  readonly owned: number;
}

/** What setting up the shards found. */
export interface TeamStart {
  /** The initial state breaks an invariant. */
  readonly bootViolation: boolean;
  readonly symmetry: SymmetryInfo | null;
}

export interface ShardTeam {
  /** Set up every shard. */
  start(): Promise<TeamStart>;
  /** Every shard expands its level, exchanges successors, and moves to the next level. */
  level(): Promise<readonly ShardLevelReport[]>;
}

/**
 * Explore a scenario with a team of shards. The result equals `explore`'s for a pass or a depth
 * bound; null means the search found a violation (or the initial state breaks one), and the caller
 * reruns the serial explorer for the shortest counterexample. A stop gives a partial
 * "incomplete" result, as the serial explorer's does.
 */
export async function splitSearch(
  scenario: Scenario,
  team: ShardTeam,
  maxDepth: number = scenario.bounds.max_depth ?? Number.POSITIVE_INFINITY,
): Promise<ExploreResult | null> {
  const started = await team.start();
  if (started.bootViolation) return null;
  const perCall: Record<string, number> = {};
  let states = 1;
  let transitions = 0;
  let depth = 0;
  let frontier = 1;
  const finish = (result: ExploreResult['result'], incomplete?: string): ExploreResult => ({
    scenario: scenario.name,
    result,
    states,
    transitions,
    depth,
    findings: [],
    perCall,
    ...(incomplete ? { incomplete } : {}),
    ...(started.symmetry !== null ? { symmetry: started.symmetry } : {}),
  });
  while (frontier > 0) {
    if (depth >= maxDepth) return finish('incomplete', `depth bound ${maxDepth} reached`);
    const reports = await team.level();
    if (reports.some((r) => r.status === 'violation')) return null;
    frontier = 0;
    states = 0;
    for (const r of reports) {
      transitions += r.transitions;
      for (const [call, n] of Object.entries(r.perCall)) perCall[call] = (perCall[call] ?? 0) + n;
      frontier += r.frontier;
      states += r.owned;
    }
    if (reports.some((r) => r.status === 'stopped')) return finish('incomplete', 'stopped');
    if (frontier > 0) depth++;
  }
  return finish('pass');
}

/** Run one level on shards in this thread: expand each, deliver the outboxes, advance. */
export function localLevel(
  shards: readonly Shard[],
  shouldStop?: () => boolean,
): ShardLevelReport[] {
  const levels = shards.map((s) => s.expand(shouldStop));
  for (const l of levels)
    l.outboxes.forEach((batch, to) => {
      shards[to].ingest(batch);
    });
  return shards.map((s, i) => ({
    status: levels[i].status,
    transitions: levels[i].transitions,
    perCall: levels[i].perCall,
    frontier: s.advance(),
    owned: s.owned(),
  }));
}

/** A team of `n` shards in this thread: the reference for the worker-thread team, and for tests. */
export function localTeam(scenario: Scenario, options: SymmetryOptions, n: number): ShardTeam {
  const shards = Array.from({ length: n }, (_, i) => createShard(scenario, options, i, n));
  return {
    start: async () => ({
      bootViolation: shards.some((s) => s.bootViolation),
      symmetry: shards[0].symmetry,
    }),
    level: async () => localLevel(shards),
  };
}
