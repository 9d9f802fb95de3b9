/**
 * src/check/frontends/spec-search.ts: the spec-only search the benchmark times. It must reach exactly the
 * spec-only states and edges pinned in test/check/frontends/graph-crosscheck.test.ts (found there by
 * @xstate/graph and by a separate breadth-first search), terminate on every built-in scenario,
 * and say when a state budget cut it short.
 */
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../../machines/router/kernel.js';
import { parseScenario } from '../../../spec/parse.js';
import type { Scenario } from '../../../spec/scenario.js';
import { BUILTIN_SCENARIOS } from '../../../spec/scenarios/index.js';
import { specSearch } from '../../../src/check/frontends/spec-search.js';

const PINNED: Readonly<Record<string, { states: number; transitions: number }>> = {
  'vtd-sva': { states: 56, transitions: 232 },
  'smmu-hitless': { states: 15, transitions: 73 },
  'vtd-pasid': { states: 148, transitions: 964 },
  'amd-igpu-audio': { states: 48, transitions: 458 },
  'smmu-dma': { states: 32, transitions: 292 },
};

function parsed(name: string): Scenario {
  const r = parseScenario(BUILTIN_SCENARIOS[name]);
  if (!r.ok) throw new Error(`${name}: ${r.where}: ${r.message}`);
  return r.value;
}

describe('specSearch', () => {
  for (const [name, pin] of Object.entries(PINNED)) {
    test(`${name}: ${pin.states} spec states, ${pin.transitions} transitions`, () => {
      const sc = parsed(name);
      const r = specSearch(sc, createSpecModel(sc));
      expect(r).toMatchObject({ ...pin, complete: true });
      expect(r.depth).toBeGreaterThan(0);
    });
  }

  test('terminates on every built-in scenario', () => {
    for (const name of Object.keys(BUILTIN_SCENARIOS)) {
      const sc = parsed(name);
      const r = specSearch(sc, createSpecModel(sc), 100_000);
      expect(r.complete, name).toBe(true);
    }
  });

  test('a state budget stops it and says so', () => {
    const sc = parsed('vtd-pasid');
    const r = specSearch(sc, createSpecModel(sc), 20);
    expect(r.complete).toBe(false);
    expect(r.states).toBeGreaterThanOrEqual(20);
    expect(r.states).toBeLessThan(148);
  });
});
