/**
 * The run folder `runs/<timestamp>-<id>/`: the scenario file as run, the timeline (JSON lines), the
 * checks with baselines and observed values, the evidence snapshots with charts, the whole result,
 * and a summary a person reads first.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { EvidenceSnapshot, SavedSnapshot } from '../telemetry/evidence/index.js';
import { formatDuration } from './duration.js';
import type { LoadedScenario } from './load.js';
import type { CheckReport, RunResult } from './runner.js';

type Save = (
  runDir: string,
  snapshot: EvidenceSnapshot,
  options: { png?: boolean },
) => Promise<SavedSnapshot>;

export async function writeRunFolder(
  runsDir: string,
  runId: string,
  loaded: LoadedScenario,
  result: RunResult,
  snapshots: EvidenceSnapshot[],
  options: { png: boolean; save: Save },
): Promise<string> {
  const dir = join(runsDir, runId);
  await mkdir(dir, { recursive: true });
  await copyFile(loaded.source, join(dir, 'scenario.yaml')).catch(() =>
    writeFile(join(dir, 'scenario.yaml'), JSON.stringify(loaded.scenario, null, 2)),
  );
  for (const snap of snapshots) {
    const saved = await options.save(dir, snap, { png: options.png });
    result.evidence.push(...[saved.json, ...saved.svgs, ...saved.pngs].map((f) => relative(dir, f)));
  }
  await writeFile(
    join(dir, 'timeline.jsonl'),
    result.timeline.map((t) => JSON.stringify(t)).join('\n') + '\n',
  );
  await writeFile(join(dir, 'checks.json'), JSON.stringify(result.checks, null, 2) + '\n');
  await writeFile(join(dir, 'result.json'), JSON.stringify({ ...result, runDir: dir }, null, 2) + '\n');
  await writeFile(join(dir, 'summary.md'), summaryMarkdown(loaded, result));
  return dir;
}

const cell = (v: string | number | boolean | undefined) =>
  v === undefined ? '—' : String(v).replace(/\|/g, '\\|');

function checkRows(checks: CheckReport[]): string[] {
  return [
    '| check | user-facing | baseline | threshold | observed | held | |',
    '|---|---|---|---|---|---|---|',
    ...checks.map(
      (c) =>
        `| ${c.id} | ${c.userFacing ? 'yes' : ''} | ${cell(c.baselineValue)} | ${c.op} ${cell(c.threshold)} | ${cell(c.observed)} | ${c.passed ? `yes (${c.passedAt?.slice(11, 19)})` : 'no'} | ${cell(c.error ?? '')} |`,
    ),
  ];
}

export function verdictLine(r: RunResult): string {
  const what = r.control ? (r.verdict === 'error' ? 'error' : 'control (no fault)') : r.verdict;
  const rec = r.kept ? 'fault kept' : r.recovered ? 'recovered' : 'NOT recovered';
  return `${what}, ${rec}${r.error ? ` — ${r.error}` : ''}`;
}

function summaryMarkdown(loaded: LoadedScenario, r: RunResult): string {
  const s = loaded.scenario;
  const lines = [
    `# ${s.id} — ${s.title}`,
    '',
    `- Verdict: **${verdictLine(r)}**${r.correct ? ' (as expected)' : ''}`,
    `- Started ${r.startedAt}, took ${formatDuration(r.durationMs)}`,
    `- Seed: ${s.seed.document} — ${s.seed.section}`,
    `- User impact: ${s.userImpact}`,
    `- Scaling: ${s.scaling}`,
    '',
  ];
  const manifestation = r.checks.filter((c) => c.phase === 'manifestation');
  if (manifestation.length) lines.push('## Manifestation', '', ...checkRows(manifestation), '');
  lines.push('## Recovery', '', ...checkRows(r.checks.filter((c) => c.phase === 'recovery')), '');
  const agg = r.load?.final?.aggregated;
  if (agg)
    lines.push(
      '## Load',
      '',
      `${agg.requests} requests, ${agg.failures} failures over the run (see evidence/ for the windows).`,
      '',
    );
  lines.push(
    '## Timeline',
    '',
    ...r.timeline.map((t) => `- ${t.at.slice(11, 19)} ${t.event}${t.detail ? ` — ${t.detail}` : ''}`),
    '',
  );
  if (r.evidence.length) lines.push('## Evidence', '', ...r.evidence.map((f) => `- [${f}](${f})`), '');
  return lines.join('\n');
}

export function textTable(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Per scenario: runs, manifested (clean for the control), recovered, errors, mean duration. */
export function manifestationTable(results: RunResult[]): string {
  const by = new Map<string, RunResult[]>();
  for (const r of results) by.set(r.scenario, [...(by.get(r.scenario) ?? []), r]);
  return textTable([
    ['SCENARIO', 'RUNS', 'MANIFESTED', 'RECOVERED', 'ERRORS', 'MEAN'],
    ...[...by].map(([id, rs]) => [
      id,
      String(rs.length),
      rs[0].control
        ? `${rs.filter((r) => r.verdict === 'did-not-manifest').length} clean (control)`
        : String(rs.filter((r) => r.verdict === 'manifested').length),
      String(rs.filter((r) => r.recovered).length),
      String(rs.filter((r) => r.verdict === 'error').length),
      formatDuration(rs.reduce((a, r) => a + r.durationMs, 0) / rs.length),
    ]),
  ]);
}
