/**
 * The evaluator's pure helpers around scoring: agent specs and labels, the external agent's
 * environment, chart markers and rate windows, the compact timeline and the leaderboard rows.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentEnvironment, agentLabel, parseAgentSpec } from '../../src/eval/agents.js';
import { mergeMarkers, rateWindow } from '../../src/eval/charts.js';
import { leaderboardRows, type LeaderboardEntry } from '../../src/eval/leaderboard.js';
import { compactTimeline } from '../../src/eval/report.js';

test('agent specs: reference, mcp:<url> (port 0 allowed, /mcp path), anything else is a command', () => {
  assert.deepEqual(parseAgentSpec('reference'), { kind: 'reference' });
  assert.deepEqual(parseAgentSpec('mcp:http://127.0.0.1:7070/mcp', 'tok'), {
    kind: 'mcp',
    host: '127.0.0.1',
    port: 7070,
    token: 'tok',
  });
  assert.deepEqual(parseAgentSpec('mcp:http://localhost:0'), { kind: 'mcp', host: 'localhost', port: 0 });
  assert.throws(() => parseAgentSpec('mcp:https://x:1/mcp'), /served over http/);
  assert.throws(() => parseAgentSpec('mcp:http://x:1/other'), /served at \/mcp/);
  assert.throws(() => parseAgentSpec('mcp:not a url'), /not a URL/);
  assert.throws(() => parseAgentSpec('  '), /give "reference"/);
  assert.deepEqual(parseAgentSpec(' python agent.py '), { kind: 'command', command: 'python agent.py' });
});

test('agent labels: flags and paths dropped, a given name wins', () => {
  const cmd = parseAgentSpec('node --import file:///x/tsx/loader.mjs /work/a/scripted-agent.ts mcp');
  assert.equal(agentLabel(cmd), 'node scripted-agent.ts mcp');
  assert.equal(agentLabel(cmd, 'mine'), 'mine');
  assert.equal(agentLabel({ kind: 'reference' }), 'reference');
  assert.equal(agentLabel({ kind: 'mcp', host: 'h', port: 1 }), 'mcp-client');
  assert.ok(agentLabel(parseAgentSpec(`x ${'y'.repeat(100)}`)).length <= 60);
});

test("an external agent's environment: the API's three variables, nothing of the lab or the scenario", () => {
  const env = agentEnvironment(
    {
      PATH: '/bin',
      HOME: '/root',
      SOCKSHOP_LAB_HOME: '/x/.lab',
      SOCKSHOP_SCENARIOS: '/x/scenarios',
      npm_lifecycle_script: 'eval',
      HINT: 'run queue-blockage now',
      OPENAI_API_KEY: 'k',
    },
    { url: 'http://127.0.0.1:1', mcpUrl: 'http://127.0.0.1:1/mcp', token: 't' },
    ['queue-blockage'],
  );
  assert.deepEqual(env, {
    PATH: '/bin',
    HOME: '/root',
    OPENAI_API_KEY: 'k',
    SOCKSHOP_MCP_URL: 'http://127.0.0.1:1/mcp',
    SOCKSHOP_API_URL: 'http://127.0.0.1:1',
    SOCKSHOP_TOKEN: 't',
  });
});

test('chart markers: close ones merge under the first action; rate windows between 10 s and 1 m', () => {
  const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();
  const merged = mergeMarkers(
    [
      { at: at(10), label: 'diagnosis: detected' },
      { at: at(11), label: 'scale queue-master=1' },
      { at: at(11), label: 'diagnosis: detected' },
      { at: at(30), label: 'revert' },
    ],
    3000,
  );
  assert.deepEqual(merged, [
    { at: at(10), label: 'scale queue-master=1 +2' },
    { at: at(30), label: 'revert' },
  ]);
  assert.equal(rateWindow(30_000), '10s');
  assert.equal(rateWindow(240_000), '30s');
  assert.equal(rateWindow(3_600_000), '60s');
});

test('the report timeline folds consecutive read calls', () => {
  const t = (s: number, event: string, detail?: string) => ({
    at: `2025-01-01T00:00:0${s}.000Z`,
    event,
    detail,
  });
  assert.deepEqual(
    compactTimeline([
      t(0, 'agent-start'),
      t(1, 'agent-call', 'query'),
      t(2, 'agent-call', 'query'),
      t(3, 'agent-call', 'list_pods'),
      t(4, 'agent-action', 'scale x=1'),
      t(5, 'agent-call', 'query'),
    ]),
    [
      t(0, 'agent-start'),
      t(1, 'agent-calls', '3 reads: query ×2, list_pods'),
      t(4, 'agent-action', 'scale x=1'),
      t(5, 'agent-call', 'query'),
    ],
  );
});

test('leaderboard rows: per scenario and agent, rates, means over the runs that have them', () => {
  const e = (over: Partial<LeaderboardEntry>): LeaderboardEntry => ({
    scenario: 's',
    agent: 'a',
    at: '2025-01-01T00:00:00.000Z',
    runDir: 'r',
    control: false,
    valid: true,
    solved: true,
    detected: true,
    top1: true,
    rootCause: true,
    mitigated: true,
    toolCalls: 10,
    harmful: 0,
    ...over,
  });
  const rows = leaderboardRows([
    e({ ttdMs: 10_000, ttmMs: 40_000 }),
    e({
      ttdMs: 20_000,
      solved: false,
      mitigated: false,
      harmful: 2,
      toolCalls: 21,
      at: '2025-01-02T00:00:00.000Z',
    }),
    e({ agent: 'b', detected: false, solved: false, top1: false, rootCause: false }),
  ]);
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0], {
    scenario: 's',
    agent: 'a',
    runs: 2,
    solved: 1,
    detected: 2,
    top1: 2,
    rootCause: 2,
    mitigated: 1,
    meanTtdMs: 15_000,
    meanTtmMs: 40_000,
    meanToolCalls: 15.5,
    harmful: 2,
    lastRun: '2025-01-02T00:00:00.000Z',
  });
  assert.equal(rows[1].agent, 'b');
  assert.equal(rows[1].meanTtdMs, undefined);
});
