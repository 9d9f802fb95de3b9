/** iommu-spec variants: the debated design alternatives, variant by invariant. */
import { formatInputError } from '../../../spec/input-error.js';
import {
  chooseVariants,
  runVariants,
  type VariantVerdict,
} from '../../check/frontends/variants.js';
import { variantsMarkdown } from '../../report/variants-md.js';
import { writeText } from '../io.js';
import { type CliOutput, EXIT } from '../output.js';
import { specModelFor } from '../spec-for.js';
import { runVariantsOnWorkers } from '../workers/variant-jobs.js';

export interface VariantsCliOptions {
  readonly json?: boolean;
  readonly markdown?: string;
  readonly only?: string;
  /** Worker threads (1: run in this thread). */
  readonly workers?: number;
}

export function runVariantsCommand(
  opts: VariantsCliOptions,
  out: CliOutput,
): number | Promise<number> {
  if ((opts.workers ?? 1) > 1) {
    const chosen = chooseVariants(opts.only);
    if (!chosen.ok) return out.inputError(formatInputError(chosen));
    return runVariantsOnWorkers(chosen.value, opts.workers ?? 2).then((r) =>
      r.ok ? reportVariants(r.value, opts, out) : out.inputError(formatInputError(r)),
    );
  }
  const r = runVariants(specModelFor, opts.only);
  if (!r.ok) return out.inputError(formatInputError(r));
  return reportVariants(r.value, opts, out);
}

/** The Markdown file, the JSON or text table, and the exit code. */
function reportVariants(
  verdicts: readonly VariantVerdict[],
  opts: VariantsCliOptions,
  out: CliOutput,
): number {
  if (opts.markdown !== undefined) {
    const w = writeText(opts.markdown, variantsMarkdown(verdicts));
    if (w !== null) return out.inputError(w);
  }
  if (opts.json) {
    out.json({
      variants: verdicts.map((v) => ({
        debate: v.debate,
        name: v.name,
        merged: v.merged,
        invariants: v.invariants,
        ...(v.violations.length
          ? {
              trace: v.violations[0].trace,
              violations: v.violations.map((x) => ({
                invariant: x.invariant,
                steps: x.steps,
                trace: x.trace,
              })),
            }
          : {}),
        ...(v.costs ? { costs: v.costs } : {}),
        states: v.states,
        asExpected: v.asExpected,
      })),
    });
  } else {
    for (const v of verdicts) {
      const verdict =
        v.violations.length === 0
          ? 'holds every invariant'
          : `violates ${v.violations.map((x) => `${x.invariant} (${x.steps} steps)`).join(', ')}`;
      out.line(
        `${v.merged ? 'merged  ' : 'rejected'} ${v.name.padEnd(28)} ${verdict}; ${v.states} states${v.asExpected ? '' : '  [DIFFERS FROM PINNED VERDICT]'}`,
      );
      if (v.costs)
        for (const [k, val] of Object.entries(v.costs))
          out.line(`         ${''.padEnd(28)} cost: ${k} = ${val}`);
    }
  }
  return verdicts.every((v) => v.asExpected) ? EXIT.OK : EXIT.VIOLATION;
}
