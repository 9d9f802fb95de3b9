/** iommu-spec: the command line. The only module that touches process, files and the console. */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { type ConformCliOptions, runConform } from './commands/conform.js';
import { type CoverageCliOptions, runCoverage } from './commands/coverage.js';
import { type DocsCliOptions, runDocs } from './commands/docs.js';
import { type ExploreCliOptions, runExplore } from './commands/explore.js';
import { runMutants, runScenarios } from './commands/list.js';
import { runMerge } from './commands/merge.js';
import { runReplay } from './commands/replay.js';
import { type ReportCliOptions, runReport } from './commands/report.js';
import { runSchema } from './commands/schema.js';
import { runSimulate, type SimulateCliOptions } from './commands/simulate.js';
import { runVariantsCommand, type VariantsCliOptions } from './commands/variants.js';
import { type CliOutput, EXIT, processOutput } from './output.js';

function positiveInt(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${flag} takes a positive whole number, not "${v}"`);
    }
    return n;
  };
}

/** --workers N, shared by the commands that run on worker threads. */
function workersOption(): Option {
  return new Option('--workers <n>', 'worker threads (default 1: none)').argParser(
    positiveInt('--workers'),
  );
}

function nonNegativeInt(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n))
      throw new InvalidArgumentError(`${flag} takes a whole number, not "${v}"`);
    return n;
  };
}

/** The process's entry (bin/iommu-spec.mjs): `run` on stdout and stderr. */
export function main(argv: readonly string[]): number | Promise<number> {
  // A closed pipe (`iommu-spec mutants | head`) ends the output, not the process with a trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  return run(argv, processOutput());
}

/** Commander's text ends in a newline; `out.line` and `out.note` add their own. */
const chomp = (s: string) => (s.endsWith('\n') ? s.slice(0, -1) : s);

/**
 * One command line, everything printed through `out` (commander's usage and errors too), so the
 * tests run commands in process with a capturing output. The exit code; a promise when a command
 * runs on worker threads (--workers).
 */
export function run(argv: readonly string[], out: CliOutput): number | Promise<number> {
  let code: number | Promise<number> = EXIT.OK;
  const program = new Command()
    .name('iommu-spec')
    .description(
      'An executable specification of the Linux IOMMU core, and the model checker that holds an emulator of it to it',
    )
    .exitOverride()
    .configureOutput({
      writeErr: (s) => out.note(chomp(s)),
      writeOut: (s) => out.line(chomp(s)),
    })
    .showHelpAfterError();

  program
    .command('conform')
    .description('run traces on the emulator and on a real Linux kernel under QEMU, step by step')
    .argument('<trace...>', 'trace files (JSON)')
    .option('--kernel <version>', 'the real kernel: 6.12 or 6.1 (default 6.12)')
    .option(
      '--revision <rev>',
      'the emulator revision held to it (default: v6.12 for 6.12, v6.3 for 6.1)',
    )
    .option('--json', 'machine output')
    .action((traces: string[], opts: ConformCliOptions) => {
      code = runConform(traces, opts, out);
    });

  program
    .command('replay')
    .description('run a trace through spec and emulator, step by step')
    .argument('<trace>', 'trace file (JSON)')
    .option('--json', 'machine output')
    .addOption(new Option('--mutant <name...>', 'enable seeded bugs in the emulator'))
    .option('--variant <name>', 'a design variant')
    .option('--stop-at-first', 'stop at the first finding (default: replay to the end)')
    .action(
      (
        trace: string,
        opts: { json?: boolean; mutant?: string[]; variant?: string; stopAtFirst?: boolean },
      ) => {
        code = runReplay(trace, opts, out);
      },
    );

  program
    .command('explore')
    .description('exhaustive check of the built-in scenarios, or of one scenario')
    .option('--scenario <name|path>', 'a built-in scenario name or a scenario file')
    .option('--variant <name>', 'a design variant')
    .addOption(new Option('--mutant <name...>', 'enable seeded bugs in the emulator'))
    .addOption(
      new Option('--max-states <n>', 'stop after this many distinct states (exit 3)').argParser(
        positiveInt('--max-states'),
      ),
    )
    .addOption(
      new Option(
        '--max-memory <MiB>',
        'stop cleanly when the heap passes this size (exit 3)',
      ).argParser(positiveInt('--max-memory')),
    )
    .option('--no-progress', 'no progress bar')
    .option(
      '--fingerprint',
      'store 64-bit fingerprints instead of states (TLC -fp); prints the collision probability',
    )
    .option(
      '--no-symmetry',
      "ignore the scenario's symmetry classes: store every state, not one per orbit (for comparison)",
    )
    .option('--junit <file>', 'also write JUnit XML (one case per scenario and invariant)')
    .option('--ktap', 'print KTAP, the format kernel CI reads, instead of text')
    .option(
      '--no-contract',
      'also make every call the caller contract refuses, once per spec state, and report what the core does: errnos, WARN sites, undefined behaviours',
    )
    .addOption(workersOption())
    .option(
      '--shard <I/N>',
      'run only the I-th of N shares of the job list (each runner of a CI matrix one); join the --json reports with merge',
    )
    .option('--json', 'machine output')
    .action((opts: ExploreCliOptions) => {
      code = runExplore(opts, out);
    });

  program
    .command('merge')
    .description(
      'join the --json reports of explore --shard 1/N ... N/N into the report of the unsharded run',
    )
    .argument('<result...>', 'shard reports (JSON)')
    .action((files: string[]) => {
      code = runMerge(files, out);
    });

  program
    .command('simulate')
    .description('fast-check random runs with shrinking, for scenarios too large to exhaust')
    .option('--scenario <name|path>', 'a scenario (default: large-mixed)')
    .addOption(new Option('--runs <n>', 'number of runs').argParser(positiveInt('--runs')))
    .addOption(
      new Option('--seed <n>', 'the seed (printed with every result)').argParser(
        nonNegativeInt('--seed'),
      ),
    )
    .addOption(
      new Option('--max-commands <n>', 'longest run').argParser(positiveInt('--max-commands')),
    )
    .addOption(new Option('--mutant <name...>', 'enable seeded bugs in the emulator'))
    .option('--variant <name>', 'a design variant')
    .option('--junit <file>', 'also write JUnit XML')
    .option('--ktap', 'print KTAP instead of text')
    .option('--json', 'machine output')
    .action((opts: SimulateCliOptions) => {
      code = runSimulate(opts, out);
    });

  program
    .command('variants')
    .description('the kernel-list design debates: each variant explored against every invariant')
    .option('--only <name>', 'one variant, or one debate')
    .option('--markdown <file>', 'write the report as Markdown (docs/variants.md)')
    .addOption(workersOption())
    .option('--json', 'machine output')
    .action((opts: VariantsCliOptions) => {
      code = runVariantsCommand(opts, out);
    });

  program
    .command('coverage')
    .description(
      'states, transitions and guard outcomes of every statechart the built-in scenarios exercise, and their witnesses',
    )
    .addOption(
      new Option(
        '--scenario <name|path...>',
        'measure these scenarios instead of the built-in ones',
      ),
    )
    .addOption(
      new Option('--max-states <n>', 'stop each exploration after this many states').argParser(
        positiveInt('--max-states'),
      ),
    )
    .option('--junit <file>', 'also write JUnit XML (one case per transition and witness)')
    .option('--ktap', 'print KTAP instead of text')
    .option('--json', 'machine output')
    .action((opts: CoverageCliOptions) => {
      code = runCoverage(opts, out);
    });

  program
    .command('docs')
    .description('generate docs/transitions/ (tables, Mermaid, DOT) and docs/invariants.md')
    .option('--out <dir>', 'the docs folder (default: docs)')
    .option(
      '--check',
      'write nothing; exit 1 naming every file that differs from the generated one',
    )
    .option('--json', 'machine output')
    .action((opts: DocsCliOptions) => {
      code = runDocs(opts, out);
    });

  program
    .command('schema')
    .description('print JSON Schemas for the scenario and trace formats')
    .argument('[format]', 'scenario or trace (both when absent)')
    .action((format: string | undefined) => {
      code = runSchema(format, out);
    });

  program
    .command('scenarios')
    .description('list the built-in scenarios')
    .option('--json', 'machine output')
    .action((opts: { json?: boolean }) => {
      code = runScenarios(opts, out);
    });

  program
    .command('report')
    .description(
      'a static HTML site: the overview, the statecharts coloured by coverage, a counterexample stepper',
    )
    .option('--out <dir>', 'write DIR/index.html (opens from disk, no server, no network)')
    .addOption(
      new Option('--scenario <name|path...>', 'these scenarios instead of the built-in ones'),
    )
    .option('--variant <name>', 'a design variant')
    .addOption(new Option('--mutant <name...>', 'enable seeded bugs in the emulator'))
    .addOption(
      new Option(
        '--from <file...>',
        'read saved explore --json, coverage --json or variants --json results instead of running them',
      ),
    )
    .addOption(new Option('--trace <file...>', 'trace files to step through'))
    .addOption(
      new Option('--max-states <n>', 'stop each exploration after this many states').argParser(
        positiveInt('--max-states'),
      ),
    )
    .option('--no-coverage', 'do not measure chart coverage')
    .option('--no-witnesses', 'do not search a witness trace for each transition')
    .option('--no-variants', 'do not run the design variants')
    .addOption(workersOption())
    .option('--serve', 'serve the report on localhost (and replay trace files the page opens)')
    .addOption(
      new Option('--port <n>', 'the port for --serve (default 8377; 0: any free port)').argParser(
        nonNegativeInt('--port'),
      ),
    )
    .action((opts: ReportCliOptions) => {
      code = runReport(opts, out);
    });

  program
    .command('mutants')
    .description('list the seeded bugs --mutant can enable')
    .option('--json', 'machine output')
    .action((opts: { json?: boolean }) => {
      code = runMutants(opts, out);
    });

  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.INPUT;
  }
  try {
    program.parse(argv as string[], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      )
        return EXIT.OK;
      return EXIT.INPUT;
    }
    throw e;
  }
  return code;
}
