/**
 * `iommu-spec report` as a user runs it, in process (test/__helpers__/cli.ts): the site written
 * from saved `explore --json` and `coverage --json` results and a trace file, its exit code (as
 * explore's), and bad input reported in one line with exit 2 and no stack trace. The page in a
 * browser is test/browser/report.browser.ts (npm run test:browser).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHARTS } from '../../machines/runtime/catalog.js';
import type { ReportData } from '../../src/report/html/model.js';
import { cli } from '../__helpers__/cli.js';

const MUTANT = 'missed-invalidation-on-free';
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'iommu-spec-report-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function embedded(path: string): ReportData {
  const html = readFileSync(path, 'utf8');
  const m = html.match(/<script type="application\/json" id="report-data">(.*?)<\/script>/s);
  return JSON.parse(m?.[1] ?? 'null') as ReportData;
}

function expectInputError(r: { code: number; err: string }, words: string): void {
  expect(r.code).toBe(2);
  expect(r.err).toContain(words);
  expect(r.err).not.toMatch(/\n\s+at /);
}

describe('iommu-spec report', () => {
  test('writes the site from saved results and a trace file, exiting 1 on a violation', () => {
    const explored = cli('explore', '--scenario', 'smmu-dma', '--mutant', MUTANT, '--json');
    expect(explored.code).toBe(1);
    const exploreFile = join(dir, 'explore.json');
    writeFileSync(exploreFile, explored.out);
    const covered = cli('coverage', '--scenario', 'mock-untrusted', '--json');
    const coverageFile = join(dir, 'coverage.json');
    writeFileSync(coverageFile, covered.out);
    const trace = (JSON.parse(explored.out) as { violations: { trace: unknown }[] }).violations[0]
      .trace;
    const traceFile = join(dir, 'trace.json');
    writeFileSync(traceFile, JSON.stringify(trace));
    const out = join(dir, 'site');
    const r = cli(
      'report',
      '--from',
      exploreFile,
      coverageFile,
      '--trace',
      traceFile,
      '--mutant',
      MUTANT,
      '--no-variants',
      '--no-witnesses',
      '--out',
      out,
    );
    expect(r.err).not.toContain('iommu-spec:');
    expect(r.code).toBe(1);
    expect(r.out).toContain('report written to');
    expect(existsSync(join(out, 'viz-global.js'))).toBe(true);
    const data = embedded(join(out, 'index.html'));
    expect(data.run.sources).toEqual([exploreFile, coverageFile]);
    expect(data.scenarios.map((s) => s.scenario)).toEqual(['smmu-dma']);
    expect(data.scenarios[0].findings[0].invariant).toBe('IotlbCoherent');
    const kinds = data.traces.map((t) => t.kind);
    expect(kinds).toEqual(['finding', 'file']);
    // The trace file replays with the mutant to the same violation as the finding.
    for (const t of data.traces) {
      expect(t.error).toBeUndefined();
      expect(t.snapshots?.steps.at(-1)?.violations[0]?.invariant).toBe('IotlbCoherent');
    }
    // Coverage read from the file: every transition has a status, none "unknown".
    expect(data.charts.map((c) => c.id)).toEqual(CHARTS.map((c) => c.id));
    expect(data.charts.flatMap((c) => c.transitions).some((t) => t.status === 'unknown')).toBe(
      false,
    );
    expect(data.debates).toEqual([]);
  });

  test('needs --out or --serve', () => {
    expectInputError(cli('report'), '--out');
  });

  test('rejects a missing or foreign --from file in one line', () => {
    expectInputError(
      cli('report', '--out', join(dir, 'x'), '--from', join(dir, 'missing.json')),
      'no such file',
    );
    const foreign = join(dir, 'foreign.json');
    writeFileSync(foreign, JSON.stringify({ hello: 'world' }));
    expectInputError(
      cli('report', '--out', join(dir, 'x'), '--from', foreign),
      'not a result iommu-spec writes',
    );
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  test('rejects an unknown mutant, scenario or a bad trace file', () => {
    expectInputError(cli('report', '--out', join(dir, 'y'), '--mutant', 'nope'), 'nope');
    expectInputError(
      cli('report', '--out', join(dir, 'y'), '--scenario', 'no-such-scenario'),
      'no-such-scenario',
    );
    const bad = join(dir, 'bad-trace.json');
    writeFileSync(bad, JSON.stringify({ scenario: 'smmu-dma', step: [] }));
    expectInputError(
      cli(
        'report',
        '--out',
        join(dir, 'y'),
        '--scenario',
        'mock-untrusted',
        '--no-coverage',
        '--no-variants',
        '--trace',
        bad,
      ),
      bad,
    );
  });
});
