/**
 * The design variants of the kernel-list debates: each verdict is pinned (the merged design of
 * every debate holds every invariant; each rejected alternative objected to on correctness breaks
 * the invariant its objection predicts), and docs/variants.md is what the variants produce.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../../machines/router/kernel.js';
import type { SpecModel } from '../../../spec/model.js';
import { parseScenario } from '../../../spec/parse.js';
import type { Scenario } from '../../../spec/scenario.js';
import { checkTraceSteps } from '../../../spec/trace.js';
import { VARIANTS } from '../../../spec/variants/index.js';
import { replayTrace } from '../../../src/check/core/replay.js';
import { runVariants, type VariantVerdict } from '../../../src/check/frontends/variants.js';
import { variantsMarkdown } from '../../../src/report/variants-md.js';

const spec = (s: Scenario) => createSpecModel(s) as SpecModel;
const run = runVariants(spec);
if (!run.ok) throw new Error(run.message);
const verdicts: readonly VariantVerdict[] = run.value;

describe('design variants', () => {
  test('every debate of the seeds has its merged design and at least one rejected alternative', () => {
    const debates = new Set(VARIANTS.map((v) => v.debate));
    expect(debates.size).toBeGreaterThanOrEqual(6);
    for (const d of debates) {
      expect(VARIANTS.filter((v) => v.debate === d && v.merged).length).toBe(1);
      expect(VARIANTS.filter((v) => v.debate === d && !v.merged).length).toBeGreaterThanOrEqual(1);
    }
  });

  test.each(verdicts.map((v) => [v.name, v] as const))('%s: verdict as pinned', (_n, v) => {
    expect(v.result).not.toBe('incomplete');
    const got = v.violations.map((x) => x.invariant);
    if (v.expected === 'holds') expect(got).toEqual([]);
    else expect(got).toContain(v.expected.violates);
    expect(v.asExpected).toBe(true);
  });

  test('the merged design of every debate holds every invariant, except where a finding of ours says the kernel does not', () => {
    for (const v of verdicts.filter((x) => x.merged && !x.debate.startsWith('finding:')))
      expect(Object.values(v.invariants).every((x) => x === 'holds')).toBe(true);
  });

  test('a finding of ours: the kernel as it stands breaks its invariants, the proposed fix holds them all', () => {
    const debates = new Set(
      verdicts.filter((v) => v.debate.startsWith('finding:')).map((v) => v.debate),
    );
    expect(debates.size).toBeGreaterThanOrEqual(1);
    for (const d of debates) {
      const newest = verdicts.find((v) => v.debate === d && v.merged)!;
      expect(newest.violations.length).toBeGreaterThan(0);
      const fixes = verdicts.filter((v) => v.debate === d && !v.merged);
      expect(fixes.some((v) => Object.values(v.invariants).every((x) => x === 'holds'))).toBe(true);
    }
    const newest = verdicts.find((v) => v.name === 'sysfs-fq-upgrade-newest')!;
    expect(newest.violations.map((x) => x.invariant).sort()).toEqual([
      'FlushQueueNeedsDeferredFlush',
      'UntrustedStrict',
    ]);
  });

  test('a rejected alternative objected to on correctness breaks an invariant; one objected to on cost shows the cost', () => {
    for (const v of verdicts.filter((x) => !x.merged && x.objection)) {
      if (v.objection?.ground === 'correctness') expect(v.violations.length).toBeGreaterThan(0);
      if (v.objection?.ground === 'cost') expect(v.costs).toBeDefined();
    }
  });

  test('every violation trace replays under its variant to the same invariant', () => {
    for (const v of verdicts) {
      for (const x of v.violations.filter((y) => y.steps > 0)) {
        const def = VARIANTS.find((d) => d.name === v.name)!;
        const sc = parseScenario(def.scenario);
        if (!sc.ok) throw new Error(sc.message);
        const scenario = def.kernel?.revision
          ? { ...sc.value, kernel: { ...sc.value.kernel, revision: def.kernel.revision } }
          : sc.value;
        const steps = checkTraceSteps(
          x.trace.steps as unknown as Record<string, unknown>[],
          scenario,
        );
        if (!steps.ok) throw new Error(steps.message);
        const r = replayTrace(scenario, steps.value, {
          variant: def.rules,
          spec: spec(scenario),
          conformance: false,
          allViolations: true,
        });
        if (!r.ok) throw new Error(r.message);
        expect(r.value.outcome.result).toBe('violation');
      }
    }
  });

  test("the HDMI audio case of debate 000: a sibling driver's mapping faults when the GPU driver attaches a domain to the group", () => {
    const def = VARIANTS.find((d) => d.name === 'amd-v2-attach-device-multi')!;
    const sc = parseScenario(def.scenario);
    if (!sc.ok) throw new Error(sc.message);
    const trace = [
      { call: 'device_driver_attach', dev: '0000:03:00.1', expect: 0 },
      { call: 'dma_map_single', dev: '0000:03:00.1', buf: 'audio', as: 'a0' },
      { call: 'device_dma', dev: '0000:03:00.1', iova: 'a0', expect: 'audio' },
      { call: 'device_driver_attach', dev: '0000:03:00.0', expect: 0 },
      { call: 'iommu_paging_domain_alloc', dev: '0000:03:00.0', as: 'gpu' },
      { call: 'iommu_attach_device', domain: 'gpu', dev: '0000:03:00.0', expect: 0 },
    ];
    const steps = checkTraceSteps(trace, sc.value);
    if (!steps.ok) throw new Error(steps.message);
    const proposed = replayTrace(sc.value, steps.value, {
      variant: def.rules,
      spec: spec(sc.value),
      conformance: false,
    });
    if (!proposed.ok) throw new Error(proposed.message);
    expect(proposed.value.outcome).toMatchObject({
      result: 'violation',
      invariant: 'LiveMappingsTranslate',
      index: 5,
    });
    // Merged: the singleton rule refuses the attach and the audio mapping keeps translating.
    const mergedSteps = checkTraceSteps(
      trace.map((s, i) => (i === 5 ? { ...s, expect: -22 } : s)),
      sc.value,
    );
    if (!mergedSteps.ok) throw new Error(mergedSteps.message);
    const merged = replayTrace(sc.value, mergedSteps.value, { spec: spec(sc.value) });
    if (!merged.ok) throw new Error(merged.message);
    expect(merged.value.outcome).toEqual({ result: 'pass' });
  });

  test('docs/variants.md is current (regenerate with iommu-spec variants --markdown docs/variants.md)', () => {
    expect(readFileSync('docs/variants.md', 'utf8')).toBe(variantsMarkdown(verdicts));
  });
});
