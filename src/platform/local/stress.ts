/**
 * StressChaos for the local platform: a burner process that joins a pod's cgroup before it starts
 * (the same `/bin/sh` join the pod's container uses), so the pod's CPU quota throttles it and its
 * memory limit can OOM-kill the pod. The burner is a small inline Node program: `workers` busy
 * threads at a duty cycle, plus one allocation touched page by page. It is recorded in the lab state
 * (a crashed lab's burners are reclaimed with its pods) and dies with the pod's cgroup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { StressLoad } from '../types.js';
import { PlatformError } from '../types.js';
import type { LabState } from './lab-state.js';

/** Inline program: a worker per CPU busy-loops `percent`% of each 100 ms slice; memory touched once. */
const PROGRAM = [
  "const { Worker } = require('node:worker_threads');",
  'const [workers, percent, bytes] = process.argv.slice(1).map(Number);',
  'const loop = `const p = ${percent}; for (;;) { const t = Date.now(); while (Date.now() - t < p) {} const s = new Int32Array(new SharedArrayBuffer(4)); if (p < 100) Atomics.wait(s, 0, 0, 100 - p); }`;',
  'for (let i = 0; i < workers; i++) new Worker(loop, { eval: true });',
  'const keep = [];',
  'for (let left = bytes; left > 0; left -= 64 * 1024 * 1024) { const b = Buffer.allocUnsafe(Math.min(left, 64 * 1024 * 1024)); for (let i = 0; i < b.length; i += 4096) b[i] = 1; keep.push(b); }',
  'setInterval(() => keep.length, 1 << 30);',
].join('\n');

const JOIN =
  'IFS=:; for f in $SOCKSHOP_CGROUP_PROCS; do echo $$ > "$f" || exit 125; done; unset SOCKSHOP_CGROUP_PROCS IFS; exec "$@"';

interface Burner {
  pod: string;
  child: ChildProcess;
  exited: Promise<void>;
}

export class StressManager {
  private readonly burners = new Map<string, Burner>();

  constructor(private readonly state: LabState) {}

  start(pod: string, procsFiles: string[], load: StressLoad): { id: string; pid?: number } {
    const workers = load.cpuWorkers ?? 0;
    const percent = Math.min(100, Math.max(1, load.cpuLoadPercent ?? 100));
    const bytes = load.memoryBytes ?? 0;
    if (workers <= 0 && bytes <= 0) throw new PlatformError('stress needs cpuWorkers or memoryBytes');
    const argv = [process.execPath, '-e', PROGRAM, String(workers), String(percent), String(bytes)];
    const child =
      procsFiles.length > 0
        ? spawn('/bin/sh', ['-c', JOIN, 'sh', ...argv], {
            env: { PATH: process.env.PATH ?? '', SOCKSHOP_CGROUP_PROCS: procsFiles.join(':') },
            detached: true,
            stdio: 'ignore',
          })
        : spawn(argv[0], argv.slice(1), { detached: true, stdio: 'ignore' });
    const id = `stress-${pod}-${randomBytes(3).toString('hex')}`;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    if (child.pid !== undefined) {
      const pid = child.pid;
      this.state.recordProcess(pod, pid);
      void exited.then(() => this.state.forgetProcess(pid));
    }
    this.burners.set(id, { pod, child, exited });
    void exited.then(() => this.burners.delete(id));
    return { id, pid: child.pid };
  }

  async stop(id: string): Promise<boolean> {
    const burner = this.burners.get(id);
    if (!burner) return false;
    try {
      process.kill(-burner.child.pid!, 'SIGKILL'); // its own process group: threads and all
    } catch {
      // already gone
    }
    await burner.exited;
    return true;
  }

  /** Stops the burners of one pod (when it terminates) or all of them. */
  async stopAll(pod?: string): Promise<void> {
    const ids = [...this.burners].filter(([, b]) => !pod || b.pod === pod).map(([id]) => id);
    await Promise.all(ids.map((id) => this.stop(id)));
  }
}
