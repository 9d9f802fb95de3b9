/**
 * The HTML report in a real browser: Debian's Chromium driven by playwright-core (no browser
 * download). The report is generated once by the built command line (`npm run test:browser`
 * builds first), `iommu-spec report --out DIR` over every built-in scenario with the
 * missed-invalidation-on-free mutant switched on, and opened from file:// with every request
 * that is not a file of the report refused and recorded. Screenshots of the three pages go to
 * test/browser/artifacts/ (ignored by git). Run with `npm run test:browser`
 * (scripts/browser-setup.sh installs chromium when it is missing).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHARTS } from '../../machines/runtime/catalog.js';
import { INVARIANTS } from '../../spec/invariants/index.js';
import { BUILTIN_SCENARIO_NAMES } from '../../spec/scenarios/index.js';
import type { ReportData } from '../../src/report/html/model.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = resolve('test/browser/artifacts');
/** A report already generated the same way (to iterate on the page), or a fresh one. */
const REUSE = process.env.IOMMU_SPEC_REPORT;
const OUT = REUSE ?? join(ARTIFACTS, 'report');
const MUTANT = 'missed-invalidation-on-free';

let context: BrowserContext;
let page: Page;
let data: ReportData;
let userDataDir: string;
const outside: string[] = [];
/** Where the page may load from: the report's folder, and the --serve server once started. */
const allowed: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: install it with \`sudo apt-get update && sudo apt-get install -y chromium\` (or run scripts/browser-setup.sh), or set CHROMIUM_PATH`,
    );
  mkdirSync(ARTIFACTS, { recursive: true });
  if (REUSE === undefined) {
    rmSync(OUT, { recursive: true, force: true });
    const run = spawnSync(
      process.execPath,
      ['bin/iommu-spec.mjs', 'report', '--out', OUT, '--mutant', MUTANT, '--workers', '2'],
      { encoding: 'utf8' },
    );
    // The mutant is caught: the report exits 1 as explore does.
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(1);
    expect(run.stdout).toContain('report written to');
  }
  const html = readFileSync(join(OUT, 'index.html'), 'utf8');
  const m = html.match(/<script type="application\/json" id="report-data">(.*?)<\/script>/s);
  data = JSON.parse(m?.[1] ?? 'null') as ReportData;
  allowed.push(pathToFileURL(OUT).href);
  userDataDir = mkdtempSync(join(tmpdir(), 'iommu-spec-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // Offline: only the report's own files may load.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (allowed.some((prefix) => url.startsWith(prefix))) return route.continue();
    outside.push(url);
    return route.abort();
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(pathToFileURL(join(OUT, 'index.html')).href);
});

afterAll(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

async function show(hash: string): Promise<void> {
  await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
}

describe('the HTML report in Chromium', () => {
  it('lists every built-in scenario on the overview, with its result', async () => {
    await show('#overview');
    await expect.poll(() => page.locator('#page-overview').isVisible()).toBe(true);
    for (const name of BUILTIN_SCENARIO_NAMES) {
      const row = page.locator(`#scenarios tr[data-scenario="${name}"]`);
      await expect.poll(() => row.count(), { message: name }).toBe(1);
      expect(await row.locator('.badge').first().textContent()).toMatch(/^(pass|violation)$/);
    }
    // The mutant is caught on smmu-dma, with its invariant linked to the stepper.
    const smmu = page.locator('#scenarios tr[data-scenario="smmu-dma"]');
    expect(await smmu.textContent()).toContain('IotlbCoherent');
    for (const inv of INVARIANTS)
      expect(await page.locator(`#invariants tr[data-invariant="${inv.id}"]`).count()).toBe(1);
    expect(
      await page.locator('#invariants tr[data-invariant="IotlbCoherent"] .badge').textContent(),
    ).toBe('violated');
    expect(await page.locator('section.debate').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'overview.png'), fullPage: false });
  });

  it('draws each chart as an SVG with one element per transition', async () => {
    for (const chart of CHARTS) {
      await show(`#charts/${chart.id}`);
      const svg = page.locator(`#chart-svg svg#svg-${chart.id}`);
      await svg.waitFor({ state: 'attached', timeout: 60_000 });
      const ids = await svg.locator('g.edge.transition').evaluateAll((els) => els.map((e) => e.id));
      expect(ids.length, chart.id).toBe(chart.transitions.length);
      expect(new Set(ids)).toEqual(new Set(chart.transitions.map((_, i) => `t-${chart.id}-${i}`)));
    }
  });

  it('shows the reason when an uncovered transition is clicked, and a witness for a taken one', async () => {
    const chart = data.charts.find((c) => c.transitions.some((t) => t.status === 'unreachable'));
    expect(chart).toBeDefined();
    const t = chart!.transitions.find((x) => x.status === 'unreachable')!;
    await show(`#charts/${chart!.id}`);
    await page.locator(`#chart-svg svg#svg-${chart!.id}`).waitFor();
    await page.locator(`[id="${t.elementId}"]`).dispatchEvent('click');
    await expect.poll(() => page.locator('#transition-reason').textContent()).toContain(t.reason);
    expect(await page.locator('#transition-status').textContent()).toContain('unreachable');
    expect(await page.locator(`[id="${t.elementId}"]`).getAttribute('class')).toContain('selected');
    await page.screenshot({ path: join(ARTIFACTS, 'charts.png'), fullPage: false });

    const taken = chart!.transitions.find((x) => x.status === 'taken' && x.witness)!;
    await page.locator(`[id="${taken.elementId}"]`).dispatchEvent('click');
    await expect.poll(() => page.locator('#transition-status').textContent()).toContain('taken');
    if (taken.guardWords)
      expect(await page.locator('#transition-guard').textContent()).toContain(taken.guardWords);
    await page.locator('#witness-link').click();
    await expect.poll(() => page.locator('#page-stepper').isVisible()).toBe(true);
    expect(await page.locator('#trace-select').inputValue()).toBe(taken.witness);
  });

  it("steps to the mutant's violating step with the arrow keys, showing the invariant and the IOTLB", async () => {
    const finding = data.traces.find((t) => t.kind === 'finding' && t.scenario === 'smmu-dma');
    expect(finding?.focus?.invariant).toBe('IotlbCoherent');
    await show(`#stepper/${finding!.id}/0`);
    await expect.poll(() => page.locator('#step-pos').textContent()).toContain('boot');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    let sawIotlbFill = false;
    let presses = 0;
    while ((await page.locator('#step-violation').count()) === 0 && presses < 20) {
      await page.keyboard.press('ArrowRight');
      presses++;
      await expect.poll(() => page.locator('#step-pos').textContent()).toContain(`step ${presses}`);
      if ((await page.locator('#iotlb tr.changed.added').count()) > 0) sawIotlbFill = true;
    }
    // The violating step is the trace's focus step (0-based) plus one.
    expect(presses).toBe(finding!.focus!.step + 1);
    const violation = page.locator('#step-violation');
    const statement = INVARIANTS.find((i) => i.id === 'IotlbCoherent')!.statement;
    expect(await violation.textContent()).toContain('IotlbCoherent');
    expect(await violation.textContent()).toContain(statement);
    // A device access filled the IOTLB on the way; at the violating step the entry stays while its
    // domain is freed: the row is highlighted as changed.
    expect(sawIotlbFill).toBe(true);
    const changed = page.locator('#iotlb tr.changed');
    expect(await changed.count()).toBe(1);
    expect(await changed.textContent()).toContain('freed');
    await page.screenshot({ path: join(ARTIFACTS, 'stepper.png'), fullPage: false });
    // The link copies the trace JSON that replay reproduces (what it hands the clipboard is
    // recorded: reading the clipboard back needs a permission file:// pages cannot be granted).
    await page.evaluate(`{
      const write = navigator.clipboard.writeText.bind(navigator.clipboard);
      navigator.clipboard.writeText = (text) => { window.copiedText = text; return write(text); };
    }`);
    await page.locator('#copy-trace').click();
    await expect.poll(() => page.locator('#copy-status').textContent()).toMatch(/copied|could not/);
    const copied = (await page.locator('#copy-status').textContent())?.includes('copied')
      ? await page.evaluate('window.copiedText')
      : await page.locator('#trace-json').inputValue();
    expect(JSON.parse(String(copied))).toEqual(finding!.trace);
    expect(await page.locator('#replay-cmd').textContent()).toBe(
      `iommu-spec replay trace.json --mutant ${MUTANT}`,
    );
    await page.keyboard.press('ArrowLeft');
    await expect
      .poll(() => page.locator('#step-pos').textContent())
      .toContain(`step ${presses - 1}`);
    expect(await page.locator('#step-violation').count()).toBe(0);
  });

  it('replays a trace file opened in the page served by --serve', async () => {
    const finding = data.traces.find((t) => t.kind === 'finding' && t.scenario === 'smmu-dma')!;
    const traceFile = join(ARTIFACTS, 'opened-trace.json');
    writeFileSync(traceFile, JSON.stringify(finding.trace));
    const server = spawn(
      process.execPath,
      [
        'bin/iommu-spec.mjs',
        'report',
        '--serve',
        '--port',
        '0',
        '--scenario',
        'mock-untrusted',
        '--no-coverage',
        '--no-variants',
        '--mutant',
        MUTANT,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((ok, fail) => {
        let text = '';
        server.stdout.on('data', (b: Buffer) => {
          text += b.toString();
          const m = text.match(/serving the report on (http:\/\/127\.0\.0\.1:\d+\/)/);
          if (m) ok(m[1]);
        });
        server.on('exit', (code) => fail(new Error(`report --serve exited ${code}: ${text}`)));
      });
      allowed.push(url);
      await page.goto(`${url}#stepper`);
      await page.locator('#trace-file').setInputFiles(traceFile);
      await expect.poll(() => page.locator('#trace-select').inputValue()).toBe('opened-0');
      await expect.poll(() => page.locator('#step-pos').textContent()).toContain('boot');
      for (let i = 0; i < finding.trace.steps.length; i++) await page.keyboard.press('ArrowRight');
      await expect
        .poll(() => page.locator('#step-pos').textContent())
        .toContain(`step ${finding.trace.steps.length} of ${finding.trace.steps.length}`);
      expect(await page.locator('#step-violation').textContent()).toContain('IotlbCoherent');
    } finally {
      const exited = new Promise<number | null>((ok) => server.on('exit', ok));
      server.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  });

  it('loaded nothing from outside the report and raised no script error', () => {
    expect(outside).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
