/** iommu-spec explore: exhaustive check of one built-in scenario, a scenario file, or all built-ins. */
import cliProgress from 'cli-progress';
import { formatInputError } from '../../../spec/input-error.js';
import type { Scenario } from '../../../spec/scenario.js';
import { BUILTIN_SCENARIO_NAMES } from '../../../spec/scenarios/index.js';
import { type ExploreResult, explore } from '../../check/core/explore.js';
import { parseShard, type ShardSpec, shardJobs } from '../../check/scale/shard-plan.js';
import { MUTANT_NAMES } from '../../kernel/mutants.js';
import { type ExploreJob, exploreJobOptions } from '../explore-job.js';
import { loadScenario } from '../io.js';
import type { CliOutput } from '../output.js';
import { runNoContract } from './explore-no-contract.js';
import { runExploreParallel } from './explore-parallel.js';
import { printResult, reportExplore } from './explore-report.js';

export interface ExploreCliOptions {
  readonly scenario?: string;
  readonly variant?: string;
  readonly mutant?: readonly string[];
  readonly maxStates?: number;
  readonly maxMemory?: number;
  readonly json?: boolean;
  readonly progress?: boolean;
  readonly junit?: string;
  readonly ktap?: boolean;
  readonly fingerprint?: boolean;
  /** false with --no-symmetry. */
  readonly symmetry?: boolean;
  /** Worker threads (1: explore in this thread). */
  readonly workers?: number;
  /** `I/N`: run only this shard's share of the jobs (src/check/scale/shard-plan.ts). */
  readonly shard?: string;
  /** false with --no-contract: make the calls the caller contract refuses too (explore-no-contract.ts). */
  readonly contract?: boolean;
  /** The jobs this run holds when sharded (set by runExplore from `shard`). */
  readonly shardPlan?: ShardSpec & { readonly total: number; readonly jobs: readonly number[] };
}

export function checkMutants(names: readonly string[] | undefined, out: CliOutput): number | null {
  for (const m of names ?? []) {
    if (!MUTANT_NAMES.has(m))
      return out.inputError(`--mutant: unknown mutant "${m}" (see iommu-spec mutants)`);
  }
  return null;
}

export function runExplore(opts: ExploreCliOptions, out: CliOutput): number | Promise<number> {
  const bad = checkMutants(opts.mutant, out);
  if (bad !== null) return bad;
  const names = opts.scenario === undefined ? BUILTIN_SCENARIO_NAMES : [opts.scenario];
  const scenarios: { ref: string; scenario: Scenario }[] = [];
  for (const n of names) {
    const sc = loadScenario(n);
    if (!sc.ok) return out.inputError(formatInputError(sc));
    scenarios.push({ ref: n, scenario: sc.value });
  }
  if (opts.contract === false) return runNoContract(scenarios, opts, out);
  const allJobs = scenarios.map(
    ({ ref, scenario }): ExploreJob => ({
      ref,
      scenario,
      variant: opts.variant,
      mutants: opts.mutant,
      maxStates: opts.maxStates,
      fingerprint: opts.fingerprint,
      symmetry: opts.symmetry,
      maxMemory: opts.maxMemory,
    }),
  );
  let jobs = allJobs;
  if (opts.shard !== undefined) {
    const spec = parseShard(opts.shard);
    if (typeof spec === 'string') return out.inputError(spec);
    const picked = shardJobs(allJobs.length, spec);
    jobs = picked.map((j) => allJobs[j]);
    opts = { ...opts, shardPlan: { ...spec, total: allJobs.length, jobs: picked } };
    // A bad variant name is an input error in every shard, even one with no jobs.
    const invalid = exploreJobOptions(allJobs[0]);
    if (typeof invalid === 'string') return out.inputError(invalid);
  }
  if ((opts.workers ?? 1) > 1 && jobs.length > 0) {
    // A bad variant name is reported before any worker starts, as the serial run reports it.
    const invalid = exploreJobOptions(jobs[0]);
    if (typeof invalid === 'string') return out.inputError(invalid);
    return runExploreParallel(opts, jobs, out);
  }
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  const results: ExploreResult[] = [];
  const times: number[] = [];
  const quiet = opts.json === true || opts.ktap === true;
  try {
    for (const job of jobs) {
      const { scenario } = job;
      const options = exploreJobOptions(job);
      if (typeof options === 'string') return out.inputError(options);
      const t0 = process.hrtime.bigint();
      const bar =
        opts.progress !== false && process.stderr.isTTY && !quiet
          ? new cliProgress.SingleBar(
              {
                format: `${scenario.name} {states} states, depth {depth}, {rate} states/s`,
                stream: process.stderr,
              },
              cliProgress.Presets.shades_classic,
            )
          : null;
      bar?.start(1, 0, { states: 0, depth: 0, rate: 0 });
      let lastNote = 0;
      const r = explore(scenario, {
        ...options,
        progressEvery: 2000,
        onProgress: (p) => {
          const secs = Number(process.hrtime.bigint() - t0) / 1e9;
          const rate = Math.round(p.states / Math.max(secs, 1e-9));
          if (bar) bar.update(0, { states: p.states, depth: p.depth, rate });
          else if (!quiet && secs - lastNote >= 5) {
            lastNote = secs;
            out.note(`${scenario.name}: ${p.states} states, depth ${p.depth}, ${rate} states/s`);
          }
        },
        shouldStop: () =>
          interrupted ||
          (opts.maxMemory !== undefined &&
            process.memoryUsage().heapUsed > opts.maxMemory * 1024 * 1024),
      });
      bar?.stop();
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      results.push(r);
      times.push(secs);
      if (!quiet) printResult(r, secs, out);
      if (interrupted) break;
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  return reportExplore(results, times, opts, out);
}
