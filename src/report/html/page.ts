/**
 * The report as one HTML page: the overview rendered here (tables of scenarios, invariants,
 * design variants and kernel findings), the charts and the stepper drawn in the browser by the
 * page's script from the data embedded as JSON (so that the page opens from file:// with no
 * server and no network). Pure: the data and the assets' text in, the page's text out; the CLI
 * writes it next to the Graphviz build it loads (VIZ_SCRIPT).
 */
import type { DebateRow, ReportData, ScenarioRow } from './model.js';

/** The file name of the Graphviz (wasm) build the page loads, copied next to index.html. */
export const VIZ_SCRIPT = 'viz-global.js';

export interface PageAssets {
  /** The page's script (src/report/html/assets/app.js). */
  readonly script: string;
  /** The page's style sheet (src/report/html/assets/style.css). */
  readonly style: string;
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON safe inside a <script> element: no `</script>`, no `<!--`. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const e = escapeHtml;

function resultBadge(result: string): string {
  return `<span class="badge ${e(result)}">${e(result)}</span>`;
}

function scenarioRows(data: ReportData): string {
  const byName = new Map<string, ScenarioRow>(data.scenarios.map((s) => [s.scenario, s]));
  const names = [...data.scenarios.map((s) => s.scenario)];
  for (const b of data.builtins) if (!byName.has(b)) names.push(b);
  return names
    .map((name) => {
      const s = byName.get(name);
      const builtin = data.builtins.includes(name) ? ' <span class="tag">built-in</span>' : '';
      if (s === undefined)
        return `<tr data-scenario="${e(name)}"><td><code>${e(name)}</code>${builtin}</td><td colspan="5" class="muted">not explored in this report</td></tr>`;
      const findings = s.findings
        .map(
          (f) =>
            `<div class="finding"><a href="#stepper/${e(f.trace)}"><b>${e(f.invariant)}</b></a>: ${e(f.message)}</div>`,
        )
        .join('');
      return `<tr data-scenario="${e(name)}"><td><code>${e(name)}</code>${builtin}</td><td>${resultBadge(s.result)}${s.incomplete ? ` <span class="muted">${e(s.incomplete)}</span>` : ''}</td><td class="num">${s.states}</td><td class="num">${s.transitions}</td><td class="num">${s.depth}</td><td>${findings || '<span class="muted">none</span>'}</td></tr>`;
    })
    .join('\n');
}

function invariantRows(data: ReportData): string {
  return data.invariants
    .map((i) => {
      const traces = i.traces
        .map((t, k) => `<a href="#stepper/${e(t)}">trace ${k + 1}</a>`)
        .join(', ');
      const where =
        i.scenarios.length > 0
          ? ` on ${i.scenarios.map((s) => `<code>${e(s)}</code>`).join(', ')}`
          : '';
      const stopped = data.scenarios.filter((x) => x.result !== 'pass').length;
      const verdict =
        i.verdict === 'unbroken'
          ? `<span class="badge unbroken">not broken</span> <span class="muted">(${stopped} of ${data.scenarios.length} explorations stopped early)</span>`
          : resultBadge(i.verdict);
      return `<tr data-invariant="${e(i.id)}"><td><code>${e(i.id)}</code>${i.kind === 'action' ? ' <span class="tag">step</span>' : ''}</td><td>${e(i.statement)}</td><td class="cite">${e(i.citation)}</td><td>${verdict}${where}${traces ? ` (${traces})` : ''}</td></tr>`;
    })
    .join('\n');
}

function debateSection(d: DebateRow): string {
  const head = d.invariants.map((i) => `<th><code>${e(i)}</code></th>`).join('');
  const rows = d.variants
    .map((v) => {
      const cells = d.invariants
        .map((i) => {
          const verdict = v.invariants[i] ?? 'holds';
          const viol = v.violations?.find((x) => x.invariant === i);
          const k = v.violations?.findIndex((x) => x.invariant === i) ?? -1;
          const link =
            viol && v.traces[k]
              ? ` <a href="#stepper/${e(v.traces[k])}">(${viol.steps} steps)</a>`
              : '';
          return `<td>${resultBadge(verdict === 'violated' ? 'violated' : 'holds')}${link}</td>`;
        })
        .join('');
      const others = Object.entries(v.invariants).filter(([id]) => !d.invariants.includes(id));
      const otherHeld = others.filter(([, x]) => x === 'holds').length;
      const objection = v.objection
        ? `<div class="objection">Objection (${e(v.objection.who)}, on ${e(v.objection.ground)}): ${e(v.objection.said)}</div>`
        : '';
      const costs = v.costs
        ? `<div class="costs">${Object.entries(v.costs)
            .map(([k, x]) => `${e(k)} = ${e(String(x))}`)
            .join('; ')}</div>`
        : '';
      return `<tr data-variant="${e(v.name)}"><td><code>${e(v.name)}</code>${v.summary ? `<div class="summary">${e(v.summary)}</div>` : ''}${objection}${costs}</td><td>${v.merged ? 'yes' : 'no'}</td><td class="num">${v.states}</td>${cells}<td>${otherHeld} of ${others.length} hold</td><td>${v.asExpected ? 'as pinned' : '<b class="bad">differs from the pinned verdict</b>'}</td></tr>`;
    })
    .join('\n');
  return `<section class="debate" data-debate="${e(d.debate)}"><h3>${e(d.title)}</h3><p class="muted">Seed <code>${e(d.debate)}</code></p>
<table><thead><tr><th>variant</th><th>merged</th><th>states</th>${head}<th>other invariants</th><th>pinned verdict</th></tr></thead><tbody>
${rows}
</tbody></table></section>`;
}

function overview(data: ReportData): string {
  const kernel =
    data.kernelFindings.length === 0
      ? '<p class="muted">No design variant recorded a finding about the kernel or the list in this report.</p>'
      : `<ul id="kernel-findings">${data.kernelFindings
          .map((k) => `<li><code>${e(k.variant)}</code>: ${e(k.text)}</li>`)
          .join('')}</ul>`;
  const variants =
    data.debates.length === 0
      ? '<p class="muted">Design variants were not run for this report.</p>'
      : data.debates.map(debateSection).join('\n');
  return `<section id="page-overview" class="page">
<h2>Scenarios</h2>
<table id="scenarios"><thead><tr><th>scenario</th><th>result</th><th>states</th><th>transitions</th><th>depth</th><th>findings</th></tr></thead><tbody>
${scenarioRows(data)}
</tbody></table>
<h2>Invariants</h2>
<table id="invariants"><thead><tr><th>invariant</th><th>statement</th><th>citation</th><th>verdict</th></tr></thead><tbody>
${invariantRows(data)}
</tbody></table>
<h2>Design variants</h2>
${variants}
<h2>Kernel findings</h2>
${kernel}
</section>`;
}

function runLine(data: ReportData): string {
  const parts = [
    data.run.mutants.length > 0 ? `mutants: ${data.run.mutants.join(', ')}` : 'no mutants',
    data.run.variant !== null ? `variant: ${data.run.variant}` : 'no design variant',
    data.run.sources.length > 0
      ? `read from ${data.run.sources.join(', ')}`
      : 'explored for this report',
  ];
  return parts.map(e).join(' · ');
}

/** The page (index.html). */
export function renderReportHtml(data: ReportData, assets: PageAssets): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>iommu-spec report</title>
<style>
${assets.style}
</style>
</head>
<body>
<header>
<h1>iommu-spec report</h1>
<nav>
<a href="#overview" data-page="overview">Overview</a>
<a href="#charts" data-page="charts">Charts</a>
<a href="#stepper" data-page="stepper">Counterexample stepper</a>
</nav>
<p class="run">${runLine(data)}</p>
</header>
<main>
${overview(data)}
<section id="page-charts" class="page" hidden>
<div id="chart-tabs" class="tabs"></div>
<p class="legend"><span class="swatch taken"></span> taken <span class="swatch unreachable"></span> marked unreachable (reason on click) <span class="swatch untaken"></span> untaken</p>
<div id="chart-summary"></div>
<div class="chart-layout"><div id="chart-svg" class="chart"></div><aside id="transition-panel"><p class="muted">Click a transition.</p></aside></div>
</section>
<section id="page-stepper" class="page" hidden>
<div class="stepper-head">
<label>Trace <select id="trace-select"></select></label>
<label class="open-file">Open a trace file <input type="file" id="trace-file" accept=".json,application/json"></label>
</div>
<p id="trace-info"></p>
<div class="controls"><button id="step-prev" title="previous step (left arrow)">&#9664;</button><span id="step-pos"></span><button id="step-next" title="next step (right arrow)">&#9654;</button>
<a href="#" id="copy-trace">copy the trace JSON</a> <code id="replay-cmd"></code><span id="copy-status"></span></div>
<div id="step-view"></div>
</section>
</main>
<script type="application/json" id="report-data">${embedJson(data)}</script>
<script src="${VIZ_SCRIPT}"></script>
<script>
${assets.script}
</script>
</body>
</html>
`;
}
