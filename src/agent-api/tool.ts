/**
 * What a tool is: defined once, served the same way in process, over REST and over MCP.
 * `input` is a zod object schema (strict, so a misspelt field is an error, not silently ignored);
 * `run` gets the validated arguments and returns JSON-serialisable data, already bounded.
 */
import { z } from 'zod';
import type { AgentContext } from './context.js';

export type ToolKind = 'read' | 'action' | 'diagnosis';

export interface Tool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  kind: ToolKind;
  input: S;
  run(ctx: AgentContext, args: z.output<S>): Promise<unknown>;
}

/** Keeps the schema's type for `run` and erases it for the registry. */
export function defineTool<S extends z.ZodType>(tool: Tool<S>): Tool {
  return tool;
}

/** A Kubernetes object name (deployment, pod, HPA, config map). */
export const objectName = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    'must be a Kubernetes object name (lower-case, digits, "-", ".")',
  );

/** A relative window such as "30s", "10m", "2h". */
export const durationText = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'must be a duration like "30s", "10m" or "1h"');

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function durationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** `limit` with a default and a maximum (the bound every listing has). */
export const limit = (fallback: number, max: number) =>
  z.number().int().min(1).max(max).default(fallback).describe(`at most ${max} (default ${fallback})`);
