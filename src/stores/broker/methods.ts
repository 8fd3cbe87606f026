/**
 * AMQP 0-9-1 method catalogue (class/method ids and argument layouts, from the 0-9-1 spec) with a
 * table-driven encoder/decoder. Arguments decode into a plain record keyed by the spec's field names
 * in camelCase; `reserved` fields are read and dropped.
 */
import { type FieldTable, Reader, Writer } from './codec.js';

type FieldType = 'octet' | 'short' | 'long' | 'longlong' | 'shortstr' | 'longstr' | 'bit' | 'table';
type Field = readonly [name: string, type: FieldType];

export interface MethodDef {
  readonly classId: number;
  readonly methodId: number;
  readonly name: string;
  readonly fields: readonly Field[];
  /** Whether a content header + body follow this method. */
  readonly content?: boolean;
}

const rsv = (type: FieldType): Field => ['reserved', type];
const closeFields: readonly Field[] = [
  ['replyCode', 'short'],
  ['replyText', 'shortstr'],
  ['classId', 'short'],
  ['methodId', 'short'],
];
const bindFields = (ticketFirst: boolean, noWait: boolean): Field[] => [
  ...(ticketFirst ? [rsv('short')] : []),
  ['queue', 'shortstr'],
  ['exchange', 'shortstr'],
  ['routingKey', 'shortstr'],
  ...(noWait ? ([['noWait', 'bit']] as Field[]) : []),
  ['arguments', 'table'],
];
const e2eBindFields: Field[] = [
  rsv('short'),
  ['destination', 'shortstr'],
  ['source', 'shortstr'],
  ['routingKey', 'shortstr'],
  ['noWait', 'bit'],
  ['arguments', 'table'],
];

const defs: MethodDef[] = [];
function def(
  classId: number,
  methodId: number,
  name: string,
  fields: readonly Field[],
  content = false,
): void {
  defs.push({ classId, methodId, name, fields, content });
}

// connection (10)
def(10, 10, 'connection.start', [
  ['versionMajor', 'octet'],
  ['versionMinor', 'octet'],
  ['serverProperties', 'table'],
  ['mechanisms', 'longstr'],
  ['locales', 'longstr'],
]);
def(10, 11, 'connection.start-ok', [
  ['clientProperties', 'table'],
  ['mechanism', 'shortstr'],
  ['response', 'longstr'],
  ['locale', 'shortstr'],
]);
def(10, 20, 'connection.secure', [['challenge', 'longstr']]);
def(10, 21, 'connection.secure-ok', [['response', 'longstr']]);
const tune: Field[] = [
  ['channelMax', 'short'],
  ['frameMax', 'long'],
  ['heartbeat', 'short'],
];
def(10, 30, 'connection.tune', tune);
def(10, 31, 'connection.tune-ok', tune);
def(10, 40, 'connection.open', [['virtualHost', 'shortstr'], rsv('shortstr'), rsv('bit')]);
def(10, 41, 'connection.open-ok', [rsv('shortstr')]);
def(10, 50, 'connection.close', closeFields);
def(10, 51, 'connection.close-ok', []);
def(10, 60, 'connection.blocked', [['reason', 'shortstr']]);
def(10, 61, 'connection.unblocked', []);
def(10, 70, 'connection.update-secret', [
  ['newSecret', 'longstr'],
  ['reason', 'shortstr'],
]);
def(10, 71, 'connection.update-secret-ok', []);
// channel (20)
def(20, 10, 'channel.open', [rsv('shortstr')]);
def(20, 11, 'channel.open-ok', [rsv('longstr')]);
def(20, 20, 'channel.flow', [['active', 'bit']]);
def(20, 21, 'channel.flow-ok', [['active', 'bit']]);
def(20, 40, 'channel.close', closeFields);
def(20, 41, 'channel.close-ok', []);
// exchange (40)
def(40, 10, 'exchange.declare', [
  rsv('short'),
  ['exchange', 'shortstr'],
  ['type', 'shortstr'],
  ['passive', 'bit'],
  ['durable', 'bit'],
  ['autoDelete', 'bit'],
  ['internal', 'bit'],
  ['noWait', 'bit'],
  ['arguments', 'table'],
]);
def(40, 11, 'exchange.declare-ok', []);
def(40, 20, 'exchange.delete', [
  rsv('short'),
  ['exchange', 'shortstr'],
  ['ifUnused', 'bit'],
  ['noWait', 'bit'],
]);
def(40, 21, 'exchange.delete-ok', []);
def(40, 30, 'exchange.bind', e2eBindFields);
def(40, 31, 'exchange.bind-ok', []);
def(40, 40, 'exchange.unbind', e2eBindFields);
def(40, 51, 'exchange.unbind-ok', []);
// queue (50)
def(50, 10, 'queue.declare', [
  rsv('short'),
  ['queue', 'shortstr'],
  ['passive', 'bit'],
  ['durable', 'bit'],
  ['exclusive', 'bit'],
  ['autoDelete', 'bit'],
  ['noWait', 'bit'],
  ['arguments', 'table'],
]);
def(50, 11, 'queue.declare-ok', [
  ['queue', 'shortstr'],
  ['messageCount', 'long'],
  ['consumerCount', 'long'],
]);
def(50, 20, 'queue.bind', bindFields(true, true));
def(50, 21, 'queue.bind-ok', []);
def(50, 30, 'queue.purge', [rsv('short'), ['queue', 'shortstr'], ['noWait', 'bit']]);
def(50, 31, 'queue.purge-ok', [['messageCount', 'long']]);
def(50, 40, 'queue.delete', [
  rsv('short'),
  ['queue', 'shortstr'],
  ['ifUnused', 'bit'],
  ['ifEmpty', 'bit'],
  ['noWait', 'bit'],
]);
def(50, 41, 'queue.delete-ok', [['messageCount', 'long']]);
def(50, 50, 'queue.unbind', bindFields(true, false));
def(50, 51, 'queue.unbind-ok', []);
// basic (60)
def(60, 10, 'basic.qos', [
  ['prefetchSize', 'long'],
  ['prefetchCount', 'short'],
  ['global', 'bit'],
]);
def(60, 11, 'basic.qos-ok', []);
def(60, 20, 'basic.consume', [
  rsv('short'),
  ['queue', 'shortstr'],
  ['consumerTag', 'shortstr'],
  ['noLocal', 'bit'],
  ['noAck', 'bit'],
  ['exclusive', 'bit'],
  ['noWait', 'bit'],
  ['arguments', 'table'],
]);
def(60, 21, 'basic.consume-ok', [['consumerTag', 'shortstr']]);
def(60, 30, 'basic.cancel', [
  ['consumerTag', 'shortstr'],
  ['noWait', 'bit'],
]);
def(60, 31, 'basic.cancel-ok', [['consumerTag', 'shortstr']]);
def(
  60,
  40,
  'basic.publish',
  [
    rsv('short'),
    ['exchange', 'shortstr'],
    ['routingKey', 'shortstr'],
    ['mandatory', 'bit'],
    ['immediate', 'bit'],
  ],
  true,
);
def(
  60,
  50,
  'basic.return',
  [
    ['replyCode', 'short'],
    ['replyText', 'shortstr'],
    ['exchange', 'shortstr'],
    ['routingKey', 'shortstr'],
  ],
  true,
);
def(
  60,
  60,
  'basic.deliver',
  [
    ['consumerTag', 'shortstr'],
    ['deliveryTag', 'longlong'],
    ['redelivered', 'bit'],
    ['exchange', 'shortstr'],
    ['routingKey', 'shortstr'],
  ],
  true,
);
def(60, 70, 'basic.get', [rsv('short'), ['queue', 'shortstr'], ['noAck', 'bit']]);
def(
  60,
  71,
  'basic.get-ok',
  [
    ['deliveryTag', 'longlong'],
    ['redelivered', 'bit'],
    ['exchange', 'shortstr'],
    ['routingKey', 'shortstr'],
    ['messageCount', 'long'],
  ],
  true,
);
def(60, 72, 'basic.get-empty', [rsv('shortstr')]);
def(60, 80, 'basic.ack', [
  ['deliveryTag', 'longlong'],
  ['multiple', 'bit'],
]);
def(60, 90, 'basic.reject', [
  ['deliveryTag', 'longlong'],
  ['requeue', 'bit'],
]);
def(60, 100, 'basic.recover-async', [['requeue', 'bit']]);
def(60, 110, 'basic.recover', [['requeue', 'bit']]);
def(60, 111, 'basic.recover-ok', []);
def(60, 120, 'basic.nack', [
  ['deliveryTag', 'longlong'],
  ['multiple', 'bit'],
  ['requeue', 'bit'],
]);
// confirm (85) and tx (90)
def(85, 10, 'confirm.select', [['noWait', 'bit']]);
def(85, 11, 'confirm.select-ok', []);
def(90, 10, 'tx.select', []);
def(90, 11, 'tx.select-ok', []);
def(90, 20, 'tx.commit', []);
def(90, 21, 'tx.commit-ok', []);
def(90, 30, 'tx.rollback', []);
def(90, 31, 'tx.rollback-ok', []);

const byId = new Map<number, MethodDef>(defs.map((d) => [(d.classId << 16) | d.methodId, d]));
const byName = new Map<string, MethodDef>(defs.map((d) => [d.name, d]));

export type MethodArgs = Record<string, string | number | boolean | FieldTable | Buffer>;

export interface DecodedMethod {
  def: MethodDef;
  args: MethodArgs;
}

/** Thrown for a syntactically valid frame naming a method this catalogue does not know. */
export class UnknownMethodError extends Error {
  constructor(
    readonly classId: number,
    readonly methodId: number,
  ) {
    super(`unknown method ${classId}/${methodId}`);
  }
}

export function methodDef(name: string): MethodDef {
  const d = byName.get(name);
  if (!d) throw new Error(`no such AMQP method ${name}`);
  return d;
}

export function decodeMethod(payload: Buffer): DecodedMethod {
  const r = new Reader(payload);
  const classId = r.short();
  const methodId = r.short();
  const d = byId.get((classId << 16) | methodId);
  if (!d) throw new UnknownMethodError(classId, methodId);
  const args: MethodArgs = {};
  for (const [name, type] of d.fields) {
    const value = readField(r, type);
    if (name !== 'reserved') args[name] = value;
  }
  return { def: d, args };
}

function readField(r: Reader, type: FieldType): string | number | boolean | FieldTable | Buffer {
  switch (type) {
    case 'octet':
      return r.octet();
    case 'short':
      return r.short();
    case 'long':
      return r.long();
    case 'longlong':
      return r.longlong();
    case 'shortstr':
      return r.shortstr();
    case 'longstr':
      return Buffer.from(r.longstrBytes());
    case 'bit':
      return r.bit();
    case 'table':
      return r.table();
  }
}

/** Writes class id, method id and arguments (missing ones default to 0/''/false/{}). */
export function encodeMethodPayload(w: Writer, d: MethodDef, args: Partial<MethodArgs> = {}): void {
  w.short(d.classId).short(d.methodId);
  for (const [name, type] of d.fields) {
    const v = args[name];
    switch (type) {
      case 'octet':
        w.octet((v as number) ?? 0);
        break;
      case 'short':
        w.short((v as number) ?? 0);
        break;
      case 'long':
        w.long((v as number) ?? 0);
        break;
      case 'longlong':
        w.longlong((v as number) ?? 0);
        break;
      case 'shortstr':
        w.shortstr((v as string) ?? '');
        break;
      case 'longstr':
        w.longstr((v as string | Buffer) ?? '');
        break;
      case 'bit':
        w.bit(Boolean(v));
        break;
      case 'table':
        w.table((v as FieldTable) ?? {});
        break;
    }
  }
}
