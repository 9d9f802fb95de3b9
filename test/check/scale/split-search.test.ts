/**
 * Why this test? `explore --workers N` splits a scenario's search across shards that share no
 * memory (src/check/scale/shard.ts, split-search.ts). Its counts must equal the serial explorer's, and a
 * violation must hand back to the serial explorer (null), whose counterexample is the shortest.
 * Here the shards run in this thread (localTeam), the same code the worker threads run.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../../machines/router/kernel.js';
import { explore } from '../../../src/check/core/explore.js';
import { ownerOf, splittable } from '../../../src/check/scale/shard.js';
import { localTeam, splitSearch } from '../../../src/check/scale/split-search.js';
import { builtin, scenario } from '../../__helpers__/scenarios.js';

const counts = (r: { result: string; states: number; transitions: number; depth: number }) => ({
  result: r.result,
  states: r.states,
  transitions: r.transitions,
  depth: r.depth,
});

describe('a search split across shards', () => {
  test.each([
    ['vtd-pasid', 2],
    ['vtd-dma-strict', 3],
    ['s390-ism', 2],
    ['mock-untrusted', 4],
  ] as const)('%s in %i shards reaches the serial counts, per call too', async (name, n) => {
    const sc = builtin(name);
    const serial = explore(sc, { spec: createSpecModel(sc) });
    const split = await splitSearch(sc, localTeam(sc, { spec: createSpecModel(sc) }, n));
    expect(split).not.toBeNull();
    expect(counts(split!)).toEqual(counts(serial));
    expect(split!.perCall).toEqual(serial.perCall);
    expect(split!.findings).toEqual([]);
  });

  test('under symmetry, shards own orbits: the orbit count and its report match', async () => {
    const sc = scenario(
      JSON.parse(readFileSync(new URL('../fixtures/vtd-three-dma.json', import.meta.url), 'utf8')),
    );
    const serial = explore(sc, { spec: createSpecModel(sc) });
    const split = await splitSearch(sc, localTeam(sc, { spec: createSpecModel(sc) }, 2));
    expect(serial.symmetry?.applied).toBe(true);
    expect(split).toEqual({ ...serial, perCall: split!.perCall });
    expect(split!.perCall).toEqual(serial.perCall);
  });

  test('a depth bound is reported as the serial explorer reports it', async () => {
    const sc = builtin('vtd-dma-strict');
    const bounded = { ...sc, bounds: { ...sc.bounds, max_depth: 4 } };
    const serial = explore(bounded, { spec: createSpecModel(bounded) });
    const split = await splitSearch(
      bounded,
      localTeam(bounded, { spec: createSpecModel(bounded) }, 2),
    );
    expect(serial.result).toBe('incomplete');
    expect(split).toEqual({ ...serial, perCall: split!.perCall });
    expect(split!.perCall).toEqual(serial.perCall);
  });

  test('a seeded bug hands the scenario back to the serial explorer (null)', async () => {
    const sc = builtin('vtd-pasid');
    const options = { spec: createSpecModel(sc), mutants: ['cd-left-after-detach'] };
    expect(explore(sc, options).result).toBe('violation');
    expect(await splitSearch(sc, localTeam(sc, options, 2))).toBeNull();
  });

  test('every key has one owner among the shards', () => {
    for (const key of ['a', 'b|c', '']) {
      const o = ownerOf(key, 3);
      expect(o).toBeGreaterThanOrEqual(0);
      expect(o).toBeLessThan(3);
      expect(ownerOf(key, 3)).toBe(o);
    }
  });

  test('state bounds, fingerprints, collected findings and variants run serially', () => {
    expect(splittable({})).toBe(true);
    expect(splittable({ maxStates: 10 })).toBe(false);
    expect(splittable({ fingerprint: true })).toBe(false);
    expect(splittable({ collectAll: true })).toBe(false);
    expect(splittable({ conformance: false })).toBe(false);
  });
});
