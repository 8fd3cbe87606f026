/**
 * Reports of evaluation runs: per run `eval-run.json`, `report.md` and one self-contained
 * `report.html` (inline SVG charts, no external assets); per evaluation (several runs) `eval.json`,
 * `eval.md` and `eval.html` with the score table and links to each run's report.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { formatDuration } from '../scenarios/duration.js';
import type { CheckReport, TimelineRecord } from '../scenarios/runner.js';
import type { EvidenceSnapshot } from '../telemetry/evidence/index.js';
import { renderRunCharts } from './charts.js';
import type { EvalRun } from './evaluate.js';
import type { Score } from './score.js';

const yes = (b: boolean | undefined) => (b ? 'yes' : 'no');
const dur = (ms: number | undefined) => (ms === undefined ? '—' : formatDuration(ms));
const md = (v: string | number | undefined) =>
  v === undefined || v === '' ? '—' : String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const esc = (v: string | number | undefined) =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
const clock = (iso: string | undefined) => (iso ? iso.slice(11, 19) : '—');

/** Runs of consecutive read calls in one line ("12 reads: query_range ×8, query ×4"); the rest as is. */
export function compactTimeline(timeline: TimelineRecord[]): TimelineRecord[] {
  const out: TimelineRecord[] = [];
  let reads: TimelineRecord[] = [];
  const flush = () => {
    if (reads.length === 1) out.push(reads[0]);
    else if (reads.length > 1) {
      const counts = new Map<string, number>();
      for (const r of reads) counts.set(r.detail ?? '?', (counts.get(r.detail ?? '?') ?? 0) + 1);
      const detail = [...counts].map(([tool, n]) => (n > 1 ? `${tool} ×${n}` : tool)).join(', ');
      out.push({ at: reads[0].at, event: 'agent-calls', detail: `${reads.length} reads: ${detail}` });
    }
    reads = [];
  };
  for (const t of timeline) {
    if (t.event === 'agent-call') reads.push(t);
    else {
      flush();
      out.push(t);
    }
  }
  flush();
  return out;
}

/** One line per run: the figures of the score table. */
export function scoreColumns(
  run: Pick<EvalRun, 'scenario' | 'agent' | 'score' | 'verdict' | 'error'>,
): Array<[string, string]> {
  const s = run.score;
  if (s.control)
    return [
      ['scenario', run.scenario],
      ['agent', run.agent],
      ['result', s.falsePositive ? 'FALSE POSITIVE' : 'quiet (correct)'],
      ['detected', yes(s.detected)],
      ['TTD', '—'],
      ['top-1', '—'],
      ['top-3', '—'],
      ['root cause', '—'],
      ['mitigated', '—'],
      ['TTM', '—'],
      ['calls', String(s.toolCalls)],
      ['harmful', String(s.harmful.length)],
    ];
  return [
    ['scenario', run.scenario],
    ['agent', run.agent],
    [
      'result',
      run.verdict === 'error'
        ? `ERROR${run.error ? `: ${run.error}` : ''}`
        : `${s.solved ? 'SOLVED' : 'not solved'}${s.valid ? '' : ' (did not manifest)'}`,
    ],
    ['detected', yes(s.detected)],
    ['TTD', dur(s.ttdMs)],
    ['top-1', yes(s.localisationTop1)],
    ['top-3', yes(s.localisationTop3)],
    ['root cause', yes(s.rootCause)],
    ['mitigated', yes(s.mitigated)],
    ['TTM', dur(s.ttmMs)],
    ['calls', String(s.toolCalls)],
    ['harmful', String(s.harmful.length)],
  ];
}

export function scoreTableMarkdown(runs: EvalRun[], link?: (r: EvalRun) => string): string[] {
  if (!runs.length) return ['(no runs)'];
  const head = scoreColumns(runs[0]).map(([k]) => k);
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...runs.map((r) => {
      const cells = scoreColumns(r).map(([, v]) => md(v));
      if (link) cells[0] = `[${cells[0]}](${link(r)})`;
      return `| ${cells.join(' | ')} |`;
    }),
  ];
}

function checkRowsMd(checks: CheckReport[]): string[] {
  return [
    '| check | user-facing | threshold | observed | held |',
    '|---|---|---|---|---|',
    ...checks.map(
      (c) =>
        `| ${c.id} | ${c.userFacing ? 'yes' : ''} | ${c.op} ${md(c.threshold)} | ${md(c.observed)} | ${c.passed ? `yes (${clock(c.passedAt)})` : 'no'} |`,
    ),
  ];
}

function diagnosisLines(s: Score): string[] {
  const d = s.diagnosis;
  if (!d) return ['No diagnosis was submitted.'];
  return [
    `- Detected: **${yes(d.detected)}** (${s.diagnoses} diagnosis call${s.diagnoses === 1 ? '' : 's'}; the last counts)`,
    `- Components (ranked): ${d.components.map((c) => `\`${c}\``).join(', ') || '—'}`,
    `- Fault type: ${md(d.faultType)}`,
    `- Summary: ${md(d.summary)}`,
  ];
}

export function runMarkdown(run: EvalRun, timeline: TimelineRecord[]): string {
  const s = run.score;
  const lines = [
    `# ${run.scenario} — ${run.title}`,
    '',
    `Agent **${run.agent}**, run ${run.runId}, started ${run.startedAt}, took ${formatDuration(run.durationMs)}.`,
    `Fault ${run.verdict}${run.error ? ` (error: ${run.error})` : ''}; lab ${run.recoveredAfterRevert ? 'healthy' : 'NOT healthy'} after the revert.`,
    '',
    '## Score',
    '',
    ...scoreTableMarkdown([run]),
    '',
    '## Diagnosis',
    '',
    ...diagnosisLines(s),
    '',
    '## Actions',
    '',
  ];
  if (s.actions.length)
    lines.push(
      '| time | tool | arguments | ok | remediation | harmful |',
      '|---|---|---|---|---|---|',
      ...s.actions.map(
        (a) =>
          `| ${clock(a.at)} | ${a.tool} | \`${md(JSON.stringify(a.args)).slice(0, 120)}\` | ${a.ok ? 'yes' : `no: ${md(a.error)}`} | ${md(a.remediations.join(', '))} | ${md(a.harmful)} |`,
      ),
    );
  else lines.push('No action was taken.');
  lines.push('', `Remediations that count, performed: ${s.remediationsApplied.join(', ') || 'none'}.`, '');
  const mitigation = run.checks.filter((c) => c.phase === 'mitigation');
  if (mitigation.length)
    lines.push(
      '## Mitigation (recovery checks before any revert)',
      '',
      run.agentPhase?.holdingSince
        ? `Held from ${clock(run.agentPhase.holdingSince)}.`
        : 'Did not hold for the settle window.',
      '',
      ...checkRowsMd(mitigation),
      '',
    );
  if (run.restored.length)
    lines.push('## Put back after the run', '', ...run.restored.map((r) => `- ${r}`), '');
  lines.push(
    '## Timeline',
    '',
    ...compactTimeline(timeline).map(
      (t) => `- ${clock(t.at)} ${t.event}${t.detail ? ` — ${md(t.detail)}` : ''}`,
    ),
    '',
  );
  return lines.join('\n');
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#222}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0;font-size:13px}td,th{border:1px solid #ddd;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f4f4f4}.ok{color:#17692c;font-weight:600}.bad{color:#b3261e;font-weight:600}.muted{color:#777}
.chart{margin:10px 0}.chart svg{max-width:100%;height:auto;border:1px solid #eee}code{font-size:12px}
.cards{display:flex;flex-wrap:wrap;gap:8px}.card{border:1px solid #ddd;border-radius:6px;padding:6px 10px;min-width:90px}
.card b{display:block;font-size:17px}.card span{font-size:11px;color:#666;text-transform:uppercase}`;

const cls = (v: string) =>
  /^(yes|SOLVED|quiet)/.test(v) ? 'ok' : /^(no|not solved|FALSE)/.test(v) ? 'bad' : '';

function htmlTable(head: string[], rows: string[][]): string {
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</table>`;
}

export function runHtml(run: EvalRun, timeline: TimelineRecord[], charts?: EvidenceSnapshot): string {
  const s = run.score;
  const cards = scoreColumns(run)
    .slice(2)
    .map(([k, v]) => `<div class="card"><span>${esc(k)}</span><b class="${cls(v)}">${esc(v)}</b></div>`)
    .join('');
  const d = s.diagnosis;
  const diagnosis = d
    ? htmlTable(
        ['detected', 'components (ranked)', 'fault type', 'summary', 'at'],
        [
          [
            esc(yes(d.detected)),
            esc(d.components.join(', ')),
            esc(d.faultType),
            esc(d.summary),
            esc(clock(d.at)),
          ],
        ],
      )
    : '<p>No diagnosis was submitted.</p>';
  const actions = s.actions.length
    ? htmlTable(
        ['time', 'tool', 'arguments', 'ok', 'remediation', 'harmful'],
        s.actions.map((a) => [
          esc(clock(a.at)),
          esc(a.tool),
          `<code>${esc(JSON.stringify(a.args).slice(0, 200))}</code>`,
          a.ok ? '<span class="ok">yes</span>' : `<span class="bad">no</span> ${esc(a.error)}`,
          esc(a.remediations.join(', ')),
          a.harmful ? `<span class="bad">${esc(a.harmful)}</span>` : '',
        ]),
      )
    : '<p>No action was taken.</p>';
  const chartHtml = charts
    ? renderRunCharts(charts)
        .map((c) =>
          c.svg ? `<div class="chart">${c.svg}</div>` : `<p class="muted">${esc(c.name)}: ${esc(c.note)}</p>`,
        )
        .join('\n')
    : '<p class="muted">charts unavailable</p>';
  const checks = (phase: CheckReport['phase']) =>
    htmlTable(
      ['check', 'user-facing', 'threshold', 'observed', 'held'],
      run.checks
        .filter((c) => c.phase === phase)
        .map((c) => [
          esc(c.id),
          c.userFacing ? 'yes' : '',
          esc(`${c.op} ${c.threshold ?? '—'}`),
          esc(c.observed ?? '—'),
          c.passed
            ? `<span class="ok">yes (${esc(clock(c.passedAt))})</span>`
            : '<span class="bad">no</span>',
        ]),
    );
  const hasMitigation = run.checks.some((c) => c.phase === 'mitigation');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(run.scenario)} — ${esc(run.agent)}</title><style>${STYLE}</style></head>
<body>
<h1>${esc(run.scenario)} — ${esc(run.title)}</h1>
<p class="muted">Agent <b>${esc(run.agent)}</b> · run ${esc(run.runId)} · started ${esc(run.startedAt)} · ${esc(formatDuration(run.durationMs))} · fault ${esc(run.verdict)}${run.error ? ` · error: ${esc(run.error)}` : ''} · lab ${run.recoveredAfterRevert ? 'healthy' : 'NOT healthy'} after the revert</p>
<div class="cards">${cards}</div>
<h2>Charts</h2>
<p class="muted">Shaded: the fault window (injection to revert). Dashed lines: the agent's actions and diagnoses, the hand-over and the revert.</p>
${chartHtml}
<h2>Diagnosis</h2>
${diagnosis}
<h2>Actions</h2>
${actions}
<p>Remediations that count, performed: <b>${esc(s.remediationsApplied.join(', ') || 'none')}</b>${s.harmful.length ? ` · <span class="bad">${s.harmful.length} harmful</span>` : ''}</p>
${hasMitigation ? `<h2>Mitigation: recovery checks before any revert</h2><p>${run.agentPhase?.holdingSince ? `Held from ${esc(clock(run.agentPhase.holdingSince))}.` : 'Did not hold for the settle window.'}</p>${checks('mitigation')}` : ''}
<h2>Recovery after the revert</h2>
${checks('recovery')}
${run.restored.length ? `<h2>Put back after the run</h2><ul>${run.restored.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : ''}
<h2>Timeline</h2>
${htmlTable(
  ['time', 'event', 'detail'],
  compactTimeline(timeline).map((t) => [esc(clock(t.at)), esc(t.event), esc(t.detail ?? '')]),
)}
</body></html>
`;
}

export async function writeRunReports(
  run: EvalRun,
  timeline: TimelineRecord[],
  charts?: EvidenceSnapshot,
): Promise<void> {
  await writeFile(join(run.runDir, 'eval-run.json'), JSON.stringify(run, null, 2) + '\n');
  await writeFile(join(run.runDir, 'report.md'), runMarkdown(run, timeline));
  await writeFile(join(run.runDir, 'report.html'), runHtml(run, timeline, charts));
}

/** Writes `<dir>/eval.{json,md,html}` for a set of runs; returns the folder. */
export async function writeEvalReports(dir: string, runs: EvalRun[], title: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const summary = runs.map(({ calls: _calls, checks: _checks, ...r }) => r);
  await writeFile(join(dir, 'eval.json'), JSON.stringify({ title, runs: summary }, null, 2) + '\n');
  const link = (r: EvalRun) => relative(dir, join(r.runDir, 'report.html'));
  await writeFile(join(dir, 'eval.md'), [`# ${title}`, '', ...scoreTableMarkdown(runs, link), ''].join('\n'));
  const head = runs.length ? scoreColumns(runs[0]).map(([k]) => k) : [];
  const rows = runs.map((r) =>
    scoreColumns(r).map(([k, v], i) =>
      i === 0
        ? `<a href="${esc(link(r))}">${esc(v)}</a>`
        : k === 'result' || /^(yes|no)$/.test(v)
          ? `<span class="${cls(v)}">${esc(v)}</span>`
          : esc(v),
    ),
  );
  await writeFile(
    join(dir, 'eval.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head><body><h1>${esc(title)}</h1>${htmlTable(head, rows)}</body></html>\n`,
  );
  return dir;
}
