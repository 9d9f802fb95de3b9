/**
 * vitest globalSetup of the e2e project (vitest.config.ts): builds dist/ once per run, before
 * test/cli/e2e.test.ts spawns bin/iommu-spec.mjs. Runs only when that file is selected.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export default function setup(): void {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  try {
    execFileSync(npm, ['run', '-s', 'build'], {
      cwd: resolve(import.meta.dirname, '../..'),
      stdio: 'pipe',
      encoding: 'utf8',
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}
