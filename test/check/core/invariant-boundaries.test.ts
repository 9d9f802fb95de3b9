/**
 * Every invariant at its boundary: for each one a legal kernel sequence that comes as close as
 * the kernel allows to what the invariant forbids, replayed through spec and emulator. None may
 * fire (an invariant that fires on a legal sequence is a false alarm, as IommuUnmapIsSynchronous
 * was when a second domain mapped the same IOVA). Each step's `expect` pins that the sequence
 * really reaches the boundary state; the replay must end with no finding at all.
 */
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../../machines/router/kernel.js';
import { ACTION_INVARIANTS, INVARIANTS } from '../../../spec/invariants/index.js';
import { parseScenario } from '../../../spec/parse.js';
import { BUILTIN_SCENARIOS } from '../../../spec/scenarios/index.js';
import { checkTraceSteps } from '../../../spec/trace.js';
import { replayScenario, replayTrace } from '../../../src/check/core/replay.js';

type Step = Record<string, unknown>;
interface Boundary {
  /** What the sequence comes close to. */
  readonly near: string;
  /** A built-in scenario name or an inline scenario. */
  readonly scenario: string | Record<string, unknown>;
  readonly steps: readonly Step[];
}

const MOCK = { name: 'm0', driver: 'mock', caps: ['IOMMU_CAP_DEFERRED_FLUSH'], max_pasids: 16 };
const B2 = [
  { name: 'b0', size: 4096 },
  { name: 'b1', size: 4096 },
];
/** One mock device in g0, strict unless `lazy`. */
const one = (name: string, lazy = false, device: Record<string, unknown> = {}) => ({
  name,
  kernel: { 'iommu.strict': !lazy },
  iommus: [MOCK],
  devices: [{ name: 'dev', iommu: 'm0', group: 'g0', max_pasids: 8, ...device }],
  buffers: B2,
});

/** Boundaries by invariant; the list is checked against spec/invariants/index.ts below. */
const BOUNDARIES: Readonly<Record<string, Boundary>> = {
  IommuUnmapIsSynchronous: {
    near: "a caller's domain and the default DMA domain map the same IOVA; iommu_unmap of the caller's domain leaves the default domain's cached translation (another tag) alone",
    scenario: one('two-domains-same-iova'),
    steps: [
      { call: 'device_driver_attach', dev: 'dev', expect: 0 },
      { call: 'dma_map_single', dev: 'dev', buf: 'b0', as: 'x' },
      { call: 'device_dma', dev: 'dev', iova: 'x', expect: 'b0' },
      { call: 'iommu_paging_domain_alloc', dev: 'dev', as: 'priv' },
      { call: 'iommu_map', domain: 'priv', iova: 'x', buf: 'b1', size: 4096, expect: 0 },
      { call: 'iommu_unmap', domain: 'priv', iova: 'x', size: 4096, expect: 4096 },
      { call: 'device_dma', dev: 'dev', iova: 'x', expect: 'b0' },
    ],
  },
};

describe('no invariant fires on a legal sequence at its boundary', () => {
  test.each(Object.entries(BOUNDARIES))('%s', (invariant, b) => {
    const raw = typeof b.scenario === 'string' ? BUILTIN_SCENARIOS[b.scenario] : b.scenario;
    const parsed = parseScenario(raw);
    if (!parsed.ok) throw new Error(`${parsed.where}: ${parsed.message}`);
    const steps = checkTraceSteps(b.steps as Step[], parsed.value);
    if (!steps.ok) throw new Error(`${steps.where}: ${steps.message}`);
    const sc = replayScenario(parsed.value, steps.value);
    const r = replayTrace(sc, steps.value, { spec: createSpecModel(sc) });
    if (!r.ok) throw new Error(`${r.where}: ${r.message}`);
    expect(r.value.steps).toHaveLength(b.steps.length);
    expect(
      r.value.findings.filter((f) => f.result === 'violation' && f.invariant === invariant),
    ).toEqual([]);
    expect(r.value.findings).toEqual([]);
  });
});
