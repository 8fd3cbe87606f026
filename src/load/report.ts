/**
 * How a run is shown and saved: a Locust-style console table (redrawn in place on a terminal,
 * printed as plain periodic lines otherwise), Locust's `_stats.csv`/`_failures.csv` columns, and JSON.
 */
import { writeFile } from 'node:fs/promises';
import type { LoadSnapshot } from './runner.js';
import { REPORTED_PERCENTILES, percentileLabel, type EndpointSnapshot } from './stats.js';

const NAME_WIDTH = 40;

function ms(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2);
}

function row(e: EndpointSnapshot, current: boolean): string {
  const type = e.method.padEnd(7);
  const name = e.name.length > NAME_WIDTH ? `${e.name.slice(0, NAME_WIDTH - 1)}…` : e.name.padEnd(NAME_WIDTH);
  const ratio = e.requests ? (100 * e.failures) / e.requests : 0;
  const fails = `${e.failures}(${ratio.toFixed(2)}%)`;
  const rps = current ? e.currentRps : e.rps;
  return (
    `${type} ${name} ${String(e.requests).padStart(8)} ${fails.padStart(13)} |` +
    [e.avgMs, e.minMs, e.maxMs, e.p50Ms, e.p95Ms, e.p99Ms].map((v) => ms(v).padStart(8)).join('') +
    ` | ${rps.toFixed(2).padStart(8)} ${e.failuresPerS.toFixed(2).padStart(10)}`
  );
}

/** The stats table; `current` shows the last-10-s request rate (live) instead of the whole run's. */
export function formatTable(s: LoadSnapshot, current: boolean): string {
  const header =
    `${'Type'.padEnd(7)} ${'Name'.padEnd(NAME_WIDTH)} ${'# reqs'.padStart(8)} ${'# fails'.padStart(13)} |` +
    ['Avg', 'Min', 'Max', 'Med', 'p95', 'p99'].map((h) => h.padStart(8)).join('') +
    ` | ${'req/s'.padStart(8)} ${'failures/s'.padStart(10)}`;
  const rule = '-'.repeat(header.length);
  const lines = [
    statusLine(s),
    header,
    rule,
    ...s.entries.map((e) => row(e, current)),
    rule,
    row(s.aggregated, current),
  ];
  lines.push(
    `(response times in ms; percentiles ${s.percentiles === 'locust' ? 'rounded as Locust does' : 'from HDR histograms'})`,
  );
  return lines.join('\n');
}

function statusLine(s: LoadSnapshot): string {
  const parts = [`${s.profile}`, `${s.model} model`, `${s.state}`, `${s.elapsedS.toFixed(0)}s`];
  if (s.model === 'closed') parts.push(`users ${s.users}`);
  if (s.arrivals) {
    const a = s.arrivals;
    parts.push(`rate ${a.rate.toFixed(1)}/s`, `in flight ${s.inFlight}/${a.maxInFlight}`);
    parts.push(`arrivals ${a.started}/${a.scheduled}`, `dropped ${a.dropped}`, `late ${a.late}`);
  }
  if (s.abandoned) parts.push(`abandoned ${s.abandoned}`);
  return parts.join(' · ');
}

export function formatFailures(s: LoadSnapshot): string {
  const lines: string[] = [];
  for (const e of s.entries) {
    for (const [reason, n] of Object.entries(e.failuresByReason)) {
      lines.push(`${String(n).padStart(8)}  ${e.method} ${e.name}: ${reason}`);
    }
  }
  return lines.length ? ['Error report', '# occurrences  error', ...lines].join('\n') : '';
}

export function formatJourneys(s: LoadSnapshot): string {
  return s.journeys
    .map((j) => `${j.name}: ${j.started} started, ${j.completed} completed, ${j.aborted} aborted`)
    .join('\n');
}

/** One plain line for logs and pipes. */
export function formatProgressLine(s: LoadSnapshot): string {
  const a = s.aggregated;
  return (
    `${statusLine(s)} · reqs ${a.requests} · fails ${a.failures} · ${a.currentRps.toFixed(1)} req/s · ` +
    `p50 ${ms(a.p50Ms)} p95 ${ms(a.p95Ms)} p99 ${ms(a.p99Ms)} max ${ms(a.maxMs)} ms`
  );
}

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Locust's `PREFIX_stats.csv`: one row per entry, then `Aggregated`. */
export function statsCsv(s: LoadSnapshot): string {
  const header = [
    'Type',
    'Name',
    'Request Count',
    'Failure Count',
    'Median Response Time',
    'Average Response Time',
    'Min Response Time',
    'Max Response Time',
    'Average Content Size',
    'Requests/s',
    'Failures/s',
    ...REPORTED_PERCENTILES.map(percentileLabel),
  ];
  const round = (v: number) => (s.percentiles === 'locust' ? Math.trunc(v) : Number(v.toFixed(3)));
  const line = (e: EndpointSnapshot) => [
    e.method,
    e.name,
    e.requests,
    e.failures,
    round(e.p50Ms),
    e.avgMs,
    e.minMs,
    e.maxMs,
    e.avgContentBytes,
    e.rps,
    e.failuresPerS,
    ...REPORTED_PERCENTILES.map((p) => (e.requests ? round(e.percentilesMs[percentileLabel(p)]) : 'N/A')),
  ];
  return (
    [header, ...s.entries.map(line), line(s.aggregated)].map((r) => r.map(csvField).join(',')).join('\n') +
    '\n'
  );
}

/** Locust's `PREFIX_failures.csv`. */
export function failuresCsv(s: LoadSnapshot): string {
  const rows: Array<Array<string | number>> = [['Method', 'Name', 'Error', 'Occurrences']];
  for (const e of s.entries) {
    for (const [reason, n] of Object.entries(e.failuresByReason)) rows.push([e.method, e.name, reason, n]);
  }
  return rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

export async function writeCsv(prefix: string, s: LoadSnapshot): Promise<string[]> {
  const files = [`${prefix}_stats.csv`, `${prefix}_failures.csv`];
  await writeFile(files[0], statsCsv(s));
  await writeFile(files[1], failuresCsv(s));
  return files;
}

export async function writeJson(path: string, s: LoadSnapshot): Promise<void> {
  await writeFile(path, `${JSON.stringify(s, null, 2)}\n`);
}
