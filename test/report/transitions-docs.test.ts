/**
 * The generated documentation (src/report/transitions-*.ts, `iommu-spec docs`): deterministic and
 * equal to the committed docs/ (the `docs --check` logic), every transition of every chart on its
 * page, the Mermaid and DOT diagrams well-formed (every state declared, every edge between
 * declared states), guards and actions all described in words.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  CHARTS,
  type ChartInfo,
  deriveGuardWords,
  type GuardExpr,
  guardText,
} from '../../machines/runtime/catalog.js';
import { runDocs } from '../../src/cli/commands/docs.js';
import type { CliOutput } from '../../src/cli/output.js';
import {
  mermaidId,
  transitionsDot,
  transitionsMermaid,
} from '../../src/report/transitions-diagram.js';
import { docsDiffer, generateDocs, TRANSITIONS_DIR } from '../../src/report/transitions-docs.js';
import { transitionsMarkdown } from '../../src/report/transitions-md.js';
import { alternativesFrom, edgesOf, residualGuard } from '../../src/report/transitions-model.js';

const DOCS = resolve(import.meta.dirname, '../../docs');

function readDoc(path: string): string | null {
  const p = join(DOCS, path);
  return existsSync(p) ? readFileSync(p, 'utf8') : null;
}

function chart(id: string): ChartInfo {
  const c = CHARTS.find((x) => x.id === id);
  if (c === undefined) throw new Error(id);
  return c;
}

describe('docs --check', () => {
  test('generating twice gives the same files (no dates, no absolute paths)', () => {
    const a = generateDocs();
    const b = generateDocs();
    expect(a).toEqual(b);
    for (const f of a) {
      expect(f.text, f.path).not.toContain(process.cwd());
      expect(f.text, f.path).not.toMatch(/\b20\d\d-\d\d-\d\d\b/);
      expect(f.text.endsWith('\n'), f.path).toBe(true);
    }
  });

  test('a page, a DOT file per chart, the index and docs/invariants.md', () => {
    const paths = generateDocs().map((f) => f.path);
    expect(paths).toEqual([
      'transitions/README.md',
      ...CHARTS.flatMap((c) => [`transitions/${c.id}.md`, `transitions/${c.id}.dot`]),
      'invariants.md',
    ]);
  });

  test('the committed docs/ are what the charts generate', () => {
    const listed = readdirSync(join(DOCS, TRANSITIONS_DIR)).map((f) => `${TRANSITIONS_DIR}/${f}`);
    expect(docsDiffer(generateDocs(), readDoc, listed)).toEqual([]);
  });

  test('a missing, a changed and a left-over file are each named', () => {
    const files = generateDocs();
    const diffs = docsDiffer(
      files,
      (p) => (p === 'invariants.md' ? null : p === 'transitions/mm.md' ? 'old' : readDoc(p)),
      ['transitions/README.md', 'transitions/old_chart.md'],
    );
    expect(diffs).toEqual([
      { path: 'transitions/mm.md', problem: 'differs' },
      { path: 'invariants.md', problem: 'missing' },
      { path: 'transitions/old_chart.md', problem: 'stale' },
    ]);
  });

  describe('the command', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iommu-spec-docs-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const lines: string[] = [];
    const out: CliOutput = {
      line: (t) => lines.push(t),
      json: (v) => lines.push(JSON.stringify(v)),
      note: () => {},
      inputError: () => 2,
    };

    test('writes every file, then --check passes; a changed file makes it exit 1 naming it', () => {
      expect(runDocs({ out: dir }, out)).toBe(0);
      expect(runDocs({ out: dir, check: true }, out)).toBe(0);
      writeFileSync(join(dir, 'transitions', 'pasid_slot.dot'), 'digraph {}\n');
      lines.length = 0;
      expect(runDocs({ out: dir, check: true }, out)).toBe(1);
      expect(lines[0]).toBe(
        `${join(dir, 'transitions', 'pasid_slot.dot')} differs from what the charts generate`,
      );
    });
  });
});

/** Mermaid stateDiagram-v2 as this generator writes it: declarations, blocks and edges. */
function parseMermaid(text: string): {
  declared: Map<string, string>;
  edges: [string, string][];
} {
  const lines = text.trimEnd().split('\n');
  expect(lines[0]).toBe('stateDiagram-v2');
  const declared = new Map<string, string>();
  const edges: [string, string][] = [];
  let depth = 0;
  for (const raw of lines.slice(1)) {
    const line = raw.trim();
    let m = /^state "([^"]+)" as (\w+)( \{)?$/.exec(line);
    if (m !== null) {
      expect(declared.has(m[2]), `declared twice: ${m[2]}`).toBe(false);
      declared.set(m[2], m[1]);
      if (m[3]) depth++;
      continue;
    }
    if (line === '}') {
      depth--;
      expect(depth).toBeGreaterThanOrEqual(0);
      continue;
    }
    if (line === '--') continue;
    m = /^(\[\*\]|\w+) --> (\w+)(?: : (.+))?$/.exec(line);
    expect(m, `unexpected line: ${line}`).not.toBeNull();
    if (m !== null) edges.push([m[1], m[2]]);
  }
  expect(depth).toBe(0);
  return { declared, edges };
}

/** DOT as this generator writes it: node declarations and edges between quoted ids. */
function parseDot(text: string): { nodes: Set<string>; edges: [string, string][] } {
  let braces = 0;
  for (const ch of text.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if (ch === '{') braces++;
    if (ch === '}') braces--;
    expect(braces).toBeGreaterThanOrEqual(0);
  }
  expect(braces).toBe(0);
  const nodes = new Set<string>();
  const edges: [string, string][] = [];
  for (const line of text.split('\n')) {
    const e = /^\s*"([^"]+)" -> "([^"]+)"/.exec(line);
    if (e !== null) {
      edges.push([e[1], e[2]]);
      continue;
    }
    const n = /^\s*"([^"]+)" \[/.exec(line);
    if (n !== null) nodes.add(n[1]);
  }
  return { nodes, edges };
}

describe.each(CHARTS.map((c) => [c.id, c] as const))('%s', (_id, c) => {
  test('Mermaid: every state declared or named, every edge between declared states', () => {
    const { declared, edges } = parseMermaid(transitionsMermaid(c));
    const labels = [...declared.values()];
    for (const s of c.states) {
      const inRegion = c.parallel ? s.path.split('.').slice(1) : s.path.split('.');
      if (s.atomic) expect(declared.get(mermaidId(s.path)), s.path).toBe(inRegion.join(' / '));
      // A compound state is drawn flat: its name leads its states' labels.
      else
        expect(
          labels.some((l) => l.startsWith(`${inRegion.join(' / ')} / `)),
          s.path,
        ).toBe(true);
    }
    for (const [from, to] of edges) {
      if (from !== '[*]') expect(declared.has(from), from).toBe(true);
      expect(declared.has(to), to).toBe(true);
    }
    // Every state-changing edge between atomic states is drawn.
    const atomic = new Set(c.states.filter((s) => s.atomic).map((s) => s.path));
    for (const e of edgesOf(c, false))
      if (atomic.has(e.to)) expect(edges).toContainEqual([mermaidId(e.from), mermaidId(e.to)]);
  });

  test('the page embeds the Mermaid diagram in a ```mermaid fence', () => {
    const page = transitionsMarkdown(c);
    expect(page).toContain(`\`\`\`mermaid\n${transitionsMermaid(c)}\`\`\``);
  });

  test('DOT: balanced, every state a node, every edge between nodes', () => {
    const { nodes, edges } = parseDot(transitionsDot(c));
    for (const s of c.states.filter((x) => x.atomic)) expect(nodes.has(s.path), s.path).toBe(true);
    for (const [from, to] of edges) {
      expect(nodes.has(from), from).toBe(true);
      expect(nodes.has(to), to).toBe(true);
    }
  });

  test('every transition appears on the page with its id', () => {
    const page = transitionsMarkdown(c);
    for (const t of c.transitions) expect(page, t.id).toContain(`\`${t.id}\``);
  });

  test('every transition can be taken from some state (no alternative is dead in every state)', () => {
    const reachable = new Set<string>();
    for (const s of c.states.filter((x) => x.atomic))
      for (const e of new Set(c.transitions.map((t) => t.event)))
        for (const a of alternativesFrom(c, s, e)) reachable.add(a.transition.id);
    expect(c.transitions.filter((t) => !reachable.has(t.id)).map((t) => t.id)).toEqual([]);
  });

  test('every guard and every action is described in words in the chart doc', () => {
    const refs = (g: GuardExpr): string[] =>
      g.op === 'ref'
        ? [g.name]
        : g.op === 'not'
          ? refs(g.arg)
          : g.op === 'stateIn'
            ? []
            : g.args.flatMap(refs);
    for (const t of c.transitions) {
      for (const name of t.guard === null ? [] : refs(t.guard))
        expect(c.doc.guards[name], `${t.id} guard ${name}`).toBeDefined();
      for (const a of t.actions) expect(c.doc.actions[a], `${t.id} action ${a}`).toBeDefined();
      expect(t.citation, t.id).toMatch(/^(drivers|kernel|include)\//);
    }
  });
});

describe('guards in words', () => {
  test('derived from the name when a chart gives none', () => {
    expect(deriveGuardWords('isPasidZero')).toBe('pasid is zero');
    expect(deriveGuardWords('hasUsers')).toBe('has users');
    expect(deriveGuardWords('isOwned')).toBe('owned');
  });

  test('compound guards keep their structure; a negation the doc words is used', () => {
    const t = chart('iommu_group').transitions.find(
      (x) => x.id === 'iommu_group/iommu_group_claim_dma_owner#3',
    );
    expect(t?.guardText).toBe('and(not(isOnDefaultDomain), not(isDomainless))');
    expect(t?.guardWords).toBe(
      'group->domain is not the default domain and group->domain is not NULL',
    );
    expect(guardText({ op: 'or', args: [{ op: 'ref', name: 'a', stateIn: null }] })).toBe('or(a)');
  });

  test('guards on the state are decided per state', () => {
    const g = chart('iommu_group');
    const state = (p: string) => g.states.find((s) => s.path === p)!;
    const t = g.transitions.find((x) => x.id === 'iommu_group/iommu_group_claim_dma_owner#3')!;
    expect(residualGuard(g, state('domain.default'), t.guard!)).toBe(false);
    expect(residualGuard(g, state('domain.private'), t.guard!)).toBe(true);
    // Seen from the other region, the domain region's state is unknown.
    expect(residualGuard(g, state('ownership.owned'), t.guard!)).toEqual(t.guard);
    const fromPrivate = alternativesFrom(g, state('domain.private'), 'iommu_attach_device');
    expect(fromPrivate.map((a) => [a.transition.id, a.guardWords])).toEqual([
      ['domain/iommu_attach_device#1', 'the group has more than one device'],
      ['domain/iommu_attach_device#2', null],
    ]);
  });
});
