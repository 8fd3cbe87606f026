/**
 * Shop services (and the embedded broker) as real child processes on loopback, for the process
 * tests and bench/shop.ts. A service is run from `dist/` when built (`npm run build`) and
 * through tsx otherwise. Every process started here is remembered, so a test's `after` can
 * kill what is left even when the test failed halfway.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A port that was free a moment ago, for processes whose addresses must be known before they start. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `tsx` runs the source (tests), `dist` the build, `auto` the build when there is one. */
export type Runtime = 'dist' | 'tsx' | 'auto';

/** Node arguments that run `src/<module>.ts`, or its compiled `dist/<module>.js`. */
export function nodeArgsFor(
  module: string,
  runtime: Runtime = 'tsx',
): { args: string[]; runtime: 'dist' | 'tsx' } {
  const compiled = join(ROOT, 'dist', `${module}.js`);
  if (runtime !== 'tsx' && existsSync(compiled)) return { args: [compiled], runtime: 'dist' };
  if (runtime === 'dist') throw new Error(`${compiled} is missing; run npm run build`);
  return { args: ['--import', 'tsx', join(ROOT, 'src', `${module}.ts`)], runtime: 'tsx' };
}

export interface StartedProcess {
  child: ChildProcess;
  /** What the ready line announced (a service's base URL, the broker's AMQP URL). */
  url: string;
  runtime: 'dist' | 'tsx';
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Sends `signal` and resolves with the exit code and signal. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  /** Module under src/ without extension, e.g. `shop/carts/main`. */
  module: string;
  env?: NodeJS.ProcessEnv;
  /** Reads the URL off one JSON log line; the process is ready when it returns one. */
  ready: (entry: Record<string, unknown>) => string | undefined;
  /** Default `tsx`: tests run the source. */
  runtime?: Runtime;
  timeoutMs?: number;
}

const running = new Set<ChildProcess>();

/** Spawns a process and resolves once its ready line appears on stdout (JSON logs). */
export async function startProcess(options: StartOptions): Promise<StartedProcess> {
  const { args, runtime } = nodeArgsFor(options.module, options.runtime);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Read every line, also after ready: an unread pipe would block the child once it fills.
  const lines = createInterface({ input: child.stdout });
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`${options.module} not ready after ${options.timeoutMs ?? 30_000} ms: ${stderr}`)),
      options.timeoutMs ?? 30_000,
    );
    void exit.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`${options.module} exited with ${code}: ${stderr}`));
    });
    lines.on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      const found = options.ready(entry);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    child,
    url,
    runtime,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const [code, exitSignal] = await exit;
      return { code, signal: exitSignal };
    },
  };
}

/** A shop service's `main`, ready when it logs `<service> listening`; PORT defaults to 0 (any free port). */
export function startService(
  service: string,
  env: NodeJS.ProcessEnv = {},
  runtime?: Runtime,
): Promise<StartedProcess> {
  return startProcess({
    module: `shop/${service}/main`,
    env: { PORT: '0', HOST: '127.0.0.1', ...env },
    runtime,
    ready: (entry) =>
      entry.msg === `${service} listening` && typeof entry.url === 'string' ? entry.url : undefined,
  });
}

/** The embedded broker as its own process; `url` is its AMQP URL with guest credentials. */
export async function startBrokerProcess(
  env: NodeJS.ProcessEnv = {},
  runtime?: Runtime,
): Promise<StartedProcess & { mgmtUrl: string }> {
  let mgmtUrl = '';
  const started = await startProcess({
    module: 'stores/broker/main',
    env: { AMQP_PORT: '0', MGMT_PORT: '0', HOST: '127.0.0.1', ...env },
    runtime,
    ready: (entry) => {
      if (entry.msg !== 'broker ready' || typeof entry.amqp !== 'string') return undefined;
      mgmtUrl = String(entry.management);
      return entry.amqp.replace('amqp://', 'amqp://guest:guest@');
    },
  });
  return { ...started, mgmtUrl };
}

/** Runs a service that is expected to fail at start-up; resolves with its exit code and stderr. */
export async function runToExit(
  service: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stderr: string }> {
  const { args } = nodeArgsFor(`shop/${service}/main`);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  running.delete(child);
  return { code, stderr };
}

/** Kills (SIGKILL) every process started here that is still running. */
export function killAll(): void {
  for (const child of running)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
}
