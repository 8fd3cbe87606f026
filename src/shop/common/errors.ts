/** Errors a handler throws to answer with a chosen status; each service flavour renders them its own way. */
import { STATUS_CODES } from 'node:http';
import type { Flavour } from './metrics.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Java exception class name, shown in Spring's error JSON. */
    readonly exception?: string,
  ) {
    super(message);
  }
}

export interface ErrorResponse {
  status: number;
  contentType: string;
  body: string;
}

export function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'Unknown';
}

/** Renders an error the way the original service of that flavour answered (sockshop-spec §2.1, §2.2, §3.3). */
export function renderError(
  flavour: Flavour,
  status: number,
  message: string,
  path: string,
  exception?: string,
): ErrorResponse {
  switch (flavour) {
    case 'go':
      // Go services set the status before the content type, so the declared JSON type is lost.
      return {
        status,
        contentType: 'text/plain; charset=utf-8',
        body: JSON.stringify({ error: message, status_code: status, status_text: statusText(status) }) + '\n',
      };
    case 'java':
      return {
        status,
        contentType: 'application/json;charset=UTF-8',
        body: JSON.stringify({
          timestamp: Date.now(),
          status,
          error: statusText(status),
          exception: exception ?? 'java.lang.RuntimeException',
          message,
          path,
        }),
      };
    case 'node':
      return {
        status,
        contentType: 'application/json; charset=utf-8',
        body: JSON.stringify({ message, error: {} }),
      };
  }
}

/** What each flavour answers for a route it does not have. */
export function renderNotFound(flavour: Flavour, method: string, path: string): ErrorResponse {
  switch (flavour) {
    case 'go':
      return { status: 404, contentType: 'text/plain; charset=utf-8', body: '404 page not found\n' };
    case 'java':
      return renderError('java', 404, 'No message available', path);
    case 'node':
      return {
        status: 404,
        contentType: 'text/html; charset=utf-8',
        body: `<!DOCTYPE html><html><head><title>Error</title></head><body><pre>Cannot ${method} ${escapeHtml(path)}</pre></body></html>`,
      };
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
