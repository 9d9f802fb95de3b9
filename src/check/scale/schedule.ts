/**
 * Planning a batch of explorations for a pool of workers: which jobs to split across every worker
 * (a job that alone outweighs a worker's fair share of the rest), and the order of the whole jobs,
 * longest first (LPT), so that no worker is left with one long job at the end.
 */

export interface PlannedJob {
  /** The job's index in the caller's list. */
  readonly index: number;
  /** Estimated cost (e.g. the transitions recorded in spec/expected.json); undefined if unknown. */
  readonly cost?: number;
  /** Whether the job may be split across workers (shard.ts splittable). */
  readonly splittable: boolean;
}

export interface Plan {
  /** Jobs to run one at a time, each across every worker, in this order. */
  readonly split: readonly number[];
  /** Jobs to run whole, one a worker, in this order. */
  readonly whole: readonly number[];
}

/**
 * Unknown costs count as the largest known one (a job nobody measured may be large); with no
 * estimate at all, every job costs the same. Largest first: a splittable job is split while its
 * cost is more than the fair share (cost / workers) of the jobs not yet split, itself included.
 */
export function planJobs(jobs: readonly PlannedJob[], workers: number): Plan {
  const known = jobs.map((j) => j.cost).filter((c): c is number => c !== undefined);
  const fallback = known.length > 0 ? Math.max(...known) : 1;
  const costed = jobs.map((j) => ({ ...j, est: j.cost ?? fallback }));
  const order = [...costed].sort((a, b) => b.est - a.est || a.index - b.index);
  let rest = order.reduce((sum, j) => sum + j.est, 0);
  const split: number[] = [];
  const whole: number[] = [];
  for (const j of order) {
    if (workers > 1 && j.splittable && j.est * workers > rest) {
      split.push(j.index);
      rest -= j.est;
    } else whole.push(j.index);
  }
  return { split, whole };
}
