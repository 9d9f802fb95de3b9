/** iommu-spec: the command line. The only module that touches process, files and the console. */
import { Command, CommanderError, Option } from 'commander';
import { runReplay } from './commands/replay.js';
import { EXIT, processOutput } from './output.js';

export function main(argv: readonly string[]): number {
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
