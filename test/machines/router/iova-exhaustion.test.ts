/**
 * IOVA-space exhaustion in the spec (machines/router/topology.ts iovaSlots, the dma_mapping
 * chart's isIovaSpaceFull): dma_map_single fails DMA_MAPPING_ERROR when the group's live mappings
 * and the IOVAs still waiting in its flush queue fill the slots the DMA mask leaves
 * (drivers/iommu/iova.c alloc_iova_fast, drivers/iommu/dma-iommu.c iommu_dma_alloc_iova,
 * __iommu_dma_map). A strict unmap frees its IOVA at once; a lazy one only at the next flush
 * (the timer, a full queue: queue_iova). Replayed through spec and emulator: the spec predicts
 * every return (a wrong prediction is a divergence finding).
 */
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../../machines/router/kernel.js';
import { iovaSlots } from '../../../machines/router/topology.js';
import { parseScenario } from '../../../spec/parse.js';
import type { Scenario } from '../../../spec/scenario.js';
import { BUILTIN_SCENARIOS } from '../../../spec/scenarios/index.js';
import { checkTraceSteps } from '../../../spec/trace.js';
import { replayTrace } from '../../../src/check/core/replay.js';

function parsed(raw: unknown): Scenario {
  const r = parseScenario(raw);
  if (!r.ok) throw new Error(`${r.where}: ${r.message}`);
  return r.value;
}
const LAZY = parsed(BUILTIN_SCENARIOS['vtd-iova-exhaustion']);
const STRICT = parsed({
  ...(BUILTIN_SCENARIOS['vtd-iova-exhaustion'] as object),
  kernel: { 'iommu.strict': true },
});
const DEV = '0000:00:02.0';

function replay(sc: Scenario, raw: Record<string, unknown>[]) {
  const steps = checkTraceSteps(raw, sc);
  if (!steps.ok) throw new Error(`${steps.where}: ${steps.message}`);
  const r = replayTrace(sc, steps.value, { spec: createSpecModel(sc) });
  if (!r.ok) throw new Error(r.message);
  return r.value;
}
const attach = { call: 'device_driver_attach', dev: DEV, expect: 0 };
const map = (as: string) => ({ call: 'dma_map_single', dev: DEV, buf: 'b0', as });
const mapFails = { call: 'dma_map_single', dev: DEV, buf: 'b1', expect: 'DMA_MAPPING_ERROR' };
const unmap = (iova: string) => ({ call: 'dma_unmap_single', dev: DEV, iova, expect: 0 });

describe('iovaSlots: the abstract size of the IOVA space', () => {
  test.each([
    [14, 1, 3],
    [13, 1, 1],
    [12, 1, 0],
    [14, 2, 1],
    [16, 3, 3],
    [48, 1, Number.POSITIVE_INFINITY],
  ])('a %i-bit mask, mappings of %i granules: %d slots', (bits, pages, slots) => {
    expect(iovaSlots(bits, pages)).toBe(slots);
  });
});

describe('dma_map_single runs out of IOVAs (vtd-iova-exhaustion: three slots)', () => {
  test('strict: the fourth live mapping fails; an unmap frees its IOVA at once', () => {
    const r = replay(STRICT, [
      attach,
      map('a'),
      map('b'),
      map('c'),
      mapFails,
      unmap('b'),
      map('d'),
    ]);
    expect(r.findings).toEqual([]);
    expect(typeof r.steps[6].ret).toBe('number');
  });

  test('lazy: an unmapped IOVA waits in the flush queue; the map succeeds after the flush', () => {
    const r = replay(LAZY, [
      attach,
      map('a'),
      map('b'),
      map('c'),
      unmap('b'),
      mapFails,
      { call: 'fq_flush_timeout', expect: 0 },
      map('d'),
    ]);
    expect(r.findings).toEqual([]);
    expect(typeof r.steps[7].ret).toBe('number');
  });

  test('lazy: a full queue is flushed by the next unmap, which frees the queued IOVA', () => {
    const r = replay(LAZY, [
      attach,
      map('a'),
      map('b'),
      map('c'),
      unmap('a'),
      unmap('b'),
      map('d'),
    ]);
    expect(r.findings).toEqual([]);
    expect(typeof r.steps[6].ret).toBe('number');
  });

  test('a spec without exhaustion would be wrong: the emulator does fail the map', () => {
    const r = replay(LAZY, [attach, map('a'), map('b'), map('c'), { ...mapFails, expect: 0 }]);
    expect(r.findings).toEqual([
      { result: 'mismatch', index: 4, expected: 0, actual: 'DMA_MAPPING_ERROR' },
    ]);
  });

  test('a small mask needs buffers of one IOVA block size', () => {
    const r = parseScenario({
      ...(BUILTIN_SCENARIOS['vtd-iova-exhaustion'] as object),
      buffers: [
        { name: 'b0', size: 4096 },
        { name: 'b1', size: 8192 },
      ],
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.where).toBe('scenario.buffers');
  });
});
