/**
 * Test helpers: start the lab's store pods (the embedded SQL engine, the session server) as
 * real child processes on port 0, wait for their JSON ready line, and stop them with SIGTERM;
 * plus unique names for the schemas and databases a test creates on the machine's servers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface Pod {
  child: ChildProcess;
  /** The ready line's fields (url, metricsUrl, startMs, rssBytes …). */
  ready: Record<string, unknown>;
  stop(): Promise<void>;
}

export const REAL_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REAL_MARIADB_URL = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306';
export const REAL_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export async function startPod(entry: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<Pod> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const lines = createInterface({ input: child.stdout });
  try {
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${entry} not ready in ${timeoutMs} ms: ${stderr}`)),
        timeoutMs,
      );
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${entry} exited with ${code}: ${stderr}`));
      });
      lines.on('line', (line) => {
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (typeof parsed.msg === 'string' && parsed.msg.endsWith(' ready')) {
            clearTimeout(timer);
            resolve(parsed);
          }
        } catch {
          // not a JSON line
        }
      });
    });
    return { child, ready, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export function startEmbeddedSql(env: NodeJS.ProcessEnv = {}): Promise<Pod> {
  return startPod('src/stores/embedded-sql/main.ts', env);
}
