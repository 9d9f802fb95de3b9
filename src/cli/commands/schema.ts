/** iommu-spec schema [scenario|trace]: JSON Schemas generated from the zod schemas, for editors. */
import { z } from 'zod';
import { scenarioSchema } from '../../../spec/scenario.js';
import { traceFileSchema } from '../../../spec/trace.js';
import type { CliOutput } from '../output.js';

export function jsonSchemas(): { scenario: unknown; trace: unknown } {
  return {
    scenario: z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }),
    trace: z.toJSONSchema(traceFileSchema, { io: 'input', unrepresentable: 'any' }),
  };
}

export function runSchema(format: string | undefined, out: CliOutput): number {
  const all = jsonSchemas();
  if (format === undefined) out.json(all);
  else if (format === 'scenario' || format === 'trace') out.json(all[format]);
  else return out.inputError(`schema: unknown format "${format}" (scenario or trace)`);
  return 0;
}
