import type { Command } from 'commander';

/** Every command module registers itself here. */
export function registerCommands(_program: Command): void {}
