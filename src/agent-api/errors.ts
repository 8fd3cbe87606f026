/**
 * Errors of the agent API, one shape for every transport: `{ error: { code, message } }` with an
 * HTTP status. Errors from the layers below (platform, broker, telemetry queries) are mapped here so
 * that an agent always reads one clear line and never a stack.
 */
import type { z } from 'zod';
import { PlatformError } from '../platform/types.js';
import { BrokerAdminError } from '../stores/broker/admin.js';
import { EvalError, ParseError, QueryTimeoutError } from '../telemetry/index.js';
import { EventQueryError } from '../telemetry/events/event-log.js';
import { LogQueryError } from '../telemetry/logs/types.js';
import { TraceQueryError } from '../telemetry/traces/types.js';

export type ErrorCode =
  'invalid_argument' | 'unauthorized' | 'not_found' | 'conflict' | 'refused' | 'unavailable' | 'internal';

const STATUS: Record<ErrorCode, number> = {
  invalid_argument: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  refused: 422,
  unavailable: 503,
  internal: 500,
};

export class ToolError extends Error {
  override name = 'ToolError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.status = STATUS[code];
  }

  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** Zod issues as "field: problem; other.field: problem" (the path is "args" for the object itself). */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const missing = issue.code === 'invalid_type' && / received undefined$/.test(issue.message);
      const problem = missing ? `required (${issue.expected})` : issue.message;
      return `${issue.path.length ? issue.path.join('.') : 'args'}: ${problem}`;
    })
    .join('; ');
}

const PLATFORM_CODES: Record<PlatformError['status'], ErrorCode> = {
  400: 'invalid_argument',
  404: 'not_found',
  409: 'conflict',
  500: 'internal',
  503: 'unavailable',
};

/** Any thrown value as a ToolError with a readable message. */
export function toToolError(error: unknown): ToolError {
  if (error instanceof ToolError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof PlatformError)
    return new ToolError(PLATFORM_CODES[error.status] ?? 'internal', message);
  if (
    error instanceof ParseError ||
    error instanceof LogQueryError ||
    error instanceof EventQueryError ||
    error instanceof TraceQueryError
  )
    return new ToolError('invalid_argument', message);
  if (error instanceof EvalError) return new ToolError('refused', message);
  if (error instanceof QueryTimeoutError) return new ToolError('unavailable', message);
  if (error instanceof BrokerAdminError) return new ToolError('unavailable', `broker: ${message}`);
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return new ToolError('unavailable', `timed out: ${message}`);
  return new ToolError('internal', message);
}
