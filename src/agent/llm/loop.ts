/**
 * The optional LLM agent: a chat-completions loop with tool calling over the same tools the reference
 * agent uses. The model gets the tool list (names, descriptions, JSON schemas), calls tools, reads
 * their (bounded) answers and is told to finish with submit_diagnosis. Nothing here knows a scenario.
 */
import { llmConfigSchema, type LlmConfig } from './config.js';
import type { ToolClient } from '../types.js';

export interface ToolSpec {
  name: string;
  description: string;
  inputSchema?: Record<string, unknown>;
}

/** A ToolClient that can also list its tools (the agent API's clients can). */
export type ListingToolClient = ToolClient & { list?(): Promise<ToolSpec[]> };

export interface LlmRunOptions {
  budgetMs: number;
  log?: (line: string) => void;
  /** Tools to offer when the client cannot list them. */
  tools?: ToolSpec[];
}

export interface LlmReport {
  turns: number;
  toolCalls: Array<{ name: string; args: unknown; ok: boolean }>;
  diagnosed: boolean;
  final?: string;
  stoppedBy: 'answer' | 'max-turns' | 'budget' | 'error';
  error?: string;
}

interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

export const SYSTEM_PROMPT = `You are an SRE on call for the Sock Shop, a microservice web shop running on a Kubernetes-like platform.
Use the tools to find out whether users or the business are hurt right now (front-end latency and errors per route,
orders paid vs shipped, queues, sessions, payments), localise the cause along the call graph (get_topology), name the
fault type in kebab-case (for example queue-blockage, resource-starvation, network-delay), fix it with the least
invasive action, verify the signals are back to their baseline, and call submit_diagnosis (as soon as you detect
something, and again when you know more). If nothing is wrong, call submit_diagnosis with detected=false.
Never scale a healthy service to 0 and never purge a queue that holds live orders.`;

function chatUrl(base: string): string {
  return `${base.replace(/\/$/, '')}/chat/completions`;
}

export async function runLlmAgent(
  client: ListingToolClient,
  config: LlmConfig,
  options: LlmRunOptions,
): Promise<LlmReport> {
  const cfg = llmConfigSchema.parse(config);
  const deadline = Date.now() + options.budgetMs;
  const specs = options.tools ?? (client.list ? await client.list() : []);
  const tools = specs.map((t) => ({
    type: 'function' as const,
    function: { name: t.name, description: t.description, parameters: t.inputSchema ?? { type: 'object' } },
  }));
  const messages: ChatMessage[] = [
    { role: 'system', content: SYSTEM_PROMPT },
    {
      role: 'user',
      content:
        'Investigate the shop now. You have about ' + Math.round(options.budgetMs / 1000) + ' seconds.',
    },
  ];
  const report: LlmReport = { turns: 0, toolCalls: [], diagnosed: false, stoppedBy: 'max-turns' };

  for (; report.turns < cfg.maxTurns; report.turns++) {
    if (Date.now() >= deadline) return { ...report, stoppedBy: 'budget' };
    let reply: ChatMessage;
    try {
      reply = await complete(cfg, messages, tools, Math.min(cfg.requestTimeoutMs, deadline - Date.now()));
    } catch (error) {
      return { ...report, stoppedBy: 'error', error: (error as Error).message };
    }
    messages.push(reply);
    const calls = reply.tool_calls ?? [];
    if (calls.length === 0)
      return { ...report, turns: report.turns + 1, final: reply.content ?? '', stoppedBy: 'answer' };
    for (const call of calls) {
      let args: unknown;
      let content: string;
      let ok = false;
      try {
        args = call.function.arguments ? JSON.parse(call.function.arguments) : {};
        content = JSON.stringify(await client.call(call.function.name, args as object));
        ok = true;
        if (call.function.name === 'submit_diagnosis') report.diagnosed = true;
      } catch (error) {
        content = JSON.stringify({ error: (error as Error).message });
      }
      report.toolCalls.push({ name: call.function.name, args, ok });
      options.log?.(`[llm] ${call.function.name} ${call.function.arguments} → ${ok ? 'ok' : content}`);
      const cut =
        content.length > cfg.maxToolChars ? `${content.slice(0, cfg.maxToolChars)}… [cut]` : content;
      messages.push({ role: 'tool', tool_call_id: call.id, content: cut });
    }
  }
  return report;
}

async function complete(
  cfg: LlmConfig,
  messages: ChatMessage[],
  tools: object[],
  timeoutMs: number,
): Promise<ChatMessage> {
  const res = await fetch(chatUrl(cfg.url), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(cfg.apiKey ? { authorization: `Bearer ${cfg.apiKey}` } : {}),
    },
    body: JSON.stringify({
      model: cfg.model,
      messages,
      tools,
      tool_choice: 'auto',
      temperature: cfg.temperature,
    }),
    signal: AbortSignal.timeout(Math.max(1000, timeoutMs)),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`chat endpoint answered ${res.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { choices?: Array<{ message?: ChatMessage }> };
  const message = body.choices?.[0]?.message;
  if (!message) throw new Error(`chat endpoint answered without a message: ${text.slice(0, 300)}`);
  return { role: 'assistant', content: message.content ?? null, tool_calls: message.tool_calls };
}
