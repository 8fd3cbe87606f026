/**
 * Configuration of the optional LLM agent: an OpenAI-compatible chat-completions endpoint. Off unless
 * both a URL and a model are given (options or SOCKSHOP_LLM_URL / SOCKSHOP_LLM_MODEL; the key from
 * SOCKSHOP_LLM_API_KEY or OPENAI_API_KEY).
 */
import { z } from 'zod';

export const llmConfigSchema = z.strictObject({
  /** Base URL; "/chat/completions" is appended (e.g. http://127.0.0.1:11434/v1). */
  url: z.url(),
  model: z.string().min(1),
  apiKey: z.string().min(1).optional(),
  /** Model turns at most (each may call several tools). */
  maxTurns: z.number().int().min(1).max(200).default(30),
  /** Characters of one tool answer handed back to the model. */
  maxToolChars: z.number().int().min(500).max(200_000).default(12_000),
  temperature: z.number().min(0).max(2).default(0),
  /** Per-request timeout. */
  requestTimeoutMs: z.number().int().min(1000).default(120_000),
});
export type LlmConfig = z.infer<typeof llmConfigSchema>;

/** The configuration from the environment, or undefined when the LLM agent is not configured. */
export function llmConfigFromEnv(env: NodeJS.ProcessEnv = process.env): LlmConfig | undefined {
  const url = env.SOCKSHOP_LLM_URL;
  const model = env.SOCKSHOP_LLM_MODEL;
  if (!url || !model) return undefined;
  const parsed = llmConfigSchema.safeParse({
    url,
    model,
    apiKey: env.SOCKSHOP_LLM_API_KEY ?? env.OPENAI_API_KEY,
  });
  if (!parsed.success)
    throw new Error(
      `LLM agent configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}
