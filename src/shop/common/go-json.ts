/** Success responses of the Go services: `json.NewEncoder(w).Encode(v)` ends the body with a newline. */
import type { FastifyReply } from 'fastify';
import { statusText } from './errors.js';

export function sendGoJson(
  reply: FastifyReply,
  body: unknown,
  status = 200,
  contentType = 'application/json; charset=utf-8',
) {
  return reply
    .code(status)
    .header('content-type', contentType)
    .send(JSON.stringify(body) + '\n');
}

/** Errors of our own extension routes: the Go error body, but honestly typed as JSON. */
export function sendGoJsonError(reply: FastifyReply, status: number, message: string) {
  return sendGoJson(reply, { error: message, status_code: status, status_text: statusText(status) }, status);
}
