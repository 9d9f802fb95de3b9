/**
 * Spec-vs-emulator conformance: for every built-in scenario, a bounded breadth-first search over
 * product states with the statecharts attached (machines/router/kernel.ts) through the lockstep step,
 * every invariant on. Every step must agree (same normalised return, same view); an invariant
 * the faithful emulator breaks must be one listed below with its classification. The example
 * trace must replay with the spec attached.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../../machines/router/kernel.js';
import { parseScenario, parseTraceFile } from '../../../spec/parse.js';
import type { Scenario } from '../../../spec/scenario.js';
import { BUILTIN_SCENARIO_NAMES, BUILTIN_SCENARIOS } from '../../../spec/scenarios/index.js';
import { checkTraceSteps } from '../../../spec/trace.js';
import { replayTrace } from '../../../src/check/core/replay.js';
import { describePath, lockstepBfs } from '../../__helpers__/lockstep-bfs.js';

/** States per scenario; each built-in scenario was exhausted well within it when this was written. */
const MAX_STATES = Number(process.env.CONFORMANCE_MAX_STATES ?? 20000);
const EXAMPLES = resolve(import.meta.dirname, '../../../examples');

/**
 * Invariant violations of the faithful emulator in a built-in scenario, each classified as an
 * emulator bug, a too-strong invariant or a missing caller contract. None at present.
 */
const KNOWN_VIOLATIONS: Readonly<Record<string, readonly string[]>> = {};

function parsed(raw: unknown): Scenario {
  const r = parseScenario(raw);
  if (!r.ok) throw new Error(`${r.where}: ${r.message}`);
  return r.value;
}

describe('spec and emulator in lockstep over every built-in scenario', () => {
  test.each(BUILTIN_SCENARIO_NAMES)('%s', (name) => {
    const r = lockstepBfs(parsed(BUILTIN_SCENARIOS[name]), MAX_STATES);
    const first = r.divergences[0];
    expect(
      first === undefined ? null : `${first.message}\n  after:\n  ${describePath(first.path)}`,
      `${r.divergences.length} divergence(s) in ${r.states} states`,
    ).toBeNull();
    const allowed = KNOWN_VIOLATIONS[name] ?? [];
    const unexpected = r.violations.filter((v) => !allowed.includes(v.invariant));
    expect(
      unexpected.slice(0, 3).map((v) => `${v.invariant}: ${v.message}\n  ${describePath(v.path)}`),
    ).toEqual([]);
    expect(r.states).toBeGreaterThan(1);
  });
});

test('the example trace (examples/trace.json) replays with the spec attached', () => {
  const trace = parseTraceFile(JSON.parse(readFileSync(`${EXAMPLES}/trace.json`, 'utf8')));
  if (!trace.ok) throw new Error(`${trace.where}: ${trace.message}`);
  const scenario = parsed(JSON.parse(readFileSync(`${EXAMPLES}/scenario.json`, 'utf8')));
  const steps = checkTraceSteps(trace.value.steps, scenario);
  if (!steps.ok) throw new Error(`${steps.where}: ${steps.message}`);
  const r = replayTrace(scenario, steps.value, { spec: createSpecModel(scenario) });
  if (!r.ok) throw new Error(`${r.where}: ${r.message}`);
  expect(r.value.outcome).toEqual({ result: 'pass' });
  expect(r.value.steps.length).toBe(steps.value.length);
});
