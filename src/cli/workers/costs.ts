/**
 * The recorded size of each built-in scenario (transitions, from spec/expected.json), as the cost
 * estimate that orders and splits jobs across workers. Missing or unreadable: no estimates.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the nearest folder above this module holding package.json. */
function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** Transitions recorded per scenario name. */
export function recordedCosts(): ReadonlyMap<string, number> {
  const root = packageRoot();
  const costs = new Map<string, number>();
  if (root === null) return costs;
  try {
    const table = JSON.parse(readFileSync(join(root, 'spec', 'expected.json'), 'utf8')) as Record<
      string,
      { transitions?: unknown }
    >;
    for (const [name, rec] of Object.entries(table))
      if (typeof rec?.transitions === 'number') costs.set(name, rec.transitions);
  } catch {
    // Estimates only order the work; without them every job counts the same.
  }
  return costs;
}
