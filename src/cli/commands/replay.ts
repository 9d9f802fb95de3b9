/** iommu-spec replay TRACE: run a trace through spec and emulator, step by step. */
import { formatRet } from '../../../spec/errno.js';
import { formatInputError } from '../../../spec/input-error.js';
import { checkTraceSteps } from '../../../spec/trace.js';
import { type ReplayFinding, replayScenario, replayTrace } from '../../check/core/replay.js';
import { loadTrace } from '../io.js';
import { type CliOutput, EXIT } from '../output.js';
import { specFor } from '../spec-for.js';

export interface ReplayOptions {
  readonly json?: boolean;
  readonly mutant?: readonly string[];
  readonly variant?: string;
  readonly stopAtFirst?: boolean;
}

export function runReplay(path: string, opts: ReplayOptions, out: CliOutput): number {
  const loaded = loadTrace(path);
  if (!loaded.ok) return out.inputError(formatInputError(loaded));
  const { trace, scenario } = loaded.value;
  const steps = checkTraceSteps(trace.steps, scenario);
  if (!steps.ok) return out.inputError(formatInputError(steps));
  // Bounds limit exploration, not replay: the spec is made for as many mms as the trace names.
  const spec = specFor(replayScenario(scenario, steps.value), opts.variant);
  if (!spec.ok) return out.inputError(formatInputError(spec));
  const r = replayTrace(replayScenario(scenario, steps.value), steps.value, {
    stopAtFirst: opts.stopAtFirst,
    mutants: opts.mutant,
    variant: spec.value.variantRules,
    spec: spec.value.model,
    conformance: spec.value.conformance,
    contractChanges: spec.value.contractChanges,
  });
  if (!r.ok) return out.inputError(formatInputError(r));
  const { outcome, findings } = r.value;
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
      findings,
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
    for (const f of findings) for (const line of describeFinding(f)) out.line(line);
    if (findings.length === 0)
      out.line(`pass: ${r.value.steps.length} steps replayed on scenario ${scenario.name}`);
    else
      out.line(
        `${findings.length} finding${findings.length === 1 ? '' : 's'} in ${r.value.steps.length} steps replayed on scenario ${scenario.name}`,
      );
  }
  return outcome.result === 'pass' ? EXIT.OK : EXIT.VIOLATION;
}

function describeFinding(f: ReplayFinding): string[] {
  const at = f.index < 0 ? 'at boot' : `at step ${f.index}`;
  switch (f.result) {
    case 'mismatch':
      return [`mismatch ${at}: expected ${formatRet(f.expected)}, got ${formatRet(f.actual)}`];
    case 'divergence':
      return [`divergence ${at}: ${f.message}`];
    case 'violation':
      return [`violation of ${f.invariant} ${at}: ${f.message}`, `  (${f.citation})`];
  }
}
