/** iommu-spec replay TRACE: run a trace through spec and emulator, step by step. */
import { formatRet } from '../../../spec/errno.js';
import { formatInputError } from '../../../spec/input-error.js';
import { checkTraceSteps } from '../../../spec/trace.js';
import { replayTrace } from '../../check/core/replay.js';
import { loadTrace } from '../io.js';
import { type CliOutput, EXIT } from '../output.js';
import { specFor } from '../spec-for.js';

export interface ReplayOptions {
  readonly json?: boolean;
  readonly mutant?: readonly string[];
  readonly variant?: string;
}

export function runReplay(path: string, opts: ReplayOptions, out: CliOutput): number {
  const loaded = loadTrace(path);
  if (!loaded.ok) return out.inputError(formatInputError(loaded));
  const { trace, scenario } = loaded.value;
  const steps = checkTraceSteps(trace.steps, scenario);
  if (!steps.ok) return out.inputError(formatInputError(steps));
  const spec = specFor(scenario, opts.variant);
  if (!spec.ok) return out.inputError(formatInputError(spec));
  const r = replayTrace(scenario, steps.value, {
    mutants: opts.mutant,
    variant: spec.value.variantRules,
    spec: spec.value.model,
    conformance: spec.value.conformance,
    contractChanges: spec.value.contractChanges,
  });
  if (!r.ok) return out.inputError(formatInputError(r));
  const { outcome } = r.value;
  if (opts.json) {
    out.json({
      result: outcome.result,
      scenario: scenario.name,
      steps: r.value.steps.map((s) => ({
        index: s.index,
        call: s.call,
        ret: s.ret,
        ...(s.warnings.length ? { warnings: s.warnings } : {}),
      })),
      ...(outcome.result === 'pass' ? {} : { failure: outcome }),
    });
  } else {
    for (const s of r.value.steps) {
      const exp =
        s.expect === undefined
          ? ''
          : s.expect === s.ret
            ? '  ok'
            : `  EXPECTED ${formatRet(s.expect)}`;
      out.line(`${String(s.index).padStart(3)}  ${s.call} = ${formatRet(s.ret)}${exp}`);
      for (const w of s.warnings) out.line(`       WARNING: ${w}`);
    }
    switch (outcome.result) {
      case 'pass':
        out.line(`pass: ${r.value.steps.length} steps replayed on scenario ${scenario.name}`);
        break;
      case 'mismatch':
        out.line(
          `mismatch at step ${outcome.index}: expected ${formatRet(outcome.expected)}, got ${formatRet(outcome.actual)}`,
        );
        break;
      case 'divergence':
        out.line(`divergence at step ${outcome.index}: ${outcome.message}`);
        break;
      case 'violation':
        out.line(`violation of ${outcome.invariant} at step ${outcome.index}: ${outcome.message}`);
        out.line(`  (${outcome.citation})`);
        break;
    }
  }
  return outcome.result === 'pass' ? EXIT.OK : EXIT.VIOLATION;
}
