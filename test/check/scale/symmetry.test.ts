/**
 * Symmetry reduction (src/check/scale/symmetry.ts) on scenarios of three identical devices
 * (test/check/fixtures): the relabellings commute with the lockstep step on reachable states (the
 * soundness argument, checked), the explorer stores exactly one state per orbit of the reachable
 * states with the same verdict, and every seeded bug caught without symmetry is caught with it,
 * with a counterexample of the same length that replays.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../../machines/router/kernel.js';
import type { KernelEvent } from '../../../spec/events.js';
import { parseScenario } from '../../../spec/parse.js';
import type { Scenario } from '../../../spec/scenario.js';
import {
  composePermutations,
  type DevicePermutation,
  invertPermutation,
  permuteEvent,
  symmetryPermutations,
} from '../../../spec/symmetry.js';
import { checkTraceSteps } from '../../../spec/trace.js';
import { bootEmulator } from '../../../src/check/core/emulator.js';
import { enabledEvents, explore } from '../../../src/check/core/explore.js';
import {
  createLockstep,
  type Lockstep,
  type ProductState,
} from '../../../src/check/core/lockstep.js';
import { replayTrace } from '../../../src/check/core/replay.js';
import { staticUniverse } from '../../../src/check/core/universe.js';
import { permuteProduct, symmetryFor } from '../../../src/check/scale/symmetry.js';
import { permuteKernelState } from '../../../src/check/scale/symmetry-emulator.js';
import { MUTANTS } from '../../../src/kernel/mutants.js';
import { kernelStateKey } from '../../../src/kernel/state.js';

function fixture(name: string): Scenario {
  const raw = JSON.parse(
    readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8'),
  );
  const r = parseScenario(raw);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

interface Harness {
  readonly scenario: Scenario;
  readonly ls: Lockstep;
  readonly perms: readonly DevicePermutation[];
  readonly options: { readonly spec: ReturnType<typeof createSpecModel> };
  readonly universe: readonly KernelEvent[];
  readonly permute: (s: ProductState, p: DevicePermutation) => ProductState;
}

function harness(name: string): Harness {
  const scenario = fixture(name);
  const options = { spec: createSpecModel(scenario) };
  const emu = bootEmulator(scenario);
  const ls = createLockstep(scenario, emu, options);
  return {
    scenario,
    ls,
    perms: symmetryPermutations(scenario),
    options,
    universe: staticUniverse(scenario),
    permute: (s, p) => permuteProduct(ls.cfg, options, s, p),
  };
}

const evKey = (e: KernelEvent) => JSON.stringify(e, Object.keys(e).sort());

describe.each(['vtd-three-dma', 'smmu-three-owned'])(
  'relabelling commutes with the lockstep step on %s (fast-check, seed 11)',
  (name) => {
    const h = harness(name);
    const walk = fc.array(fc.nat(), { minLength: 1, maxLength: 14 });

    test('step(perm s, perm e) == perm step(s, e): keys, returns, verdicts, enabled events', () => {
      fc.assert(
        fc.property(walk, (choices) => {
          let s = h.ls.initial;
          for (const c of choices) {
            const evs = enabledEvents(h.scenario, h.ls, h.universe, s);
            if (evs.length === 0) return;
            const e = evs[c % evs.length];
            const r = h.ls.step(s, e);
            for (const p of h.perms) {
              const ps = h.permute(s, p);
              const pevs = enabledEvents(h.scenario, h.ls, h.universe, ps).map(evKey).sort();
              expect(pevs).toEqual(evs.map((x) => evKey(permuteEvent(x, p))).sort());
              const pr = h.ls.step(ps, permuteEvent(e, p));
              expect(pr.emuRet).toEqual(r.emuRet);
              expect(pr.specRet).toEqual(r.specRet);
              expect(pr.divergence === null).toBe(r.divergence === null);
              expect(pr.violation?.invariant).toEqual(r.violation?.invariant);
              expect(h.ls.key(pr.next)).toBe(h.ls.key(h.permute(r.next, p)));
            }
            if (r.divergence !== null || r.violation !== null) return;
            s = r.next;
          }
        }),
        { seed: 11, numRuns: 40 },
      );
    });

    test('relabellings compose, and the inverse restores the state (spec and emulator)', () => {
      fc.assert(
        fc.property(walk, fc.nat(), fc.nat(), (choices, i, j) => {
          let s = h.ls.initial;
          for (const c of choices) {
            const evs = enabledEvents(h.scenario, h.ls, h.universe, s);
            const r = h.ls.step(s, evs[c % evs.length]);
            if (r.divergence !== null || r.violation !== null) break;
            s = r.next;
          }
          const p = h.perms[i % h.perms.length];
          const q = h.perms[j % h.perms.length];
          const qp = composePermutations(q, p);
          expect(h.ls.key(h.permute(h.permute(s, p), q))).toBe(h.ls.key(h.permute(s, qp)));
          expect(h.ls.key(h.permute(h.permute(s, p), invertPermutation(p)))).toBe(h.ls.key(s));
          const cfg = h.ls.cfg;
          expect(
            kernelStateKey(permuteKernelState(cfg, permuteKernelState(cfg, s.emu, p), q)),
          ).toBe(kernelStateKey(permuteKernelState(cfg, s.emu, qp)));
        }),
        { seed: 11, numRuns: 40 },
      );
    });
  },
);

describe('explore with symmetry on three identical devices (vtd-three-dma)', () => {
  test('one state per orbit of the reachable states; same verdict; depth of the orbits', () => {
    const h = harness('vtd-three-dma');
    const sym = symmetryFor(h.scenario, h.ls.cfg, h.options, h.ls.key);
    if (sym?.key == null) throw new Error('symmetry not applied');
    // Plain breadth-first search; the least depth at which each orbit is first met.
    const seen = new Set([h.ls.key(h.ls.initial)]);
    const orbitDepth = new Map([[sym.key(h.ls.initial), 0]]);
    let frontier = [h.ls.initial];
    for (let depth = 1; frontier.length > 0; depth++) {
      const next: ProductState[] = [];
      for (const s of frontier) {
        for (const e of enabledEvents(h.scenario, h.ls, h.universe, s)) {
          const n = h.ls.step(s, e).next;
          const k = h.ls.key(n);
          if (seen.has(k)) continue;
          seen.add(k);
          next.push(n);
          const o = sym.key(n);
          if (!orbitDepth.has(o)) orbitDepth.set(o, depth);
        }
      }
      frontier = next;
    }
    const plain = explore(h.scenario, { ...h.options, symmetry: false });
    const reduced = explore(h.scenario, h.options);
    expect(plain.states).toBe(seen.size);
    expect(reduced.result).toBe(plain.result);
    expect(reduced.states).toBe(orbitDepth.size);
    expect(reduced.states).toBeLessThan(plain.states);
    expect(reduced.depth).toBe(Math.max(...orbitDepth.values()));
    expect(reduced.depth).toBeLessThanOrEqual(plain.depth);
    expect(reduced.symmetry).toEqual({ classes: 1, permutations: 6, applied: true });
    expect(plain.symmetry?.applied).toBe(false);
  });

  test('a spec model that cannot relabel its states turns symmetry off, and says so', () => {
    const sc = fixture('vtd-three-dma');
    const { permute: _drop, ...spec } = createSpecModel(sc);
    const r = explore(sc, { spec, maxStates: 50 });
    expect(r.symmetry).toMatchObject({ applied: false, reason: /cannot relabel/ });
  });
});

describe('every seeded bug caught without symmetry is caught with it (vtd-three-dma)', () => {
  const sc = fixture('vtd-three-dma');
  const maxDepth = 7;
  test.each(MUTANTS.map((m) => [m.name] as const))('%s', (mutant) => {
    const run = (symmetry: boolean) =>
      explore(sc, { spec: createSpecModel(sc), mutants: [mutant], symmetry, maxDepth });
    const plain = run(false);
    if (plain.result !== 'violation') return;
    const reduced = run(true);
    expect(reduced.result).toBe('violation');
    const f = reduced.findings[0];
    expect(f.trace.steps.length).toBe(plain.findings[0].trace.steps.length);
    expect(f.invariant).toBe(plain.findings[0].invariant);
    const steps = checkTraceSteps(f.trace.steps as unknown as Record<string, unknown>[], sc);
    if (!steps.ok) throw new Error(`${steps.where}: ${steps.message}`);
    const rep = replayTrace(sc, steps.value, { spec: createSpecModel(sc), mutants: [mutant] });
    if (!rep.ok) throw new Error(rep.message);
    expect(rep.value.outcome.result).not.toBe('pass');
  });

  test('the fixture catches at least two seeded bugs', () => {
    const caught = MUTANTS.filter(
      (m) =>
        explore(sc, { spec: createSpecModel(sc), mutants: [m.name], symmetry: true, maxDepth })
          .result === 'violation',
    );
    expect(caught.length).toBeGreaterThanOrEqual(2);
  });
});
