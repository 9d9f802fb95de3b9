/** iommu-spec merge: shard reports of `explore --shard I/N --json` joined into the unsharded report. */
import { mergeShardReports } from '../../check/scale/shard-plan.js';
import { readJson } from '../io.js';
import { type CliOutput, EXIT } from '../output.js';

export function runMerge(files: readonly string[], out: CliOutput): number {
  const inputs: { name: string; value: unknown }[] = [];
  for (const f of files) {
    const r = readJson(f, 'shard report');
    if (!r.ok) return out.inputError(r.message);
    inputs.push({ name: f, value: r.value });
  }
  const merged = mergeShardReports(inputs);
  if (typeof merged === 'string') return out.inputError(merged);
  out.json(merged.report);
  return merged.result === 'violation'
    ? EXIT.VIOLATION
    : merged.result === 'incomplete'
      ? EXIT.INCOMPLETE
      : EXIT.OK;
}
