/**
 * The agent API server (fastify, loopback by default): REST at /api/v1/tools, the OpenAPI document at
 * /openapi.json, and MCP's streamable HTTP at /mcp. Everything but /openapi.json needs
 * `Authorization: Bearer <token>` (compared in constant time); the token is one per run.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError } from 'fastify';
import type { AgentContext } from './context.js';
import { ToolError, toToolError } from './errors.js';
import { handleMcpHttp } from './mcp.js';
import { openApiDocument } from './openapi.js';
import { callTool, listTools } from './registry.js';

export interface AgentApiOptions {
  ctx: AgentContext;
  /** Default: 24 random bytes in hex. */
  token?: string;
  /** Default 0 = any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface AgentApiServer {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** `${url}/mcp` */
  readonly mcpUrl: string;
  readonly token: string;
  close(): Promise<void>;
}

export function newToken(): string {
  return randomBytes(24).toString('hex');
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export async function startAgentApi(options: AgentApiOptions): Promise<AgentApiServer> {
  const { ctx } = options;
  const token = options.token ?? newToken();
  const expected = digest(`Bearer ${token}`);
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });

  const send = (reply: { code(n: number): { send(b: unknown): unknown } }, e: ToolError) =>
    reply.code(e.status).send(e.toJSON());

  app.addHook('onRequest', async (req, reply) => {
    if (req.url === '/openapi.json') return;
    const given = req.headers.authorization;
    if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send(
          new ToolError(
            'unauthorized',
            'missing or wrong bearer token (Authorization: Bearer <token>)',
          ).toJSON(),
        );
    }
  });

  app.setErrorHandler((error: FastifyError, _req, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500)
      return send(reply, new ToolError(status === 404 ? 'not_found' : 'invalid_argument', error.message));
    return send(reply, toToolError(error));
  });
  app.setNotFoundHandler((req, reply) =>
    send(reply, new ToolError('not_found', `no route ${req.method} ${req.url.split('?')[0]}`)),
  );

  app.get('/openapi.json', async (req) => openApiDocument(`http://${req.headers.host ?? 'localhost'}`));
  app.get('/api/v1/tools', async () => ({ tools: listTools() }));
  app.post('/api/v1/tools/:name', async (req, reply) => {
    try {
      return { result: await callTool(ctx, (req.params as { name: string }).name, req.body) };
    } catch (error) {
      return send(reply, toToolError(error));
    }
  });

  app.post('/mcp', async (req, reply) => {
    reply.hijack();
    await handleMcpHttp(ctx, req.raw, reply.raw, req.body);
  });
  const noSessions = async (_req: unknown, reply: { code(n: number): { send(b: unknown): unknown } }) =>
    reply.code(405).send({
      jsonrpc: '2.0',
      error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless (POST only)' },
      id: null,
    });
  app.get('/mcp', noSessions);
  app.delete('/mcp', noSessions);

  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  return { url, mcpUrl: `${url}/mcp`, token, close: () => app.close() };
}
