/**
 * `sockshop-lab up`: brings the shop up on the local platform in the foreground, prints the storefront
 * URL and how long it took once every pod is ready, and removes everything on Ctrl-C (or on
 * `sockshop-lab down` from another terminal). Leftovers of a crashed run are removed first.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { startLab } from '../../platform/local/lab.js';
import { labHome } from '../../platform/local/lab-state.js';
import { shopTopology } from '../../platform/topology.js';

interface UpOptions {
  port: number;
  home?: string;
  tsx?: boolean;
  cooperative?: boolean;
  readyTimeout: number;
}

function port(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError('must be a port number (1-65535)');
  return n;
}

function seconds(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

export async function up(o: UpOptions): Promise<void> {
  const started = Date.now();
  const log = (line: string) => process.stdout.write(`sockshop-lab: ${line}\n`);
  const { deployments, configMaps } = shopTopology({ frontEndPort: o.port, mode: o.tsx ? 'tsx' : 'dist' });
  const storefront = `http://127.0.0.1:${o.port}/`;
  const lab = await startLab({
    home: labHome(o.home),
    cgroups: o.cooperative ? 'cooperative' : 'auto',
    deployments,
    configMaps,
    info: () => ({ storefront }),
  });
  const { platform } = lab;
  if (platform.reclaimed) {
    const r = platform.reclaimed;
    log(`removed leftovers of crashed run ${r.runId}: ${r.processes} process(es), ${r.cgroups} cgroup(s)`);
  }
  const enforcement = platform.enforcement;
  if (enforcement.mode === 'cooperative')
    log(`WARNING: resource limits are not enforced (${enforcement.reason})`);
  else log(`resource limits enforced with ${enforcement.mode}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping the lab…`);
    void lab.stop();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const ready = platform.waitAllReady(o.readyTimeout * 1000).then(
    () =>
      log(
        `the Sock Shop is up at ${storefront} (${deployments.length} pods ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
      ),
    async () => {
      const waiting = (await platform.listPods())
        .filter((p) => !p.ready)
        .map((p) => `${p.name} (${p.status})`);
      log(
        `not every pod is ready after ${o.readyTimeout} s: ${waiting.join(', ')} — see \`sockshop-lab kubectl describe pod NAME\``,
      );
    },
  );
  await Promise.race([ready, lab.stopped]);
  await lab.stopped;
  log('stopped; every process, cgroup and port of this run is gone');
  process.exit(0);
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('bring the Sock Shop up on the local platform (foreground; Ctrl-C stops and cleans up)')
    .option('--port <port>', 'storefront port (front-end Service)', port, 8079)
    .option('--home <dir>', 'lab state directory (default $SOCKSHOP_LAB_HOME or ./.lab)')
    .option('--tsx', 'run the TypeScript sources through tsx instead of dist/ (development)')
    .option('--cooperative', 'do not use cgroups (limits reported, not enforced)')
    .option('--ready-timeout <seconds>', 'how long to wait for every pod to be ready', seconds, 120)
    .action(async (o: UpOptions) => up(o));
}
