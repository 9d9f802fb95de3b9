/**
 * iommu-spec conform in process: bad input is exit 2 before anything boots; a machine without
 * QEMU or the kernel image is exit 4 with the set-up command to run.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { run } from '../../src/cli/main.js';
import { captureOutput } from '../../src/cli/output.js';

async function conform(...args: string[]) {
  const out = captureOutput();
  const code = await run(['conform', ...args], out);
  return { code, out: out.stdout, err: out.stderr };
}

const saved = { cache: process.env.IOMMU_SPEC_CONFORM_CACHE, path: process.env.PATH };
afterEach(() => {
  process.env.IOMMU_SPEC_CONFORM_CACHE = saved.cache;
  if (saved.cache === undefined) delete process.env.IOMMU_SPEC_CONFORM_CACHE;
  process.env.PATH = saved.path;
});

describe('iommu-spec conform', () => {
  test('exit 4 when the kernel image is missing, naming npm run conform:setup', async () => {
    process.env.IOMMU_SPEC_CONFORM_CACHE = mkdtempSync(join(tmpdir(), 'no-kernels-'));
    // QEMU "present": an executable stand-in first on PATH
    const bin = mkdtempSync(join(tmpdir(), 'fake-qemu-'));
    writeFileSync(join(bin, 'qemu-system-x86_64'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    process.env.PATH = `${bin}:${saved.path}`;
    const r = await conform('conform/traces/attach-device.json');
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/no Linux 6\.12 kernel image/);
    expect(r.err).toMatch(/npm run conform:setup/);
  });

  test('exit 4 when QEMU is not installed', async () => {
    process.env.PATH = mkdtempSync(join(tmpdir(), 'empty-path-'));
    const r = await conform('conform/traces/attach-device.json', '--kernel', '6.1');
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/qemu-system-x86_64 is not installed/);
    expect(r.err).toMatch(/npm run conform:setup/);
  });

  test('exit 2 for an unknown kernel, a missing trace, a bad step', async () => {
    expect((await conform('conform/traces/attach-device.json', '--kernel', '5.4')).code).toBe(2);
    const missing = await conform('nope.json');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no such file/);
    const dir = mkdtempSync(join(tmpdir(), 'bad-trace-'));
    const bad = join(dir, 't.json');
    writeFileSync(bad, JSON.stringify({ scenario: 'vtd-pasid', steps: [{ call: 'nope' }] }));
    const r = await conform(bad);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown call "nope"/);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });
});
