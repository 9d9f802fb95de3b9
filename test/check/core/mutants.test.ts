/**
 * Bug-finding power: every seeded bug of the catalogue (src/kernel/mutants.ts) is caught by
 * exhaustive exploration of its scenario by the invariant it names (its target), with the spec's
 * conformance check off (the invariants alone) and on, and the shortest counterexample, in the
 * public trace format, replays to the same failure.
 */
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../../machines/router/kernel.js';
import { ACTION_INVARIANTS, INVARIANTS } from '../../../spec/invariants/index.js';
import { parseScenario } from '../../../spec/parse.js';
import { BUILTIN_SCENARIOS } from '../../../spec/scenarios/index.js';
import { checkTraceSteps } from '../../../spec/trace.js';
import { explore } from '../../../src/check/core/explore.js';
import { replayTrace } from '../../../src/check/core/replay.js';
import { MUTANTS } from '../../../src/kernel/mutants.js';

describe('explore catches every seeded bug', () => {
  test('the catalogue has at least 21 mutants, each on a built-in scenario, each naming an invariant', () => {
    expect(MUTANTS.length).toBeGreaterThanOrEqual(21);
    const ids = [...INVARIANTS, ...ACTION_INVARIANTS].map((i) => i.id);
    for (const m of MUTANTS) {
      expect(Object.keys(BUILTIN_SCENARIOS)).toContain(m.scenario);
      expect(ids).toContain(m.target);
    }
  });

  test.each(MUTANTS.map((m) => [m.name, m] as const))(
    '%s: caught by its target with conformance off (the invariants alone)',
    (_name, m) => {
      const sc = parseScenario(BUILTIN_SCENARIOS[m.scenario]);
      if (!sc.ok) throw new Error(sc.message);
      const r = explore(sc.value, {
        spec: createSpecModel(sc.value),
        mutants: [m.name],
        conformance: false,
        scenarioRef: m.scenario,
      });
      expect(r.result).toBe('violation');
      expect(r.findings[0].invariant).toBe(m.target);
      // The counterexample replays, conformance still off, to the same invariant.
      const steps = checkTraceSteps(
        r.findings[0].trace.steps as unknown as Record<string, unknown>[],
        sc.value,
      );
      if (!steps.ok) throw new Error(`${steps.where}: ${steps.message}`);
      const rep = replayTrace(sc.value, steps.value, {
        spec: createSpecModel(sc.value),
        mutants: [m.name],
        conformance: false,
      });
      if (!rep.ok) throw new Error(rep.message);
      const o = rep.value.outcome;
      expect(o.result === 'violation' ? o.invariant : o.result).toBe(m.target);
    },
  );

  test('the faithful emulator passes the scenarios the mutants are caught on', () => {
    for (const name of new Set(MUTANTS.map((m) => m.scenario))) {
      const sc = parseScenario(BUILTIN_SCENARIOS[name]);
      if (!sc.ok) throw new Error(sc.message);
      expect(explore(sc.value, { spec: createSpecModel(sc.value) }).result).toBe('pass');
    }
  });

  test.each(MUTANTS.map((m) => [m.name, m] as const))(
    '%s: caught with conformance on',
    (_name, m) => {
      const sc = parseScenario(BUILTIN_SCENARIOS[m.scenario]);
      if (!sc.ok) throw new Error(sc.message);
      const r = explore(sc.value, {
        spec: createSpecModel(sc.value),
        mutants: [m.name],
        scenarioRef: m.scenario,
      });
      expect(r.result).toBe('violation');
      const f = r.findings[0];
      // A bug in boot (default-domain selection) is caught in the initial state: an empty trace.
      expect(f.trace.steps.length).toBe(f.step + 1);
      // The counterexample replays: the same scenario, the same mutant, the same failure.
      const steps = checkTraceSteps(
        f.trace.steps as unknown as Record<string, unknown>[],
        sc.value,
      );
      if (!steps.ok) throw new Error(`${steps.where}: ${steps.message}`);
      const rep = replayTrace(sc.value, steps.value, {
        spec: createSpecModel(sc.value),
        mutants: [m.name],
      });
      if (!rep.ok) throw new Error(rep.message);
      expect(rep.value.outcome.result).not.toBe('pass');
      const o = rep.value.outcome;
      const name =
        o.result === 'violation'
          ? o.invariant
          : o.result === 'divergence'
            ? 'Conformance'
            : 'mismatch';
      expect(name).toBe(f.invariant);
      // Conformance on: the target itself, or the spec's objection first (a return or view the
      // spec does not allow) on a trace where the target breaks too once conformance is off.
      if (f.invariant !== m.target) {
        expect(f.invariant).toBe('Conformance');
        const off = replayTrace(sc.value, steps.value, {
          spec: createSpecModel(sc.value),
          mutants: [m.name],
          conformance: false,
        });
        if (!off.ok) throw new Error(off.message);
        const oo = off.value.outcome;
        expect(oo.result === 'violation' ? oo.invariant : oo.result).toBe(m.target);
      }
    },
  );
});
