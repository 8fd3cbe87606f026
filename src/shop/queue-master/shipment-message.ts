/**
 * Reading a `shipping-task` message as the original's Spring converter did: the content type must
 * mention JSON, a `__TypeId__` header, when present, must name the Shipment class, and the body
 * must be a JSON object. We also need a shipment id, to report it to orders.
 */
import type { Message } from 'amqplib';
import { SHIPMENT_TYPE_ID } from '../common/amqp.js';

export interface ShipmentTask {
  id: string;
  name: string | null;
}

export type ParsedTask = { ok: true; task: ShipmentTask } | { ok: false; reason: string };

export function parseShipmentMessage(message: Pick<Message, 'content' | 'properties'>): ParsedTask {
  const { contentType, contentEncoding, headers } = message.properties;
  if (typeof contentType !== 'string' || !contentType.toLowerCase().includes('json')) {
    return { ok: false, reason: `content type ${String(contentType)} is not JSON` };
  }
  const rawTypeId: unknown = headers?.__TypeId__;
  if (rawTypeId !== undefined) {
    const typeId =
      typeof rawTypeId === 'string'
        ? rawTypeId
        : Buffer.isBuffer(rawTypeId)
          ? rawTypeId.toString('utf8')
          : JSON.stringify(rawTypeId);
    if (typeId !== SHIPMENT_TYPE_ID)
      return { ok: false, reason: `__TypeId__ ${typeId} is not ${SHIPMENT_TYPE_ID}` };
  }
  const encoding =
    typeof contentEncoding === 'string' && /^(latin1|iso-8859-1)$/i.test(contentEncoding) ? 'latin1' : 'utf8';
  let body: unknown;
  try {
    body = JSON.parse(message.content.toString(encoding));
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return { ok: false, reason: 'body is not a JSON object' };
  const { id, name } = body as { id?: unknown; name?: unknown };
  if (typeof id !== 'string' || id === '') return { ok: false, reason: 'shipment has no id' };
  return {
    ok: true,
    task: { id, name: typeof name === 'string' ? name : name == null ? null : JSON.stringify(name) },
  };
}
