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
import { VARIANTS } from '../../../spec/variants/index.js';
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

  test('without IOMMU_CAP_DEFERRED_FLUSH the upgrade still succeeds: FlushQueueNeedsDeferredFlush is violated', () => {
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
    expect(replayed.value.outcome).toMatchObject({
      result: 'violation',
      invariant: 'FlushQueueNeedsDeferredFlush',
      index: 1,
    });
    const r = explore(sc, { spec: createSpecModel(sc) });
    expect(r.result).toBe('violation');
    expect(r.findings[0].invariant).toBe('FlushQueueNeedsDeferredFlush');
  });

  test('s390 ISM (no IOMMU_CAP_DEFERRED_FLUSH): one DMA-FQ write gives it a flush queue', () => {
    const raw = structuredClone(BUILTIN_SCENARIOS['s390-ism']) as Record<string, unknown>;
    (raw.bounds as { types: string[] }).types.push('DMA-FQ');
    const sc = parseScenario(raw);
    if (!sc.ok) throw new Error(sc.message);
    const r = explore(sc.value, { spec: createSpecModel(sc.value) });
    expect(r.result).toBe('violation');
    expect(r.findings[0].invariant).toBe('FlushQueueNeedsDeferredFlush');
    expect(r.findings[0].trace.steps).toEqual([
      { call: 'iommu_group_store_type', group: 'g0', type: 'DMA-FQ', expect: 6 },
    ]);
  });

  // docs/findings/untrusted-fq-upgrade.md: why it matters. After the upgrade, an unmap returns
  // with the IOTLB entry still live (queued for the flush-queue timer), so the untrusted device
  // still reaches the buffer its driver has just unmapped and may already have freed.
  const afterUnmap = [
    { call: 'iommu_group_store_type', group: 'g0', type: 'DMA-FQ' },
    { call: 'device_driver_attach', dev: '0000:05:00.0' },
    { call: 'dma_map_single', dev: '0000:05:00.0', buf: 'b0', as: 'm' },
    { call: 'device_dma', dev: '0000:05:00.0', iova: 0xfffff000 },
    { call: 'dma_unmap_single', dev: '0000:05:00.0', iova: 0xfffff000 },
    { call: 'device_dma', dev: '0000:05:00.0', iova: 0xfffff000 },
  ];
  const fixScenario = (): Scenario => {
    const r = parseScenario(VARIANTS.find((v) => v.name === 'sysfs-fq-upgrade-checked')!.scenario);
    if (!r.ok) throw new Error(r.message);
    return r.value;
  };
  test('after the upgrade the untrusted device reaches the buffer its driver unmapped', () => {
    const sc = fixScenario();
    const steps = checkTraceSteps(afterUnmap, sc);
    if (!steps.ok) throw new Error(steps.message);
    const rep = replayTrace(sc, steps.value, { spec: createSpecModel(sc), conformance: false });
    if (!rep.ok) throw new Error(rep.message);
    expect(rep.value.steps.map((s) => s.ret)).toEqual([6, 0, 0xfffff000, 'b0', 0, 'b0']);
  });
  test('with the proposed fix (variant sysfs-fq-upgrade-checked) the write fails and the access faults', () => {
    const sc = fixScenario();
    const steps = checkTraceSteps(afterUnmap, sc);
    if (!steps.ok) throw new Error(steps.message);
    const rep = replayTrace(sc, steps.value, {
      spec: createSpecModel(sc),
      conformance: false,
      variant: ['sysfs-fq-upgrade-checked'],
    });
    if (!rep.ok) throw new Error(rep.message);
    expect(rep.value.steps.map((s) => s.ret)).toEqual([-22, 0, 0xfffff000, 'b0', 0, -14]);
    expect(rep.value.outcome).toEqual({ result: 'pass' });
  });
});
