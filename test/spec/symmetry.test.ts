/**
 * Symmetry classes (spec/symmetry.ts): validation rejects every class whose devices a rule could
 * tell apart, naming the path; and the permutation algebra the explorer relies on (identity
 * first, composition, inverses, events relabelled consistently), as seeded fast-check properties.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { KernelEvent } from '../../spec/events.js';
import { parseScenario } from '../../spec/parse.js';
import {
  composePermutations,
  type DevicePermutation,
  invertPermutation,
  isIdentity,
  permuteEvent,
  symmetryPermutations,
} from '../../spec/symmetry.js';

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely before parsing
type Raw = any;

const FIXTURE = new URL('../check/fixtures/vtd-three-dma.json', import.meta.url);
const base = (): Raw => JSON.parse(readFileSync(FIXTURE, 'utf8'));

function rejects(edit: (s: Raw) => void, where: string, message: RegExp) {
  const s = base();
  edit(s);
  const r = parseScenario(s);
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.where).toBe(where);
  expect(r.message).toMatch(message);
}

describe('symmetry classes: validation', () => {
  test('the three-identical-devices fixture parses with one class of three', () => {
    const r = parseScenario(base());
    expect(r.ok).toBe(true);
    if (r.ok) expect(symmetryPermutations(r.value)).toHaveLength(6);
  });

  test('an unknown device is named', () => {
    rejects((s) => s.symmetry[0].push('nope'), 'scenario.symmetry[0][3]', /no device named "nope"/);
  });

  test('members behind different IOMMUs are rejected', () => {
    rejects(
      (s) => {
        s.iommus.push({ name: 'dmar1', driver: 'intel-vtd' });
        s.devices[1].iommu = 'dmar1';
      },
      'scenario.symmetry[0][1]',
      /behind IOMMU "dmar1".*share an IOMMU/,
    );
  });

  test.each([
    ['max_pasids', 4],
    ['untrusted', true],
    ['shadow_on_flush', true],
    ['pci', false],
    ['dma_mask_bits', 32],
  ])('members differing in %s are rejected', (prop, value) => {
    rejects(
      (s) => {
        s.devices[2][prop] = value;
      },
      'scenario.symmetry[0][2]',
      new RegExp(`${prop}=.*identical properties`),
    );
  });

  test('a require_direct member is rejected (its direct page is its own)', () => {
    rejects(
      (s) => {
        for (const d of s.devices) d.require_direct = true;
      },
      'scenario.symmetry[0][0]',
      /require_direct/,
    );
  });

  test('a member sharing its group is rejected, even with a non-member', () => {
    rejects(
      (s) => {
        s.devices.push({ name: 'other', iommu: 'dmar0', group: 'g1' });
      },
      'scenario.symmetry[0][1]',
      /shares group "g1" with "other".*alone in its group/,
    );
  });

  test('a device in two classes, or twice in one, is rejected', () => {
    rejects(
      (s) => s.symmetry.push(['0000:00:02.0', '0000:00:03.0']),
      'scenario.symmetry[1][0]',
      /already in symmetry class 0/,
    );
    rejects(
      (s) => {
        s.symmetry[0][2] = '0000:00:02.0';
      },
      'scenario.symmetry[0][2]',
      /listed twice/,
    );
  });

  test('an absurdly large group is an input error, not an enumeration', () => {
    rejects(
      (s) => {
        for (let i = 5; i < 12; i++)
          s.devices.push({ name: `d${i}`, iommu: 'dmar0', group: `g${i}` });
        s.symmetry.push(s.devices.slice(3).map((d: Raw) => d.name));
      },
      'scenario.symmetry',
      /30240 permutations; at most 720/,
    );
  });
});

/** Permutations of n singleton-group devices, as a fast-check arbitrary. */
const permArb = (n: number) =>
  fc
    .shuffledSubarray(
      Array.from({ length: n }, (_, i) => i),
      { minLength: n, maxLength: n },
    )
    .map((dev): DevicePermutation => ({ dev, group: dev.slice() }));

const eventArb = (n: number) =>
  fc.record({
    dev: fc.integer({ min: 0, max: n - 1 }),
    group: fc.integer({ min: 0, max: n - 1 }),
    mm: fc.integer({ min: 0, max: 2 }),
    kind: fc.constantFrom('default' as const, 'blocking' as const),
  });

describe('symmetry permutations: algebra (fast-check, seed 7)', () => {
  const N = 4;
  const params = { seed: 7, numRuns: 200 };

  test('the group of one class of three: six distinct permutations, the identity first', () => {
    const r = parseScenario(base());
    if (!r.ok) throw new Error(r.message);
    const perms = symmetryPermutations(r.value);
    expect(isIdentity(perms[0])).toBe(true);
    expect(new Set(perms.map((p) => p.dev.join(','))).size).toBe(6);
    for (const p of perms) expect(p.group).toEqual(p.dev);
  });

  test('composition is associative and the inverse undoes a permutation', () => {
    fc.assert(
      fc.property(permArb(N), permArb(N), permArb(N), (p, q, r) => {
        const a = composePermutations(r, composePermutations(q, p));
        const b = composePermutations(composePermutations(r, q), p);
        expect(a).toEqual(b);
        expect(isIdentity(composePermutations(invertPermutation(p), p))).toBe(true);
      }),
      params,
    );
  });

  test('relabelling an event twice is relabelling it by the composite; the inverse restores it', () => {
    fc.assert(
      fc.property(permArb(N), permArb(N), eventArb(N), (p, q, e) => {
        const ev: KernelEvent = {
          type: 'iommu_sva_bind_device',
          dev: e.dev,
          group: e.group,
          domain: { kind: e.kind, group: e.group },
          handle: `sva:${e.dev}:${e.mm}`,
        };
        expect(permuteEvent(permuteEvent(ev, p), q)).toEqual(
          permuteEvent(ev, composePermutations(q, p)),
        );
        expect(permuteEvent(permuteEvent(ev, p), invertPermutation(p))).toEqual(ev);
        const moved = permuteEvent(ev, p);
        expect(moved.handle).toBe(`sva:${p.dev[e.dev]}:${e.mm}`);
      }),
      params,
    );
  });
});
