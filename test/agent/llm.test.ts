/**
 * The optional LLM loop against a local stub of an OpenAI-compatible chat endpoint (fastify) that
 * scripts its answers: a tool call, then submit_diagnosis, then a final text. The tools run on the
 * scripted fake shop; the stub sees the tool list, the bearer key and each tool's answer.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { llmConfigFromEnv } from '../../src/agent/llm/config.js';
import { runLlmAgent } from '../../src/agent/llm/loop.js';
import { QUERIES } from '../../src/agent/signals.js';
import { fakeShop, healthyState } from './fake-shop.js';

interface ChatBody {
  model: string;
  messages: Array<{ role: string; content: string | null; tool_call_id?: string }>;
  tools: Array<{ function: { name: string } }>;
}

let stub: FastifyInstance;
let url: string;
const seen: Array<{ body: ChatBody; auth?: string }> = [];
const script = [
  {
    tool_calls: [
      {
        id: 'c1',
        type: 'function',
        function: { name: 'query', arguments: JSON.stringify({ promql: QUERIES.routeP95 }) },
      },
    ],
  },
  {
    tool_calls: [
      { id: 'c2', type: 'function', function: { name: 'no_such_tool', arguments: '{}' } },
      {
        id: 'c3',
        type: 'function',
        function: {
          name: 'submit_diagnosis',
          arguments: JSON.stringify({
            detected: false,
            components: [],
            faultType: 'none',
            summary: 'all fine',
          }),
        },
      },
    ],
  },
  { content: 'Nothing is wrong.' },
];

before(async () => {
  stub = Fastify();
  stub.post('/v1/chat/completions', async (req) => {
    const body = req.body as ChatBody;
    seen.push({ body, auth: req.headers.authorization });
    const step = script[Math.min(seen.length - 1, script.length - 1)];
    return {
      id: `x${seen.length}`,
      choices: [{ index: 0, message: { role: 'assistant', content: null, ...step } }],
    };
  });
  url = `${await stub.listen({ port: 0, host: '127.0.0.1' })}/v1`;
});

after(async () => stub?.close());

test('the LLM loop calls the scripted tools, feeds answers back and records the diagnosis', async () => {
  const shop = fakeShop(healthyState());
  const client = {
    call: (name: string, args: object) =>
      name === 'no_such_tool'
        ? Promise.reject(new Error('not_found: no tool no_such_tool'))
        : shop.client.call(name, args),
    list: async () => [
      {
        name: 'query',
        description: 'PromQL',
        inputSchema: { type: 'object', properties: { promql: { type: 'string' } } },
      },
      { name: 'submit_diagnosis', description: 'diagnosis' },
    ],
  };
  const report = await runLlmAgent(
    client,
    {
      url,
      model: 'stub-model',
      apiKey: 'k-123',
      maxTurns: 10,
      maxToolChars: 12_000,
      temperature: 0,
      requestTimeoutMs: 5000,
    },
    { budgetMs: 20_000 },
  );
  assert.equal(report.stoppedBy, 'answer');
  assert.equal(report.final, 'Nothing is wrong.');
  assert.equal(report.diagnosed, true);
  assert.deepEqual(
    report.toolCalls.map((c) => [c.name, c.ok]),
    [
      ['query', true],
      ['no_such_tool', false],
      ['submit_diagnosis', true],
    ],
  );
  assert.equal(seen.length, 3);
  assert.equal(seen[0].auth, 'Bearer k-123');
  assert.equal(seen[0].body.model, 'stub-model');
  assert.deepEqual(
    seen[0].body.tools.map((t) => t.function.name),
    ['query', 'submit_diagnosis'],
  );
  const toolAnswers = seen[2].body.messages.filter((m) => m.role === 'tool');
  assert.equal(toolAnswers.length, 3);
  assert.match(toolAnswers[0].content ?? '', /"route":"\/login"/);
  assert.match(toolAnswers[1].content ?? '', /no tool no_such_tool/);
  assert.deepEqual(shop.diagnoses(), [
    { detected: false, components: [], faultType: 'none', summary: 'all fine' },
  ]);
});

test('an endpoint error ends the loop with a readable reason', async () => {
  const report = await runLlmAgent(
    { call: async () => ({}) },
    {
      url: `${url}/missing`,
      model: 'm',
      maxTurns: 3,
      maxToolChars: 1000,
      temperature: 0,
      requestTimeoutMs: 5000,
    },
    { budgetMs: 10_000, tools: [] },
  );
  assert.equal(report.stoppedBy, 'error');
  assert.match(report.error ?? '', /404/);
});

test('off by default: no configuration without both URL and model', () => {
  assert.equal(llmConfigFromEnv({}), undefined);
  assert.equal(llmConfigFromEnv({ SOCKSHOP_LLM_URL: 'http://127.0.0.1:1/v1' }), undefined);
  assert.equal(
    llmConfigFromEnv({ SOCKSHOP_LLM_URL: 'http://127.0.0.1:1/v1', SOCKSHOP_LLM_MODEL: 'm' })?.maxTurns,
    30,
  );
  assert.throws(() => llmConfigFromEnv({ SOCKSHOP_LLM_URL: 'not a url', SOCKSHOP_LLM_MODEL: 'm' }), /url/);
});
