/**
 * src/kernel/state-key.ts: the compact key must identify exactly the states the state's full
 * JSON text identifies (less the sync counter). On states reached breadth-first in every
 * built-in scenario, two states get the same compact key if and only if they get the same JSON
 * text; changing any one number in a state changes its key; the sync counter does not.
 */
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../machines/router/kernel.js';
import { parseScenario } from '../../spec/parse.js';
import type { Scenario } from '../../spec/scenario.js';
import { BUILTIN_SCENARIOS } from '../../spec/scenarios/index.js';
import { bootEmulator } from '../../src/check/core/emulator.js';
import { enabledEvents } from '../../src/check/core/explore.js';
import { createLockstep, type ProductState } from '../../src/check/core/lockstep.js';
import { staticUniverse } from '../../src/check/core/universe.js';
import { kernelStateKey } from '../../src/kernel/state.js';
import type { KernelState } from '../../src/kernel/types.js';

const PER_SCENARIO = 1500;

function parsed(name: string): Scenario {
  const r = parseScenario(BUILTIN_SCENARIOS[name]);
  if (!r.ok) throw new Error(`${name}: ${r.where}: ${r.message}`);
  return r.value;
}

const jsonKey = (st: KernelState) =>
  JSON.stringify({ ...st, hw: st.hw.map((h) => [h.iotlb, h.pending]) });

/** Emulator states reached breadth-first, deduplicated on their JSON text. */
function reached(name: string): KernelState[] {
  const sc = parsed(name);
  const ls = createLockstep(sc, bootEmulator(sc, {}), { spec: createSpecModel(sc) });
  const universe = staticUniverse(sc);
  const seen = new Set([jsonKey(ls.initial.emu)]);
  const queue: ProductState[] = [ls.initial];
  for (let head = 0; head < queue.length && queue.length < PER_SCENARIO; head++) {
    for (const ev of enabledEvents(sc, ls, universe, queue[head])) {
      const r = ls.step(queue[head], ev);
      if (r.violation !== null || r.divergence !== null) continue;
      const k = jsonKey(r.next.emu);
      if (seen.has(k)) continue;
      seen.add(k);
      queue.push(r.next);
    }
  }
  return queue.map((s) => s.emu);
}

/** Every number in the state, as a path of property names and indices. */
function numberPaths(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof v === 'number') return [path];
  if (typeof v !== 'object' || v === null) return [];
  return Object.entries(v).flatMap(([k, x]) =>
    numberPaths(x, [...path, Array.isArray(v) ? Number(k) : k]),
  );
}

function bump(st: KernelState, path: readonly (string | number)[]): KernelState {
  const copy: unknown = structuredClone(st);
  let o = copy as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) o = o[p] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  o[last] = (o[last] as number) + 1;
  return copy as KernelState;
}

describe('kernelStateKey', () => {
  test.each(Object.keys(BUILTIN_SCENARIOS))('%s: same key exactly when same JSON text', (name) => {
    const states = reached(name);
    const byKey = new Map<string, string>();
    for (const st of states) {
      const k = kernelStateKey(st);
      const j = jsonKey(st);
      const other = byKey.get(k);
      if (other !== undefined) expect(j, `two states share key ${k}`).toBe(other);
      byKey.set(k, j);
    }
    expect(byKey.size).toBe(states.length);
  });

  test('changing any one number changes the key, except the sync counter', () => {
    for (const name of ['smmu-and-amd-igpu', 'vtd-sva', 'smmu-dma', 's390-ism']) {
      const states = reached(name);
      for (const st of [states[0], states[states.length - 1]]) {
        const k = kernelStateKey(st);
        for (const path of numberPaths(st)) {
          const changed = kernelStateKey(bump(st, path));
          if (path[0] === 'hw' && path[2] === 'syncs') expect(changed, path.join('.')).toBe(k);
          else expect(changed, path.join('.')).not.toBe(k);
        }
      }
    }
  });

  test('the key is about a quarter of the JSON text', () => {
    const st = reached('smmu-and-amd-igpu').at(-1) as KernelState;
    expect(kernelStateKey(st).length * 3).toBeLessThan(jsonKey(st).length);
  });
});
