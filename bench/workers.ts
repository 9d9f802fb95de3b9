/**
 * The --workers figure for npm run bench: `iommu-spec explore` over every built-in scenario, run
 * as a user runs it (the built CLI, a fresh process each time), with one thread and with two
 * workers. Each is run `rounds` times, alternating, and the fastest run of each is kept, so a
 * busy machine hurts both sides alike. The ratio is one thread's time over two workers'.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface WorkersFigure {
  readonly serialSeconds: number;
  readonly parallelSeconds: number;
  /** serialSeconds / parallelSeconds */
  readonly speedup: number;
}

const CLI = fileURLToPath(new URL('../../bin/iommu-spec.mjs', import.meta.url));

function run(args: readonly string[], now: () => number): number {
  const t0 = now();
  const r = spawnSync(process.execPath, [CLI, 'explore', '--json', '--no-progress', ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`iommu-spec explore ${args.join(' ')}: exit ${r.status}`);
  return (now() - t0) / 1000;
}

export function workersSpeedup(now: () => number, rounds = 2): WorkersFigure {
  let serialSeconds = Number.POSITIVE_INFINITY;
  let parallelSeconds = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    serialSeconds = Math.min(serialSeconds, run([], now));
    parallelSeconds = Math.min(parallelSeconds, run(['--workers', '2'], now));
  }
  return { serialSeconds, parallelSeconds, speedup: serialSeconds / parallelSeconds };
}
