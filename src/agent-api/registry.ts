/**
 * The tool registry and the one call path every transport uses: look the tool up, validate the
 * arguments with its zod schema, run it, bound and redact the answer, and log the call.
 */
import { z } from 'zod';
import { sanitize } from './bounds.js';
import type { AgentContext } from './context.js';
import { formatIssues, ToolError, toToolError } from './errors.js';
import type { Tool, ToolKind } from './tool.js';
import * as actions from './tools/actions.js';
import * as business from './tools/business.js';
import * as diagnosis from './tools/diagnosis.js';
import * as events from './tools/events.js';
import * as mesh from './tools/mesh.js';
import * as metrics from './tools/metrics.js';
import * as observability from './tools/observability.js';
import * as queues from './tools/queues.js';
import * as stores from './tools/stores.js';
import * as topology from './tools/topology.js';
import * as workloads from './tools/workloads.js';

/** Tool modules may export helpers too; a tool is what defineTool made. */
const isTool = (value: unknown): value is Tool =>
  typeof value === 'object' && value !== null && 'run' in value && 'input' in value && 'kind' in value;

const KIND_ORDER: Record<ToolKind, number> = { read: 0, action: 1, diagnosis: 2 };

export const TOOLS: readonly Tool[] = [
  topology,
  workloads,
  events,
  metrics,
  observability,
  queues,
  mesh,
  stores,
  business,
  actions,
  diagnosis,
]
  .flatMap((module) => Object.values(module).filter(isTool))
  .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);

const BY_NAME = new Map(TOOLS.map((t) => [t.name, t]));

export function findTool(name: string): Tool | undefined {
  return BY_NAME.get(name);
}

export interface ToolInfo {
  name: string;
  description: string;
  kind: ToolKind;
  /** JSON Schema (draft 2020-12) of the arguments. */
  inputSchema: Record<string, unknown>;
}

const schemas = new Map<string, Record<string, unknown>>();

export function inputJsonSchema(tool: Tool): Record<string, unknown> {
  let schema = schemas.get(tool.name);
  if (!schema) {
    schema = z.toJSONSchema(tool.input, { io: 'input' });
    delete schema.$schema;
    schemas.set(tool.name, schema);
  }
  return schema;
}

export function listTools(): ToolInfo[] {
  return TOOLS.map((t) => ({
    name: t.name,
    description: t.description,
    kind: t.kind,
    inputSchema: inputJsonSchema(t),
  }));
}

/**
 * Runs one call. Resolves with the (bounded, redacted) answer or rejects with a ToolError; either
 * way the call is in `ctx.callLog`.
 */
export async function callTool(ctx: AgentContext, name: string, rawArgs: unknown): Promise<unknown> {
  const started = Date.now();
  const tool = findTool(name);
  let args: unknown = rawArgs ?? {};
  const log = (ok: boolean, extra: { error?: string; result?: unknown }) =>
    ctx.callLog({
      at: new Date(started).toISOString(),
      tool: name,
      args: sanitize(args, ctx.redact),
      ok,
      ...extra,
      durationMs: Date.now() - started,
      kind: tool?.kind ?? 'unknown',
    });
  try {
    if (!tool)
      throw new ToolError(
        'not_found',
        `unknown tool "${name}" (list them with GET /api/v1/tools or tools/list)`,
      );
    if (typeof args !== 'object' || Array.isArray(args))
      throw new ToolError('invalid_argument', 'args: must be a JSON object');
    const parsed = tool.input.safeParse(args);
    if (!parsed.success) throw new ToolError('invalid_argument', formatIssues(parsed.error));
    args = parsed.data;
    const result = sanitize(await tool.run(ctx, parsed.data), ctx.redact);
    log(true, tool.kind === 'read' ? {} : { result });
    return result;
  } catch (error) {
    const e = toToolError(error);
    const safe = new ToolError(e.code, String(sanitize(e.message, ctx.redact)));
    log(false, { error: `${safe.code}: ${safe.message}` });
    throw safe;
  }
}
