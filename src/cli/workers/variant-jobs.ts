/**
 * `iommu-spec variants --workers N`: each design variant on a worker of a pool, the verdicts in
 * the variants' order, as the serial run gives them.
 */
import type { Parsed } from '../../../spec/input-error.js';
import type { Variant } from '../../../spec/variants/types.js';
import type { VariantVerdict } from '../../check/frontends/variants.js';
import { WorkerPool } from './pool.js';

export async function runVariantsOnWorkers(
  variants: readonly Variant[],
  workers: number,
): Promise<Parsed<VariantVerdict[]>> {
  const answers: Parsed<VariantVerdict>[] = [];
  const pool = new WorkerPool(workers);
  try {
    await pool.each(
      variants.map((v, i) => ({ name: v.name, i })),
      async (worker, { name, i }) => {
        answers[i] = await pool.variant(worker, name);
      },
    );
  } finally {
    await pool.terminate();
  }
  const out: VariantVerdict[] = [];
  for (const a of answers) {
    if (!a.ok) return a;
    out.push(a.value);
  }
  return { ok: true, value: out };
}
