import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Every test file is in exactly one project (test/README.md says where a new test belongs);
 * `npm test` runs them all, `npm run test:fast` the first only.
 * - fast (the inner loop): the spec, charts, emulator, drivers, reports, docs and the in-process
 *   CLI, less the files of those folders that explore every built-in scenario;
 * - check: test/check/ (explorations, mutants, paths, random runs, variants) and any folder not
 *   in FAST;
 * - explores: those files of the fast folders that explore every built-in scenario;
 * - e2e: the one file that spawns the built binary; its globalSetup builds dist/ once per run,
 *   and only when that file is selected.
 */
const FAST = ['spec', 'machines', 'kernel', 'drivers', 'report', 'docs', 'structure', 'cli'].map(
  (dir) => `test/${dir}/**/*.test.ts`,
);
const EXPLORES = [
  'test/kernel/state-key.test.ts',
  'test/machines/runtime/memo.test.ts',
  'test/machines/compile/compile.test.ts',
];
const E2E = ['test/cli/e2e.test.ts'];
const exclude = (...globs: string[][]) => [...configDefaults.exclude, ...globs.flat()];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'fast',
          include: FAST,
          exclude: exclude(EXPLORES, E2E),
          // One module graph per fork, not per file: a third of the CPU (no module keeps state
          // between runs; the results are those of isolated files).
          isolate: false,
        },
      },
      {
        extends: true,
        test: { name: 'check', include: ['test/**/*.test.ts'], exclude: exclude(FAST, E2E) },
      },
      { extends: true, test: { name: 'explores', include: EXPLORES } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: E2E,
          globalSetup: ['test/__helpers__/build-dist.ts'],
          // Every built-in explored twice by spawned processes: a guard against a hang, not a
          // speed limit (a loaded 2-core machine takes minutes).
          testTimeout: 900_000,
        },
      },
    ],
  },
});
