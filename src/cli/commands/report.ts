/**
 * iommu-spec report: a static HTML site (src/report/html/) with the overview, the statecharts
 * coloured by coverage and a counterexample stepper. It explores (or reads saved `explore --json`,
 * `coverage --json` and `variants --json` results), replays every trace the stepper shows through
 * the checker for its per-step snapshots, and writes DIR/index.html plus the Graphviz build the
 * page draws the charts with. `--serve` serves the site on localhost, and replays trace files the
 * page opens. Exit codes as explore's: 1 when an exploration found a violation, 3 when one was cut
 * short, 2 on bad input; 0 otherwise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CHARTS } from '../../../machines/runtime/catalog.js';
import { formatInputError, type Parsed } from '../../../spec/input-error.js';
import { ACTION_INVARIANTS, INVARIANTS } from '../../../spec/invariants/index.js';
import { parseScenario, parseTraceFile } from '../../../spec/parse.js';
import type { Scenario } from '../../../spec/scenario.js';
import { BUILTIN_SCENARIO_NAMES } from '../../../spec/scenarios/index.js';
import { checkTraceSteps } from '../../../spec/trace.js';
import { DEBATES, VARIANTS } from '../../../spec/variants/index.js';
import { type ExploreResult, explore } from '../../check/core/explore.js';
import { traceSnapshots } from '../../check/core/snapshots.js';
import { type CoverageScenario, measureCoverage } from '../../check/frontends/coverage.js';
import {
  type TransitionWitness,
  transitionWitnesses,
  witnessKey,
} from '../../check/frontends/transition-witness.js';
import { runVariants, variantScenario } from '../../check/frontends/variants.js';
import {
  buildReportData,
  type ChartCoverageSummary,
  type ExploreSummary,
  type StepperTraceInput,
  stepperTrace,
  type TraceJsonLike,
  type VariantSummary,
} from '../../report/html/model.js';
import { renderReportHtml, VIZ_SCRIPT } from '../../report/html/page.js';
import { type ExploreJob, exploreJobOptions } from '../explore-job.js';
import { loadScenario, readJson, writeText } from '../io.js';
import { type CliOutput, EXIT } from '../output.js';
import { specFor, specModelFor } from '../spec-for.js';
import type { ReportExploreResult } from '../workers/report-explore.js';
import { checkMutants } from './explore.js';

export interface ReportCliOptions {
  readonly scenario?: readonly string[];
  readonly variant?: string;
  readonly mutant?: readonly string[];
  readonly from?: readonly string[];
  readonly trace?: readonly string[];
  readonly out?: string;
  readonly serve?: boolean;
  readonly port?: number;
  /** false with --no-coverage / --no-variants / --no-witnesses. */
  readonly coverage?: boolean;
  readonly variants?: boolean;
  readonly witnesses?: boolean;
  readonly maxStates?: number;
  /** Threads: more than 1 runs the explorations on a worker thread (needs the build). */
  readonly workers?: number;
}

/** The repository root: the folder above this module holding package.json (src/ or dist/src/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && existsSync(join(dir, 'src', 'report', 'html', 'assets'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the iommu-spec package root');
    dir = up;
  }
}

interface Assets {
  readonly script: string;
  readonly style: string;
  readonly viz: string;
}

function readAssets(): Assets {
  const root = packageRoot();
  const assets = join(root, 'src', 'report', 'html', 'assets');
  const require = createRequire(join(root, 'package.json'));
  // The package's exports map names no file of dist/; find the folder through its main entry.
  const vizMain = require.resolve('@viz-js/viz');
  const viz = join(dirname(vizMain), 'viz-global.js');
  return {
    script: readFileSync(join(assets, 'app.js'), 'utf8'),
    style: readFileSync(join(assets, 'style.css'), 'utf8'),
    viz: readFileSync(viz, 'utf8'),
  };
}

/** What a saved JSON result is, by its shape. */
type Saved =
  | { readonly kind: 'explore'; readonly value: readonly ExploreSummary[] }
  | { readonly kind: 'coverage'; readonly value: readonly ChartCoverageSummary[] }
  | { readonly kind: 'variants'; readonly value: readonly VariantSummary[] };

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isExploreSummary(x: unknown): x is ExploreSummary {
  return (
    isRecord(x) &&
    typeof x.scenario === 'string' &&
    typeof x.result === 'string' &&
    typeof x.states === 'number' &&
    Array.isArray(x.violations)
  );
}

function readSaved(path: string): Parsed<Saved> {
  const json = readJson(resolve(path), '--from');
  if (!json.ok) return json;
  const v = json.value;
  const bad = (what: string): Parsed<Saved> => ({
    ok: false,
    where: '--from',
    message: `${path}: ${what} (expected the output of explore --json, coverage --json or variants --json)`,
  });
  if (!isRecord(v)) return bad('not a JSON object');
  if (Array.isArray(v.machines)) {
    const ok = v.machines.every(
      (m) =>
        isRecord(m) && typeof m.id === 'string' && isRecord(m.transitions) && isRecord(m.states),
    );
    return ok
      ? { ok: true, value: { kind: 'coverage', value: v.machines as ChartCoverageSummary[] } }
      : bad('a coverage result whose machines lack id, states or transitions');
  }
  if (Array.isArray(v.variants)) {
    const ok = v.variants.every(
      (x) => isRecord(x) && typeof x.name === 'string' && isRecord(x.invariants),
    );
    return ok
      ? { ok: true, value: { kind: 'variants', value: v.variants as VariantSummary[] } }
      : bad('a variants result whose variants lack name or invariants');
  }
  const runs = Array.isArray(v.scenarios) ? v.scenarios : [v];
  if (runs.every(isExploreSummary))
    return { ok: true, value: { kind: 'explore', value: runs as ExploreSummary[] } };
  return bad('not a result iommu-spec writes');
}

interface TraceSource {
  readonly id: string;
  readonly title: string;
  readonly kind: StepperTraceInput['kind'];
  readonly trace: TraceJsonLike;
  /** The scenario, when the caller has it in hand (variants). */
  readonly scenario?: Scenario;
  readonly mutants: readonly string[];
  readonly variant?: string;
  readonly focus?: StepperTraceInput['focus'];
  /** Where a path in `trace.scenario` is relative to. */
  readonly baseDir: string;
}

/** Replay one trace for the stepper; a trace that cannot be replayed carries the reason. */
function stepperInput(src: TraceSource): StepperTraceInput {
  const base = {
    id: src.id,
    title: src.title,
    kind: src.kind,
    mutants: src.mutants,
    ...(src.variant !== undefined ? { variant: src.variant } : {}),
    trace: src.trace,
    ...(src.focus !== undefined ? { focus: src.focus } : {}),
  };
  const fail = (e: Parsed<unknown>, scenario: string): StepperTraceInput => ({
    ...base,
    scenario,
    snapshots: { error: e.ok ? 'unknown error' : formatInputError(e) },
  });
  const sc = src.trace.scenario;
  let scenario: Parsed<Scenario>;
  if (src.scenario !== undefined) scenario = { ok: true, value: src.scenario };
  else if (typeof sc === 'string') scenario = loadScenario(sc, src.baseDir);
  else scenario = parseScenario(sc, 'trace.scenario');
  const name = typeof sc === 'string' ? sc : scenario.ok ? scenario.value.name : 'inline';
  if (!scenario.ok) return fail(scenario, name);
  const steps = checkTraceSteps(src.trace.steps as Record<string, unknown>[], scenario.value);
  if (!steps.ok) return fail(steps, name);
  const spec = specFor(scenario.value, src.variant);
  if (!spec.ok) return fail(spec, name);
  const r = traceSnapshots(scenario.value, steps.value, {
    mutants: src.mutants,
    variant: spec.value.variantRules,
    spec: spec.value.model,
    conformance: spec.value.conformance,
    contractChanges: spec.value.contractChanges,
  });
  if (!r.ok) return fail(r, name);
  return { ...base, scenario: name, snapshots: r.value };
}

function summary(ref: string, r: ExploreResult): ExploreSummary {
  return {
    scenario: ref,
    result: r.result,
    states: r.states,
    transitions: r.transitions,
    depth: r.depth,
    ...(r.incomplete ? { incomplete: r.incomplete } : {}),
    violations: r.findings.map((f) => ({
      invariant: f.invariant,
      citation: f.citation,
      message: f.message,
      step: f.step,
      trace: f.trace as TraceJsonLike,
    })),
  };
}

function jobsFor(scenarios: readonly CoverageScenario[], opts: ReportCliOptions): ExploreJob[] {
  return scenarios.map(({ ref, scenario }) => ({
    ref,
    scenario,
    variant: opts.variant,
    mutants: opts.mutant,
    maxStates: opts.maxStates,
  }));
}

function exploreHere(
  scenarios: readonly CoverageScenario[],
  opts: ReportCliOptions,
  out: CliOutput,
): Parsed<ExploreSummary[]> {
  const results: ExploreSummary[] = [];
  for (const job of jobsFor(scenarios, opts)) {
    const options = exploreJobOptions(job);
    if (typeof options === 'string') return { ok: false, where: '--variant', message: options };
    const r = explore(job.scenario, options);
    out.note(`explore ${job.ref}: ${r.result}, ${r.states} states, depth ${r.depth}`);
    results.push(summary(job.ref, r));
  }
  return { ok: true, value: results };
}

/**
 * The explorations on a worker thread (workers/report-explore.ts, built), running while this
 * thread goes on; null when the worker script is not built (run from the sources).
 */
function exploreOnWorker(
  scenarios: readonly CoverageScenario[],
  opts: ReportCliOptions,
  out: CliOutput,
): Promise<Parsed<ExploreSummary[]>> | null {
  const script = new URL('../workers/report-explore.js', import.meta.url);
  if (!existsSync(fileURLToPath(script))) return null;
  const jobs = jobsFor(scenarios, opts);
  return new Promise((done) => {
    const w = new Worker(script, { workerData: jobs });
    w.once('message', (results: ReportExploreResult[]) => {
      const value: ExploreSummary[] = [];
      for (const [i, r] of results.entries()) {
        if ('error' in r) {
          done({ ok: false, where: '--variant', message: r.error });
          return;
        }
        out.note(`explore ${jobs[i].ref}: ${r.result.result}, ${r.result.states} states`);
        value.push(summary(jobs[i].ref, r.result));
      }
      done({ ok: true, value });
    });
    w.once('error', (e) =>
      done({ ok: false, where: 'report', message: `explore worker: ${e.message}` }),
    );
  });
}

/** Every piece of the report, explored or read; then the page. */
type Site = Parsed<{ html: string; code: number }>;

function buildSite(opts: ReportCliOptions, out: CliOutput): Site | Promise<Site> {
  const saved: Saved[] = [];
  for (const f of opts.from ?? []) {
    const s = readSaved(f);
    if (!s.ok) return s;
    saved.push(s.value);
  }
  let savedExplore: readonly ExploreSummary[] | undefined;
  let savedCoverage: readonly ChartCoverageSummary[] | undefined;
  let savedVariants: readonly VariantSummary[] | undefined;
  for (const s of saved) {
    if (s.kind === 'explore') savedExplore = s.value;
    else if (s.kind === 'coverage') savedCoverage = s.value;
    else savedVariants = s.value;
  }
  const names =
    opts.scenario ??
    (savedExplore !== undefined ? savedExplore.map((e) => e.scenario) : BUILTIN_SCENARIO_NAMES);
  const scenarios: CoverageScenario[] = [];
  for (const n of names) {
    const sc = loadScenario(n);
    if (!sc.ok) return sc;
    scenarios.push({ ref: n, scenario: sc.value });
  }
  // With --workers > 1 the explorations run on a worker thread while this one measures coverage.
  const onWorker =
    savedExplore === undefined && (opts.workers ?? 1) > 1
      ? exploreOnWorker(scenarios, opts, out)
      : null;
  const exploreHereRes =
    savedExplore !== undefined
      ? { ok: true as const, value: [...savedExplore] }
      : onWorker === null
        ? exploreHere(scenarios, opts, out)
        : null;
  if (exploreHereRes !== null && !exploreHereRes.ok) return exploreHereRes;

  let coverage: readonly ChartCoverageSummary[] | null = savedCoverage ?? null;
  if (coverage === null && opts.coverage !== false) {
    const c = measureCoverage(scenarios, {
      maxStates: opts.maxStates,
      onScenario: (run) => out.note(`coverage ${run.scenario}: ${run.states} states`),
    });
    if (!c.ok) return c;
    coverage = c.value.machines;
  }
  let witnesses: TransitionWitness[] = [];
  if (coverage !== null && opts.witnesses !== false) {
    const wanted = new Map<string, readonly string[]>();
    for (const m of coverage)
      for (const t of m.transitions.counts)
        if (t.generated > 0) wanted.set(witnessKey(m.id, t.id), t.scenarios);
    witnesses = transitionWitnesses(scenarios, wanted, { maxStates: opts.maxStates });
    out.note(`witness traces: ${witnesses.length} of ${wanted.size} taken transitions`);
  }
  let variants: readonly VariantSummary[] | null = savedVariants ?? null;
  if (variants === null && opts.variants !== false) {
    const v = runVariants(specModelFor);
    if (!v.ok) return v;
    variants = v.value;
    out.note(`variants: ${v.value.length} run`);
  }

  const finish = (exploreRes: Parsed<ExploreSummary[]>): Site => {
    if (!exploreRes.ok) return exploreRes;
    const sources: TraceSource[] = [];
    const cwd = process.cwd();
    for (const e of exploreRes.value)
      e.violations.forEach((v, k) => {
        sources.push({
          id: `finding-${sources.length}`,
          title: `${e.scenario}: ${v.invariant}${e.violations.length > 1 ? ` (${k + 1})` : ''}`,
          kind: 'finding',
          trace: v.trace,
          mutants: opts.mutant ?? [],
          ...(opts.variant !== undefined ? { variant: opts.variant } : {}),
          focus: { invariant: v.invariant, citation: v.citation, message: v.message, step: v.step },
          baseDir: cwd,
        });
      });
    for (const v of variants ?? []) {
      const def = VARIANTS.find((x) => x.name === v.name);
      const sc = def === undefined ? undefined : variantScenario(def);
      for (const x of v.violations ?? [])
        sources.push({
          id: `variant-${sources.length}`,
          title: `variant ${v.name}: ${x.invariant}`,
          kind: 'variant',
          trace: x.trace,
          ...(sc?.ok ? { scenario: sc.value } : {}),
          mutants: [],
          variant: v.name,
          ...(x.message !== undefined
            ? {
                focus: {
                  invariant: x.invariant,
                  citation:
                    [...INVARIANTS, ...ACTION_INVARIANTS].find((i) => i.id === x.invariant)
                      ?.citation ?? '',
                  message: x.message,
                  step: x.steps - 1,
                },
              }
            : {}),
          baseDir: cwd,
        });
    }
    for (const f of opts.trace ?? []) {
      const json = readJson(resolve(f), '--trace');
      if (!json.ok) return json;
      const t = parseTraceFile(json.value);
      if (!t.ok) return { ...t, message: `${f}: ${t.message}` };
      sources.push({
        id: `file-${sources.length}`,
        title: f,
        kind: 'file',
        trace: t.value as TraceJsonLike,
        mutants: opts.mutant ?? [],
        ...(opts.variant !== undefined ? { variant: opts.variant } : {}),
        baseDir: dirname(resolve(f)),
      });
    }
    // Witness traces: one stepper entry per distinct trace.
    const seenWitness = new Set<string>();
    for (const w of witnesses) {
      const text = JSON.stringify(w.trace);
      if (seenWitness.has(text)) continue;
      seenWitness.add(text);
      sources.push({
        id: `witness-${sources.length}`,
        title: `${w.chart} ${w.transition} (${w.scenario}, ${w.trace.steps.length} steps)`,
        kind: 'witness',
        trace: w.trace as TraceJsonLike,
        mutants: [],
        baseDir: cwd,
      });
    }
    const traces = sources.map(stepperInput);
    const data = buildReportData({
      builtins: BUILTIN_SCENARIO_NAMES,
      run: {
        mutants: opts.mutant ?? [],
        variant: opts.variant ?? null,
        sources: opts.from ?? [],
      },
      explore: exploreRes.value,
      invariants: [
        ...INVARIANTS.map((i) => ({
          id: i.id,
          statement: i.statement,
          citation: i.citation,
          kind: 'state' as const,
        })),
        ...ACTION_INVARIANTS.map((i) => ({
          id: i.id,
          statement: i.statement,
          citation: i.citation,
          kind: 'action' as const,
        })),
      ],
      charts: CHARTS,
      coverage,
      witnesses,
      variants,
      traces,
      debateTitles: DEBATES,
    });
    const assets = readAssets();
    const html = renderReportHtml(data, { script: assets.script, style: assets.style });
    const results = exploreRes.value.map((e) => e.result);
    const code = results.includes('violation')
      ? EXIT.VIOLATION
      : results.includes('incomplete')
        ? EXIT.INCOMPLETE
        : EXIT.OK;
    return { ok: true, value: { html, code } };
  };
  return exploreHereRes !== null ? finish(exploreHereRes) : onWorker!.then(finish);
}

/** Serve the site, and replay trace files the page posts to api/trace. */
function serve(html: string, viz: string, opts: ReportCliOptions, out: CliOutput): Promise<number> {
  return new Promise((done) => {
    let n = 0;
    const server = createServer((req, res) => {
      const url = (req.url ?? '/').split('?')[0];
      if (req.method === 'POST' && url === '/api/trace') {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const reply = (status: number, body: unknown) => {
            res.writeHead(status, { 'content-type': 'application/json' });
            res.end(JSON.stringify(body));
          };
          let json: unknown;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch (e) {
            reply(400, { error: `not JSON: ${(e as Error).message}` });
            return;
          }
          const t = parseTraceFile(json);
          if (!t.ok) {
            reply(400, { error: formatInputError(t) });
            return;
          }
          const input = stepperInput({
            id: `opened-${n++}`,
            title: typeof t.value.scenario === 'string' ? t.value.scenario : 'inline scenario',
            kind: 'file',
            trace: t.value as TraceJsonLike,
            mutants: opts.mutant ?? [],
            ...(opts.variant !== undefined ? { variant: opts.variant } : {}),
            baseDir: process.cwd(),
          });
          const st = stepperTrace(input);
          if (st.error !== undefined) reply(400, { error: st.error });
          else reply(200, st);
        });
        return;
      }
      if (req.method === 'GET' && (url === '/' || url === '/index.html')) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(html);
        return;
      }
      if (req.method === 'GET' && url === `/${VIZ_SCRIPT}`) {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        res.end(viz);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    });
    server.on('error', (e: NodeJS.ErrnoException) => {
      out.inputError(`--serve: cannot listen on port ${opts.port ?? 8377}: ${e.message}`);
      done(EXIT.INPUT);
    });
    server.listen(opts.port ?? 8377, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
      out.line(`serving the report on http://127.0.0.1:${port}/ (Ctrl-C stops)`);
    });
    process.once('SIGINT', () => {
      server.close(() => done(EXIT.OK));
      server.closeAllConnections();
    });
  });
}

export function runReport(opts: ReportCliOptions, out: CliOutput): number | Promise<number> {
  if (opts.out === undefined && opts.serve !== true)
    return out.inputError('report: give --out DIR (or --serve)');
  const bad = checkMutants(opts.mutant, out);
  if (bad !== null) return bad;
  const site = buildSite(opts, out);
  return site instanceof Promise
    ? site.then((s) => writeSite(s, opts, out))
    : writeSite(site, opts, out);
}

function writeSite(
  site: Parsed<{ html: string; code: number }>,
  opts: ReportCliOptions,
  out: CliOutput,
): number | Promise<number> {
  if (!site.ok) return out.inputError(formatInputError(site));
  const assets = readAssets();
  if (opts.out !== undefined) {
    const dir = resolve(opts.out);
    for (const [name, text] of [
      ['index.html', site.value.html],
      [VIZ_SCRIPT, assets.viz],
    ] as const) {
      const w = writeText(join(dir, name), text);
      if (w !== null) return out.inputError(w);
    }
    out.line(`report written to ${join(dir, 'index.html')}`);
  }
  if (opts.serve === true) return serve(site.value.html, assets.viz, opts, out);
  return site.value.code;
}
