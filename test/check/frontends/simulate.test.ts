/**
 * Random runs (src/check/frontends/simulate.ts: fast-check fc.commands through the lockstep step), with
 * fixed seeds printed in the test names: the faithful emulator passes on the scenario too large
 * to exhaust, and each seeded bug of src/kernel/mutants.ts is caught on its scenario within a
 * fixed budget, its shrunk counterexample replaying (src/check/core/replay.ts) to the same failure.
 * The mutants the budget does not catch are pinned, so that a change either way is seen.
 */
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../../machines/router/kernel.js';
import { parseScenario } from '../../../spec/parse.js';
import type { Scenario } from '../../../spec/scenario.js';
import { BUILTIN_SCENARIOS, SIMULATION_SCENARIOS } from '../../../spec/scenarios/index.js';
import { checkTraceSteps } from '../../../spec/trace.js';
import type { TraceJson } from '../../../src/check/core/counterexample.js';
import { type ReplayOutcome, replayTrace } from '../../../src/check/core/replay.js';
import { type SimulateResult, simulate } from '../../../src/check/frontends/simulate.js';
import { MUTANTS, type Mutant } from '../../../src/kernel/mutants.js';

const LARGE = { seed: 20240601, runs: 30, maxCommands: 100 } as const;
const BUDGET = { seed: 1, runs: 100, maxCommands: 50 } as const;

/**
 * Mutants simulate does not catch within BUDGET. None with seed 1 since the universe is derived
 * from spec/calls.ts (in call order); missed-invalidation-on-free is the hardest (a mapping, a
 * flush-queue unmap and a domain change before device DMA reaches the stale IOTLB entry), and
 * other seeds may miss it at this budget (explore always finds it). free-flushes-iommu0 needs six
 * calls in order on vtd-two-units (allocate on the second unit, map, attach, device DMA, detach,
 * free) among nine calls over three domains: explore finds it in six steps, 100 random runs do not.
 */
const NOT_CAUGHT: readonly string[] = ['free-flushes-iommu0'];

/**
 * Mutants whose boot state already breaks an invariant (explore reports them at step -1).
 * simulate checks the boot state before any random run and reports it with an empty trace, as
 * explore does; replaying that trace finds the boot-state violation.
 */
const BROKEN_AT_BOOT: readonly string[] = ['untrusted-identity'];

function parsed(raw: unknown): Scenario {
  const r = parseScenario(raw);
  if (!r.ok) throw new Error(`${r.where}: ${r.message}`);
  return r.value;
}

const simulated = new Map<string, SimulateResult>();
function simulateMutant(m: Mutant): SimulateResult {
  const cached = simulated.get(m.name);
  if (cached !== undefined) return cached;
  const scenario = parsed(BUILTIN_SCENARIOS[m.scenario]);
  const r = simulate(scenario, {
    ...BUDGET,
    spec: createSpecModel(scenario),
    mutants: [m.name],
    scenarioRef: m.scenario,
  });
  simulated.set(m.name, r);
  return r;
}

/** Replay a trace through checkTraceSteps and replayTrace with the spec attached. */
function replay(
  scenario: Scenario,
  trace: TraceJson,
  mutants: readonly string[],
  withExpect = true,
): ReplayOutcome {
  const raw = trace.steps.map((step) => {
    if (withExpect) return step;
    const { expect: _expect, ...rest } = step;
    return rest;
  });
  const steps = checkTraceSteps(raw, scenario);
  if (!steps.ok) throw new Error(`${steps.where}: ${steps.message}`);
  const r = replayTrace(scenario, steps.value, { spec: createSpecModel(scenario), mutants });
  if (!r.ok) throw new Error(`${r.where}: ${r.message}`);
  return r.value.outcome;
}

test(`large-mixed: ${LARGE.runs} random runs of up to ${LARGE.maxCommands} calls pass with the spec attached (seed ${LARGE.seed})`, () => {
  const scenario = parsed(SIMULATION_SCENARIOS['large-mixed']);
  const r = simulate(scenario, { ...LARGE, spec: createSpecModel(scenario) });
  const f = r.failure;
  expect(
    f === undefined ? null : `${f.invariant}: ${f.message}\n${JSON.stringify(f.trace.steps)}`,
  ).toBeNull();
  expect(r).toMatchObject({ result: 'pass', runs: LARGE.runs, seed: LARGE.seed });
  expect(r.steps).toBeGreaterThan(LARGE.runs);
});

describe(`each mutant on its scenario (seed ${BUDGET.seed}, ${BUDGET.runs} runs of up to ${BUDGET.maxCommands} calls)`, () => {
  test.each(MUTANTS.map((m) => [m.name, m.scenario, m] as const))(
    '%s on %s',
    (name, scenarioName, m) => {
      const r = simulateMutant(m);
      if (r.failure === undefined) {
        expect(NOT_CAUGHT, `${name} was not caught: pin it or raise the budget`).toContain(name);
        return;
      }
      expect(NOT_CAUGHT, `${name} is caught now: unpin it`).not.toContain(name);
      const scenario = parsed(BUILTIN_SCENARIOS[scenarioName]);
      const { trace, invariant } = r.failure;
      expect(trace.scenario).toBe(scenarioName);
      // The shrunk counterexample replays, with the mutant, to the failure simulate reported,
      // at its last step (or, for a broken boot state, to the boot state's violation).
      const outcome = replay(scenario, trace, [m.name]);
      const last = trace.steps.length - 1;
      expect(outcome.result).not.toBe('pass');
      if (BROKEN_AT_BOOT.includes(name)) {
        expect(outcome).toMatchObject({ result: 'violation', index: -1, invariant });
        expect([trace.steps.length, r.runs]).toEqual([0, 0]);
      } else
        expect(outcome).toMatchObject(
          invariant === 'Conformance'
            ? { result: 'divergence', index: last }
            : { result: 'violation', index: last, invariant },
        );
      // Without the mutant the same calls pass: the failure is the seeded bug's.
      expect(replay(scenario, trace, [], false)).toEqual({ result: 'pass' });
    },
  );

  test('the mutants the budget does not catch are the pinned ones', () => {
    const missed = MUTANTS.filter((m) => simulateMutant(m).failure === undefined).map(
      (m) => m.name,
    );
    expect(missed).toEqual(NOT_CAUGHT);
  });
});
