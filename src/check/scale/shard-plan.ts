/**
 * Exploration split across machines (the CI runners users already have): `explore --shard I/N`
 * runs its share of the job list (the scenarios, each with the run's variant and mutants) and
 * prints a shard report; `merge` joins the N reports into the report the unsharded run prints,
 * byte for byte, and its exit code. The split is by job index (job j goes to shard j mod N + 1),
 * so every shard computes the same plan from the same command line; a report records the plan
 * it ran, and merge refuses reports that do not make up one whole plan.
 */

export interface ShardSpec {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

/** `I/N` with 1 <= I <= N; an error message otherwise. */
export function parseShard(text: string): ShardSpec | string {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (m === null) return `--shard: expected I/N (e.g. 1/4), got "${text}"`;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count)
    return `--shard: I/N needs 1 <= I <= N, got "${text}"`;
  return { index, count };
}

/** The indices of the jobs shard `spec` runs, in job order. */
export function shardJobs(total: number, spec: ShardSpec): number[] {
  const out: number[] = [];
  for (let j = spec.index - 1; j < total; j += spec.count) out.push(j);
  return out;
}

/** What `explore --shard I/N --json` prints. */
export interface ShardReport {
  readonly shard: { readonly index: number; readonly count: number; readonly jobs: number };
  /** Each job this shard ran: its index in the whole list and its JSON report. */
  readonly results: readonly { readonly job: number; readonly report: JobReport }[];
}

/** One job's entry in the `explore --json` report (src/cli/commands/explore-report.ts). */
export interface JobReport {
  readonly result: 'pass' | 'violation' | 'incomplete';
  readonly [field: string]: unknown;
}

/** The worst of the results, as the unsharded report's `result`. */
export function worstResult(results: readonly { readonly result: string }[]): JobReport['result'] {
  if (results.some((r) => r.result === 'violation')) return 'violation';
  if (results.some((r) => r.result === 'incomplete')) return 'incomplete';
  return 'pass';
}

/** The unsharded run's JSON report, with one entry per job in job order. */
export function wholeReport(reports: readonly JobReport[]): unknown {
  return reports.length === 1 ? reports[0] : { result: worstResult(reports), scenarios: reports };
}

/**
 * The N shard reports of one plan joined: the unsharded JSON report and its worst result, or
 * what is wrong with the reports (not shard reports, different plans, a shard missing or twice).
 */
export function mergeShardReports(
  inputs: readonly { readonly name: string; readonly value: unknown }[],
): { readonly report: unknown; readonly result: JobReport['result'] } | string {
  let plan: { count: number; jobs: number } | null = null;
  const byShard = new Map<number, string>();
  const byJob = new Map<number, JobReport>();
  for (const { name, value } of inputs) {
    if (!isShardReport(value))
      return `${name}: not a shard report (from explore --shard I/N --json)`;
    const { index, count, jobs } = value.shard;
    if (plan === null) plan = { count, jobs };
    else if (plan.count !== count || plan.jobs !== jobs)
      return `${name}: shard ${index}/${count} of ${jobs} jobs does not belong with shards of ${plan.count} over ${plan.jobs} jobs`;
    const seen = byShard.get(index);
    if (seen !== undefined) return `${name}: shard ${index}/${count} was given already (${seen})`;
    byShard.set(index, name);
    const want = shardJobs(jobs, { index, count });
    const got = value.results.map((r) => r.job);
    if (want.length !== got.length || want.some((j, i) => got[i] !== j))
      return `${name}: shard ${index}/${count} should hold jobs ${want.join(', ') || 'none'}, holds ${got.join(', ') || 'none'}`;
    for (const r of value.results) byJob.set(r.job, r.report);
  }
  if (plan === null) return 'no shard reports given';
  const missing: number[] = [];
  for (let i = 1; i <= plan.count; i++) if (!byShard.has(i)) missing.push(i);
  if (missing.length > 0)
    return `shard(s) ${missing.map((i) => `${i}/${plan.count}`).join(', ')} missing`;
  const reports: JobReport[] = [];
  for (let j = 0; j < plan.jobs; j++) reports.push(byJob.get(j)!);
  return { report: wholeReport(reports), result: worstResult(reports) };
}

function isShardReport(v: unknown): v is ShardReport {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as { shard?: unknown; results?: unknown };
  const s = r.shard as { index?: unknown; count?: unknown; jobs?: unknown } | undefined;
  return (
    typeof s === 'object' &&
    s !== null &&
    Number.isInteger(s.index) &&
    Number.isInteger(s.count) &&
    Number.isInteger(s.jobs) &&
    Array.isArray(r.results) &&
    r.results.every(
      (x: unknown) =>
        typeof x === 'object' &&
        x !== null &&
        Number.isInteger((x as { job?: unknown }).job) &&
        typeof (x as { report?: { result?: unknown } }).report?.result === 'string',
    )
  );
}
