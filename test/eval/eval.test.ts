/**
 * The evaluator on a real lab: an external agent — a separate node process that reaches the lab only
 * through the environment it was given — is scored over MCP (the SDK's client) and over REST; a client
 * connecting to the lab's MCP endpoint in wait mode is scored on the control scenario. Each run must
 * be detected, localised, mitigated by the agent's own action (before any revert), written with
 * opaque names until scoring, reported (JSON, Markdown, HTML with charts) and on the leaderboard.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { mcpHttpClient } from '../../src/agent-api/client.js';
import { parseAgentSpec } from '../../src/eval/agents.js';
import type { EvalRun } from '../../src/eval/evaluate.js';
import { runEval } from '../../src/eval/run-eval.js';
import { projectRoot } from '../../src/lib/project-root.js';
import { startLab, type Lab } from '../../src/platform/local/lab.js';
import { shopTopology } from '../../src/platform/topology.js';
import { loadScenarioFile } from '../../src/scenarios/load.js';
import { COMPRESSED, cappedPace, type Pace } from '../../src/scenarios/runner.js';
import { acquireLab, type RunLab } from '../../src/scenarios/runner-lab.js';

const root = projectRoot();
const fixtures = join(root, 'test', 'eval', 'fixtures');
const home = mkdtempSync(join(tmpdir(), 'eval-lab-'));
const runs = mkdtempSync(join(tmpdir(), 'eval-runs-'));
const pace: Pace = { ...cappedPace(COMPRESSED, 3000), warmupMs: 2000, pollMs: 1000 };
const SCENARIO = 'eval-consumer-down';
let lab: Lab;
let runLab: RunLab;

before(async () => {
  const tsx = !existsSync(join(root, 'dist', 'shop', 'front-end', 'main.js'));
  const { deployments, configMaps } = shopTopology({ mode: tsx ? 'tsx' : 'dist', anyPorts: true });
  lab = await startLab({ home, deployments, configMaps });
  runLab = await acquireLab({ home });
  // the evaluator must keep this out of an external agent's environment
  process.env.EVAL_TEST_HINT = `scenario ${SCENARIO}`;
});

after(async () => {
  delete process.env.EVAL_TEST_HINT;
  await runLab?.close();
  await lab?.stop();
  rmSync(home, { recursive: true, force: true });
  rmSync(runs, { recursive: true, force: true });
});

async function evalScripted(mode: 'mcp' | 'rest'): Promise<EvalRun> {
  const fixture = await loadScenarioFile(join(fixtures, `${SCENARIO}.yaml`));
  // tsx by absolute URL: the agent runs in its own folder, where `--import tsx` would not resolve
  const agent = parseAgentSpec(
    `node --import ${import.meta.resolve('tsx')} ${join(fixtures, 'scripted-agent.ts')} ${mode}`,
  );
  const {
    runs: [run],
  } = await runEval([fixture], { agent, lab: runLab, runsDir: runs, pace, budgetMs: 60_000 });
  return run;
}

function assertSolved(run: EvalRun): void {
  const s = run.score;
  const why = JSON.stringify({ ...s, checks: run.checks, error: run.error }, null, 1);
  assert.equal(run.verdict, 'manifested', why);
  assert.equal(s.valid, true);
  assert.equal(s.detected, true, why);
  assert.ok(s.ttdMs !== undefined && s.ttdMs > 0, why);
  assert.equal(s.localisationTop1, true, why);
  assert.equal(s.rootCause, true, why);
  assert.equal(s.mitigated, true, why);
  assert.ok(s.ttmMs !== undefined && s.ttmMs >= s.ttdMs, why);
  assert.equal(s.toolCalls, 4, why); // refused scale, list_deployments, submit_diagnosis, scale
  assert.equal(s.failedCalls, 1);
  assert.deepEqual(s.remediationsApplied, ['restore-consumer']);
  assert.deepEqual(s.harmful, []);
  assert.equal(s.solved, true);
  assert.equal(run.agentPhase?.timedOut, false);
  assert.equal(run.recoveredAfterRevert, true, why);
}

function assertWritten(run: EvalRun): void {
  // opaque while the agent worked (time + 8 hex), named after scoring
  assert.match(basename(run.runDir), new RegExp(`^\\d{4}-.+-[0-9a-f]{8}-${SCENARIO}$`));
  assert.equal(basename(run.runDir), `${run.runId}-${SCENARIO}`);
  assert.doesNotMatch(run.runId, new RegExp(SCENARIO));
  for (const f of [
    'eval-run.json',
    'report.md',
    'report.html',
    'agent-calls.jsonl',
    'timeline.jsonl',
    'result.json',
  ])
    assert.ok(existsSync(join(run.runDir, f)), f);
  const html = readFileSync(join(run.runDir, 'report.html'), 'utf8');
  assert.match(html, /<svg[^>]*>/);
  assert.match(html, /Queue depth/);
  assert.doesNotMatch(html, /<script|<link|src="http/, 'self-contained');
  const timeline = readFileSync(join(run.runDir, 'timeline.jsonl'), 'utf8');
  assert.match(timeline, /"event":"agent-action","detail":"scale queue-master=1"/);
  assert.match(timeline, /"event":"agent-diagnosis"/);
  const board = JSON.parse(readFileSync(join(runs, 'leaderboard.json'), 'utf8'));
  assert.ok(board.entries.some((e: { runDir: string }) => e.runDir === run.runDir));
}

test('an external agent over MCP (SDK client, separate process) is scored; its environment reveals nothing', async () => {
  const run = await evalScripted('mcp');
  assertSolved(run);
  assertWritten(run);
  const seen = JSON.parse(readFileSync(join(run.runDir, 'agent', 'agent-env.json'), 'utf8')) as {
    cwd: string;
    env: Record<string, string>;
  };
  assert.doesNotMatch(seen.cwd, new RegExp(SCENARIO));
  assert.deepEqual(
    Object.keys(seen.env)
      .filter((k) => k.startsWith('SOCKSHOP_'))
      .sort(),
    ['SOCKSHOP_API_URL', 'SOCKSHOP_MCP_URL', 'SOCKSHOP_TOKEN'],
  );
  assert.equal(seen.env.EVAL_TEST_HINT, undefined);
  assert.ok(!Object.values(seen.env).some((v) => v.includes(SCENARIO)), 'no value names the scenario');
  assert.match(seen.env.SOCKSHOP_TOKEN, /^[0-9a-f]{48}$/);
  assert.equal((await lab.platform.getDeployment('queue-master'))?.replicas, 1);
});

test('an external agent over REST is scored the same way, with a fresh token per run', async () => {
  const first = JSON.parse(readFileSync(join(runs, 'leaderboard.json'), 'utf8')) as {
    entries: Array<{ runDir: string }>;
  };
  const run = await evalScripted('rest');
  assertSolved(run);
  assertWritten(run);
  const token = (dir: string) =>
    (
      JSON.parse(readFileSync(join(dir, 'agent', 'agent-env.json'), 'utf8')) as {
        env: Record<string, string>;
      }
    ).env.SOCKSHOP_TOKEN;
  assert.notEqual(token(run.runDir), token(first.entries[0].runDir));
  const md = readFileSync(join(runs, 'leaderboard.md'), 'utf8');
  assert.match(md, new RegExp(`\\| ${SCENARIO} \\| node .*scripted-agent\\.ts mcp \\| 1 \\| 1/1 `));
  assert.match(md, new RegExp(`\\| ${SCENARIO} \\| node .*scripted-agent\\.ts rest \\| 1 \\| 1/1 `));
});

test('wait mode on the control scenario: a client connects to the lab over MCP, stays quiet, is correct', async () => {
  const control = await loadScenarioFile(join(root, 'scenarios', 'control.yaml'));
  let connected: Promise<void> | undefined;
  const announce = (line: string) => {
    const m = /at (http:\/\/\S+\/mcp) .* token ([0-9a-f]+)/.exec(line);
    if (!m || connected) return;
    connected = (async () => {
      const client = await mcpHttpClient(m[1], m[2]);
      await client.call('list_pods', {});
      await client.call('submit_diagnosis', {
        detected: false,
        components: [],
        faultType: 'none',
        summary: 'all quiet',
      });
      await client.close();
    })();
  };
  const {
    runs: [run],
  } = await runEval([control], {
    agent: parseAgentSpec('mcp:http://127.0.0.1:0/mcp'),
    lab: runLab,
    runsDir: runs,
    pace,
    budgetMs: 60_000,
    announce,
    idleAfterDiagnosisMs: 2000,
  });
  await connected;
  const s = run.score;
  assert.equal(s.control, true);
  assert.equal(s.falsePositive, false);
  assert.equal(s.toolCalls, 2);
  assert.equal(s.solved, true);
  assert.equal(run.agentPhase?.timedOut, false, 'the phase ended after the diagnosis, not at the budget');
  assert.equal(run.agent, 'mcp-client');
});
