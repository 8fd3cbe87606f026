/**
 * MongoDB-speaking servers for tests: FerretDB (SQLite backend) started from a `ferretdb` binary
 * on PATH or in ~/go/bin, on a free port of its own (it cannot listen on port 0 and report it),
 * and an admin for dropping a test's database. There is no MongoDB in Debian; FerretDB is built
 * with `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` where the Go module proxy
 * is reachable.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { MongoStoreClient } from '../../src/stores/mongo/client.js';
import { eventually } from '../helpers/wait.js';

/** The ferretdb binary, or undefined when this machine has none. */
export const FERRETDB_BINARY = [...(process.env.PATH ?? '').split(delimiter), join(homedir(), 'go/bin')]
  .filter(Boolean)
  .map((dir) => join(dir, 'ferretdb'))
  .find((path) => existsSync(path));

export const NO_FERRETDB = 'no ferretdb binary on PATH or in ~/go/bin';

export interface FerretDb {
  /** `mongodb://127.0.0.1:<port>` (no database). */
  url: string;
  stop(): Promise<void>;
}

/** FerretDB on a free port over a fresh SQLite directory; resolves once it answers a ping. */
export async function startFerretDb(binary = FERRETDB_BINARY!): Promise<FerretDb> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ferretdb-'));
  const child: ChildProcess = spawn(
    binary,
    [
      `--listen-addr=127.0.0.1:${port}`,
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/`,
      `--state-dir=${dir}`,
      '--telemetry=disable',
      '--log-level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `mongodb://127.0.0.1:${port}`;
  try {
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`ferretdb exited with ${child.exitCode}: ${stderr}`);
        const probe = await MongoStoreClient.open('test', 'FERRETDB', 'test', { url, acquireTimeoutMs: 500 });
        await probe.close();
        return true;
      },
      30_000,
      'ferretdb to accept connections',
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

/** Drops database `url`'s path names (a test's own database). */
export async function dropMongoDatabase(url: string): Promise<void> {
  const admin = await MongoStoreClient.open('test', 'TEST_MONGODB_URL', 'test', { url });
  try {
    await admin.dropDatabase();
  } finally {
    await admin.close();
  }
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
