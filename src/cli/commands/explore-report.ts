/** What `iommu-spec explore` prints: a result as text, the JUnit, KTAP and JSON reports, the exit code. */
import type { ExploreResult } from '../../check/core/explore.js';
import { type JobReport, type ShardReport, wholeReport } from '../../check/scale/shard-plan.js';
import { suiteFor } from '../../report/cases.js';
import { toJUnit } from '../../report/junit.js';
import { toKtap } from '../../report/ktap.js';
import { writeText } from '../io.js';
import { type CliOutput, EXIT } from '../output.js';
import type { ExploreCliOptions } from './explore.js';

/** Exit code for a set of results: 1 if anything broke, else 3 if anything was cut short, else 0. */
export function exitFor(results: readonly ExploreResult[]): number {
  if (results.some((r) => r.result === 'violation')) return EXIT.VIOLATION;
  if (results.some((r) => r.result === 'incomplete')) return EXIT.INCOMPLETE;
  return EXIT.OK;
}

/** The JUnit file, KTAP and JSON reports of a run, and its exit code. */
export function reportExplore(
  results: readonly ExploreResult[],
  times: readonly number[],
  opts: ExploreCliOptions,
  out: CliOutput,
): number {
  const suites = results.map((r, i) => suiteFor(r, times[i]));
  if (opts.junit !== undefined) {
    const w = writeText(opts.junit, toJUnit('iommu-spec explore', suites));
    if (w !== null) return out.inputError(w);
  }
  if (opts.ktap) out.line(toKtap(suites).trimEnd());
  if (opts.json) {
    const plan = opts.shardPlan;
    if (plan !== undefined) {
      const report: ShardReport = {
        shard: { index: plan.index, count: plan.count, jobs: plan.total },
        results: results.map((r, i) => ({ job: plan.jobs[i], report: exploreJson(r) })),
      };
      out.json(report);
    } else out.json(wholeReport(results.map(exploreJson)));
  }
  return exitFor(results);
}

/** One result as `explore --json` reports it. */
export function exploreJson(r: ExploreResult): JobReport {
  {
    const one = (r: ExploreResult) => ({
      scenario: r.scenario,
      result: r.result,
      states: r.states,
      transitions: r.transitions,
      depth: r.depth,
      violations: r.findings.map((f) => ({
        invariant: f.invariant,
        citation: f.citation,
        message: f.message,
        step: f.step,
        trace: f.trace,
      })),
      ...(r.incomplete ? { incomplete: r.incomplete } : {}),
      ...(r.fingerprint ? { fingerprint: r.fingerprint } : {}),
      ...(r.symmetry ? { symmetry: r.symmetry } : {}),
    });
    return one(r);
  }
}

export function printResult(r: ExploreResult, secs: number, out: CliOutput): void {
  const rate = Math.round(r.states / Math.max(secs, 1e-9));
  const head = `${r.result.toUpperCase().padEnd(10)} ${r.scenario}: ${r.states} states, ${r.transitions} transitions, depth ${r.depth} (${secs.toFixed(2)} s, ${rate} states/s)`;
  out.line(head);
  if (r.incomplete) out.line(`           incomplete: ${r.incomplete}`);
  if (r.fingerprint) {
    out.line(
      `           fingerprints: ${r.fingerprint.bytesPerState.toFixed(1)} bytes a state; probability of a collision ${r.fingerprint.collisionProbability.toExponential(2)} (n^2/2^65)`,
    );
  }
  if (r.symmetry) {
    const { classes, permutations, applied, reason } = r.symmetry;
    out.line(
      applied
        ? `           symmetry: ${classes} class(es), ${permutations} permutations; states counted one per orbit`
        : `           symmetry: ${classes} class(es) declared, not used: ${reason}`,
    );
  }
  for (const f of r.findings) {
    out.line(
      `           ${f.kind === 'divergence' ? 'DIVERGENCE' : 'VIOLATED'} ${f.invariant}: ${f.message}`,
    );
    out.line(`           (${f.citation})`);
    out.line(
      `           shortest trace, ${f.trace.steps.length} step(s), broken at step ${f.step}; replay it with iommu-spec replay:`,
    );
    for (const line of JSON.stringify(f.trace, null, 2).split('\n')) out.line(`           ${line}`);
  }
}
