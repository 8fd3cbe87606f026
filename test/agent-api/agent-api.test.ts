/**
 * The agent API on a real lab (every shop service, the embedded broker): token checks on REST and MCP
 * over HTTP, clear 400s for malformed calls, a scale through REST that is logged, an MCP client in a
 * separate process (the CLI's `agent-api --stdio`), and no leak of a fault's run id through any read
 * tool while that fault is injected.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallLog } from '../../src/agent-api/call-log.js';
import {
  mcpClient,
  mcpHttpClient,
  restClient,
  ToolCallError,
  type ToolClient,
} from '../../src/agent-api/client.js';
import { agentContextFromRunLab, type AgentContext } from '../../src/agent-api/context.js';
import { TOOLS } from '../../src/agent-api/registry.js';
import { startAgentApi, type AgentApiServer } from '../../src/agent-api/rest.js';
import { FaultEngine } from '../../src/faults/engine.js';
import { projectRoot } from '../../src/lib/project-root.js';
import { startLab, type Lab } from '../../src/platform/local/lab.js';
import { shopTopology } from '../../src/platform/topology.js';
import { acquireLab, type RunLab } from '../../src/scenarios/runner-lab.js';

const root = projectRoot();
const home = mkdtempSync(join(tmpdir(), 'agent-api-lab-'));
const callFile = join(home, 'calls.jsonl');
let lab: Lab;
let runLab: RunLab;
let ctx: AgentContext;
let callLog: CallLog;
let api: AgentApiServer;
let rest: ToolClient;

before(async () => {
  const tsx = !existsSync(join(root, 'dist', 'shop', 'front-end', 'main.js'));
  const { deployments, configMaps } = shopTopology({ mode: tsx ? 'tsx' : 'dist', anyPorts: true });
  lab = await startLab({ home, deployments, configMaps });
  runLab = await acquireLab({ home });
  callLog = new CallLog(callFile);
  // No `redact` here: the no-leak test checks that answers are opaque by construction.
  ctx = agentContextFromRunLab(runLab, { callLog: callLog.record });
  api = await startAgentApi({ ctx });
  rest = restClient(api.url, api.token);
});

after(async () => {
  await api?.close();
  await runLab?.close();
  await lab?.stop();
  rmSync(home, { recursive: true, force: true });
});

async function post(path: string, body: string | undefined, headers: Record<string, string> = {}) {
  const res = await fetch(`${api.url}${path}`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

const auth = () => ({ authorization: `Bearer ${api.token}`, 'content-type': 'application/json' });

async function rejection(promise: Promise<unknown>): Promise<ToolCallError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ToolCallError, String(error));
    return error;
  }
  assert.fail('the call was expected to fail');
}

test('REST and MCP over HTTP refuse a missing or wrong token', async () => {
  const tries: Array<Record<string, string>> = [
    {},
    { authorization: 'Bearer wrong' },
    { authorization: api.token },
  ];
  for (const headers of tries) {
    const r = await post('/api/v1/tools/list_pods', '{}', { ...headers, 'content-type': 'application/json' });
    assert.equal(r.status, 401);
    assert.equal(r.body.error?.code, 'unauthorized');
  }
  assert.equal((await fetch(`${api.url}/api/v1/tools`)).status, 401);
  const mcpInit = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
  });
  const mcpHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  assert.equal((await post('/mcp', mcpInit, mcpHeaders)).status, 401);
  assert.equal((await post('/mcp', mcpInit, { ...mcpHeaders, authorization: 'Bearer nope' })).status, 401);
  await assert.rejects(async () => (await mcpHttpClient(api.mcpUrl, 'nope')).list(), /unauthorized|401/);

  // With the token, both answer; the OpenAPI document lists every tool.
  const mcp = await mcpHttpClient(api.mcpUrl, api.token);
  const names = (await mcp.list()).map((t) => t.name);
  await mcp.close();
  assert.deepEqual(names.sort(), TOOLS.map((t) => t.name).sort());
  const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
  for (const t of TOOLS) assert.ok(doc.paths[`/api/v1/tools/${t.name}`], t.name);
});

test('malformed calls get clear errors', async () => {
  const badJson = await post('/api/v1/tools/scale', '{"deployment":', auth());
  assert.equal(badJson.status, 400);
  assert.equal(badJson.body.error?.code, 'invalid_argument');

  const wrongTypes = await rejection(rest.call('scale', { deployment: 'carts', replicas: 'two' }));
  assert.equal(wrongTypes.status, 400);
  assert.match(wrongTypes.message, /^invalid_argument: replicas: /);
  const missing = await rejection(rest.call('scale', {}));
  assert.match(missing.message, /deployment: required \(string\); replicas: required \(number\)/);
  assert.match(
    (await rejection(rest.call('list_pods', { deploymnt: 'carts' }))).message,
    /args: Unrecognized key/,
  );
  assert.match(
    (await rejection(rest.call('list_events', { since: '10 minutes' }))).message,
    /since: must be a duration/,
  );
  const notArgs = await post('/api/v1/tools/list_pods', '[1,2]', auth());
  assert.equal(notArgs.status, 400);
  assert.match(notArgs.body.error!.message, /args: must be a JSON object/);

  const unknownTool = await rejection(rest.call('kubectl_delete_everything', {}));
  assert.equal(unknownTool.status, 404);
  assert.equal((await rejection(rest.call('describe_pod', { name: 'no-such-pod' }))).status, 404);
  const badQuery = await rejection(rest.call('query', { promql: 'sum(rate(' }));
  assert.equal(badQuery.status, 400);
  assert.equal(
    (await rejection(rest.call('scale', { deployment: 'no-such', replicas: 1 }))).code,
    'not_found',
  );
});

test('scale through REST changes the deployment and is logged', async () => {
  const answer = (await rest.call('scale', { deployment: 'carts', replicas: 2 })) as Record<string, unknown>;
  assert.deepEqual(answer, { changed: 'replicas', deployment: 'carts', replicasBefore: 1, replicasAfter: 2 });
  assert.equal((await lab.platform.getDeployment('carts'))?.replicas, 2);
  await rest.call('scale', { deployment: 'carts', replicas: 1 });

  const scaled = callLog.entries.filter((e) => e.tool === 'scale' && e.ok);
  assert.equal(scaled.length, 2);
  assert.deepEqual(scaled[0].args, { deployment: 'carts', replicas: 2 });
  assert.equal(scaled[0].kind, 'action');
  assert.equal(typeof scaled[0].durationMs, 'number');
  const onDisk = readFileSync(callFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { tool: string; ok: boolean });
  assert.equal(onDisk.length, callLog.entries.length);
  assert.ok(
    onDisk.some((e) => e.tool === 'scale' && !e.ok),
    'failed calls are logged too',
  );
});

test('an MCP client in a separate process lists the tools and calls query and list_pods', async () => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', join(root, 'src/cli/index.ts'), 'agent-api', '--stdio', '--home', home],
    cwd: root,
    env: Object.fromEntries(
      Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
    ),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const mcp = await mcpClient(transport);
  try {
    const names = (await mcp.list()).map((t) => t.name);
    for (const name of ['query', 'list_pods', 'scale', 'submit_diagnosis'])
      assert.ok(names.includes(name), name);
    const pods = (await mcp.call('list_pods', { deployment: 'front-end' })) as {
      pods: Array<{ name: string }>;
    };
    assert.ok(pods.pods.length >= 1 && pods.pods[0].name.startsWith('front-end-'), JSON.stringify(pods));
    const one = (await mcp.call('query', { promql: 'vector(1)' })) as {
      resultType: string;
      series: unknown[];
    };
    assert.equal(one.resultType, 'vector');
    assert.deepEqual(one.series, [{ labels: {}, value: 1 }]);
    const up = (await mcp.call('query', { promql: 'up' })) as { resultType: string };
    assert.equal(up.resultType, 'vector');
    const error = await rejection(mcp.call('query', { promql: '' }));
    assert.equal(error.code, 'invalid_argument');
  } finally {
    await mcp.close();
  }
  assert.match(stderr, /MCP on stdio/);
});

test('no read tool reveals the run id of an injected fault', async () => {
  const marker = `leakmark${randomBytes(4).toString('hex')}`;
  const engine = new FaultEngine({ ...runLab.ctx, runId: marker }, join(home, 'leak-journal.json'));
  await engine.inject({
    id: 'slow-edge',
    fault: 'mesh-delay',
    params: { source: 'front-end', destination: 'catalogue', latency: '5ms' },
    atMs: 0,
  });
  try {
    assert.ok(
      (await lab.platform.listMeshRules()).some((r) => r.id.includes(marker)),
      'the rule id embeds the run id',
    );
    const front = await ctx.serviceUrl('front-end');
    for (let i = 0; i < 5; i++) await (await fetch(`${front}/catalogue`)).arrayBuffer();
    await runLab.telemetry.collectNow();
    await rest.call('apply_hpa', {
      manifest: [
        'apiVersion: autoscaling/v2',
        'kind: HorizontalPodAutoscaler',
        'metadata: { name: carts }',
        'spec:',
        '  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: carts }',
        '  minReplicas: 1',
        '  maxReplicas: 2',
        '  metrics: [{ type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: 90 } } }]',
      ].join('\n'),
    });

    const pod = ((await rest.call('list_pods', {})) as { pods: Array<{ name: string }> }).pods[0].name;
    const traces = (await rest.call('search_traces', {})) as { traces: Array<{ traceId: string }> };
    const reads: Record<string, object> = {
      get_topology: {},
      list_deployments: {},
      describe_deployment: { name: 'front-end' },
      list_pods: {},
      describe_pod: { name: pod },
      top_pods: {},
      list_hpas: {},
      describe_hpa: { name: 'carts' },
      list_services: {},
      list_configmaps: {},
      get_configmap: { name: 'shipping-rates', history: true },
      list_events: { since: '1h', limit: 100 },
      query: { promql: 'up', limit: 100 },
      query_range: { promql: 'up', since: '5m' },
      list_metrics: { limit: 200 },
      search_logs: { since: '1h', limit: 200 },
      search_traces: { since: '1h', limit: 50 },
      get_trace: { traceId: traces.traces[0]?.traceId ?? '0123456789abcdef' },
      list_queues: {},
      list_queue_policies: {},
      list_mesh_rules: {},
      store_stats: {},
      list_payments: { limit: 100 },
      list_orders: { limit: 100 },
    };
    assert.deepEqual(
      Object.keys(reads).sort(),
      TOOLS.filter((t) => t.kind === 'read')
        .map((t) => t.name)
        .sort(),
      'every read tool is exercised',
    );
    const answers: Record<string, unknown> = {};
    for (const [name, args] of Object.entries(reads)) {
      answers[name] = await rest.call(name, args).catch((e: Error) => ({ failed: e.message }));
    }
    const text = JSON.stringify(answers).toLowerCase();
    assert.ok(
      !text.includes(marker),
      `the run id leaked: ${JSON.stringify(answers).slice(text.indexOf(marker) - 200, text.indexOf(marker) + 100)}`,
    );
    assert.ok(
      !JSON.stringify(callLog.entries).toLowerCase().includes(marker),
      'the call log holds no run id',
    );

    // The rule is there, under an opaque id, and that id deletes it.
    const { rules } = answers.list_mesh_rules as { rules: Array<{ id: string; edge: string }> };
    const rule = rules.find((r) => r.edge === 'front-end->catalogue');
    assert.match(rule?.id ?? '', /^mr-[0-9a-f]{12}$/);
    const deleted = (await rest.call('delete_mesh_rule', { id: rule!.id })) as { deleted: { edge: string } };
    assert.equal(deleted.deleted.edge, 'front-end->catalogue');
    assert.equal((await lab.platform.listMeshRules()).length, 0);
    assert.equal((await rejection(rest.call('delete_mesh_rule', { id: rule!.id }))).status, 404);
  } finally {
    await engine.revertAll();
    await lab.platform.deleteHpa('carts');
  }
});

test('runbooks and other actions act through the shop and the platform', async () => {
  // An authorisation whose order never existed: what a lost payment answer leaves behind.
  const payment = await ctx.serviceUrl('payment');
  const auth = await fetch(`${payment}/paymentAuth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ amount: 12.5, orderId: 'no-such-order', customerId: 'c1' }),
  });
  assert.equal(auth.status, 200, await auth.text());
  type Reconciled = { orphans: number; results: Array<{ orderId: string; outcome: string }> };
  const dry = (await rest.call('reconcile_payments', { minAgeSeconds: 0, dryRun: true })) as Reconciled;
  assert.ok(
    dry.results.some((r) => r.orderId === 'no-such-order' && r.outcome === 'would void'),
    JSON.stringify(dry),
  );
  const done = (await rest.call('reconcile_payments', { minAgeSeconds: 0 })) as Reconciled;
  assert.ok(
    done.results.some((r) => r.orderId === 'no-such-order' && r.outcome === 'voided'),
    JSON.stringify(done),
  );
  const voided = (await rest.call('list_payments', { status: 'voided' })) as {
    payments: Array<{ orderId: string }>;
  };
  assert.ok(voided.payments.some((p) => p.orderId === 'no-such-order'));

  const redrive = (await rest.call('redrive_shipments', { dryRun: true })) as {
    paidOrders: number;
    stuck: number;
  };
  assert.equal(typeof redrive.paidOrders, 'number');

  const flushed = (await rest.call('flush_cache', { service: 'catalogue' })) as {
    pods: Array<{ ok: boolean }>;
  };
  assert.ok(flushed.pods.length >= 1 && flushed.pods.every((p) => p.ok), JSON.stringify(flushed));

  const env = (await rest.call('set_env', { deployment: 'payment-gateway', env: { AGENT_NOTE: 'x' } })) as {
    before: Record<string, unknown>;
    after: Record<string, unknown>;
  };
  assert.deepEqual([env.before, env.after], [{ AGENT_NOTE: null }, { AGENT_NOTE: 'x' }]);
  // The search-index tools need the lab's store admins; without them they say so.
  if (ctx.stores?.searchIndex?.['catalogue-db']) {
    const dropped = (await rest.call('drop_index', { store: 'catalogue-db' })) as { indexPresent: boolean };
    const created = (await rest.call('create_index', { store: 'catalogue-db' })) as { indexPresent: boolean };
    assert.deepEqual([dropped.indexPresent, created.indexPresent], [false, true]);
  } else {
    const refused = await rejection(rest.call('create_index', { store: 'catalogue-db' }));
    assert.match(refused.message, /^unavailable: .*not available/);
  }

  await rest.call('submit_diagnosis', {
    detected: false,
    components: [],
    faultType: 'none',
    summary: 'first',
  });
  await rest.call('submit_diagnosis', {
    detected: true,
    components: ['payment'],
    faultType: 'x',
    summary: 'last',
  });
  assert.equal(callLog.lastDiagnosis()?.summary, 'last');
  assert.ok(callLog.firstDetection());
});

test('the agent API imports nothing of the fault engine or the scenarios at run time', () => {
  const dir = join(root, 'src', 'agent-api');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    for (const [, spec] of readFileSync(join(dir, file), 'utf8').matchAll(
      /^import (?!type )[^;]*?from '([^']+)'/gms,
    )) {
      const forbidden = /\/faults\/(?!types\.js)|\/scenarios\/(?!lab-store-admins\.js)/.test(spec);
      assert.ok(!forbidden, `${file} imports ${spec}`);
    }
  }
});
