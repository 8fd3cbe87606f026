/**
 * The Spring MVC behaviour the original carts controllers got for free: JSON responses with
 * Spring's content type, `consumes = application/json` (415 otherwise), and Jackson's lenient
 * decoding of an Item body (numbers for strings, numeric strings for numbers, unknown keys ignored),
 * with Spring's exception classes in the error JSON.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../common/errors.js';
import { f32 } from '../common/float32.js';

export const SPRING_JSON = 'application/json;charset=UTF-8';
const NOT_READABLE = 'org.springframework.http.converter.HttpMessageNotReadableException';
const INT_MAX = 2 ** 31 - 1;

export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply
    .code(status)
    .header('content-type', SPRING_JSON)
    .send(Buffer.from(JSON.stringify(body)));
}

export function sendEmpty(reply: FastifyReply, status: number): FastifyReply {
  return reply.code(status).send();
}

/** `consumes = "application/json"`: any other (or no) content type is refused before the body is read. */
export function requireJsonContentType(req: FastifyRequest): void {
  const declared = req.headers['content-type'];
  const mediaType = declared?.split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json') {
    const shown = declared ? declared.replace(/;\s*/g, ';') : 'application/octet-stream';
    throw new HttpError(
      415,
      `Content type '${shown}' not supported`,
      'org.springframework.web.HttpMediaTypeNotSupportedException',
    );
  }
}

export interface ItemBody {
  itemId: string;
  quantity: number;
  unitPrice: number;
}

/** Decodes a cart Item the way Jackson did; `quantity` defaults to 1. */
export function decodeItem(body: unknown): ItemBody {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : '';
  if (text.trim() === '') throw notReadable('Required request body is missing');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw notReadable(`Could not read document: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const token = Array.isArray(parsed) ? 'START_ARRAY' : 'VALUE';
    throw notReadable(
      `Could not read document: Can not deserialize instance of works.weave.socks.cart.entities.Item out of ${token} token`,
    );
  }
  const fields = parsed as Record<string, unknown>;
  return {
    itemId: asString(fields.itemId),
    quantity: fields.quantity === undefined || fields.quantity === null ? 1 : asInt(fields.quantity),
    unitPrice: fields.unitPrice === undefined || fields.unitPrice === null ? 0 : asFloat(fields.unitPrice),
  };
}

function asString(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  throw notReadable('Could not read document: Can not deserialize value of type java.lang.String');
}

function asInt(value: unknown): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) {
    throw notReadable(
      `Could not read document: Can not deserialize value of type int from ${JSON.stringify(value)}`,
    );
  }
  const truncated = Math.trunc(number);
  if (Math.abs(truncated) > INT_MAX)
    throw notReadable('Could not read document: Numeric value out of range of int');
  return truncated;
}

function asFloat(value: unknown): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(f32(number))) {
    throw notReadable(
      `Could not read document: Can not deserialize value of type float from ${JSON.stringify(value)}`,
    );
  }
  return f32(number);
}

function notReadable(message: string): HttpError {
  return new HttpError(400, message, NOT_READABLE);
}
