import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every command module, by command name. A module is loaded only when needed: `up` (what `npm
 * start` runs) starts the lab without first loading the scenario, eval and agent code
 * (playwright, the MCP SDK, …), which took seconds of CPU.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  up: async () => (await import('./up.js')).registerUp,
  down: async () => (await import('./down.js')).registerDown,
  kubectl: async () => (await import('./kubectl.js')).registerKubectl,
  load: async () => (await import('./load.js')).registerLoad,
  scenario: async () => (await import('./scenario.js')).registerScenario,
  eval: async () => (await import('./eval.js')).registerEval,
  'agent-api': async () => (await import('./agent-api.js')).registerAgentApi,
};

/** Registers the command `argv` names, or every command (help, a typo, options first). */
export async function registerCommands(program: Command, argv = process.argv): Promise<void> {
  const named = Object.hasOwn(COMMANDS, argv[2] ?? '') ? [COMMANDS[argv[2]]] : Object.values(COMMANDS);
  for (const register of await Promise.all(named.map((load) => load()))) register(program);
}
