/**
 * machines/compile/index.ts: the compiled charts compute what xstate's machine.transition computes
 * (same state value, key order included, and a deep-equal context) on every chart edge of every
 * built-in scenario's spec-only search, and on random walks from those states under fuzzed
 * events; the spec model on compiled charts reaches the same spec-only states and edges as on
 * xstate; and a machine with a feature the compiler does not mirror does not compile.
 */
import { fc } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { type AnyStateMachine, assign, createMachine, raise, type StateValue, setup } from 'xstate';
import { compileMachine, UnsupportedFeature } from '../../../machines/compile/index.js';
import { createSpecModel } from '../../../machines/router/kernel.js';
import { SCOPE } from '../../../machines/runtime/chart.js';
import { BUILTIN_SCENARIOS } from '../../../spec/scenarios/index.js';
import { specSearch } from '../../../src/check/frontends/spec-search.js';
import {
  builtin,
  builtinChartEdges,
  CHART_MACHINES,
  type ChartEdge,
} from '../../__helpers__/chart-edges.js';

interface Snap {
  readonly value: StateValue;
  readonly context: object;
}

const viaXstate = (m: AnyStateMachine, s: object, e: object): Snap =>
  m.transition(s as never, e as never, SCOPE) as Snap;
const viaCompiled = (m: AnyStateMachine, s: object, e: object): Snap =>
  compileMachine(m).transition(s as never, e as never) as Snap;

/** Compiled and interpreted agree on this edge; returns xstate's snapshot. */
function agree(m: AnyStateMachine, s: object, e: object): Snap {
  const x = viaXstate(m, s, e);
  const c = viaCompiled(m, s, e);
  expect(JSON.stringify(c.value), `${m.id} on ${JSON.stringify(e)}`).toBe(JSON.stringify(x.value));
  expect(c.context, `${m.id} on ${JSON.stringify(e)}`).toEqual(x.context);
  expect((c as unknown as { status: string }).status).toBe('active');
  return x;
}

describe('compiled charts agree with xstate', () => {
  test('on every chart edge of every built-in scenario (spec-only search)', () => {
    const edges = builtinChartEdges();
    const perChart = new Map<string, number>();
    for (const e of edges) {
      perChart.set(e.chart, (perChart.get(e.chart) ?? 0) + 1);
      agree(CHART_MACHINES[e.chart], e.snapshot, e.event);
    }
    // Every chart of the spec is exercised.
    expect([...perChart.keys()].sort()).toEqual(Object.keys(CHART_MACHINES).sort());
  });

  test('compiled snapshots are xstate snapshots: matches() and a further xstate step agree', () => {
    for (const e of builtinChartEdges()) {
      const m = CHART_MACHINES[e.chart];
      const c = viaCompiled(m, e.snapshot, e.event) as Snap & { matches(v: StateValue): boolean };
      const x = viaXstate(m, e.snapshot, e.event) as Snap & { matches(v: StateValue): boolean };
      for (const n of m.root.states ? Object.keys(m.root.states) : [])
        expect(c.matches(n)).toBe(x.matches(n));
      expect(c.matches(x.value)).toBe(true);
      agree(m, c, e.event);
    }
  });

  for (const name of Object.keys(BUILTIN_SCENARIOS)) {
    test(`${name}: the spec-only search finds the same states and edges either way`, () => {
      const sc = builtin(name);
      const compiled = specSearch(sc, createSpecModel(sc));
      const interpreted = specSearch(sc, createSpecModel(sc, { interpreter: 'xstate' }));
      expect(compiled).toEqual(interpreted);
    });
  }
});

/** Flip some boolean fields of an event (deeply), keeping its type. */
function fuzz(ev: object, flips: readonly boolean[]): object {
  let i = 0;
  const go = (x: unknown): unknown => {
    if (typeof x === 'boolean') return flips[i++ % flips.length] ? !x : x;
    if (Array.isArray(x)) return x.map(go);
    if (typeof x === 'object' && x !== null)
      return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, go(v)]));
    return x;
  };
  return go(ev) as object;
}

const SEED = 20240611;

describe('compiled charts agree with xstate on random walks', () => {
  const byChart = new Map<string, ChartEdge[]>();
  for (const e of builtinChartEdges()) {
    const list = byChart.get(e.chart) ?? [];
    list.push(e);
    byChart.set(e.chart, list);
  }
  for (const [chart, edges] of byChart) {
    test(`${chart}: random reachable snapshots and fuzzed events (fast-check seed ${SEED})`, () => {
      const m = CHART_MACHINES[chart];
      fc.assert(
        fc.property(
          fc.constantFrom(...edges),
          fc.array(
            fc.tuple(
              fc.constantFrom(...edges),
              fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
            ),
            { minLength: 1, maxLength: 12 },
          ),
          (start, walk) => {
            let s: object = start.snapshot;
            for (const [edge, flips] of walk) s = agree(m, s, fuzz(edge.event, flips));
          },
        ),
        { seed: SEED, numRuns: 300 },
      );
    });
  }
});

describe('a fixture chart with entry/exit order, reenter, #id targets, params and always', () => {
  const m = setup({
    types: {
      context: {} as { log: string[]; n: number },
      events: {} as
        | { type: 'go' }
        | { type: 'back' }
        | { type: 'again' }
        | { type: 'bump'; by: number },
    },
    guards: {
      atLeast: ({ context }, p: { min: number }) => context.n >= p.min,
    },
    actions: {
      note: assign({ log: ({ context }, p: { s: string }) => [...context.log, p.s] }),
    },
  }).createMachine({
    id: 'fx',
    type: 'parallel',
    context: { log: [], n: 0 },
    states: {
      a: {
        initial: 'x',
        entry: { type: 'note', params: { s: 'enter a' } },
        exit: { type: 'note', params: { s: 'exit a' } },
        states: {
          x: {
            exit: { type: 'note', params: { s: 'exit x' } },
            on: { go: { target: '#fx.a.y.deep', actions: { type: 'note', params: { s: 'go' } } } },
          },
          y: {
            initial: 'shallow',
            entry: { type: 'note', params: { s: 'enter y' } },
            states: {
              shallow: {},
              deep: {
                entry: { type: 'note', params: { s: 'enter deep' } },
                always: {
                  guard: { type: 'atLeast', params: { min: 3 } },
                  target: '#fx.a.x',
                  actions: assign(({ context }) => ({ n: 0, log: [...context.log, 'settle'] })),
                },
              },
            },
            on: { again: { target: 'y', reenter: true } },
          },
        },
      },
      b: {
        initial: 'p',
        states: {
          p: {
            on: { bump: { actions: assign({ n: ({ context, event }) => context.n + event.by }) } },
          },
        },
      },
    },
    on: { back: { target: ['.a.x', '.b.p'], actions: { type: 'note', params: { s: 'back' } } } },
  });

  test('every event from every state reached agrees with xstate', () => {
    const events = [
      { type: 'go' },
      { type: 'again' },
      { type: 'bump', by: 2 },
      { type: 'bump', by: 1 },
      { type: 'back' },
    ] as const;
    let frontier: object[] = [m.getInitialSnapshot(SCOPE)];
    const seen = new Set<string>();
    let edges = 0;
    for (let depth = 0; depth < 6; depth++) {
      const next: object[] = [];
      for (const s of frontier)
        for (const e of events) {
          const x = agree(m, s, e);
          edges++;
          const k = JSON.stringify([x.value, x.context]);
          if (!seen.has(k)) {
            seen.add(k);
            next.push(x);
          }
        }
      frontier = next;
    }
    expect(edges).toBeGreaterThan(100);
  });
});

describe('unsupported features do not compile', () => {
  const cases: Record<string, () => AnyStateMachine> = {
    'history state': () =>
      createMachine({ initial: 'a', states: { a: {}, h: { type: 'history' } } }),
    'final state': () =>
      createMachine({ initial: 'a', states: { a: {}, done: { type: 'final' } } }),
    invoke: () =>
      createMachine({
        initial: 'a',
        states: { a: { invoke: { src: createMachine({}) } } },
      }),
    'delayed transition': () =>
      createMachine({ initial: 'a', states: { a: { after: { 10: 'b' } }, b: {} } }),
    'wildcard event': () =>
      createMachine({ initial: 'a', states: { a: { on: { '*': 'b' } }, b: {} } }),
    'raise action': () =>
      createMachine({
        initial: 'a',
        states: { a: { on: { e: { actions: raise({ type: 'f' }) } } } },
      }),
    'side-effect action': () =>
      createMachine({ initial: 'a', states: { a: { on: { e: { actions: () => {} } } } } }),
    'unimplemented guard': () =>
      createMachine({ initial: 'a', states: { a: { on: { e: { guard: 'nope', target: 'a' } } } } }),
    'event in two parallel regions': () =>
      createMachine({
        type: 'parallel',
        states: {
          r: { initial: 'a', states: { a: { on: { e: {} } } } },
          s: { initial: 'a', states: { a: { on: { e: {} } } } },
        },
      }),
    'eventless transitions in two parallel regions': () =>
      createMachine({
        type: 'parallel',
        states: {
          r: { initial: 'a', states: { a: { always: { guard: () => false, target: 'a' } } } },
          s: { initial: 'a', states: { a: { always: { guard: () => false, target: 'a' } } } },
        },
      }),
  };
  for (const [what, make] of Object.entries(cases))
    test(what, () => {
      expect(() => compileMachine(make())).toThrow(UnsupportedFeature);
    });
});
