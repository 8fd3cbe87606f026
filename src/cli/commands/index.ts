import type { Command } from 'commander';
import { registerAgentApi } from './agent-api.js';
import { registerDown } from './down.js';
import { registerEval } from './eval.js';
import { registerKubectl } from './kubectl.js';
import { registerLoad } from './load.js';
import { registerScenario } from './scenario.js';
import { registerUp } from './up.js';

/** Every command module registers itself here. */
export function registerCommands(program: Command): void {
  registerUp(program);
  registerDown(program);
  registerKubectl(program);
  registerLoad(program);
  registerScenario(program);
  registerEval(program);
  registerAgentApi(program);
}
