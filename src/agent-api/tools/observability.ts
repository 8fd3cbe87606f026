/** Log and trace search over the run's telemetry, bounded and summarised. */
import { z } from 'zod';
import type { LogRecord } from '../../telemetry/logs/types.js';
import type { SpanNode } from '../../telemetry/traces/types.js';
import { ToolError } from '../errors.js';
import { defineTool, durationMs, durationText, limit } from '../tool.js';

const name = z.string().min(1).max(253);

/** At most 12 extra fields per line, each value cut at 300 characters. */
function compactFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields).slice(0, 12)) {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    out[k] = text !== undefined && text.length > 300 ? `${text.slice(0, 300)}…` : v;
  }
  return out;
}

const compactLog = (r: LogRecord) => ({
  ts: r.ts,
  service: r.service,
  pod: r.pod,
  level: r.level,
  msg: r.msg.length > 500 ? `${r.msg.slice(0, 500)}…` : r.msg,
  traceId: r.trace_id,
  fields: compactFields(r.fields),
});

const SCAN = 5000;

/** Root spans of health probes, metric scrapes and span collection. */
const PROBE = /^GET \/(health|metrics|prometheus|spans)\b/;

export const searchLogs = defineTool({
  name: 'search_logs',
  description:
    'Pod log lines, newest first: filter by service, pod, `contains` (case-insensitive text), minimum level (warn = warn and worse) and window (since, default "10m"). Also returns the total matched (scans up to 5,000) and counts per service and level.',
  kind: 'read',
  input: z.strictObject({
    service: name.optional(),
    pod: name.optional(),
    contains: z.string().min(1).max(500).optional(),
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).optional(),
    since: durationText.default('10m'),
    limit: limit(50, 200),
  }),
  async run(ctx, args) {
    const page = ctx.telemetry.logs.search({
      service: args.service,
      pod: args.pod,
      text: args.contains,
      level: args.level,
      from: Date.now() - durationMs(args.since),
      limit: SCAN,
    });
    const counts: Record<string, Record<string, number>> = {};
    for (const r of page.entries) {
      const perService = (counts[r.service] ??= {});
      perService[r.level] = (perService[r.level] ?? 0) + 1;
    }
    return {
      total: page.entries.length,
      totalIsLowerBound: page.nextCursor !== undefined,
      countsByServiceAndLevel: counts,
      lines: page.entries.slice(0, args.limit).map(compactLog),
    };
  },
});

export const searchTraces = defineTool({
  name: 'search_traces',
  description:
    'Trace summaries (traceId, root, durationMs, spanCount, error, services), newest first: filter by service, operation (span name, e.g. "GET /catalogue"), minDurationMs, errorsOnly, window (since, default "15m"). Health probes and scrapes are left out unless includeProbes.',
  kind: 'read',
  input: z.strictObject({
    service: name.optional(),
    operation: z.string().min(1).max(300).optional(),
    minDurationMs: z.number().min(0).optional(),
    errorsOnly: z.boolean().default(false),
    includeProbes: z.boolean().default(false).describe('include /health, /metrics and /spans requests'),
    since: durationText.default('15m'),
    limit: limit(20, 50),
  }),
  async run(ctx, args) {
    const skipProbes = !args.includeProbes && !PROBE.test(args.operation ?? '');
    const traces = ctx.telemetry.traces.query({
      service: args.service,
      operation: args.operation,
      minDurationMs: args.minDurationMs,
      error: args.errorsOnly || undefined,
      from: Date.now() - durationMs(args.since),
      // Probes and scrapes hit every pod every second or two: look past them.
      limit: skipProbes ? 1000 : args.limit,
    });
    const wanted = !skipProbes ? traces : traces.filter((t) => !PROBE.test(t.root?.name ?? ''));
    return {
      traces: wanted.slice(0, args.limit).map((t) => ({
        traceId: t.traceId,
        start: t.start,
        root: t.root ? `${t.root.service} ${t.root.name}` : undefined,
        durationMs: t.durationMs,
        spanCount: t.spanCount,
        error: t.errorCount > 0,
        errorCount: t.errorCount,
        services: t.services,
      })),
    };
  },
});

const MAX_SPANS = 200;

export const getTrace = defineTool({
  name: 'get_trace',
  description:
    'The spans of one trace in call order (at most 200): service, name, offset and duration, status, parent.',
  kind: 'read',
  input: z.strictObject({ traceId: z.string().regex(/^[0-9a-fA-F]{8,64}$/, 'must be a hex trace id') }),
  async run(ctx, { traceId }) {
    const tree = ctx.telemetry.traces.getTrace(traceId.toLowerCase());
    if (!tree) throw new ToolError('not_found', `trace "${traceId}" not found`);
    const spans: unknown[] = [];
    const visit = (n: SpanNode, depth: number) => {
      if (spans.length >= MAX_SPANS) return;
      spans.push({
        spanId: n.spanId,
        parentSpanId: n.parentSpanId,
        depth,
        service: n.service,
        pod: n.pod,
        name: n.name,
        kind: n.kind,
        offsetMs: n.offsetMs,
        durationMs: n.durationMs,
        status: n.status,
        statusMessage: n.statusMessage,
        attributes: compactFields(n.attributes),
      });
      for (const c of n.children) visit(c, depth + 1);
    };
    for (const root of tree.roots) visit(root, 0);
    return {
      traceId: tree.traceId,
      start: tree.start,
      durationMs: tree.durationMs,
      spanCount: tree.spanCount,
      spans,
    };
  },
});
