/**
 * Basic-class content header properties (flag word + present fields, spec order) and the
 * content-header frame payload: class id, weight, body size, properties.
 */
import { type FieldTable, Reader, Writer } from './codec.js';

export interface BasicProperties {
  contentType?: string;
  contentEncoding?: string;
  headers?: FieldTable;
  deliveryMode?: number;
  priority?: number;
  correlationId?: string;
  replyTo?: string;
  expiration?: string;
  messageId?: string;
  timestamp?: number;
  type?: string;
  userId?: string;
  appId?: string;
  clusterId?: string;
}

type PropType = 'shortstr' | 'table' | 'octet' | 'longlong';
/** Bit 15 downwards, in spec order. */
const layout: ReadonlyArray<readonly [keyof BasicProperties, PropType]> = [
  ['contentType', 'shortstr'],
  ['contentEncoding', 'shortstr'],
  ['headers', 'table'],
  ['deliveryMode', 'octet'],
  ['priority', 'octet'],
  ['correlationId', 'shortstr'],
  ['replyTo', 'shortstr'],
  ['expiration', 'shortstr'],
  ['messageId', 'shortstr'],
  ['timestamp', 'longlong'],
  ['type', 'shortstr'],
  ['userId', 'shortstr'],
  ['appId', 'shortstr'],
  ['clusterId', 'shortstr'],
];

export interface ContentHeader {
  classId: number;
  bodySize: number;
  /** The raw property bytes (flags + fields), forwarded verbatim unless the broker rewrites them. */
  rawProperties: Buffer;
}

export function decodeContentHeader(payload: Buffer): ContentHeader {
  const r = new Reader(payload);
  const classId = r.short();
  r.short(); // weight, unused
  const bodySize = r.longlong();
  return { classId, bodySize, rawProperties: payload.subarray(12) };
}

export function decodeProperties(raw: Buffer): BasicProperties {
  const r = new Reader(raw);
  const flags = r.short();
  // a set bit 0 means another flag word follows; basic never needs more, but skip them correctly
  let more = flags & 1;
  while (more) more = r.short() & 1;
  const props: BasicProperties = {};
  for (let i = 0; i < layout.length; i++) {
    if (!(flags & (1 << (15 - i)))) continue;
    const [name, type] = layout[i];
    const value =
      type === 'shortstr'
        ? r.shortstr()
        : type === 'table'
          ? r.table()
          : type === 'octet'
            ? r.octet()
            : r.longlong();
    (props as Record<string, unknown>)[name] = value;
  }
  return props;
}

export function encodeProperties(props: BasicProperties): Buffer {
  const w = new Writer(64);
  let flags = 0;
  layout.forEach(([name], i) => {
    if (props[name] !== undefined) flags |= 1 << (15 - i);
  });
  w.short(flags);
  for (const [name, type] of layout) {
    const v = props[name];
    if (v === undefined) continue;
    if (type === 'shortstr') w.shortstr(v as string);
    else if (type === 'table') w.table(v as FieldTable);
    else if (type === 'octet') w.octet(v as number);
    else w.longlong(v as number);
  }
  return Buffer.from(w.result());
}
