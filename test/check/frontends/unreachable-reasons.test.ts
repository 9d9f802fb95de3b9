/**
 * Every transition a chart marks unreachable says why by a caller-contract rule
 * (machines/router/contract.ts) or a driver fact (spec/drivers.ts), never by an invariant: an
 * invariant that rules a state out is what the exploration checks, so citing it as the reason
 * nothing reaches the state is circular (a broken invariant would then hide as "unreachable").
 */
import { expect, test } from 'vitest';
import { dmaMappingDoc } from '../../../machines/charts/dma_mapping.doc.js';
import type { ChartDoc } from '../../../machines/charts/doc.js';
import { globalPasidDoc } from '../../../machines/charts/global_pasid.doc.js';
import { iommuGroupDoc } from '../../../machines/charts/iommu_group.doc.js';
import { mmDoc } from '../../../machines/charts/mm.doc.js';
import { pagingDomainDoc } from '../../../machines/charts/paging_domain.doc.js';
import { pasidSlotDoc } from '../../../machines/charts/pasid_slot.doc.js';
import { CALLER_CONTRACT } from '../../../machines/router/contract.js';
import { ACTION_INVARIANTS, INVARIANTS } from '../../../spec/invariants/index.js';

const INVARIANT_IDS = [...INVARIANTS, ...ACTION_INVARIANTS].map((i) => i.id);
const RULES = Object.values(CALLER_CONTRACT).map((p) => p.name);

const CHART_DOCS: Readonly<Record<string, ChartDoc>> = {
  dma_mapping: dmaMappingDoc,
  global_pasid: globalPasidDoc,
  iommu_group: iommuGroupDoc,
  mm: mmDoc,
  paging_domain: pagingDomainDoc,
  pasid_slot: pasidSlotDoc,
};

const marks = Object.entries(CHART_DOCS).flatMap(([chart, doc]) =>
  (doc.unreachable ?? []).map((u) => [`${chart} ${u.transition}`, u.reason] as const),
);

test('there are unreachable marks to check', () => {
  expect(marks.length).toBeGreaterThan(10);
});

test.each(marks)(
  '%s: the reason names a contract rule or a driver fact, no invariant',
  (_t, reason) => {
    expect(INVARIANT_IDS.filter((id) => new RegExp(`\\b${id}\\b`).test(reason))).toEqual([]);
    const rule = /machines\/router\/contract\.ts (\w+)/.exec(reason);
    const namesRule = rule !== null && RULES.includes(rule[1]);
    const namesDriverFact = reason.includes('spec/drivers.ts');
    expect(namesRule || namesDriverFact, reason).toBe(true);
  },
);
