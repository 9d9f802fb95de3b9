/**
 * iommu-spec coverage: which states, transitions (errno paths included) and guard outcomes of
 * every statechart the exhaustive exploration of the built-in scenarios exercises, and whether
 * every scenario's witnesses are reachable (src/check/frontends/coverage.ts). Exit 1 on a transition no
 * scenario takes that its chart does not mark unreachable, a stale mark, a witness that fails or
 * an exploration that breaks a rule; 3 when an exploration was cut short; 2 on bad input.
 */
import { formatInputError } from '../../../spec/input-error.js';
import { BUILTIN_SCENARIO_NAMES } from '../../../spec/scenarios/index.js';
import {
  type CoverageScenario,
  coverageVerdict,
  measureCoverage,
} from '../../check/frontends/coverage.js';
import { coverageJson, coverageSuites, coverageText } from '../../report/coverage-format.js';
import { toJUnit } from '../../report/junit.js';
import { toKtap } from '../../report/ktap.js';
import { loadScenario, writeText } from '../io.js';
import { type CliOutput, EXIT } from '../output.js';

export interface CoverageCliOptions {
  readonly scenario?: readonly string[];
  readonly maxStates?: number;
  readonly json?: boolean;
  readonly junit?: string;
  readonly ktap?: boolean;
}

export function runCoverage(opts: CoverageCliOptions, out: CliOutput): number {
  const names = opts.scenario ?? BUILTIN_SCENARIO_NAMES;
  const scenarios: CoverageScenario[] = [];
  for (const n of names) {
    const sc = loadScenario(n);
    if (!sc.ok) return out.inputError(formatInputError(sc));
    scenarios.push({ ref: n, scenario: sc.value });
  }
  const quiet = opts.json === true || opts.ktap === true;
  const r = measureCoverage(scenarios, {
    maxStates: opts.maxStates,
    onScenario: (run) => {
      if (!quiet) out.note(`${run.scenario}: ${run.result}, ${run.states} states`);
    },
  });
  if (!r.ok) return out.inputError(formatInputError(r));
  const verdict = coverageVerdict(r.value);
  const word = verdict === 'findings' ? 'findings' : verdict;
  if (opts.junit !== undefined) {
    const w = writeText(opts.junit, toJUnit('iommu-spec coverage', coverageSuites(r.value)));
    if (w !== null) return out.inputError(w);
  }
  if (opts.ktap) out.line(toKtap(coverageSuites(r.value)).trimEnd());
  if (opts.json) out.json(coverageJson(r.value, word));
  if (!quiet) for (const line of coverageText(r.value, word)) out.line(line);
  if (verdict === 'findings') return EXIT.VIOLATION;
  if (verdict === 'incomplete') return EXIT.INCOMPLETE;
  return EXIT.OK;
}
