/**
 * A statechart as Graphviz DOT for the HTML report: the states and clusters of the transition
 * docs' DOT (src/report/transitions-diagram.ts), but one edge per catalog transition
 * (machines/runtime/catalog.ts), errno paths included, so that each can be coloured by coverage
 * and clicked. A transition defined on a compound state, a region or the chart's root leaves
 * from an "any" point inside it; a transition that stays (an errno path, a count) is a loop on
 * its source. Each edge carries `id` (the SVG element's id) and a class naming its coverage.
 */
import type { ChartInfo, StateInfo, TransitionInfo } from '../../../machines/runtime/catalog.js';

export type CoverageStatus = 'taken' | 'unreachable' | 'untaken';

const COLOURS: Readonly<Record<CoverageStatus, string>> = {
  taken: '#2e7d32',
  unreachable: '#9e9e9e',
  untaken: '#c62828',
};

/** The SVG element id of a chart's i-th transition. */
export function transitionElementId(chart: string, index: number): string {
  return `t-${chart}-${index}`;
}

function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The node a transition defined on `path` leaves from ("" is the root). */
function anchorOf(chart: ChartInfo, path: string): string {
  const s = chart.states.find((x) => x.path === path);
  return s?.atomic ? path : `${path || chart.id}.__any`;
}

function entryAtom(chart: ChartInfo, path: string): string {
  let cur = path;
  for (;;) {
    const kids = chart.states.filter(
      (s) => s.path.startsWith(`${cur}.`) && !s.path.slice(cur.length + 1).includes('.'),
    );
    if (kids.length === 0) return cur;
    cur = (kids.find((k) => k.initial) ?? kids[0]).path;
  }
}

function childrenOf(chart: ChartInfo, parent: string): StateInfo[] {
  return chart.states.filter((s) => {
    if (parent === '') return chart.parallel ? false : !s.path.includes('.');
    return s.path.startsWith(`${parent}.`) && !s.path.slice(parent.length + 1).includes('.');
  });
}

/** The edge label: the event, and its place among the alternatives when it has siblings. */
function edgeLabel(chart: ChartInfo, t: TransitionInfo): string {
  const siblings = chart.transitions.filter((u) => u.source === t.source && u.event === t.event);
  return siblings.length > 1 ? `${t.event} #${t.index}` : t.event;
}

export function chartDot(chart: ChartInfo, status: readonly CoverageStatus[]): string {
  const out = [
    `digraph ${q(chart.id)} {`,
    '  rankdir=LR;',
    '  compound=true;',
    '  newrank=true;',
    `  label=${q(`${chart.id}: ${chart.doc.title}`)};`,
    '  labelloc=t;',
    '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  const anchors = new Set(
    chart.transitions.map((t) => t.source).filter((p) => anchorOf(chart, p) !== p),
  );
  const anchor = (path: string, indent: string) => {
    if (anchors.has(path))
      out.push(
        `${indent}${q(anchorOf(chart, path))} [shape=ellipse, style=dashed, label=${q(path === '' ? `any ${chart.id} state` : 'any')}, fontsize=9];`,
      );
  };
  const emit = (parent: string, indent: string) => {
    const kids = childrenOf(chart, parent);
    const init = kids.find((k) => k.initial);
    if (init !== undefined) {
      const start = `${parent || chart.id}.__initial`;
      out.push(`${indent}${q(start)} [shape=point, label=""];`);
      out.push(`${indent}${q(start)} -> ${q(entryAtom(chart, init.path))};`);
    }
    for (const k of kids) {
      if (k.atomic) {
        out.push(`${indent}${q(k.path)} [label=${q(k.path.split('.').pop() ?? k.path)}];`);
        continue;
      }
      out.push(`${indent}subgraph ${q(`cluster_${k.path}`)} {`);
      out.push(`${indent}  label=${q(k.path.split('.').pop() ?? k.path)};`);
      anchor(k.path, `${indent}  `);
      emit(k.path, `${indent}  `);
      out.push(`${indent}}`);
    }
  };
  anchor('', '  ');
  if (chart.parallel) {
    for (const r of chart.regions) {
      out.push(`  subgraph ${q(`cluster_${r}`)} {`);
      out.push(`    label=${q(`${r} (region)`)};`);
      anchor(r, '    ');
      // A region's states are its children: treat the region as a compound parent.
      const kids = chart.states.filter((s) => s.region === r && s.depth === 1);
      const init = kids.find((k) => k.initial);
      if (init !== undefined) {
        out.push(`    ${q(`${r}.__initial`)} [shape=point, label=""];`);
        out.push(`    ${q(`${r}.__initial`)} -> ${q(entryAtom(chart, init.path))};`);
      }
      for (const k of kids) {
        if (k.atomic) {
          out.push(`    ${q(k.path)} [label=${q(k.path.split('.').pop() ?? k.path)}];`);
          continue;
        }
        out.push(`    subgraph ${q(`cluster_${k.path}`)} {`);
        out.push(`      label=${q(k.path.split('.').pop() ?? k.path)};`);
        anchor(k.path, '      ');
        emit(k.path, '      ');
        out.push('    }');
      }
      out.push('  }');
    }
  } else {
    emit('', '  ');
  }
  chart.transitions.forEach((t, i) => {
    const from = anchorOf(chart, t.source);
    const st = status[i] ?? 'untaken';
    const attrs = [
      `id=${q(transitionElementId(chart.id, i))}`,
      `class=${q(`transition ${st}`)}`,
      `label=${q(edgeLabel(chart, t))}`,
      `tooltip=${q(`${t.id}${t.guardWords ? ` [${t.guardWords}]` : ''}`)}`,
      `color=${q(COLOURS[st])}`,
      `fontcolor=${q(COLOURS[st])}`,
      `penwidth=${st === 'untaken' ? 2 : 1.2}`,
    ];
    if (st === 'unreachable') attrs.push('style=dashed');
    const targets = t.targets.length > 0 ? t.targets : [t.source];
    // One element per transition: a transition with several targets (parallel regions) is
    // drawn to the first; the panel lists them all.
    const target = targets[0];
    const to = t.targets.length > 0 ? entryAtom(chart, target) : from;
    const isCompound = t.targets.length > 0 && to !== target;
    if (isCompound && chart.states.some((s) => s.path === target))
      attrs.push(`lhead=${q(`cluster_${target}`)}`);
    out.push(`  ${q(from)} -> ${q(to)} [${attrs.join(', ')}];`);
  });
  out.push('}');
  return `${out.join('\n')}\n`;
}
