/**
 * Why this test? `explore --shard I/N` on N machines and `merge` of their reports must give the
 * report one unsharded run prints, byte for byte, with its exit code, whatever the order the
 * reports come in; and merge must refuse reports that do not make one whole plan.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { mergeShardReports, parseShard, shardJobs } from '../../../src/check/scale/shard-plan.js';
import { run } from '../../../src/cli/main.js';
import { captureOutput } from '../../../src/cli/output.js';

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = captureOutput();
  const code = await run(argv, out);
  return { code, stdout: out.stdout, stderr: out.stderr };
}

describe('sharded explore and merge', () => {
  test('the plan: every job in exactly one shard, in job order', () => {
    for (const total of [0, 1, 5, 17]) {
      for (const count of [1, 2, 3, 7]) {
        const all = Array.from({ length: count }, (_, i) =>
          shardJobs(total, { index: i + 1, count }),
        ).flat();
        expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, j) => j));
      }
    }
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '1/0', '1', 'a/b', '1/2/3'])
      expect(typeof parseShard(bad)).toBe('string');
  });

  test('merged shard reports equal the unsharded report, byte for byte, and its exit code', async () => {
    // Every built-in, cut short so the test is quick; then one job with a mutant's trace.
    const args = ['explore', '--json', '--no-progress', '--max-states', '30'];
    const whole = await cli(args);
    const dir = mkdtempSync(join(tmpdir(), 'iommu-spec-shards-'));
    for (const n of [1, 2, 3, 5]) {
      const files: string[] = [];
      for (let i = n; i >= 1; i--) {
        const part = await cli([...args, '--shard', `${i}/${n}`]);
        const f = join(dir, `shard-${i}-of-${n}.json`);
        writeFileSync(f, part.stdout);
        files.push(f);
      }
      const merged = await cli(['merge', ...files]);
      expect(merged.stderr).toBe('');
      expect(merged.stdout).toBe(whole.stdout);
      expect(merged.code).toBe(whole.code);
    }
    const mutant = [
      'explore',
      '--json',
      '--no-progress',
      '--scenario',
      'vtd-dma-strict',
      '--mutant',
      'strict-free-before-sync',
    ];
    const broken = await cli(mutant);
    const f = join(dir, 'mutant.json');
    writeFileSync(f, (await cli([...mutant, '--shard', '1/1'])).stdout);
    const m = await cli(['merge', f]);
    expect(m.stdout).toBe(broken.stdout);
    expect(m.code).toBe(broken.code);
    expect(m.code).toBe(1);
  }, 600_000);

  test('merge refuses what is not one whole plan', () => {
    const rep = (index: number, count: number, jobs: number, got: number[]) => ({
      shard: { index, count, jobs },
      results: got.map((job) => ({ job, report: { result: 'pass' } })),
    });
    const ok = mergeShardReports([
      { name: 'a', value: rep(1, 2, 3, [0, 2]) },
      { name: 'b', value: rep(2, 2, 3, [1]) },
    ]);
    expect(ok).toEqual({
      report: {
        result: 'pass',
        scenarios: [{ result: 'pass' }, { result: 'pass' }, { result: 'pass' }],
      },
      result: 'pass',
    });
    expect(mergeShardReports([{ name: 'a', value: rep(1, 2, 3, [0, 2]) }])).toMatch(/2\/2 missing/);
    expect(
      mergeShardReports([
        { name: 'a', value: rep(1, 2, 3, [0, 2]) },
        { name: 'b', value: rep(1, 2, 3, [0, 2]) },
      ]),
    ).toMatch(/given already/);
    expect(
      mergeShardReports([
        { name: 'a', value: rep(1, 2, 3, [0, 2]) },
        { name: 'b', value: rep(2, 3, 3, [1]) },
      ]),
    ).toMatch(/does not belong/);
    expect(mergeShardReports([{ name: 'a', value: rep(1, 1, 2, [0]) }])).toMatch(/should hold/);
    expect(mergeShardReports([{ name: 'a', value: { result: 'pass' } }])).toMatch(/not a shard/);
    expect(mergeShardReports([])).toMatch(/no shard/);
  });
});
