/**
 * iommu-spec explore --no-contract: the core under caller bugs (src/check/core/no-contract.ts),
 * per scenario: caller-bug paths explored, errnos, WARN sites reached, undefined behaviours hit,
 * other invariants broken. Exit 0 (the report is the result), 1 when the emulator threw (a
 * harness bug), 3 when a bound stopped the search.
 */
import { createSpecModel } from '../../../machines/router/kernel.js';
import type { Scenario } from '../../../spec/scenario.js';
import { exploreNoContract, type NoContractResult } from '../../check/core/no-contract.js';
import type { CliOutput } from '../output.js';

export function runNoContract(
  scenarios: readonly { ref: string; scenario: Scenario }[],
  opts: { readonly json?: boolean; readonly maxStates?: number },
  out: CliOutput,
): number {
  const results: NoContractResult[] = [];
  for (const { ref, scenario } of scenarios) {
    const r = exploreNoContract(scenario, {
      spec: createSpecModel(scenario),
      scenarioRef: ref,
      maxStates: opts.maxStates,
    });
    results.push(r);
    if (!opts.json) printNoContract(r, out);
  }
  if (opts.json) out.json({ results });
  if (results.some((r) => r.thrown.length > 0)) return 1;
  return results.some((r) => r.incomplete !== undefined) ? 3 : 0;
}

function printNoContract(r: NoContractResult, out: CliOutput): void {
  out.line(
    `NO-CONTRACT ${r.scenario}: ${r.legalStates} legal states, ${r.callerBugPaths} caller-bug paths: ` +
      `${r.errnos.reduce((n, o) => n + o.count, 0)} errno, ${r.warnSites.length} WARN site(s), ` +
      `${r.undefinedBehaviours.length} undefined behaviour(s), ${r.invariants.length} other invariant(s), ${r.tolerated} tolerated` +
      (r.incomplete ? ` (incomplete: ${r.incomplete})` : ''),
  );
  const rows: [string, typeof r.errnos][] = [
    ['errno', r.errnos],
    ['WARN ', r.warnSites],
    ['UB   ', r.undefinedBehaviours],
    ['INV  ', r.invariants],
  ];
  for (const [tag, list] of rows)
    for (const o of list)
      out.line(
        `           ${tag} ${String(o.count).padStart(5)}  ${o.kind}  (${o.calls.join(', ')}; ${o.trace.steps.length} step(s))`,
      );
  for (const t of r.thrown) out.line(`           THROWN (harness bug): ${t}`);
}
