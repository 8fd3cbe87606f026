import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MAX_POINTS_PER_SERIES, type PromqlEngine } from '../promql/engine.js';
import { ParseError, parsePromql } from '../promql/parser.js';
import { EvalError, QueryTimeoutError } from '../promql/values.js';
import type { LabelMatcher } from '../tsdb/matchers.js';
import type { Scraper } from '../scrape/scraper.js';
import { BadDataError, parseDurationParam, parseTimeParam, UNBOUNDED } from './params.js';
import { instantData, matrixResult, sortedLabels } from './serialize.js';

export interface PrometheusApiOptions {
  engine: PromqlEngine;
  /** Supplies /api/v1/targets and /api/v1/metadata when given. */
  scraper?: Scraper;
  /** Clock for a missing `time` parameter (ms). */
  now?: () => number;
}

type Params = { get(name: string): string | undefined; getAll(name: string): string[] };

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Query and form body fields merged (POST takes the same fields form-encoded). */
function params(req: FastifyRequest): Params {
  const merged = new URLSearchParams();
  const add = (source: unknown): void => {
    if (source === null || typeof source !== 'object') return;
    for (const [k, v] of Object.entries(source as Record<string, unknown>)) {
      for (const item of Array.isArray(v) ? v : [v]) if (item !== undefined) merged.append(k, String(item));
    }
  };
  add(req.query);
  if (req.body instanceof URLSearchParams) for (const [k, v] of req.body) merged.append(k, v);
  else add(req.body);
  return { get: (n) => merged.get(n) ?? undefined, getAll: (n) => merged.getAll(n) };
}

function fail(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof BadDataError)
    return reply.code(400).send({ status: 'error', errorType: 'bad_data', error: err.message });
  if (err instanceof ParseError) {
    return reply
      .code(400)
      .send({ status: 'error', errorType: 'bad_data', error: `invalid parameter "query": ${err.message}` });
  }
  if (err instanceof QueryTimeoutError)
    return reply.code(503).send({ status: 'error', errorType: 'timeout', error: err.message });
  if (err instanceof EvalError)
    return reply.code(422).send({ status: 'error', errorType: 'execution', error: err.message });
  return reply.code(500).send({ status: 'error', errorType: 'internal', error: (err as Error).message });
}

function selectorMatchers(raw: string): LabelMatcher[] {
  let parsed;
  try {
    parsed = parsePromql(raw);
  } catch (err) {
    throw new BadDataError(`invalid parameter "match[]": ${(err as Error).message}`);
  }
  if (parsed.expr.kind !== 'vectorSelector')
    throw new BadDataError(
      `invalid parameter "match[]": expected a vector selector, got ${JSON.stringify(raw)}`,
    );
  return parsed.expr.matchers;
}

function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Fastify plugin serving the Prometheus HTTP API (register with a prefix, e.g. none or `/prometheus`). */
export async function prometheusApi(app: FastifyInstance, options: PrometheusApiOptions): Promise<void> {
  const { engine, scraper } = options;
  const now = options.now ?? Date.now;
  const tsdb = engine.tsdb;
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_req, body, done) => {
        done(null, new URLSearchParams(body as string));
      },
    );
  }
  const ok = (reply: FastifyReply, data: unknown): FastifyReply => reply.send({ status: 'success', data });
  const timeoutOf = (p: Params): number => {
    const raw = p.get('timeout');
    return raw ? Math.min(parseDurationParam('timeout', raw), engine.timeoutMs) : engine.timeoutMs;
  };

  const query = (req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    try {
      const p = params(req);
      const timeMs = parseTimeParam('time', p.get('time'), now());
      const timeout = timeoutOf(p);
      const value = engine.instantQuery(p.get('query') ?? '', timeMs, timeout);
      return ok(reply, instantData(value, timeMs));
    } catch (err) {
      return fail(reply, err);
    }
  };

  const queryRange = (req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    try {
      const p = params(req);
      const start = parseTimeParam('start', p.get('start') ?? '', NaN);
      const end = parseTimeParam('end', p.get('end') ?? '', NaN);
      if (Number.isNaN(start))
        throw new BadDataError('invalid parameter "start": cannot parse "" to a valid timestamp');
      if (Number.isNaN(end))
        throw new BadDataError('invalid parameter "end": cannot parse "" to a valid timestamp');
      if (end < start)
        throw new BadDataError('invalid parameter "end": end timestamp must not be before start time');
      const step = parseDurationParam('step', p.get('step') ?? '');
      if (step <= 0) {
        throw new BadDataError(
          'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
        );
      }
      if ((end - start) / step > MAX_POINTS_PER_SERIES) {
        throw new BadDataError(
          'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
        );
      }
      const series = engine.rangeQuery(p.get('query') ?? '', start, end, step, timeoutOf(p));
      return ok(reply, { resultType: 'matrix', result: matrixResult(series) });
    } catch (err) {
      return fail(reply, err);
    }
  };

  const matchedSeries = (p: Params) => {
    const start = parseTimeParam('start', p.get('start'), UNBOUNDED.min);
    const end = parseTimeParam('end', p.get('end'), UNBOUNDED.max);
    if (end < start)
      throw new BadDataError('invalid parameter "end": end timestamp must not be before start time');
    const window = { start, end, leftOpen: false };
    return p
      .getAll('match[]')
      .flatMap((m) => tsdb.select(selectorMatchers(m)))
      .filter(
        (s, i, all) =>
          all.indexOf(s) === i && s.chunks.some((c) => c.maxTime >= window.start && c.minTime <= window.end),
      );
  };

  const series = (req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    try {
      const p = params(req);
      if (p.getAll('match[]').length === 0) throw new BadDataError('no match[] parameter provided');
      return ok(
        reply,
        matchedSeries(p).map((s) => sortedLabels(s.labels)),
      );
    } catch (err) {
      return fail(reply, err);
    }
  };

  const labels = (req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    try {
      const p = params(req);
      if (p.getAll('match[]').length === 0) return ok(reply, tsdb.labelNames());
      const names = new Set<string>();
      for (const s of matchedSeries(p)) for (const n of Object.keys(s.labels)) names.add(n);
      return ok(reply, [...names].sort());
    } catch (err) {
      return fail(reply, err);
    }
  };

  const labelValues = (
    req: FastifyRequest<{ Params: { name: string } }>,
    reply: FastifyReply,
  ): FastifyReply => {
    try {
      const name = req.params.name;
      if (!LABEL_NAME_RE.test(name)) throw new BadDataError(`invalid label name: ${JSON.stringify(name)}`);
      const p = params(req);
      if (p.getAll('match[]').length === 0) return ok(reply, tsdb.labelValues(name));
      const values = new Set<string>();
      for (const s of matchedSeries(p)) if (s.labels[name] !== undefined) values.add(s.labels[name]);
      return ok(reply, [...values].sort());
    } catch (err) {
      return fail(reply, err);
    }
  };

  app.route({ method: ['GET', 'POST'], url: '/api/v1/query', handler: query });
  app.route({ method: ['GET', 'POST'], url: '/api/v1/query_range', handler: queryRange });
  app.route({ method: ['GET', 'POST'], url: '/api/v1/series', handler: series });
  app.route({ method: ['GET', 'POST'], url: '/api/v1/labels', handler: labels });
  app.get('/api/v1/label/:name/values', labelValues);

  app.get('/api/v1/targets', (_req, reply) =>
    ok(reply, {
      activeTargets: (scraper?.targetStatuses() ?? []).map((t) => ({
        discoveredLabels: {
          __address__: new URL(t.target.url).host,
          __metrics_path__: new URL(t.target.url).pathname,
          __scheme__: new URL(t.target.url).protocol.replace(':', ''),
          job: t.target.job,
        },
        labels: sortedLabels(t.labels),
        scrapePool: t.target.job,
        scrapeUrl: t.target.url,
        globalUrl: t.target.url,
        lastError: t.lastError,
        lastScrape:
          t.lastScrapeMs === undefined ? '0001-01-01T00:00:00Z' : new Date(t.lastScrapeMs).toISOString(),
        lastScrapeDuration: t.lastScrapeDurationSeconds,
        health: t.health,
        scrapeInterval: formatDuration(scraper!.intervalMs),
        scrapeTimeout: formatDuration(scraper!.timeoutMs),
      })),
      droppedTargets: [],
    }),
  );

  app.get('/api/v1/metadata', (req, reply) => {
    const p = params(req);
    const metric = p.get('metric');
    const limit = Number(p.get('limit') ?? -1);
    const data: Record<string, { type: string; help: string; unit: string }[]> = {};
    for (const [name, meta] of scraper?.metadata() ?? []) {
      if (metric !== undefined && metric !== '' && name !== metric) continue;
      if (limit >= 0 && Object.keys(data).length >= limit) break;
      data[name] = [{ type: meta.type === 'untyped' ? 'unknown' : meta.type, help: meta.help, unit: '' }];
    }
    return ok(reply, data);
  });

  app.get('/api/v1/rules', (_req, reply) => ok(reply, { groups: [] }));
  app.get('/api/v1/alerts', (_req, reply) => ok(reply, { alerts: [] }));
  app.get('/api/v1/status/buildinfo', (_req, reply) =>
    ok(reply, {
      version: '2.42.0',
      revision: 'sockshop-lab',
      branch: 'sockshop-lab',
      buildUser: '',
      buildDate: '',
      goVersion: 'node' + process.versions.node,
    }),
  );
}
