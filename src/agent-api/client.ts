/**
 * ToolClient: what an agent holds. Three ways to reach the same tools — in process (the reference
 * agent inside the evaluator), REST over undici, and MCP through the SDK's client (streamable HTTP to
 * `/mcp`, or any connected transport such as stdio). Every failure is a ToolCallError with the API's
 * code and message.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { request } from 'undici';
import type { AgentContext } from './context.js';
import { toToolError } from './errors.js';
import { callTool, listTools, type ToolInfo } from './registry.js';

export interface ToolClient {
  call(name: string, args?: object): Promise<unknown>;
  list(): Promise<Array<Pick<ToolInfo, 'name' | 'description'> & Partial<ToolInfo>>>;
  close(): Promise<void>;
}

export class ToolCallError extends Error {
  override name = 'ToolCallError';
  constructor(
    /** An ErrorCode, or what a foreign server answered. */
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(`${code}: ${message}`);
  }
}

function fromErrorBody(body: unknown, status?: number): ToolCallError {
  const e = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return new ToolCallError(
    e?.code ?? 'internal',
    e?.message ?? JSON.stringify(body)?.slice(0, 300) ?? '',
    status,
  );
}

export function inProcessClient(ctx: AgentContext): ToolClient {
  return {
    async call(name, args = {}) {
      try {
        return await callTool(ctx, name, args);
      } catch (error) {
        const e = toToolError(error);
        throw new ToolCallError(e.code, e.message, e.status);
      }
    },
    list: async () => listTools(),
    close: async () => {},
  };
}

export function restClient(baseUrl: string, token: string, timeoutMs = 120_000): ToolClient {
  const base = baseUrl.replace(/\/$/, '');
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const send = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await request(`${base}${path}`, {
      method,
      headers: body === undefined ? { authorization: headers.authorization } : headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ToolCallError(
        'internal',
        `not JSON (HTTP ${res.statusCode}): ${text.slice(0, 200)}`,
        res.statusCode,
      );
    }
    if (res.statusCode >= 400) throw fromErrorBody(parsed, res.statusCode);
    return parsed;
  };
  return {
    call: async (name, args = {}) =>
      ((await send('POST', `/api/v1/tools/${encodeURIComponent(name)}`, args)) as { result: unknown }).result,
    list: async () => ((await send('GET', '/api/v1/tools')) as { tools: ToolInfo[] }).tools,
    close: async () => {},
  };
}

/** An MCP client over any transport (already constructed, not yet connected). */
export async function mcpClient(transport: Transport): Promise<ToolClient> {
  const client = new Client({ name: 'sockshop-lab-client', version: '0.1.0' });
  await client.connect(transport);
  return {
    async call(name, args = {}) {
      const answer = await client.callTool({ name, arguments: args as Record<string, unknown> });
      const content = answer.content as Array<{ type: string; text?: string }> | undefined;
      const text = content?.find((c) => c.type === 'text')?.text ?? 'null';
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = answer.isError ? { error: { code: 'internal', message: text } } : text;
      }
      if (answer.isError) throw fromErrorBody(parsed);
      return parsed;
    },
    list: async () =>
      (await client.listTools()).tools.map((t) => ({
        name: t.name,
        description: t.description ?? '',
        inputSchema: t.inputSchema,
      })),
    close: () => client.close(),
  };
}

/** MCP over streamable HTTP to `<url>/mcp` with the bearer token. */
export function mcpHttpClient(mcpUrl: string, token: string): Promise<ToolClient> {
  return mcpClient(
    new StreamableHTTPClientTransport(new URL(mcpUrl), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
}
