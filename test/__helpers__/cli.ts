/**
 * The command line in process: `run(argv, out)` from src/cli/main.ts with a capturing output, so
 * a CLI test needs no build and no child process. Exit code, stdout and stderr as the process
 * would give them (commander's usage and errors included). Commands on worker threads
 * (`--workers N` > 1) need the built worker script: test/cli/e2e.test.ts spawns the binary for those.
 */
import { run } from '../../src/cli/main.js';
import { captureOutput } from '../../src/cli/output.js';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Run `iommu-spec ...args` in this process. */
export function cli(...args: string[]): CliRun {
  const out = captureOutput();
  const code = run(args, out);
  if (typeof code !== 'number') {
    throw new Error(
      `iommu-spec ${args.join(' ')} went on worker threads: test it in test/cli/e2e.test.ts`,
    );
  }
  return { code, out: out.stdout, err: out.stderr };
}
