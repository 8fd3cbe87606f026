/** `sockshop-lab down`: stops the lab running from this state directory (from another terminal). */
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { labHome, reclaimLeftovers, runningLab } from '../../platform/local/lab-state.js';
import { connectToLab } from '../../platform/local/remote.js';

export async function down(o: { home?: string; timeout: number }): Promise<void> {
  const home = labHome(o.home);
  const running = runningLab(home);
  if (!running) {
    // Nothing alive: a crashed run may still have left pods behind.
    const reclaimed = await reclaimLeftovers(home);
    process.stdout.write(
      reclaimed
        ? `sockshop-lab: no lab running; removed leftovers of crashed run ${reclaimed.runId}: ${reclaimed.processes} process(es), ${reclaimed.cgroups} cgroup(s)\n`
        : `sockshop-lab: no lab is running from ${home}\n`,
    );
    return;
  }
  await connectToLab(home).shutdown();
  const deadline = Date.now() + o.timeout * 1000;
  while (runningLab(home)?.labPid === running.labPid) {
    if (Date.now() > deadline)
      throw new Error(`the lab (pid ${running.labPid}) did not stop within ${o.timeout} s`);
    await sleep(100);
  }
  process.stdout.write(`sockshop-lab: lab ${running.runId} (pid ${running.labPid}) stopped\n`);
}

export function registerDown(program: Command): void {
  program
    .command('down')
    .description('stop the running lab and remove everything it created')
    .option('--home <dir>', 'lab state directory (default $SOCKSHOP_LAB_HOME or ./.lab)')
    .option('--timeout <seconds>', 'how long to wait for the lab to stop', Number, 60)
    .action(async (o: { home?: string; timeout: number }) => down(o));
}
