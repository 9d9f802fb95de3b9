/**
 * Why this test? spec/expected.json records each built-in scenario's state space (distinct
 * states, transitions, depth) as explored with the spec attached. A change to the emulator, the
 * charts, the contract or a scenario that alters the space shows up here; regenerate with
 * `npm run expected` when the change is intended.
 */
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../../machines/router/kernel.js';
import expected from '../../../spec/expected.json' with { type: 'json' };
import { parseScenario } from '../../../spec/parse.js';
import { BUILTIN_SCENARIOS } from '../../../spec/scenarios/index.js';
import { explore } from '../../../src/check/core/explore.js';

const table = expected as Record<
  string,
  { result: string; states: number; transitions: number; depth: number }
>;

describe('built-in scenarios explore to their recorded state spaces', () => {
  test('every built-in scenario has a record and every record a scenario', () => {
    expect(Object.keys(table).sort()).toEqual(Object.keys(BUILTIN_SCENARIOS).sort());
  });

  test.each(Object.keys(BUILTIN_SCENARIOS))('%s', (name) => {
    const p = parseScenario(BUILTIN_SCENARIOS[name]);
    if (!p.ok) throw new Error(p.message);
    const r = explore(p.value, { spec: createSpecModel(p.value) });
    expect(r.findings).toEqual([]);
    expect({
      result: r.result,
      states: r.states,
      transitions: r.transitions,
      depth: r.depth,
    }).toEqual(table[name]);
  });
});
