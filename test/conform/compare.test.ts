/**
 * The emulator's side (src/check/core/replay.ts through src/conform/compare.ts) and the step-by-
 * step comparison with a guest's console, on console text written by hand.
 */
import { describe, expect, test } from 'vitest';
import { parseScenario } from '../../spec/parse.js';
import { checkTraceSteps } from '../../spec/trace.js';
import { planAgent } from '../../src/conform/commands.js';
import {
  compareRun,
  emulatorReturns,
  runsFailed,
  warningCounts,
} from '../../src/conform/compare.js';
import { describeMachine } from '../../src/conform/machine.js';
import { parseGuestOutput } from '../../src/conform/protocol.js';

const scenario = (() => {
  const r = parseScenario({
    name: 't',
    kernel: { 'iommu.passthrough': true },
    iommus: [{ name: 'dmar0', driver: 'intel-vtd', caps: ['IOMMU_CAP_DEFERRED_FLUSH'] }],
    devices: [
      { name: '0000:00:03.0', iommu: 'dmar0', group: 'g0' },
      { name: '0000:00:04.0', iommu: 'dmar0', group: 'g1' },
    ],
  });
  if (!r.ok) throw new Error('scenario');
  return r.value;
})();

const STEPS = [
  { call: 'iommu_get_domain_for_dev', dev: '0000:00:04.0' },
  { call: 'iommu_paging_domain_alloc', dev: '0000:00:04.0', as: 'mine' },
  { call: 'iommu_attach_device', domain: 'mine', dev: '0000:00:04.0' },
  { call: 'iommu_attach_device', domain: 'mine', dev: '0000:00:04.0' },
  { call: 'iommu_group_show_type', group: 'g1' },
];

function setup() {
  const steps = checkTraceSteps(STEPS, scenario);
  if (!steps.ok) throw new Error('steps');
  const m = describeMachine(scenario, '6.12');
  if (!m.ok) throw new Error('machine');
  const emu = emulatorReturns(scenario, steps.value, '6.12');
  if (!emu.ok) throw new Error('emulator');
  return { steps: steps.value, machine: m.machine, emulator: emu.value };
}

const HEAD = ['@@ - boot 6.12.0', '@@ - i 0', '@@ - i 0', '@@ - i 1', '@@ - i 2', '@@ - i 0'];
const TAIL = ['@@ - teardown i 0', '@@ - done'];

function run(lines: string[]) {
  const s = setup();
  return compareRun({
    trace: 't.json',
    scenario,
    kernel: '6.12',
    machine: s.machine,
    plan: planAgent(s.machine, s.steps),
    steps: s.steps,
    emulator: s.emulator,
    guest: parseGuestOutput(lines.join('\n')),
  });
}

describe('emulatorReturns', () => {
  test('domains as the caller names them; the shared identity domain by the device own group', () => {
    const { emulator } = setup();
    expect(emulator.map((e) => e.value)).toEqual([
      'default:g1', // the static identity domain is every group's default: named by dev's group
      'mine',
      0,
      -16,
      'identity\n',
    ]);
  });
});

describe('compareRun', () => {
  test('every step equal: matched, no error', () => {
    const r = run([
      ...HEAD,
      '@@ 0 n default:g1',
      '@@ 1 n mine',
      '@@ 2 i 0',
      '@@ 3 i -16',
      '@@ 4 s "identity\\n"',
      ...TAIL,
    ]);
    expect(r.error).toBeNull();
    expect(r.steps.map((s) => s.match)).toEqual([true, true, true, true, true]);
    expect(runsFailed([r])).toBe(false);
  });

  test('a different return is a mismatch and fails the run', () => {
    const r = run([
      ...HEAD,
      '@@ 0 n default:g1',
      '@@ 1 n mine',
      '@@ 2 i 0',
      '@@ 3 i 0',
      '@@ 4 s "identity\\n"',
      ...TAIL,
    ]);
    expect(r.steps[3]).toMatchObject({ emulator: -16, kernel: 0, match: false });
    expect(runsFailed([r])).toBe(true);
  });

  test('an unsupported reply stops the comparison there, with its reason, and does not fail', () => {
    const r = run([...HEAD, '@@ 0 n default:g1', '@@ 1 u not in this kernel', ...TAIL]);
    expect(r.steps).toHaveLength(1);
    expect(r.unsupported).toEqual([
      { index: 1, call: 'iommu_paging_domain_alloc', reason: 'not in this kernel' },
    ]);
    expect(runsFailed([r])).toBe(false);
  });

  test('a guest that stops replying is an error, not a pass', () => {
    const r = run([...HEAD, '@@ 0 n default:g1']);
    expect(r.error).toMatch(/no reply for step 1/);
    expect(runsFailed([r])).toBe(true);
  });

  test('groups the guest did not build as the scenario says are an error', () => {
    const head = ['@@ - boot 6.12.0', '@@ - i 0', '@@ - i 0', '@@ - i 1', '@@ - i 1', '@@ - i 0'];
    const r = run([...head, '@@ 0 n default:g1', ...TAIL]);
    expect(r.error).toMatch(/groups g0 and g1 landed in one guest iommu_group/);
    expect(r.steps).toEqual([]);
  });

  test('WARNs are counted per step on each side, not compared', () => {
    const r = run([
      ...HEAD,
      '@@ 0 n default:g1',
      '@@ 1 n mine',
      '@@ 2 i 0',
      '@@W 2 "WARNING: CPU: 0 PID: 1 at drivers/iommu/iommu.c:1 x"',
      '@@ 3 i -16',
      '@@ 4 s "identity\\n"',
      ...TAIL,
    ]);
    expect(r.steps[2].kernelWarnings).toHaveLength(1);
    expect(warningCounts(r)).toEqual({ kernel: 1, emulator: 0, both: 0 });
    expect(runsFailed([r])).toBe(false);
  });

  test('no boot line: the error says so', () => {
    expect(run(['Kernel panic']).error).toMatch(/never started the agent/);
  });
});
