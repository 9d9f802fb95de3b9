/**
 * iommu-spec explore --workers N: the same jobs on a pool of worker threads. Results are printed
 * and reported in the scenarios' order, so the output equals the serial run's but for timings.
 * SIGINT and --max-memory stop the running jobs cleanly; the report then covers the jobs that
 * finished or stopped, and the workers are terminated.
 */
import cliProgress from 'cli-progress';
import type { ExploreResult } from '../../check/core/explore.js';
import type { ExploreJob } from '../explore-job.js';
import type { CliOutput } from '../output.js';
import { recordedCosts } from '../workers/costs.js';
import { runExploreJobs } from '../workers/explore-jobs.js';
import { WorkerPool } from '../workers/pool.js';
import type { ExploreCliOptions } from './explore.js';
import { printResult, reportExplore } from './explore-report.js';

export async function runExploreParallel(
  opts: ExploreCliOptions,
  jobs: readonly ExploreJob[],
  out: CliOutput,
): Promise<number> {
  const results: (ExploreResult | undefined)[] = jobs.map(() => undefined);
  const times: number[] = jobs.map(() => 0);
  const quiet = opts.json === true || opts.ktap === true;
  const bar =
    opts.progress !== false && process.stderr.isTTY && !quiet
      ? new cliProgress.SingleBar(
          {
            format: `explore, ${opts.workers} workers: {value}/{total} scenarios`,
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  bar?.start(jobs.length, 0);
  // Without a bar, results are printed as soon as every earlier one is in.
  let printed = 0;
  const printReady = (all: boolean) => {
    for (; printed < jobs.length; printed++) {
      const r = results[printed];
      if (r === undefined && !all) return;
      if (r !== undefined && !quiet) printResult(r, times[printed], out);
    }
  };
  let lastNote = 0;
  const t0 = process.hrtime.bigint();
  const pool = new WorkerPool(opts.workers ?? 2);
  const onSigint = () => pool.stop();
  process.on('SIGINT', onSigint);
  try {
    await runExploreJobs(pool, jobs, recordedCosts(), {
      onResult(i, r, secs) {
        results[i] = r;
        times[i] = secs;
        bar?.increment();
        if (bar === null) printReady(false);
      },
      onProgress(i, states, depth) {
        const secs = Number(process.hrtime.bigint() - t0) / 1e9;
        if (bar === null && !quiet && secs - lastNote >= 5) {
          lastNote = secs;
          out.note(`${jobs[i].scenario.name}: ${states} states, depth ${depth}`);
        }
      },
    });
  } finally {
    process.off('SIGINT', onSigint);
    bar?.stop();
    await pool.terminate();
  }
  printReady(true);
  const done = results.flatMap((r, i) => (r === undefined ? [] : [{ r, secs: times[i] }]));
  return reportExplore(
    done.map((d) => d.r),
    done.map((d) => d.secs),
    opts,
    out,
  );
}
