/**
 * End to end: the one test file that spawns the built binary (bin/iommu-spec.mjs over dist/,
 * built once per run by test/__helpers__/build-dist.ts, this project's vitest globalSetup).
 * The README's commands, a bad flag, the example trace, and `--workers N`, whose worker threads
 * load the built worker script: the same report as one thread (but for timings), a stop
 * reported as incomplete (exit 3). Every other CLI test runs in process (test/__helpers__/cli.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

function cli(...args: string[]) {
  const r = spawnSync('node', ['bin/iommu-spec.mjs', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Run two CLI invocations at once (the machine has at least two cores to compare on). */
function both(a: string[], b: string[]) {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const p = spawn('node', ['bin/iommu-spec.mjs', ...args]);
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => {
        out += d;
      });
      p.stderr.on('data', (d) => {
        err += d;
      });
      p.on('close', (code) => resolve({ code, out, err }));
    });
  return Promise.all([run(a), run(b)]);
}

/** Text output without its timings: "(1.23 s, 456 states/s)". */
const untimed = (s: string) => s.replace(/\(\d+\.\d+ s, \d+ states\/s\)/g, '(T)');

describe('the built binary', () => {
  test("the README's explore, on one small scenario: exit 0, every invariant held", () => {
    const r = cli('explore', '--scenario', 'vtd-sva', '--no-progress');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PASS\s+vtd-sva: \d+ states, \d+ transitions, depth \d+/m);
    expect(r.err).toBe('');
  });

  test('a bad flag: exit 2, the usage, no stack trace', () => {
    const r = cli('explore', '--bogus');
    expect(r.code).toBe(2);
    expect(r.err).toContain("error: unknown option '--bogus'");
    expect(r.err).toContain('Usage: iommu-spec explore');
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.out).toBe('');
  });

  test('replay of examples/trace.json: exit 0', () => {
    const r = cli('replay', 'examples/trace.json');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^pass: 15 steps replayed on scenario smmu-and-amd-igpu$/m);
  });
});

describe('explore --workers', () => {
  test.each([['vtd-pasid'], ['vtd-dma-strict']])(
    '%s split across 2 workers: the JSON of one thread',
    (name) => {
      const one = cli('explore', '--scenario', name, '--json', '--no-progress');
      const two = cli('explore', '--scenario', name, '--json', '--no-progress', '--workers', '2');
      expect(one.code).toBe(0);
      expect(two.code).toBe(0);
      expect(two.out).toBe(one.out);
    },
  );

  test('a seeded bug in a split scenario: the same shortest counterexample (exit 1)', () => {
    const args = ['explore', '--scenario', 'vtd-pasid', '--mutant', 'cd-left-after-detach'];
    const one = cli(...args, '--json');
    const three = cli(...args, '--json', '--workers', '3');
    expect(one.code).toBe(1);
    expect(three.code).toBe(1);
    expect(three.out).toBe(one.out);
  });

  test('a state bound (run whole, not split): the same incomplete result (exit 3)', () => {
    const args = ['explore', '--scenario', 'smmu-dma', '--max-states', '300', '--json'];
    const one = cli(...args);
    const two = cli(...args, '--workers', '2');
    expect(one.code).toBe(3);
    expect(two.code).toBe(3);
    expect(two.out).toBe(one.out);
  });

  test('every built-in: JSON, text, KTAP and JUnit cases as one thread gives them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iommu-spec-workers-'));
    const [one, two] = await both(
      ['explore', '--json', '--no-progress', '--junit', join(dir, 'one.xml')],
      ['explore', '--json', '--no-progress', '--junit', join(dir, 'two.xml'), '--workers', '2'],
    );
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(JSON.parse(two.out)).toEqual(JSON.parse(one.out));
    expect(two.out).toBe(one.out);
    const cases = (f: string) => readFileSync(join(dir, f), 'utf8').replace(/ time="[^"]*"/g, '');
    expect(cases('two.xml')).toBe(cases('one.xml'));
  });

  test('text and KTAP: the same lines but for timings', () => {
    const args = ['explore', '--scenario', 'vtd-dma-strict', '--no-progress'];
    expect(untimed(cli(...args, '--workers', '2').out)).toBe(untimed(cli(...args).out));
    const ktap = ['explore', '--scenario', 'vtd-sva', '--ktap'];
    expect(cli(...ktap, '--workers', '2').out).toBe(cli(...ktap).out);
  });

  test('--max-memory stops every worker cleanly: a partial report, exit 3', () => {
    const r = cli('explore', '--json', '--workers', '2', '--max-memory', '1');
    expect(r.code).toBe(3);
    const j = JSON.parse(r.out);
    expect(j.result).toBe('incomplete');
    expect(j.scenarios.every((s: { incomplete?: string }) => s.incomplete === 'stopped')).toBe(
      true,
    );
  });
});

describe('variants --workers', () => {
  test('the JSON of one thread', () => {
    const one = cli('variants', '--json');
    const two = cli('variants', '--json', '--workers', '2');
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(two.out).toBe(one.out);
  });
});
