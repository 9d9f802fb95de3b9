/** iommu-spec: the command line. The only module that touches process, files and the console. */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { runExplore } from './commands/explore.js';
import { runMutants, runScenarios } from './commands/list.js';
import { runReplay } from './commands/replay.js';
import { EXIT, processOutput } from './output.js';

function positiveInt(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${flag} takes a positive whole number, not "${v}"`);
    }
    return n;
  };
}

export function main(argv: readonly string[]): number {
  // A closed pipe (`iommu-spec mutants | head`) ends the output, not the process with a trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  const out = processOutput();
  let code: number = EXIT.OK;
  const program = new Command()
    .name('iommu-spec')
    .description(
      'An executable specification of the Linux IOMMU core, and the model checker that holds an emulator of it to it',
    )
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      writeOut: (s) => process.stdout.write(s),
    })
    .showHelpAfterError();

  program
    .command('replay')
    .description('run a trace through spec and emulator, step by step')
    .argument('<trace>', 'trace file (JSON)')
    .option('--json', 'machine output')
    .addOption(new Option('--mutant <name...>', 'enable seeded bugs in the emulator'))
    .option('--variant <name>', 'a design variant')
    .action((trace: string, opts: { json?: boolean; mutant?: string[]; variant?: string }) => {
      code = runReplay(trace, opts, out);
    });

  program
    .command('explore')
    .description('exhaustive check of the built-in scenarios, or of one scenario')
    .option('--scenario <name|path>', 'a built-in scenario name or a scenario file')
    .option('--variant <name>', 'a design variant')
    .addOption(new Option('--mutant <name...>', 'enable seeded bugs in the emulator'))
    .addOption(new Option('--max-states <n>', 'stop after this many distinct states (exit 3)').argParser(positiveInt('--max-states')))
    .addOption(new Option('--max-memory <MiB>', 'stop cleanly when the heap passes this size (exit 3)').argParser(positiveInt('--max-memory')))
    .option('--no-progress', 'no progress bar')
    .option('--json', 'machine output')
    .action((opts: { scenario?: string; variant?: string; mutant?: string[]; maxStates?: number; maxMemory?: number; json?: boolean; progress?: boolean }) => {
      code = runExplore(opts, out);
    });

  program
    .command('scenarios')
    .description('list the built-in scenarios')
    .option('--json', 'machine output')
    .action((opts: { json?: boolean }) => {
      code = runScenarios(opts, out);
    });

  program
    .command('mutants')
    .description('list the seeded bugs --mutant can enable')
    .option('--json', 'machine output')
    .action((opts: { json?: boolean }) => {
      code = runMutants(opts, out);
    });

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
