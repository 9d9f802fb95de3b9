/**
 * Known gaps: places where the kernel, as read, lets a state through that one of our invariants
 * calls illegal. They are findings, pinned here so that a change in either the model or our
 * reading of the kernel is seen (docs/kernel/13-invariants.md §13.15,
 * docs/kernel/15-caveats.md §15.2).
 *
 * The sysfs live DMA -> DMA-FQ upgrade (drivers/iommu/iommu.c: iommu_group_store_type, "We can
 * bring up a flush queue without tearing down the domain") checks neither the untrusted flag nor
 * IOMMU_CAP_DEFERRED_FLUSH. Default-domain selection (iommu_get_default_domain_type) never gives
 * an untrusted device a flush queue, so one sysfs write reaches a state UntrustedStrict rejects.
 * The built-in mock-untrusted scenario leaves "DMA-FQ" out of its sysfs writes for this reason.
 */
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../../machines/router/kernel.js';
import { parseScenario } from '../../../spec/parse.js';
import type { Scenario } from '../../../spec/scenario.js';
import { BUILTIN_SCENARIOS } from '../../../spec/scenarios/index.js';
import { checkTraceSteps } from '../../../spec/trace.js';
import { explore } from '../../../src/check/core/explore.js';
import { replayTrace } from '../../../src/check/core/replay.js';

function variantOfMockUntrusted(change: (raw: Record<string, unknown>) => void): Scenario {
  const raw = structuredClone(BUILTIN_SCENARIOS['mock-untrusted']) as Record<string, unknown>;
  const bounds = raw.bounds as { types: string[] };
  bounds.types = [...bounds.types, 'DMA-FQ'];
  change(raw);
  const r = parseScenario(raw);
  if (!r.ok) throw new Error(`${r.where}: ${r.message}`);
  return r.value;
}

describe('the sysfs DMA -> DMA-FQ upgrade (iommu_group_store_type)', () => {
  test('an untrusted device gets a flush queue in one write: UntrustedStrict is violated', () => {
    const sc = variantOfMockUntrusted(() => {});
    const r = explore(sc, { spec: createSpecModel(sc) });
    expect(r.result).toBe('violation');
    const [f] = r.findings;
    expect(f.invariant).toBe('UntrustedStrict');
    expect(f.trace.steps).toEqual([
      { call: 'iommu_group_store_type', group: 'g0', type: 'DMA-FQ', expect: 6 },
    ]);
    // The trace replays to the same verdict: the kernel returns the byte count, the write lands.
    const steps = checkTraceSteps(f.trace.steps, sc);
    if (!steps.ok) throw new Error(steps.message);
    const replayed = replayTrace(sc, steps.value, { spec: createSpecModel(sc) });
    if (!replayed.ok) throw new Error(replayed.message);
    expect(replayed.value.outcome).toMatchObject({
      result: 'violation',
      invariant: 'UntrustedStrict',
      index: 0,
    });
  });

  test('the same write on a trusted device is legal: the scenario passes', () => {
    const sc = variantOfMockUntrusted((raw) => {
      (raw.devices as { untrusted?: boolean }[])[0].untrusted = false;
    });
    expect(explore(sc, { spec: createSpecModel(sc) }).result).toBe('pass');
  });

  test('without IOMMU_CAP_DEFERRED_FLUSH the upgrade still succeeds (the model permits it)', () => {
    const sc = variantOfMockUntrusted((raw) => {
      (raw.devices as { untrusted?: boolean }[])[0].untrusted = false;
      (raw.iommus as { caps: string[] }[])[0].caps = [];
      raw.kernel = {};
    });
    const steps = checkTraceSteps(
      [
        { call: 'iommu_group_show_type', group: 'g0', expect: 'DMA\n' },
        { call: 'iommu_group_store_type', group: 'g0', type: 'DMA-FQ', expect: 6 },
        { call: 'iommu_group_show_type', group: 'g0', expect: 'DMA-FQ\n' },
      ],
      sc,
    );
    if (!steps.ok) throw new Error(steps.message);
    const replayed = replayTrace(sc, steps.value, { spec: createSpecModel(sc) });
    if (!replayed.ok) throw new Error(replayed.message);
    expect(replayed.value.outcome).toEqual({ result: 'pass' });
    expect(explore(sc, { spec: createSpecModel(sc) }).result).toBe('pass');
  });
});
