/**
 * Trace validation: spec/parse.ts parseTraceFile, spec/trace.ts checkTraceSteps and the names
 * resolved while a trace runs (src/check/core/replay.ts). One test per kind of bad input, each
 * checking the InputError names the field path ("step 3 (iommu_attach_device_pasid).pasid");
 * the line between bad input and a kernel errno; and a fast-check property over mutated traces.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { InputError, Parsed } from '../../spec/input-error.js';
import { parseScenario, parseTraceFile } from '../../spec/parse.js';
import type { Scenario } from '../../spec/scenario.js';
import { BUILTIN_SCENARIOS } from '../../spec/scenarios/index.js';
import { checkTraceSteps, type TraceStep } from '../../spec/trace.js';
import { type ReplayResult, replayTrace } from '../../src/check/core/replay.js';
import { mutate, mutationArb } from '../__helpers__/mutate.js';

const EXAMPLES = resolve(import.meta.dirname, '../../examples');
const exampleTrace = JSON.parse(readFileSync(resolve(EXAMPLES, 'trace.json'), 'utf8'));
const exampleScenario = JSON.parse(readFileSync(resolve(EXAMPLES, 'scenario.json'), 'utf8'));

const SMMU = '0000:00:01.0';
const AMD_GPU = '0000:00:08.0';

function sc(name = 'smmu-and-amd-igpu'): Scenario {
  const r = parseScenario(BUILTIN_SCENARIOS[name]);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

function rejected<T>(r: Parsed<T>): InputError {
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error('unreachable');
  expect(r.where.length).toBeGreaterThan(0);
  expect(r.message.length).toBeGreaterThan(0);
  return r;
}

function steps(raw: Record<string, unknown>[], scenario = sc()): TraceStep[] {
  const r = checkTraceSteps(raw, scenario);
  if (!r.ok) throw new Error(`${r.where}: ${r.message}`);
  return r.value;
}

function replay(raw: Record<string, unknown>[], scenario = sc()): ReplayResult {
  const r = replayTrace(scenario, steps(raw, scenario));
  if (!r.ok) throw new Error(`${r.where}: ${r.message}`);
  return r.value;
}

describe('parseTraceFile', () => {
  test('the example trace (examples/trace.json) parses', () => {
    expect(parseTraceFile(exampleTrace).ok).toBe(true);
  });

  test('missing steps names trace.steps', () => {
    expect(rejected(parseTraceFile({ scenario: 'smmu-dma' })).where).toBe('trace.steps');
  });

  test('steps that are not an array name trace.steps', () => {
    expect(rejected(parseTraceFile({ scenario: 'smmu-dma', steps: {} })).where).toBe('trace.steps');
  });

  test('a step that is not an object names trace.steps[i]', () => {
    const r = rejected(parseTraceFile({ scenario: 'smmu-dma', steps: [{ call: 'x' }, 5] }));
    expect(r.where).toBe('trace.steps[1]');
  });

  test('a scenario of the wrong type names trace.scenario', () => {
    expect(rejected(parseTraceFile({ scenario: 42, steps: [] })).where).toBe('trace.scenario');
  });

  test('an empty scenario name names trace.scenario', () => {
    expect(rejected(parseTraceFile({ scenario: '', steps: [] })).where).toBe('trace.scenario');
  });

  test('an unknown top-level field is rejected at "trace" and named', () => {
    const r = rejected(parseTraceFile({ scenario: 'smmu-dma', steps: [], seed: 1 }));
    expect(r.where).toBe('trace');
    expect(r.message).toBe('unknown field "seed"');
  });

  test('a __proto__ own key in a step (JSON.parse) is a forbidden key at trace.steps[0].__proto__', () => {
    const json = JSON.parse(
      '{"scenario": "smmu-dma", "steps": [{"call": "device_driver_attach", "__proto__": {"dev": "x"}}]}',
    );
    expect(rejected(parseTraceFile(json))).toEqual({
      ok: false,
      where: 'trace.steps[0].__proto__',
      message: 'forbidden key',
    });
  });

  test('a top-level __proto__ key is forbidden at trace.__proto__', () => {
    const r = rejected(
      parseTraceFile(JSON.parse('{"__proto__": [], "scenario": "x", "steps": []}')),
    );
    expect(r.where).toBe('trace.__proto__');
  });

  test('an inline scenario is validated with the trace.scenario prefix', () => {
    const bad = { ...exampleScenario, devices: [{ ...exampleScenario.devices[0], iommu: 'nope' }] };
    const t = parseTraceFile({ scenario: bad, steps: [] });
    expect(t.ok).toBe(true);
    if (!t.ok) return;
    const r = rejected(parseScenario(t.value.scenario, 'trace.scenario'));
    expect(r.where).toBe('trace.scenario.devices[0].iommu');
  });
});

describe('checkTraceSteps: unknown calls and arguments', () => {
  test('an unknown call names step i.call', () => {
    const r = rejected(checkTraceSteps([{ call: 'iommu_frobnicate' }], sc()));
    expect(r.where).toBe('step 0.call');
    expect(r.message).toBe('unknown call "iommu_frobnicate"');
  });

  test('a missing call names step i.call', () => {
    const r = rejected(
      checkTraceSteps([{ call: 'iommu_alloc_global_pasid', dev: SMMU }, {}], sc()),
    );
    expect(r.where).toBe('step 1.call');
  });

  test('a call that is not a string names step i.call', () => {
    expect(rejected(checkTraceSteps([{ call: 7 }], sc())).where).toBe('step 0.call');
  });

  test('an inherited Object.prototype name is not a call ("toString")', () => {
    expect(rejected(checkTraceSteps([{ call: 'toString' }], sc())).where).toBe('step 0.call');
  });

  test('an unknown argument names the argument and lists the ones the call takes', () => {
    const r = rejected(
      checkTraceSteps([{ call: 'device_driver_attach', dev: SMMU, pasid: 1 }], sc()),
    );
    expect(r.where).toBe('step 0 (device_driver_attach).pasid');
    expect(r.message).toContain('it takes dev');
  });

  test('a missing argument names it with the step index: step 3 (iommu_attach_device_pasid).pasid', () => {
    const raw = [
      { call: 'device_driver_attach', dev: SMMU },
      { call: 'iommu_paging_domain_alloc', dev: SMMU, as: 'd1' },
      { call: 'iommu_attach_device_pasid', domain: 'd1', dev: SMMU, pasid: 1 },
      { call: 'iommu_attach_device_pasid', domain: 'd1', dev: SMMU },
    ];
    const r = rejected(checkTraceSteps(raw, sc()));
    expect(r.where).toBe('step 3 (iommu_attach_device_pasid).pasid');
    expect(r.message).toBe('is missing');
  });

  test('an optional argument may be left out (handle of iommu_attach_device_pasid)', () => {
    expect(
      checkTraceSteps(
        [{ call: 'iommu_attach_device_pasid', domain: 'd', dev: SMMU, pasid: 1 }],
        sc(),
      ).ok,
    ).toBe(true);
  });
});

describe('checkTraceSteps: unknown names', () => {
  test('an unknown device names step i (call).dev', () => {
    const r = rejected(
      checkTraceSteps([{ call: 'device_driver_attach', dev: '0000:ff:00.0' }], sc()),
    );
    expect(r.where).toBe('step 0 (device_driver_attach).dev');
    expect(r.message).toBe('no device named "0000:ff:00.0" in the scenario');
  });

  test('an unknown group names step i (call).group', () => {
    const r = rejected(
      checkTraceSteps([{ call: 'iommu_group_store_type', group: 'g9', type: 'DMA' }], sc()),
    );
    expect(r.where).toBe('step 0 (iommu_group_store_type).group');
  });

  test('an unknown buffer names step i (call).buf', () => {
    const r = rejected(checkTraceSteps([{ call: 'dma_map_single', dev: SMMU, buf: 'b7' }], sc()));
    expect(r.where).toBe('step 0 (dma_map_single).buf');
  });

  test('an unknown IOMMU names step i (call).iommu', () => {
    expect(rejected(checkTraceSteps([{ call: 'hw_step', iommu: 'vtd0' }], sc())).where).toBe(
      'step 0 (hw_step).iommu',
    );
  });

  test('any mm name is accepted (bounds limit exploration, not replay); an empty one is not', () => {
    expect(
      checkTraceSteps([{ call: 'iommu_sva_bind_device', dev: SMMU, mm: 'firefox' }], sc()).ok,
    ).toBe(true);
    const r = rejected(
      checkTraceSteps([{ call: 'iommu_sva_bind_device', dev: SMMU, mm: '' }], sc()),
    );
    expect(r.where).toBe('step 0 (iommu_sva_bind_device).mm');
  });

  test('an unknown fault op names step i (fault_inject).op', () => {
    expect(rejected(checkTraceSteps([{ call: 'fault_inject', op: 'explode' }], sc())).where).toBe(
      'step 0 (fault_inject).op',
    );
  });

  test('a domain name never bound with "as" is an input error when the trace runs, naming the step', () => {
    const r = replayTrace(
      sc(),
      steps([
        { call: 'iommu_paging_domain_alloc', dev: SMMU, as: 'd1' },
        { call: 'iommu_attach_device', domain: 'd2', dev: SMMU },
      ]),
    );
    expect(rejected(r).where).toBe('step 1 (iommu_attach_device).domain');
  });

  test('a domain used after iommu_domain_free is an input error naming the step', () => {
    const r = replayTrace(
      sc(),
      steps([
        { call: 'iommu_paging_domain_alloc', dev: SMMU, as: 'd1' },
        { call: 'iommu_domain_free', domain: 'd1' },
        { call: 'iommu_attach_device', domain: 'd1', dev: SMMU },
      ]),
    );
    expect(rejected(r).where).toBe('step 2 (iommu_attach_device).domain');
  });

  test('an IOVA name never bound names step i (call).iova', () => {
    const r = replayTrace(sc(), steps([{ call: 'device_dma', dev: SMMU, iova: 'iova9' }]));
    expect(rejected(r).where).toBe('step 0 (device_dma).iova');
  });

  test('unbinding an SVA handle that is not live names step i (call).handle', () => {
    const r = replayTrace(sc(), steps([{ call: 'iommu_sva_unbind_device', handle: 'bond' }]));
    expect(rejected(r).where).toBe('step 0 (iommu_sva_unbind_device).handle');
  });
});

describe('checkTraceSteps: wrong types and bad numbers', () => {
  test('a device given as a number names step i (call).dev', () => {
    const r = rejected(checkTraceSteps([{ call: 'device_driver_attach', dev: 0 }], sc()));
    expect(r.where).toBe('step 0 (device_driver_attach).dev');
    expect(r.message).toBe('must be a device name');
  });

  test('a non-integer PASID is rejected at .pasid', () => {
    const r = rejected(
      checkTraceSteps(
        [{ call: 'iommu_attach_device_pasid', domain: 'd', dev: SMMU, pasid: 1.5 }],
        sc(),
      ),
    );
    expect(r.where).toBe('step 0 (iommu_attach_device_pasid).pasid');
    expect(r.message).toBe('must be an integer');
  });

  test('a PASID given as a string is rejected at .pasid', () => {
    const r = rejected(
      checkTraceSteps(
        [{ call: 'iommu_attach_device_pasid', domain: 'd', dev: SMMU, pasid: '1' }],
        sc(),
      ),
    );
    expect(r.where).toBe('step 0 (iommu_attach_device_pasid).pasid');
  });

  test('a PASID above u32 (2^32) is rejected: it does not fit ioasid_t', () => {
    const r = rejected(
      checkTraceSteps(
        [{ call: 'iommu_attach_device_pasid', domain: 'd', dev: SMMU, pasid: 2 ** 32 }],
        sc(),
      ),
    );
    expect(r.where).toBe('step 0 (iommu_attach_device_pasid).pasid');
    expect(r.message).toContain('u32');
  });

  test('PASIDs 2^32-1 and -1 (IOMMU_PASID_INVALID) are accepted by the static check', () => {
    for (const pasid of [2 ** 32 - 1, -1]) {
      expect(checkTraceSteps([{ call: 'iommu_free_global_pasid', pasid }], sc()).ok).toBe(true);
    }
    expect(
      rejected(checkTraceSteps([{ call: 'iommu_free_global_pasid', pasid: -2 }], sc())).where,
    ).toBe('step 0 (iommu_free_global_pasid).pasid');
  });

  test('a huge size is rejected at .size', () => {
    const r = rejected(
      checkTraceSteps([{ call: 'dma_map_single', dev: SMMU, buf: 'b0', size: 1e300 }], sc()),
    );
    expect(r.where).toBe('step 0 (dma_map_single).size');
  });

  test('a negative or unsafe IOVA is rejected at .iova', () => {
    for (const iova of [-4096, 2 ** 60]) {
      const r = rejected(checkTraceSteps([{ call: 'device_dma', dev: SMMU, iova }], sc()));
      expect(r.where).toBe('step 0 (device_dma).iova');
    }
  });

  test('a sysfs type that is not a string is rejected at .type', () => {
    const r = rejected(
      checkTraceSteps([{ call: 'iommu_group_store_type', group: 'g0', type: 3 }], sc()),
    );
    expect(r.where).toBe('step 0 (iommu_group_store_type).type');
  });

  test('an owner that is neither a name nor null is rejected at .owner', () => {
    const r = rejected(
      checkTraceSteps([{ call: 'iommu_device_claim_dma_owner', dev: SMMU, owner: 5 }], sc()),
    );
    expect(r.where).toBe('step 0 (iommu_device_claim_dma_owner).owner');
  });

  test('an empty "as" name and a non-integer "expect" are rejected at .as / .expect', () => {
    expect(
      rejected(checkTraceSteps([{ call: 'iommu_paging_domain_alloc', dev: SMMU, as: '' }], sc()))
        .where,
    ).toBe('step 0 (iommu_paging_domain_alloc).as');
    expect(
      rejected(checkTraceSteps([{ call: 'device_driver_attach', dev: SMMU, expect: 0.5 }], sc()))
        .where,
    ).toBe('step 0 (device_driver_attach).expect');
    expect(
      rejected(
        checkTraceSteps([{ call: 'device_driver_attach', dev: SMMU, expect: { a: 1 } }], sc()),
      ).where,
    ).toBe('step 0 (device_driver_attach).expect');
  });
});

describe('the line between bad input and a kernel errno', () => {
  test('a sysfs write of any string is not an input error: "blocked", garbage and "" are the kernel\'s -EINVAL', () => {
    for (const type of ['blocked', 'unmanaged', 'garbage', '', 'DMA\n\n']) {
      const res = replay([{ call: 'iommu_group_store_type', group: 'g0', type, expect: -22 }]);
      expect(res.outcome, JSON.stringify(type)).toEqual({ result: 'pass' });
      expect(res.steps[0].ret).toBe(-22);
    }
  });

  test("an out-of-range PASID such as 4096 is not an input error: it is the kernel's -EINVAL", () => {
    const res = replay([
      { call: 'iommu_paging_domain_alloc', dev: SMMU, as: 'd1' },
      { call: 'iommu_attach_device_pasid', domain: 'd1', dev: SMMU, pasid: 4096, expect: -22 },
      { call: 'iommu_attach_device_pasid', domain: 'd1', dev: SMMU, pasid: 0, expect: -22 },
    ]);
    expect(res.outcome).toEqual({ result: 'pass' });
  });

  test("a NULL owner is not an input error: it is the kernel's -EINVAL (with a WARN)", () => {
    const res = replay([{ call: 'iommu_device_claim_dma_owner', dev: SMMU, owner: null }]);
    expect(res.steps[0].ret).toBe(-22);
    expect(res.steps[0].warnings).toContain('iommu_device_claim_dma_owner: !owner');
  });

  test('a wrong expect is a mismatch outcome, not an input error', () => {
    const res = replay([{ call: 'device_driver_attach', dev: AMD_GPU, expect: -16 }]);
    expect(res.outcome).toEqual({ result: 'mismatch', index: 0, expected: -16, actual: 0 });
  });
});

/** Parse, check and replay a trace document the way the CLI does, minus the file system. */
function runTrace(doc: unknown): Parsed<unknown> | 'path' {
  const t = parseTraceFile(doc);
  if (!t.ok) return t;
  const s = t.value.scenario;
  let scenario: Parsed<Scenario>;
  if (typeof s === 'string') {
    if (!Object.hasOwn(BUILTIN_SCENARIOS, s)) return 'path';
    scenario = parseScenario(BUILTIN_SCENARIOS[s], `scenario ${s}`);
  } else {
    scenario = parseScenario(s, 'trace.scenario');
  }
  if (!scenario.ok) return scenario;
  const st = checkTraceSteps(t.value.steps, scenario.value);
  if (!st.ok) return st;
  return replayTrace(scenario.value, st.value);
}

describe('property over malformed traces', () => {
  const bases: unknown[] = [
    { ...exampleTrace, scenario: exampleScenario },
    { ...exampleTrace, scenario: 'smmu-and-amd-igpu' },
    {
      scenario: 'vtd-pasid',
      steps: [
        { call: 'device_driver_attach', dev: '0000:6a:01.0', expect: 0 },
        { call: 'iommu_alloc_global_pasid', dev: '0000:6a:01.0', expect: 1 },
        { call: 'iommu_get_domain_for_dev', dev: '0000:6a:01.0', as: 'def' },
        { call: 'iommu_attach_device_pasid', domain: 'def', dev: '0000:6a:01.0', pasid: 1 },
        { call: 'iommu_detach_device_pasid', domain: 'def', dev: '0000:6a:01.0', pasid: 1 },
        { call: 'iommu_free_global_pasid', pasid: 1 },
        { call: 'device_release_driver', dev: '0000:6a:01.0' },
        { call: 'iommu_device_claim_dma_owner', dev: '0000:6a:01.0', owner: 'vfio', expect: 0 },
      ],
    },
    {
      scenario: 'smmu-dma',
      steps: [
        { call: 'device_driver_attach', dev: SMMU },
        { call: 'dma_map_single', dev: SMMU, buf: 'b0', as: 'i0' },
        { call: 'device_dma', dev: SMMU, iova: 'i0', expect: 'b0' },
        { call: 'dma_unmap_single', dev: SMMU, iova: 'i0' },
        { call: 'fq_flush_timeout', group: 'g0' },
        { call: 'iommu_group_store_type', group: 'g0', type: 'DMA' },
      ],
    },
  ];

  test('the unmutated bases replay to an outcome', () => {
    for (const b of bases) {
      const r = runTrace(b);
      expect(r).not.toBe('path');
      if (r !== 'path') expect(r.ok).toBe(true);
    }
  });

  const SEED = 424242;
  test(`mutated traces either parse and replay or give an InputError with where and message, never a throw (fast-check seed ${SEED}, 600 runs)`, () => {
    let rejectedCount = 0;
    let replayed = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...bases),
        fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
        (doc, muts) => {
          const r = runTrace(mutate(doc, muts));
          if (r === 'path') return;
          if (!r.ok) {
            rejectedCount++;
            expect(r.where.length).toBeGreaterThan(0);
            expect(r.message.length).toBeGreaterThan(0);
          } else {
            replayed++;
          }
        },
      ),
      { seed: SEED, numRuns: 600 },
    );
    expect(rejectedCount).toBeGreaterThan(100);
    expect(replayed).toBeGreaterThan(10);
  });

  const SEED2 = 99_1337;
  test(`random JSON steps against a valid scenario never throw (fast-check seed ${SEED2}, 500 runs)`, () => {
    const stepArb = fc.dictionary(
      fc.constantFrom(
        'call',
        'dev',
        'group',
        'domain',
        'pasid',
        'type',
        'owner',
        'buf',
        'iova',
        'size',
        'mm',
        'handle',
        'as',
        'expect',
        'op',
        'iommu',
      ),
      fc.oneof(
        fc.constantFrom(
          'device_driver_attach',
          'iommu_attach_device_pasid',
          'iommu_group_store_type',
          'iommu_paging_domain_alloc',
          'iommu_sva_bind_device',
          'dma_map_single',
          SMMU,
          AMD_GPU,
          'g0',
          'b0',
          'mm0',
          'd1',
        ),
        fc.jsonValue({ maxDepth: 1 }),
      ),
    );
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 6 }), (raw) => {
        const r = runTrace(
          JSON.parse(JSON.stringify({ scenario: 'smmu-and-amd-igpu', steps: raw })),
        );
        if (r !== 'path' && !r.ok) {
          expect(r.where.length).toBeGreaterThan(0);
          expect(r.message.length).toBeGreaterThan(0);
        }
      }),
      { seed: SEED2, numRuns: 500 },
    );
  });
});
