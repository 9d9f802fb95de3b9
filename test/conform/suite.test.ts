/**
 * The conformance suite itself (conform/traces/, conform/differences/) stays valid without QEMU:
 * every trace parses against its scenario, the emulator replays it, every scenario maps to a QEMU
 * machine, and the agent plan sends every step the host can express. A trace that rots here would
 * otherwise fail only where QEMU runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseScenario, parseTraceFile } from '../../spec/parse.js';
import { checkTraceSteps } from '../../spec/trace.js';
import { planAgent } from '../../src/conform/commands.js';
import { emulatorReturns } from '../../src/conform/compare.js';
import { CONFORM_KERNELS, describeMachine } from '../../src/conform/machine.js';

const ROOT = resolve(import.meta.dirname, '../../conform');
const traces = ['traces', 'differences'].flatMap((d) =>
  readdirSync(join(ROOT, d))
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(ROOT, d, f)),
);

function load(path: string) {
  const t = parseTraceFile(JSON.parse(readFileSync(path, 'utf8')));
  if (!t.ok) throw new Error(`${path}: ${t.message}`);
  const ref = t.value.scenario;
  if (typeof ref !== 'string') throw new Error(`${path}: the suite names scenario files`);
  const sc = parseScenario(JSON.parse(readFileSync(resolve(dirname(path), ref), 'utf8')));
  if (!sc.ok) throw new Error(`${path}: ${sc.message}`);
  const steps = checkTraceSteps(t.value.steps, sc.value);
  if (!steps.ok) throw new Error(`${path}: ${steps.message}`);
  return { scenario: sc.value, steps: steps.value };
}

describe('the conformance suite', () => {
  test('has traces for VT-d and AMD', () => {
    expect(traces.length).toBeGreaterThanOrEqual(14);
    const drivers = new Set(traces.map((p) => load(p).scenario.iommus[0].driver));
    expect([...drivers].sort()).toEqual(['amd', 'intel-vtd']);
  });

  test.each(traces.map((p) => [p.slice(ROOT.length + 1), p]))('%s', (_name, path) => {
    const { scenario, steps } = load(path);
    for (const kernel of CONFORM_KERNELS) {
      const emu = emulatorReturns(scenario, steps, kernel);
      expect(emu.ok, kernel).toBe(true);
      if (emu.ok) expect(emu.value).toHaveLength(steps.length);
      const m = describeMachine(scenario, kernel);
      if (!m.ok) throw new Error(`${kernel}: ${m.unsupported.join('; ')}`);
      const plan = planAgent(m.machine, steps);
      // only the zero-length-write trace stops on the host; everything else reaches the agent
      if (plan.stop !== null) expect(plan.stop.reason).toMatch(/zero-length sysfs write/);
    }
  });
});
