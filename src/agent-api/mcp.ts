/**
 * The tools over MCP (the official TypeScript SDK): stdio for an agent the lab starts, and the
 * streamable HTTP transport at POST /mcp on the REST server (stateless: one server per request,
 * JSON answers). We use the SDK's low-level `Server` rather than `McpServer.registerTool` so that
 * MCP calls take the same path as REST ones — the same validation messages, the same error shape
 * `{ error: { code, message } }` (as an isError result) and the same call log.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { AgentContext } from './context.js';
import { toToolError } from './errors.js';
import { callTool, listTools } from './registry.js';

const INSTRUCTIONS =
  'Tools of an incident lab running the Sock Shop on a Kubernetes-like platform. Investigate with the read tools ' +
  '(topology, deployments, pods, metrics via PromQL, logs, traces, events, queues, stores), fix with the action ' +
  'tools, and report with submit_diagnosis. Every answer is JSON.';

export function createMcpServer(ctx: AgentContext): Server {
  const server = new Server(
    { name: 'sockshop-lab', version: '0.1.0' },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: listTools().map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: t.inputSchema as { type: 'object' },
      annotations: {
        readOnlyHint: t.kind !== 'action',
        destructiveHint: t.kind === 'action',
        openWorldHint: false,
      },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    try {
      const result = await callTool(ctx, request.params.name, request.params.arguments ?? {});
      return { content: [{ type: 'text' as const, text: JSON.stringify(result) }] };
    } catch (error) {
      return {
        isError: true,
        content: [{ type: 'text' as const, text: JSON.stringify(toToolError(error).toJSON()) }],
      };
    }
  });
  return server;
}

/** Serves the tools on this process's stdin/stdout until the input closes. */
export async function serveMcpStdio(ctx: AgentContext): Promise<Server> {
  const server = createMcpServer(ctx);
  await server.connect(new StdioServerTransport());
  return server;
}

/** Handles one streamable-HTTP request (the caller has checked the token and parsed the body). */
export async function handleMcpHttp(
  ctx: AgentContext,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
): Promise<void> {
  const server = createMcpServer(ctx);
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}
