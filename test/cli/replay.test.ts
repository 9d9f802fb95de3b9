/**
 * `iommu-spec replay` as a user runs it, in process (test/__helpers__/cli.ts), on
 * examples/trace.json and on temporary traces, checking exit codes (0 pass, 1 mismatch,
 * 2 bad input or usage), that bad input is reported by field without a stack trace, and the
 * --json shape.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli as run } from '../__helpers__/cli.js';

const EXAMPLE = 'examples/trace.json';
const SMMU = '0000:00:01.0';

let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'iommu-spec-cli-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(...args: string[]): Run {
  const r = run(...args);
  return { status: r.code, stdout: r.out, stderr: r.err };
}

let n = 0;
/** Write a trace (object or raw text) under the temporary directory; returns its path. */
function traceFile(content: unknown, name = `trace-${n++}.json`): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

/** No JavaScript stack frames on stderr. */
function expectNoStack(r: Run): void {
  expect(r.stderr.split('\n').filter((l) => l.startsWith('    at '))).toEqual([]);
  expect(r.stdout.split('\n').filter((l) => l.startsWith('    at '))).toEqual([]);
}

describe('iommu-spec replay: passing and failing traces', () => {
  test('the example trace (examples/trace.json) passes with exit 0', () => {
    const r = cli('replay', EXAMPLE);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^pass: 15 steps replayed on scenario smmu-and-amd-igpu$/m);
    expectNoStack(r);
  });

  test('a wrong expect exits 1 and the message names the step', () => {
    const path = traceFile({
      scenario: 'smmu-and-amd-igpu',
      steps: [
        { call: 'device_driver_attach', dev: SMMU, expect: 0 },
        { call: 'iommu_group_store_type', group: 'g0', type: 'identity', expect: -1 },
        { call: 'device_driver_attach', dev: SMMU, expect: 0 },
      ],
    });
    const r = cli('replay', path);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/mismatch at step 2: expected 0, got -16 \(-EBUSY\)/);
    expectNoStack(r);
  });

  test('a trace whose scenario is a file next to it is resolved relative to the trace', () => {
    const scenario = {
      name: 'cli-relative',
      kernel: { 'iommu.strict': true },
      iommus: [{ name: 'm0', driver: 'mock', caps: ['IOMMU_CAP_DEFERRED_FLUSH'] }],
      devices: [{ name: 'A', iommu: 'm0', group: 'g0' }],
    };
    writeFileSync(join(dir, 'rel-scenario.json'), JSON.stringify(scenario));
    const path = traceFile({
      scenario: 'rel-scenario.json',
      steps: [{ call: 'iommu_group_show_type', group: 'g0', expect: 'DMA\n' }],
    });
    const r = cli('replay', path);
    expect(r.status).toBe(0);
  });
});

describe('iommu-spec replay: bad input exits 2, names the field, prints no stack', () => {
  test('a non-integer PASID names step 1 (iommu_attach_device_pasid).pasid', () => {
    const path = traceFile({
      scenario: 'smmu-and-amd-igpu',
      steps: [
        { call: 'iommu_paging_domain_alloc', dev: SMMU, as: 'd1' },
        { call: 'iommu_attach_device_pasid', domain: 'd1', dev: SMMU, pasid: 'one' },
      ],
    });
    const r = cli('replay', path);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('step 1 (iommu_attach_device_pasid).pasid');
    expectNoStack(r);
  });

  test('an unknown call names step 0.call', () => {
    const r = cli('replay', traceFile({ scenario: 'smmu-dma', steps: [{ call: 'iommu_frob' }] }));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('step 0.call: unknown call "iommu_frob"');
    expectNoStack(r);
  });

  test('an unknown device names step 0 (device_driver_attach).dev', () => {
    const r = cli(
      'replay',
      traceFile({ scenario: 'smmu-dma', steps: [{ call: 'device_driver_attach', dev: 'nope' }] }),
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('step 0 (device_driver_attach).dev');
    expectNoStack(r);
  });

  test('a domain name never bound names the step at run time', () => {
    const r = cli(
      'replay',
      traceFile({
        scenario: 'smmu-dma',
        steps: [
          { call: 'device_driver_attach', dev: SMMU },
          { call: 'iommu_attach_device', domain: 'ghost', dev: SMMU },
        ],
      }),
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('step 1 (iommu_attach_device).domain');
    expectNoStack(r);
  });

  test('an invalid inline scenario names trace.scenario.devices[0].iommu', () => {
    const r = cli(
      'replay',
      traceFile({
        scenario: {
          name: 'bad',
          iommus: [{ name: 'm0', driver: 'mock' }],
          devices: [{ name: 'A', iommu: 'm9', group: 'g0' }],
        },
        steps: [],
      }),
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('trace.scenario.devices[0].iommu');
    expectNoStack(r);
  });

  test('a __proto__ key names trace.steps[0].__proto__', () => {
    const r = cli(
      'replay',
      traceFile(
        '{"scenario": "smmu-dma", "steps": [{"call": "device_driver_attach", "__proto__": {}}]}',
      ),
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('trace.steps[0].__proto__');
    expectNoStack(r);
  });

  test('a file that is not JSON exits 2 with the reason', () => {
    const r = cli('replay', traceFile('{"scenario": "smmu-dma", "steps": [', 'broken.json'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('is not valid JSON');
    expectNoStack(r);
  });

  test('a trace with an unknown top-level field names it', () => {
    const r = cli('replay', traceFile({ scenario: 'smmu-dma', steps: [], extra: true }));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown field "extra"');
    expectNoStack(r);
  });

  test('a scenario file that does not exist exits 2', () => {
    const r = cli('replay', traceFile({ scenario: 'missing-scenario.json', steps: [] }));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no such file');
    expectNoStack(r);
  });

  test('a missing trace file exits 2', () => {
    const r = cli('replay', join(dir, 'does-not-exist.json'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no such file');
    expectNoStack(r);
  });

  test('an unknown flag exits 2', () => {
    const r = cli('replay', '--bogus', EXAMPLE);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown option '--bogus'");
    expectNoStack(r);
  });

  test('a missing trace argument exits 2', () => {
    const r = cli('replay');
    expect(r.status).toBe(2);
    expectNoStack(r);
  });

  test('an unknown command exits 2', () => {
    const r = cli('replya', EXAMPLE);
    expect(r.status).toBe(2);
    expectNoStack(r);
  });

  test('an unknown --variant exits 2 and names --variant', () => {
    const r = cli('replay', '--variant', 'no-such-variant', EXAMPLE);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--variant');
    expectNoStack(r);
  });
});

describe('iommu-spec replay --json', () => {
  test('prints { result, steps: [{ index, call, ret }] } for the example', () => {
    const r = cli('replay', '--json', EXAMPLE);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.result).toBe('pass');
    expect(Array.isArray(out.steps)).toBe(true);
    expect(out.steps).toHaveLength(15);
    for (const [i, s] of out.steps.entries()) {
      expect(s.index).toBe(i);
      expect(typeof s.call).toBe('string');
      expect(['number', 'string']).toContain(typeof s.ret);
    }
    expect(out.steps[1]).toMatchObject({ index: 1, call: 'iommu_group_store_type', ret: -1 });
    expect(out.steps[8]).toMatchObject({ call: 'iommu_paging_domain_alloc', ret: 'd1' });
  });

  test('a mismatch exits 1 with result "mismatch", every step and every finding', () => {
    const path = traceFile({
      scenario: 'smmu-and-amd-igpu',
      steps: [
        { call: 'device_driver_attach', dev: SMMU },
        { call: 'iommu_group_store_type', group: 'g0', type: 'identity', expect: 8 },
        { call: 'device_release_driver', dev: SMMU },
        { call: 'iommu_group_show_type', group: 'g0', expect: 'identity\n' },
      ],
    });
    const r = cli('replay', '--json', path);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.result).toBe('mismatch');
    expect(out.steps.map((s: { index: number }) => s.index)).toEqual([0, 1, 2, 3]);
    expect(out.steps[1]).toMatchObject({ index: 1, call: 'iommu_group_store_type', ret: -1 });
    expect(out.findings).toEqual([
      { result: 'mismatch', index: 1, expected: 8, actual: -1 },
      { result: 'mismatch', index: 3, expected: 'identity\n', actual: 'DMA-FQ\n' },
    ]);
  });

  test('--stop-at-first stops at the first finding', () => {
    const path = traceFile({
      scenario: 'smmu-and-amd-igpu',
      steps: [
        { call: 'device_driver_attach', dev: SMMU },
        { call: 'iommu_group_store_type', group: 'g0', type: 'identity', expect: 8 },
        { call: 'device_release_driver', dev: SMMU },
      ],
    });
    const r = cli('replay', '--json', '--stop-at-first', path);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.steps.map((s: { index: number }) => s.index)).toEqual([0, 1]);
    expect(out.findings).toHaveLength(1);
  });

  test('bad input with --json still exits 2 with the error on stderr', () => {
    const r = cli(
      'replay',
      '--json',
      traceFile({ scenario: 'smmu-dma', steps: [{ call: 'device_driver_attach' }] }),
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('step 0 (device_driver_attach).dev');
    expectNoStack(r);
  });
});
