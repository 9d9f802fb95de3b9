/**
 * Why this test? The explorer dedups on the numeric words of a state (hash-consed exact keys) or
 * on their 64-bit fingerprint, never on the canonical key text (src/kernel/state-key.ts). Both
 * must decide sameness exactly as the canonical key does: on every reachable state of every
 * built-in scenario, a state whose key is new must be new to both stores, and a state whose key
 * was seen must be found in both. So the fingerprint is injective on each reachable space.
 */
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../../machines/router/kernel.js';
import { parseScenario } from '../../../spec/parse.js';
import { BUILTIN_SCENARIOS } from '../../../spec/scenarios/index.js';
import { bootEmulator } from '../../../src/check/core/emulator.js';
import { enabledEvents } from '../../../src/check/core/explore.js';
import { createLockstep, type ProductState } from '../../../src/check/core/lockstep.js';
import { staticUniverse } from '../../../src/check/core/universe.js';
import { FingerprintSet } from '../../../src/check/scale/fingerprint.js';
import { Predecessors } from '../../../src/check/scale/predecessors.js';
import { createStateStore, ExactWordSet } from '../../../src/check/scale/state-store.js';

describe('the explorer decides sameness as the canonical key does', () => {
  test.each(Object.keys(BUILTIN_SCENARIOS))('%s: exact words and fingerprints', (name) => {
    const p = parseScenario(BUILTIN_SCENARIOS[name]);
    if (!p.ok) throw new Error(p.message);
    const sc = p.value;
    const spec = createSpecModel(sc);
    const ls = createLockstep(sc, bootEmulator(sc), { spec });
    const exact = createStateStore(ls.cfg, { spec }, []);
    const fp = createStateStore(ls.cfg, { spec, fingerprint: true }, []);
    const universe = staticUniverse(sc);
    const seen = new Set<string>([ls.key(ls.initial)]);
    for (const st of [exact, fp]) {
      expect(st.probe(ls.initial)).toBe(true);
      st.add();
    }
    let frontier: ProductState[] = [ls.initial];
    let agreed = 0;
    while (frontier.length > 0) {
      const next: ProductState[] = [];
      for (const s of frontier) {
        for (const ev of enabledEvents(sc, ls, universe, s)) {
          const t = ls.transition(s, ev);
          if (t.divergence !== null) continue;
          const k = ls.key(t.next);
          const fresh = !seen.has(k);
          const e = exact.probe(t.next);
          const f = fp.probe(t.next);
          if (e !== fresh || f !== fresh)
            throw new Error(`${name}: ${k}: key new ${fresh}, exact ${e}, fingerprint ${f}`);
          agreed++;
          if (!fresh) continue;
          seen.add(k);
          exact.add();
          fp.add();
          next.push(t.next);
        }
      }
      frontier = next;
    }
    expect(exact.size).toBe(seen.size);
    expect(fp.size).toBe(seen.size);
    expect(agreed).toBeGreaterThan(0);
  });
});

describe('the stores themselves', () => {
  test('ExactWordSet finds exactly what it was given, across growth', () => {
    const set = new ExactWordSet();
    const w = new Int32Array(8);
    const seq = (i: number) => {
      const n = 1 + (i % 5);
      for (let j = 0; j < n; j++) w[j] = (i * 31 + j) % 97;
      return n;
    };
    const ids = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const n = seq(i);
      const k = Array.from(w.subarray(0, n)).join(',');
      const h = k.length % 7; // a poor hash on purpose: equal hashes must still be told apart
      const found = set.find(w, 0, n, h);
      if (ids.has(k)) expect(found).toBe(ids.get(k));
      else {
        expect(found).toBe(-1);
        ids.set(k, set.add(w, 0, n, h));
      }
    }
    expect(set.size).toBe(ids.size);
  });

  test('FingerprintSet: add, has, growth, and at most 12.5 bytes a fingerprint', () => {
    const set = new FingerprintSet(16);
    let added = 0;
    let found = 0;
    for (let i = 0; i < 100_000; i++) if (set.add(Math.imul(i, 0x9e3779b1), i)) added++;
    for (let i = 0; i < 100_000; i++) if (set.has(Math.imul(i, 0x9e3779b1), i)) found++;
    expect([added, found]).toEqual([100_000, 100_000]);
    expect(set.add(Math.imul(5, 0x9e3779b1), 5)).toBe(false);
    expect(set.has(1, 100_001)).toBe(false);
    expect(set.size).toBe(100_000);
    expect(set.bytes / set.size).toBeLessThanOrEqual(12.5);
  });

  test('Predecessors: 3 bytes a state, and the paths back', () => {
    // A tree where state i has i % 4 children (the root 3), and one state with 300 (past the byte).
    const preds = new Predecessors();
    const parent = [-1];
    const event = [0];
    for (let i = 0; parent.length < 20_000; i++) {
      const c = i === 0 ? 3 : i === 3 ? 300 : i % 4;
      for (let k = 0; k < c; k++) {
        const e = (i + k) % 1000;
        expect(preds.add(i, e)).toBe(parent.length);
        parent.push(i);
        event.push(e);
      }
    }
    for (const j of [1, 2, 305, 306, 12_345, parent.length - 1]) {
      const want: number[] = [];
      for (let x = j; x > 0; x = parent[x]) want.push(event[x]);
      expect(preds.path(j)).toEqual(want.reverse());
    }
    expect(preds.bytes / preds.size).toBeLessThanOrEqual(3.8);
  });
});
