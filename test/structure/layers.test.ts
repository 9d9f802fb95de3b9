/**
 * The layer rules of the tree (README "Layout", CONTRIBUTING.md), read off the sources' imports:
 * the spec and the charts never import the emulator or the checker (a model that copies the
 * implementation checks nothing); the emulator never imports the spec's charts; the checker
 * reaches the drivers only through src/drivers/index.ts; only src/cli/ touches files, the
 * console, the clock, `process` or randomness; and no runtime import cycle anywhere.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

/** Every TypeScript source of the layered folders, relative to the root. */
function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSyncSafe(join(ROOT, dir))) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) out.push(p);
    }
  };
  for (const top of ['spec', 'machines', 'src']) walk(top);
  return out.sort();
}

import { type Dirent, readdirSync } from 'node:fs';

function readdirSyncSafe(dir: string): Dirent[] {
  return readdirSync(dir, { withFileTypes: true });
}

interface Import {
  readonly target: string;
  readonly typeOnly: boolean;
}

/** Relative imports and re-exports of a file, resolved to root-relative .ts paths. */
function importsOf(file: string, text: string): Import[] {
  const out: Import[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?'(\.[^']+)'/g;
  for (const m of text.matchAll(re)) {
    const target = normalize(join(dirname(file), m[2])).replace(/\.js$/, '.ts');
    out.push({ target, typeOnly: m[1] !== undefined });
  }
  return out;
}

/** The text without comments, so that a word in a doc comment is not taken for code. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

const FILES = sources();
const TEXT = new Map(FILES.map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));
const IMPORTS = new Map(FILES.map((f) => [f, importsOf(f, TEXT.get(f) ?? '')]));

function offenders(from: (f: string) => boolean, bad: (target: string) => boolean): string[] {
  const out: string[] = [];
  for (const f of FILES.filter(from))
    for (const i of IMPORTS.get(f) ?? []) if (bad(i.target)) out.push(`${f} imports ${i.target}`);
  return out;
}

describe('layers', () => {
  test('the layered folders have sources to check', () => {
    expect(FILES.filter((f) => f.startsWith('machines/charts/')).length).toBeGreaterThan(5);
    expect(IMPORTS.get('src/kernel/dispatch.ts')?.length).toBeGreaterThan(3);
  });

  test('spec/ imports nothing outside spec/', () => {
    expect(
      offenders(
        (f) => f.startsWith('spec/'),
        (t) => !t.startsWith('spec/'),
      ),
    ).toEqual([]);
  });

  test('machines/ imports only machines/ and spec/', () => {
    expect(
      offenders(
        (f) => f.startsWith('machines/'),
        (t) => !t.startsWith('machines/') && !t.startsWith('spec/'),
      ),
    ).toEqual([]);
  });

  test('the emulator (src/kernel, src/drivers) imports neither the charts nor the checker', () => {
    expect(
      offenders(
        (f) => f.startsWith('src/kernel/') || f.startsWith('src/drivers/'),
        (t) =>
          !t.startsWith('spec/') && !t.startsWith('src/kernel/') && !t.startsWith('src/drivers/'),
      ),
    ).toEqual([]);
  });

  test('the checker reaches the drivers only through src/drivers/index.ts', () => {
    expect(
      offenders(
        (f) => f.startsWith('src/check/') || f.startsWith('src/report/'),
        (t) => t.startsWith('src/drivers/') && t !== 'src/drivers/index.ts',
      ),
    ).toEqual([]);
  });

  test('src/report/ formats: it imports no explorer, no emulator and no CLI', () => {
    expect(
      offenders(
        (f) => f.startsWith('src/report/'),
        (t) =>
          t.startsWith('src/kernel/') || t.startsWith('src/cli/') || t.startsWith('src/drivers/'),
      ),
    ).toEqual([]);
  });

  test('only src/cli/ touches files, processes, the console, the clock or randomness', () => {
    const impure =
      /\bnode:(fs|child_process|net|http|worker_threads|readline)\b|\bprocess\.|\bconsole\.|\bDate\.now\(|\bnew Date\(|\bMath\.random\(|\bperformance\.now\(/;
    const bad = FILES.filter((f) => !f.startsWith('src/cli/')).filter((f) =>
      impure.test(code(TEXT.get(f) ?? '')),
    );
    expect(bad).toEqual([]);
  });

  test('no runtime import cycle', () => {
    const graph = new Map(
      FILES.map((f) => [
        f,
        (IMPORTS.get(f) ?? [])
          .filter((i) => !i.typeOnly && TEXT.has(i.target))
          .map((i) => i.target),
      ]),
    );
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, 'open');
      stack.push(f);
      for (const t of graph.get(f) ?? []) {
        if (state.get(t) === 'open')
          cycles.push([...stack.slice(stack.indexOf(t)), t].join(' -> '));
        else if (!state.has(t)) visit(t);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of FILES) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  test('the checker finds a planted violation (the rules can fail)', () => {
    const planted = importsOf(
      'spec/x.ts',
      "import { kernel_call } from '../src/kernel/dispatch.js';",
    );
    expect(planted).toEqual([{ target: 'src/kernel/dispatch.ts', typeOnly: false }]);
    expect(relative('spec', planted[0].target).startsWith('..')).toBe(true);
  });
});
