/**
 * The running lab's control endpoint: loopback HTTP + JSON, guarded by a random bearer token; URL and
 * token are in the state file. Each `Platform` method is one route, `POST /v1/<method>` with a JSON
 * array of arguments, so the CLI (and anything else out of process) drives the same interface the
 * fault engine and agent API use in process. `POST /v1/shutdown` stops the lab.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Platform } from '../types.js';
import { PlatformError } from '../types.js';

/** The Platform methods reachable remotely (everything in the interface). */
export const PLATFORM_METHODS = [
  'listPods',
  'getPod',
  'describePod',
  'deletePod',
  'listDeployments',
  'getDeployment',
  'describeDeployment',
  'scale',
  'setResources',
  'rolloutRestart',
  'rolloutUndo',
  'rolloutHistory',
  'listServices',
  'getService',
  'listHpas',
  'getHpa',
  'describeHpa',
  'applyHpa',
  'patchHpa',
  'deleteHpa',
  'listEvents',
  'listConfigMaps',
  'getConfigMap',
  'setConfigMap',
  'configMapHistory',
  'podLogs',
  'podUsage',
  'addMeshRule',
  'removeMeshRule',
  'listMeshRules',
  'setEnv',
  'stress',
  'stopStress',
] as const satisfies ReadonlyArray<keyof Platform>;

export type PlatformMethod = (typeof PLATFORM_METHODS)[number];

export interface ControlServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

export interface ControlOptions {
  /** Extra facts for `GET /v1/info` (storefront URL, enforcement). */
  info: () => Record<string, unknown>;
  onShutdown: () => void;
}

const MAX_BODY = 1024 * 1024;

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new PlatformError('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startControlServer(
  platform: Platform,
  options: ControlOptions,
): Promise<ControlServer> {
  const token = randomBytes(24).toString('hex');
  const expected = Buffer.from(`Bearer ${token}`);
  const server = http.createServer((req, res) => {
    void (async () => {
      const given = Buffer.from(req.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return send(res, 401, { error: 'unauthorized' });
      const route = /^\/v1\/([A-Za-z]+)$/.exec(req.url ?? '')?.[1];
      if (req.method === 'GET' && route === 'info') return send(res, 200, options.info());
      if (req.method !== 'POST' || !route) return send(res, 404, { error: 'not found' });
      if (route === 'shutdown') {
        send(res, 202, { stopping: true });
        return options.onShutdown();
      }
      if (!(PLATFORM_METHODS as readonly string[]).includes(route))
        return send(res, 404, { error: `unknown method ${route}` });
      try {
        const raw = await readBody(req);
        const args: unknown = raw ? JSON.parse(raw) : [];
        if (!Array.isArray(args)) throw new PlatformError('the body must be a JSON array of arguments');
        const methods = platform as unknown as Record<
          PlatformMethod,
          (this: Platform, ...a: unknown[]) => Promise<unknown>
        >;
        send(res, 200, { result: await methods[route as PlatformMethod].apply(platform, args) });
      } catch (error) {
        const status =
          error instanceof PlatformError ? error.status : error instanceof SyntaxError ? 400 : 500;
        send(res, status, { error: (error as Error).message });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
