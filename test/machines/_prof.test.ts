import { test } from 'vitest';
import { createSpecModel } from '../../machines/kernel.js';
import type { SpecModel } from '../../spec/model.js';
import { parseScenario } from '../../spec/parse.js';
import { BUILTIN_SCENARIOS } from '../../spec/scenarios/index.js';
import { bootEmulator } from '../../src/check/emulator.js';
import { enabledEvents } from '../../src/check/explore.js';
import { createLockstep, type ProductState } from '../../src/check/lockstep.js';
import { staticUniverse } from '../../src/check/universe.js';

test('prof', () => {
  const p = parseScenario(BUILTIN_SCENARIOS['smmu-and-amd-igpu']);
  if (!p.ok) throw new Error();
  const sc = p.value;
  const base = createSpecModel(sc);
  const t = { step: 0, view: 0, key: 0, allowed: 0 };
  const spec: SpecModel = {
    initial: base.initial,
    step: (s, e) => {
      const a = performance.now();
      const r = base.step(s as never, e);
      t.step += performance.now() - a;
      return r;
    },
    allowed: (s, e) => {
      const a = performance.now();
      const r = base.allowed(s as never, e);
      t.allowed += performance.now() - a;
      return r;
    },
    view: (s) => {
      const a = performance.now();
      const r = base.view(s as never);
      t.view += performance.now() - a;
      return r;
    },
    key: (s) => {
      const a = performance.now();
      const r = base.key(s as never);
      t.key += performance.now() - a;
      return r;
    },
  };
  for (const inv of [[], undefined] as const) {
    const ls = createLockstep(sc, bootEmulator(sc), { spec, invariants: inv });
    const u = staticUniverse(sc);
    const seen = new Set([ls.key(ls.initial)]);
    const q: ProductState[] = [ls.initial];
    let h = 0;
    let n = 0;
    t.step = t.view = t.key = t.allowed = 0;
    const a = performance.now();
    while (h < q.length && seen.size < 5000) {
      const s = q[h++];
      for (const ev of enabledEvents(sc, ls, u, s)) {
        const r = ls.step(s, ev);
        n++;
        const k = ls.key(r.next);
        if (!seen.has(k)) {
          seen.add(k);
          q.push(r.next);
        }
      }
    }
    console.log(
      inv ? 'no invariants' : 'all invariants',
      'total ms',
      (performance.now() - a).toFixed(0),
      'transitions',
      n,
      JSON.stringify(Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v)]))),
    );
  }
});
