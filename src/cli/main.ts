/** `sockshop-lab`: one entry for the lab; each command lives in its own module under commands/ (run through index.ts). */
import { Command } from 'commander';
import { registerCommands } from './commands/index.js';

const program = new Command()
  .name('sockshop-lab')
  .description('An incident lab for the Sock Shop: run the shop, break it on purpose, watch, fix and score.')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

await registerCommands(program);

// A command's action resolves when its work is done (long-running ones wait for their signal first), so
// exit then: a client pool's idle keep-alive socket must not keep a finished `scenario run` alive.
program.parseAsync(process.argv).then(
  () => process.exit(),
  (error: unknown) => {
    process.stderr.write(`sockshop-lab: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
