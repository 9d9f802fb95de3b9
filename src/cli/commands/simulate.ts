/** iommu-spec simulate: fast-check random runs with shrinking, on scenarios too large to exhaust. */
import { formatInputError } from '../../../spec/input-error.js';
import { simulate } from '../../check/frontends/simulate.js';
import { suiteFor } from '../../report/cases.js';
import { toJUnit } from '../../report/junit.js';
import { toKtap } from '../../report/ktap.js';
import { loadScenario, writeText } from '../io.js';
import { type CliOutput, EXIT } from '../output.js';
import { specFor } from '../spec-for.js';
import { checkMutants } from './explore.js';

export interface SimulateCliOptions {
  readonly scenario?: string;
  readonly runs?: number;
  readonly seed?: number;
  readonly maxCommands?: number;
  readonly mutant?: readonly string[];
  readonly variant?: string;
  readonly json?: boolean;
  readonly junit?: string;
  readonly ktap?: boolean;
}

export function runSimulate(opts: SimulateCliOptions, out: CliOutput): number {
  const bad = checkMutants(opts.mutant, out);
  if (bad !== null) return bad;
  const ref = opts.scenario ?? 'large-mixed';
  const sc = loadScenario(ref);
  if (!sc.ok) return out.inputError(formatInputError(sc));
  const spec = specFor(sc.value, opts.variant);
  if (!spec.ok) return out.inputError(formatInputError(spec));
  // The seed is the one random input; it comes from the clock only when not given, and is printed.
  const seed = opts.seed ?? Number(process.hrtime.bigint() % 2147483647n);
  const r = simulate(sc.value, {
    seed,
    runs: opts.runs,
    maxCommands: opts.maxCommands,
    mutants: opts.mutant,
    variant: spec.value.variantRules,
    conformance: spec.value.conformance,
    contractChanges: spec.value.contractChanges,
    spec: spec.value.model,
    scenarioRef: ref,
  });
  const findings = r.failure
    ? [{ invariant: r.failure.invariant, message: r.failure.message, trace: r.failure.trace }]
    : [];
  const suite = suiteFor({ scenario: r.scenario, result: r.result, findings });
  if (opts.junit !== undefined) {
    const w = writeText(opts.junit, toJUnit('iommu-spec simulate', [suite]));
    if (w !== null) return out.inputError(w);
  }
  if (opts.json) {
    out.json(r);
  } else if (opts.ktap) {
    out.line(toKtap([suite]).trimEnd());
  } else {
    out.line(
      `${r.result.toUpperCase()} ${r.scenario}: ${r.runs} runs, ${r.steps} steps, seed ${r.seed}`,
    );
    if (r.failure) {
      out.line(`  ${r.failure.invariant}: ${r.failure.message}`);
      out.line(
        `  shrunk ${r.failure.shrinks} time(s); replay with --seed ${r.seed} (fast-check path ${r.failure.path}), or replay this trace:`,
      );
      for (const line of JSON.stringify(r.failure.trace, null, 2).split('\n'))
        out.line(`  ${line}`);
    }
  }
  return r.result === 'pass' ? EXIT.OK : EXIT.VIOLATION;
}
