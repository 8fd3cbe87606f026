/**
 * `sockshop-lab agent-api [--port N] [--token T] [--stdio]`: serves the agent tools for the lab running
 * from this state directory — REST + MCP over HTTP on loopback (prints URL and token), or MCP on
 * stdin/stdout with `--stdio` (for an MCP client that starts the server itself; nothing else is
 * written to stdout then). Every call goes to `<home>/agent-api-calls.jsonl` unless `--log` says otherwise.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { CallLog } from '../../agent-api/call-log.js';
import { openRunningLab } from '../../agent-api/context.js';
import { serveMcpStdio } from '../../agent-api/mcp.js';
import { newToken, startAgentApi } from '../../agent-api/rest.js';
import { labHome } from '../../platform/local/lab-state.js';

interface AgentApiOptions {
  port: number;
  host: string;
  token?: string;
  stdio?: boolean;
  home?: string;
  log?: string;
}

function portNumber(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port from 0 to 65535');
  return n;
}

/** Resolves on the first of SIGINT/SIGTERM/SIGHUP or when `also` resolves. */
function stopSignal(also?: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, () => resolve());
    void also?.then(resolve);
  });
}

async function agentApi(o: AgentApiOptions): Promise<void> {
  const home = labHome(o.home);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  const callLog = new CallLog(o.log ?? join(home, 'agent-api-calls.jsonl'));
  const lab = await openRunningLab({ home, callLog: callLog.record });
  try {
    if (o.stdio) {
      const server = await serveMcpStdio(lab.ctx);
      err(`sockshop-lab agent-api: MCP on stdio for the lab in ${home}; calls logged to ${callLog.file}`);
      // The SDK's stdio transport does not watch for the end of input: a client that goes away ends us here.
      await stopSignal(new Promise((resolve) => process.stdin.once('end', resolve)));
      await server.close();
      return;
    }
    const api = await startAgentApi({
      ctx: lab.ctx,
      port: o.port,
      host: o.host,
      token: o.token ?? process.env.SOCKSHOP_AGENT_TOKEN ?? newToken(),
    });
    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(`agent API for the lab in ${home}`);
    out(`  REST     ${api.url}/api/v1/tools   (OpenAPI: ${api.url}/openapi.json)`);
    out(`  MCP      ${api.mcpUrl}   (streamable HTTP)`);
    out(`  token    ${api.token}   (Authorization: Bearer <token>)`);
    out(`  call log ${callLog.file}`);
    await stopSignal();
    await api.close();
  } finally {
    await lab.close();
  }
}

export function registerAgentApi(program: Command): void {
  program
    .command('agent-api')
    .description('serve the agent tools (REST + MCP) for the running lab')
    .option('--port <n>', 'HTTP port (0 = any free port)', portNumber, 0)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--token <t>', 'bearer token (default $SOCKSHOP_AGENT_TOKEN, else a random one)')
    .option('--stdio', 'serve MCP on stdin/stdout instead of HTTP')
    .option('--home <dir>', 'lab state directory (default $SOCKSHOP_LAB_HOME or ./.lab)')
    .option('--log <file>', 'JSONL call log (default <home>/agent-api-calls.jsonl)')
    .action(async (o: AgentApiOptions) => {
      await agentApi(o);
      // Telemetry timers and sockets of the remote platform are closed; exit without waiting on stragglers.
      process.exit(0);
    });
}
