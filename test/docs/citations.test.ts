/**
 * The repository stands alone: no tracked file cites a document outside it, and every citation of
 * the kernel reference (`docs/kernel/06-pasid.md §6.4`) names a file and a section heading that
 * exist. Bare `§N.M` references inside docs/kernel/ must name a heading of some file there, and
 * the markdown links between its files must resolve.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const KERNEL_DOCS = 'docs/kernel';
/** This file: its checker tests cite missing sections on purpose. */
const SELF = relative(REPO, import.meta.filename);

/** Outside documents the repo once cited; built from pieces so this file does not match itself. */
const OUTSIDE: readonly { readonly what: string; readonly re: RegExp }[] = [
  { what: 'the sibling shared folder', re: new RegExp(['\\.\\.', 'shared'].join('/')) },
  {
    what: 'an old revision code name (CORE, dash, N, A or O)',
    re: new RegExp(`${'CORE'}-[NAO]\\b`),
  },
  { what: 'the outside semantics document', re: new RegExp(['kernel', 'semantics'].join('-')) },
  {
    what: 'a numbered outside reference',
    re: new RegExp(`\\b${'reference'} (section |sections )?\\d`),
  },
];

/** One citation: the file and the section numbers that follow it (possibly none). */
interface Citation {
  readonly file: string;
  readonly sections: readonly string[];
  readonly line: number;
}

const CITATION = /docs\/kernel\/([\w.-]+\.md)((?:(?:[\s,*/]|\band\b)+§\d+(?:\.\d+)*)*)/g;
const SECTION = /§(\d+(?:\.\d+)*)/g;
const HEADING = /^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s/gm;

function citationsIn(text: string): Citation[] {
  const out: Citation[] = [];
  for (const m of text.matchAll(CITATION)) {
    const sections = [...m[2].matchAll(SECTION)].map((s) => s[1]);
    const line = text.slice(0, m.index).split('\n').length;
    out.push({ file: m[1], sections, line });
  }
  return out;
}

function headingsIn(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(HEADING)].map((m) => m[1]));
}

/** The problems of one text's citations against the kernel docs (file name to markdown). */
function citationProblems(
  text: string,
  docs: ReadonlyMap<string, string>,
  where: string,
): string[] {
  const problems: string[] = [];
  for (const c of citationsIn(text)) {
    const doc = docs.get(c.file);
    if (doc === undefined) {
      problems.push(`${where}:${c.line}: ${KERNEL_DOCS}/${c.file} does not exist`);
      continue;
    }
    const headings = headingsIn(doc);
    for (const s of c.sections) {
      if (!headings.has(s)) {
        problems.push(`${where}:${c.line}: ${KERNEL_DOCS}/${c.file} has no section §${s}`);
      }
    }
  }
  return problems;
}

function trackedFiles(): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8' });
    return out.split('\0').filter((f) => f.length > 0 && existsSync(join(REPO, f)));
  } catch {
    // Not a git checkout (an unpacked archive): walk the tree, minus what git would ignore.
    const skip = new Set(['node_modules', 'dist', '.git']);
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        if (skip.has(name)) continue;
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(relative(REPO, p));
      }
    };
    walk(REPO);
    return files;
  }
}

function textOf(file: string): string | null {
  const buf = readFileSync(join(REPO, file));
  if (buf.includes(0)) return null;
  return buf.toString('utf8');
}

function kernelDocs(): Map<string, string> {
  const dir = join(REPO, KERNEL_DOCS);
  const docs = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.md')) docs.set(name, readFileSync(join(dir, name), 'utf8'));
  }
  return docs;
}

describe('the checker itself', () => {
  const docs = new Map([
    ['06-pasid.md', '# 6. PASIDs\n\n## 6.1 Attach\n\n## 6.4 Global PASIDs\n'],
    ['13-invariants.md', '# 13. Invariants\n\n## 13.4 Owner\n\n## 13.13 Global\n'],
  ]);

  test('finds a section that does not exist, in a list and across a comment line', () => {
    const text = [
      '/** A global PASID (docs/kernel/06-pasid.md §6.4, §6.9 and §6.1,',
      ' * docs/kernel/13-invariants.md §13.4,',
      ' * §13.14). */',
    ].join('\n');
    expect(citationProblems(text, docs, 'x.ts')).toEqual([
      'x.ts:1: docs/kernel/06-pasid.md has no section §6.9',
      'x.ts:2: docs/kernel/13-invariants.md has no section §13.14',
    ]);
  });

  test('finds a file that does not exist', () => {
    expect(citationProblems('see docs/kernel/99-nothing.md §99.1', docs, 'y.md')).toEqual([
      'y.md:1: docs/kernel/99-nothing.md does not exist',
    ]);
  });

  test('accepts existing sections, top-level ones and a file cited without a section', () => {
    const text =
      'docs/kernel/06-pasid.md §6 and docs/kernel/13-invariants.md §13.13; docs/kernel/06-pasid.md';
    expect(citationProblems(text, docs, 'z.md')).toEqual([]);
  });

  test('every outside pattern matches what it is meant to catch', () => {
    const samples = [
      ['..', 'shared/examples'].join('/'),
      `${'CORE'}-N rules`,
      `${'kernel'}-semantics.md`,
      `(${'reference'} section 13, item 4)`,
    ];
    samples.forEach((s, i) => {
      expect(OUTSIDE[i].re.test(s)).toBe(true);
    });
  });
});

describe('the repository', () => {
  const files = trackedFiles().filter((f) => f !== SELF);
  const docs = kernelDocs();

  test('the kernel reference exists and is indexed', () => {
    expect(docs.has('README.md')).toBe(true);
    expect(docs.size).toBeGreaterThan(10);
  });

  test('no tracked file cites a document outside the repository', () => {
    const found: string[] = [];
    for (const f of files) {
      const text = textOf(f);
      if (text === null) continue;
      text.split('\n').forEach((line, i) => {
        for (const o of OUTSIDE) {
          if (o.re.test(line)) found.push(`${f}:${i + 1}: ${o.what}: ${line.trim().slice(0, 120)}`);
        }
      });
    }
    expect(found).toEqual([]);
  });

  test('every docs/kernel citation names an existing file and section', () => {
    const problems: string[] = [];
    for (const f of files) {
      const text = textOf(f);
      if (text !== null) problems.push(...citationProblems(text, docs, f));
    }
    expect(problems).toEqual([]);
  });

  test('inside docs/kernel, every bare § reference and every link resolves', () => {
    const all = new Set<string>();
    for (const md of docs.values()) for (const h of headingsIn(md)) all.add(h);
    const problems: string[] = [];
    for (const [name, md] of docs) {
      for (const m of md.matchAll(SECTION)) {
        if (!all.has(m[1])) problems.push(`${name}: §${m[1]} is no heading of ${KERNEL_DOCS}`);
      }
      for (const m of md.matchAll(/\]\(([^)#\s]+\.md)\)/g)) {
        if (!docs.has(m[1])) problems.push(`${name}: link to ${m[1]} does not resolve`);
      }
    }
    expect(problems).toEqual([]);
  });
});
