/** iommu-spec scenarios | mutants: what is built in. */
import { parseScenario } from '../../../spec/parse.js';
import { BUILTIN_SCENARIOS } from '../../../spec/scenarios/index.js';
import { MUTANTS } from '../../kernel/mutants.js';
import type { CliOutput } from '../output.js';

export function runScenarios(opts: { json?: boolean }, out: CliOutput): number {
  const rows = Object.entries(BUILTIN_SCENARIOS).map(([name, raw]) => {
    const p = parseScenario(raw);
    return { name, description: p.ok ? (p.value.description ?? '') : `INVALID: ${p.message}` };
  });
  if (opts.json) out.json({ scenarios: rows });
  else for (const r of rows) out.line(`${r.name.padEnd(22)} ${r.description}`);
  return 0;
}

export function runMutants(opts: { json?: boolean }, out: CliOutput): number {
  if (opts.json) out.json({ mutants: MUTANTS });
  else
    for (const m of MUTANTS)
      out.line(
        `${m.name.padEnd(30)} ${m.bug}\n${''.padEnd(30)} (${m.site}; caught on ${m.scenario} by ${m.target})`,
      );
  return 0;
}
