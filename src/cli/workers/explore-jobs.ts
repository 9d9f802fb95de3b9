/**
 * Running a batch of explorations on a worker pool: the plan (src/check/scale/schedule.ts) splits the
 * jobs that dominate across every worker and runs the rest whole, longest first. A split job that
 * finds a violation is run again whole, so its counterexample is the serial explorer's.
 */
import type { ExploreResult } from '../../check/core/explore.js';
import { planJobs } from '../../check/scale/schedule.js';
import { splittable } from '../../check/scale/shard.js';
import { splitSearch } from '../../check/scale/split-search.js';
import type { ExploreJob } from '../explore-job.js';
import type { WorkerPool } from './pool.js';

/** Whether large jobs are split across workers (see runExploreJobs). */
const SPLIT_SEARCH_PAYS = false;

export interface JobHooks {
  /** A job finished (results arrive in any order; `index` is the job's place in the list). */
  onResult(index: number, result: ExploreResult, seconds: number): void;
  /** A job's progress: states so far and depth. */
  onProgress?(index: number, states: number, depth: number): void;
}

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

/** Run every job; resolves when all are done, or the pool was stopped and the running ones returned. */
export async function runExploreJobs(
  pool: WorkerPool,
  jobs: readonly ExploreJob[],
  costs: ReadonlyMap<string, number>,
  hooks: JobHooks,
): Promise<void> {
  const plan = planJobs(
    jobs.map((j, index) => ({
      index,
      cost: costs.get(j.scenario.name),
      // The split search (shard.ts) still keys states by their text and checks every invariant
      // on every step; since the serial explorer's numeric seen-set and once-per-state checks it
      // is slower than one thread (smmu-and-amd-igpu: 12.5 s split on 2 workers, 3.8 s whole),
      // so jobs run whole, one a worker, until it shares that data path.
      splittable:
        SPLIT_SEARCH_PAYS &&
        splittable({
          maxStates: j.maxStates,
          fingerprint: j.fingerprint,
          conformance: j.variant === undefined,
        }),
    })),
    pool.size,
  );
  const whole = [...plan.whole];
  for (const i of plan.split) {
    if (pool.stopped) break;
    const t0 = process.hrtime.bigint();
    const team = pool.team(jobs[i]);
    let r: ExploreResult | null;
    try {
      r = await splitSearch(jobs[i].scenario, team);
    } finally {
      team.end();
    }
    if (r === null) whole.unshift(i);
    else hooks.onResult(i, r, seconds(t0));
  }
  await pool.each(whole, async (worker, i) => {
    const { result, seconds } = await pool.explore(worker, jobs[i], (states, depth) =>
      hooks.onProgress?.(i, states, depth),
    );
    hooks.onResult(i, result, seconds);
  });
}
