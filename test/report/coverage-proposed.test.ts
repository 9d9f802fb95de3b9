/**
 * Scenarios proposed for spec/scenarios (test/report/proposed-scenarios/*.json): the built-in
 * scenarios leave the transitions below untaken, and `iommu-spec coverage` reports each as a
 * finding. These small scenarios take every one of them and explore exhaustively without a
 * violation, so registering them as built-ins (spec/scenarios/index.ts) clears the findings.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { measureCoverage } from '../../src/report/coverage.js';
import { scenario } from '../__helpers__/scenarios.js';

const DIR = resolve(import.meta.dirname, 'proposed-scenarios');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

/** What the built-in scenarios leave untaken (unmarked), as `iommu-spec coverage` lists it. */
const UNTAKEN_BY_BUILTINS: readonly (readonly [string, string])[] = [
  ['iommu_group', 'iommu_group/iommu_group_claim_dma_owner#6'],
  ['iommu_group', 'iommu_group/iommu_device_claim_dma_owner#6'],
  ['iommu_group', 'iommu_group/iommu_device_claim_dma_owner#7'],
  ['iommu_group', 'domain/iommu_attach_device#6'],
  ['iommu_group', 'domain/iommu_attach_device#7'],
  ['iommu_group', 'domain/iommu_attach_group#2'],
  ['iommu_group', 'domain/iommu_attach_group#5'],
  ['iommu_group', 'domain/iommu_attach_group#6'],
  ['iommu_group', 'domain/iommu_group_replace_domain#2'],
  ['iommu_group', 'domain/iommu_group_replace_domain#4'],
  ['iommu_group', 'domain/iommu_group_replace_domain#5'],
  ['iommu_group', 'domain/iommu_group_replace_domain#8'],
  ['iommu_group', 'domain/iommu_group_store_type#2'],
  ['iommu_group', 'domain/iommu_group_store_type#3'],
  ['iommu_group', 'domain/iommu_group_store_type#4'],
  ['iommu_group', 'domain/iommu_group_store_type#5'],
  ['iommu_group', 'domain/iommu_group_store_type#6'],
  ['iommu_group', 'domain/iommu_group_store_type#7'],
  ['iommu_group', 'domain/iommu_group_store_type#8'],
  ['iommu_group', 'domain/iommu_group_store_type#14'],
  ['iommu_group', 'domain/iommu_group_store_type#15'],
  ['iommu_group', 'domain/iommu_group_show_type#1'],
  ['iommu_group', 'domain/iommu_get_domain_for_dev#2'],
  ['iommu_group', 'domain/iommu_get_domain_for_dev#3'],
  ['iommu_group', 'domain/iommu_get_domain_for_dev#4'],
  ['pasid_slot', 'pasid_slot/iommu_attach_device_pasid#2'],
  ['pasid_slot', 'pasid_slot/iommu_attach_device_pasid#4'],
  ['pasid_slot', 'pasid_slot/iommu_attach_device_pasid#5'],
  ['pasid_slot', 'pasid_slot/iommu_attach_device_pasid#7'],
  ['pasid_slot', 'pasid_slot/iommu_attach_device_pasid#8'],
  ['pasid_slot', 'pasid_slot/iommu_replace_device_pasid#1'],
  ['pasid_slot', 'pasid_slot/iommu_replace_device_pasid#2'],
  ['pasid_slot', 'pasid_slot/iommu_replace_device_pasid#3'],
  ['pasid_slot', 'pasid_slot/iommu_replace_device_pasid#5'],
  ['pasid_slot', 'pasid_slot/iommu_replace_device_pasid#7'],
  ['pasid_slot', 'pasid_slot/iommu_replace_device_pasid#8'],
  ['pasid_slot', 'pasid_slot/iommu_replace_device_pasid#9'],
  ['pasid_slot', 'pasid_slot/iommu_replace_device_pasid#10'],
  ['paging_domain', 'free/iommu_paging_domain_alloc#1'],
  ['mm', 'mm/iommu_sva_bind_device#7'],
  ['mm', 'mm/iommu_sva_bind_device#8'],
  ['mm', 'mm/iommu_sva_get_pasid#1'],
  ['mm', 'no_pasid/always#2'],
  ['dma_mapping', 'driver/dma_map_single#1'],
  ['dma_mapping', 'dma_ops/dma_opt_mapping_size#1'],
  ['dma_mapping', 'dma_ops/dma_opt_mapping_size#2'],
];

describe('the proposed scenarios', () => {
  const scenarios = FILES.map((f) => {
    const sc = scenario(JSON.parse(readFileSync(join(DIR, f), 'utf8')));
    return { ref: sc.name, scenario: sc };
  });

  test('each is named after its file', () => {
    expect(scenarios.map((s) => `${s.ref}.json`)).toEqual(FILES);
  });

  const r = measureCoverage(scenarios);
  if (!r.ok) throw new Error(`${r.where}: ${r.message}`);
  const report = r.value;

  test('each explores exhaustively and passes', () => {
    for (const s of report.scenarios) expect([s.scenario, s.result]).toEqual([s.scenario, 'pass']);
  });

  test('together they take every transition the built-in scenarios leave untaken', () => {
    const taken = new Set(
      report.machines.flatMap((m) =>
        m.transitions.counts.filter((c) => c.generated > 0).map((c) => `${m.id} ${c.id}`),
      ),
    );
    expect(UNTAKEN_BY_BUILTINS.filter(([m, t]) => !taken.has(`${m} ${t}`))).toEqual([]);
  });
});
