/**
 * The agents the evaluator can run, all on the same terms (the same tools, the same budget, the same
 * call log): the built-in reference agent (in process), an external command the lab starts with the
 * agent API's URLs and a fresh token in its environment, and wait mode, where the lab serves MCP at a
 * given address and waits for an external client. Nothing an agent receives names the scenario.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runReferenceAgent } from '../agent/index.js';
import type { CallLog } from '../agent-api/call-log.js';
import { inProcessClient, type ToolClient } from '../agent-api/client.js';
import type { AgentContext } from '../agent-api/context.js';
import { startAgentApi, type AgentApiServer } from '../agent-api/rest.js';
import type { AgentSession } from '../scenarios/runner.js';

export type AgentSpec =
  | { kind: 'reference' }
  | { kind: 'command'; command: string }
  /** Wait mode: serve MCP at host:port (port 0 = any) and wait for a client. */
  | { kind: 'mcp'; host: string; port: number; token?: string };

/** `reference`, `mcp:<url>` (e.g. mcp:http://127.0.0.1:7070/mcp) or a shell command. */
export function parseAgentSpec(text: string, token?: string): AgentSpec {
  const t = text.trim();
  if (!t) throw new Error('--agent: give "reference", "mcp:<url>" or a command');
  if (t === 'reference') return { kind: 'reference' };
  if (t.startsWith('mcp:')) {
    let url: URL;
    try {
      url = new URL(t.slice(4) || 'http://127.0.0.1:0');
    } catch {
      throw new Error(`--agent ${t}: not a URL (e.g. mcp:http://127.0.0.1:7070/mcp)`);
    }
    if (url.protocol !== 'http:') throw new Error(`--agent ${t}: the MCP endpoint is served over http`);
    if (url.pathname !== '/' && url.pathname !== '/mcp')
      throw new Error(`--agent ${t}: the MCP endpoint is served at /mcp`);
    return {
      kind: 'mcp',
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 0),
      ...(token ? { token } : {}),
    };
  }
  return { kind: 'command', command: t };
}

/**
 * The agent's name on reports and the leaderboard: `name` when given, else the command without its
 * flags and with paths shortened to file names ("node scripted-agent.ts mcp").
 */
export function agentLabel(spec: AgentSpec, name?: string): string {
  if (name) return name;
  if (spec.kind === 'reference') return 'reference';
  if (spec.kind === 'mcp') return 'mcp-client';
  const short = spec.command
    .split(/\s+/)
    .filter((t) => t && !t.startsWith('-') && !t.startsWith('file:'))
    .map((t) => (t.includes('/') ? (t.split('/').filter(Boolean).at(-1) ?? t) : t))
    .join(' ');
  return short.length > 60 ? `${short.slice(0, 59)}…` : short || spec.command.slice(0, 60);
}

export interface DriveOptions {
  ctx: AgentContext;
  callLog: CallLog;
  /** Strings an external agent's environment must not contain (the scenario id). */
  hide: readonly string[];
  /** After a diagnosis, wait mode ends when the client has been quiet this long. */
  idleAfterDiagnosisMs?: number;
  /** Wait mode: told where to connect (the terminal). */
  announce?: (line: string) => void;
}

/** Runs the agent for one session; resolves when it is done or its budget is over. */
export async function driveAgent(
  spec: AgentSpec,
  session: AgentSession,
  options: DriveOptions,
): Promise<void> {
  if (spec.kind === 'reference') return driveReference(session, options.ctx);
  const api = await startAgentApi({
    ctx: options.ctx,
    ...(spec.kind === 'mcp' ? { host: spec.host, port: spec.port, token: spec.token } : {}),
  });
  try {
    if (spec.kind === 'command') await driveCommand(spec.command, session, api, options.hide);
    else await waitForClient(session, api, options);
  } finally {
    await api.close();
  }
}

/**
 * An in-process client for the agent phase only. The reference agent knows its budget but not the
 * phase's end (an aborted run ends it early): once the phase is over, a call never answers, so the
 * agent stops there instead of polling on in the background (a pending promise holds no timer).
 */
function phaseClient(ctx: AgentContext, signal: AbortSignal): ToolClient {
  const inner = inProcessClient(ctx);
  return {
    call: (name, args) => (signal.aborted ? new Promise<never>(() => {}) : inner.call(name, args)),
    list: () => inner.list(),
    close: () => inner.close(),
  };
}

async function driveReference(session: AgentSession, ctx: AgentContext): Promise<void> {
  const report = await runReferenceAgent(phaseClient(ctx, session.signal), {
    budgetMs: Math.max(1000, session.deadline - Date.now()),
    pollMs: 2000,
    signal: session.signal,
    log: (line) => session.log(line),
  });
  for (const step of report.timeline)
    session.record({
      at: step.at,
      event: `agent-${step.phase}`,
      detail: `${step.looked} → ${step.concluded}${step.why ? ` (${step.why})` : ''}`,
    });
  if (session.runDir)
    await writeFile(join(session.runDir, 'agent-report.json'), JSON.stringify(report, null, 2) + '\n');
}

/** The environment of an external agent: the caller's, minus anything of the lab's own, plus the API. */
export function agentEnvironment(
  base: NodeJS.ProcessEnv,
  api: Pick<AgentApiServer, 'url' | 'mcpUrl' | 'token'>,
  hide: readonly string[],
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    if (v === undefined || /^(SOCKSHOP_|npm_)/i.test(k)) continue;
    if (hide.some((h) => h && v.includes(h))) continue;
    env[k] = v;
  }
  return { ...env, SOCKSHOP_MCP_URL: api.mcpUrl, SOCKSHOP_API_URL: api.url, SOCKSHOP_TOKEN: api.token };
}

/** Starts the command in its own process group; kills the group when the budget ends. */
async function driveCommand(
  command: string,
  session: AgentSession,
  api: AgentApiServer,
  hide: readonly string[],
): Promise<void> {
  const cwd = session.runDir ? join(session.runDir, 'agent') : process.cwd();
  await mkdir(cwd, { recursive: true });
  const output = session.runDir ? createWriteStream(join(session.runDir, 'agent-output.log')) : undefined;
  const child = spawn('/bin/sh', ['-c', command], {
    cwd,
    env: agentEnvironment(process.env, api, hide),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d: Buffer) => output?.write(d));
  child.stderr.on('data', (d: Buffer) => output?.write(d));
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    session.record({ at: new Date().toISOString(), event: 'agent-stopped', detail: 'budget over: SIGTERM' });
    killGroup('SIGTERM');
    killTimer = setTimeout(() => killGroup('SIGKILL'), 3000);
  };
  session.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c, s) => resolve([c, s]));
    });
    session.record({
      at: new Date().toISOString(),
      event: 'agent-exit',
      detail: signal ? `killed by ${signal}` : `exit code ${code}`,
    });
    if (!session.signal.aborted && code !== 0)
      throw new Error(`agent command exited with ${signal ?? `code ${code}`}`);
  } finally {
    session.signal.removeEventListener('abort', onAbort);
    clearTimeout(killTimer);
    killGroup('SIGKILL'); // whatever the agent left running in its group
    await new Promise<void>((resolve) => (output ? output.end(resolve) : resolve()));
  }
}

/** Wait mode: until the budget ends, or the client submitted a diagnosis and then went quiet. */
async function waitForClient(
  session: AgentSession,
  api: AgentApiServer,
  options: DriveOptions,
): Promise<void> {
  const idle = options.idleAfterDiagnosisMs ?? 15_000;
  (options.announce ?? session.log)(
    `waiting for an MCP client at ${api.mcpUrl} (REST ${api.url}/api/v1/tools), token ${api.token}, until ${new Date(session.deadline).toISOString()}`,
  );
  const entries = options.callLog.entries;
  while (!session.signal.aborted) {
    const last = entries.at(-1);
    const diagnosed = entries.some((e) => e.tool === 'submit_diagnosis' && e.ok);
    if (diagnosed && last && Date.now() - Date.parse(last.at) - last.durationMs >= idle) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}
