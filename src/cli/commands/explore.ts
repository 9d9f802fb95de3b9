/** iommu-spec explore: exhaustive check of one built-in scenario, a scenario file, or all built-ins. */
import cliProgress from 'cli-progress';
import { formatInputError } from '../../../spec/input-error.js';
import type { Scenario } from '../../../spec/scenario.js';
import { BUILTIN_SCENARIO_NAMES } from '../../../spec/scenarios/index.js';
import { type ExploreResult, explore } from '../../check/explore.js';
import { MUTANT_NAMES } from '../../kernel/mutants.js';
import { suiteFor } from '../../report/cases.js';
import { toJUnit } from '../../report/junit.js';
import { toKtap } from '../../report/ktap.js';
import { loadScenario, writeText } from '../io.js';
import { type CliOutput, EXIT } from '../output.js';
import { specFor } from '../spec-for.js';

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
}

export function checkMutants(names: readonly string[] | undefined, out: CliOutput): number | null {
  for (const m of names ?? []) {
    if (!MUTANT_NAMES.has(m))
      return out.inputError(`--mutant: unknown mutant "${m}" (see iommu-spec mutants)`);
  }
  return null;
}

/** Exit code for a set of results: 1 if anything broke, else 3 if anything was cut short, else 0. */
export function exitFor(results: readonly ExploreResult[]): number {
  if (results.some((r) => r.result === 'violation')) return EXIT.VIOLATION;
  if (results.some((r) => r.result === 'incomplete')) return EXIT.INCOMPLETE;
  return EXIT.OK;
}

export function runExplore(opts: ExploreCliOptions, out: CliOutput): number {
  const bad = checkMutants(opts.mutant, out);
  if (bad !== null) return bad;
  const names = opts.scenario === undefined ? BUILTIN_SCENARIO_NAMES : [opts.scenario];
  const scenarios: { ref: string; scenario: Scenario }[] = [];
  for (const n of names) {
    const sc = loadScenario(n);
    if (!sc.ok) return out.inputError(formatInputError(sc));
    scenarios.push({ ref: n, scenario: sc.value });
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
    for (const { ref, scenario } of scenarios) {
      const spec = specFor(scenario, opts.variant);
      if (!spec.ok) return out.inputError(formatInputError(spec));
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
        spec: spec.value.model,
        variant: spec.value.variantRules,
        conformance: spec.value.conformance,
        contractChanges: spec.value.contractChanges,
        mutants: opts.mutant,
        maxStates: opts.maxStates,
        fingerprint: opts.fingerprint,
        scenarioRef: ref,
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
  const suites = results.map((r, i) => suiteFor(r, times[i]));
  if (opts.junit !== undefined) {
    const w = writeText(opts.junit, toJUnit('iommu-spec explore', suites));
    if (w !== null) return out.inputError(w);
  }
  if (opts.ktap) out.line(toKtap(suites).trimEnd());
  if (opts.json) {
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
    });
    out.json(
      results.length === 1
        ? one(results[0])
        : { result: worst(results), scenarios: results.map(one) },
    );
  }
  return exitFor(results);
}

function worst(results: readonly ExploreResult[]): string {
  if (results.some((r) => r.result === 'violation')) return 'violation';
  if (results.some((r) => r.result === 'incomplete')) return 'incomplete';
  return 'pass';
}

function printResult(r: ExploreResult, secs: number, out: CliOutput): void {
  const rate = Math.round(r.states / Math.max(secs, 1e-9));
  const head = `${r.result.toUpperCase().padEnd(10)} ${r.scenario}: ${r.states} states, ${r.transitions} transitions, depth ${r.depth} (${secs.toFixed(2)} s, ${rate} states/s)`;
  out.line(head);
  if (r.incomplete) out.line(`           incomplete: ${r.incomplete}`);
  if (r.fingerprint) {
    out.line(
      `           fingerprints: ${r.fingerprint.bytesPerState.toFixed(1)} bytes a state; probability of a collision ${r.fingerprint.collisionProbability.toExponential(2)} (n^2/2^65)`,
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
