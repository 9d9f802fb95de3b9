/**
 * machines/runtime/memo.ts: the memoised spec model the explorer uses must answer exactly what the
 * plain model answers, on every edge of every built-in scenario's spec-only graph: the same
 * return, the same next state (by key), the same caller-contract verdict and the same view.
 * The plain model is the instrumented one (createSpecModel with onTransition), which never
 * memoises.
 */
import { describe, expect, test } from 'vitest';
import { createSpecModel, type KernelSpecState } from '../../../machines/router/kernel.js';
import { parseScenario } from '../../../spec/parse.js';
import type { Scenario } from '../../../spec/scenario.js';
import { BUILTIN_SCENARIOS } from '../../../spec/scenarios/index.js';
import { staticUniverse } from '../../../src/check/core/universe.js';
import { specEnabledEvents } from '../../../src/check/frontends/paths/index.js';

function parsed(name: string): Scenario {
  const r = parseScenario(BUILTIN_SCENARIOS[name]);
  if (!r.ok) throw new Error(`${name}: ${r.where}: ${r.message}`);
  return r.value;
}

describe('the memoised spec model agrees with the plain one on every edge', () => {
  test.each(Object.keys(BUILTIN_SCENARIOS))('%s', (name) => {
    const sc = parsed(name);
    const memo = createSpecModel(sc);
    const plain = createSpecModel(sc, { onTransition: () => {} });
    const universe = staticUniverse(sc);
    expect(memo.key(memo.initial)).toBe(plain.key(plain.initial));
    // Breadth-first over the plain model; the memoised one is asked the same questions, each
    // twice (the second answer comes from its tables).
    const seen = new Set([plain.key(plain.initial)]);
    const queue: [KernelSpecState, KernelSpecState][] = [[plain.initial, memo.initial]];
    let edges = 0;
    for (let head = 0; head < queue.length; head++) {
      const [p, m] = queue[head];
      expect(memo.view(m)).toEqual(plain.view(p));
      const offered = specEnabledEvents(sc, plain, universe, p);
      for (const ev of universe) expect(memo.allowed(m, ev)).toBe(plain.allowed(p, ev));
      for (const ev of offered) {
        const tp = plain.step(p, ev);
        for (let round = 0; round < 2; round++) {
          const tm = memo.step(m, ev);
          expect([tm.ret, memo.key(tm.next)]).toEqual([tp.ret, plain.key(tp.next)]);
        }
        edges++;
        const k = plain.key(tp.next);
        if (seen.has(k)) continue;
        seen.add(k);
        queue.push([tp.next, memo.step(m, ev).next]);
      }
    }
    expect(edges).toBeGreaterThan(0);
  });
});
