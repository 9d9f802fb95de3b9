/**
 * Every invariant has its hand-made tests here (a describe block named after it in one of this
 * folder's files), and the base observation of test/__helpers__/observation.ts, from which those
 * tests change one fact, breaks none of them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ACTION_INVARIANTS, INVARIANTS } from '../../../spec/invariants/index.js';
import { makeObs } from '../../__helpers__/observation.js';

const here = dirname(fileURLToPath(import.meta.url));
const sources = readdirSync(here)
  .filter((f) => f.endsWith('.test.ts') && f !== 'index.test.ts')
  .map((f) => readFileSync(join(here, f), 'utf8'))
  .join('\n');

describe('invariant tests', () => {
  test.each([...INVARIANTS, ...ACTION_INVARIANTS].map((i) => [i.id]))(
    '%s has a describe block here',
    (id) => {
      expect(sources).toContain(`describe('${id}'`);
    },
  );

  test('the base observation holds every state invariant, and a no-op step every action invariant', () => {
    const o = makeObs();
    for (const inv of INVARIANTS) expect([inv.id, inv.holds(o)]).toEqual([inv.id, null]);
    for (const a of ACTION_INVARIANTS)
      for (const type of [
        'iommu_attach_device',
        'iommu_attach_device_pasid',
        'iommu_unmap',
        'iommu_group_store_type',
      ] as const)
        expect([a.id, a.holds(o, { type, dev: 0, group: 0, pasid: 1 }, 0, o)]).toEqual([
          a.id,
          null,
        ]);
  });
});
