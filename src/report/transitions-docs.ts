/**
 * The generated documentation (`iommu-spec docs`), as file contents by path relative to the docs
 * folder: docs/transitions/<chart>.md and .dot for every statechart, the index
 * docs/transitions/README.md, and docs/invariants.md. Deterministic: no dates, no absolute paths.
 * `docsDiffer` is `docs --check`: which committed files differ from what would be generated.
 */
import { CHARTS, type ChartInfo } from '../../machines/runtime/catalog.js';
import { invariantsMarkdown } from './invariants-md.js';
import { transitionsDot } from './transitions-diagram.js';
import { transitionsIndex, transitionsMarkdown } from './transitions-md.js';

export interface GeneratedFile {
  /** Relative to the docs folder, with `/`. */
  readonly path: string;
  readonly text: string;
}

/** The folder under the docs root that only `iommu-spec docs` writes. */
export const TRANSITIONS_DIR = 'transitions';

export function generateDocs(charts: readonly ChartInfo[] = CHARTS): GeneratedFile[] {
  return [
    { path: `${TRANSITIONS_DIR}/README.md`, text: transitionsIndex(charts) },
    ...charts.flatMap((c) => [
      { path: `${TRANSITIONS_DIR}/${c.id}.md`, text: transitionsMarkdown(c) },
      { path: `${TRANSITIONS_DIR}/${c.id}.dot`, text: transitionsDot(c) },
    ]),
    { path: 'invariants.md', text: invariantsMarkdown() },
  ];
}

export interface DocsDifference {
  readonly path: string;
  readonly problem: 'missing' | 'differs' | 'stale';
}

/**
 * What `docs --check` fails on: a generated file that is missing or differs from the committed
 * one (`read` returns null for a missing file), and a file in docs/transitions/ that nothing
 * generates any more (`listed`: the files there, relative to the docs folder).
 */
export function docsDiffer(
  files: readonly GeneratedFile[],
  read: (path: string) => string | null,
  listed: readonly string[] = [],
): DocsDifference[] {
  const out: DocsDifference[] = [];
  for (const f of files) {
    const have = read(f.path);
    if (have === null) out.push({ path: f.path, problem: 'missing' });
    else if (have !== f.text) out.push({ path: f.path, problem: 'differs' });
  }
  const generated = new Set(files.map((f) => f.path));
  for (const p of [...listed].sort())
    if (p.startsWith(`${TRANSITIONS_DIR}/`) && !generated.has(p))
      out.push({ path: p, problem: 'stale' });
  return out;
}
