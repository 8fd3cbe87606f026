/**
 * A MongoDB wire-protocol stub for the document-store tests on a machine with no MongoDB (nor
 * FerretDB): a TCP server on port 0 that answers the real driver's handshake (OP_QUERY) and the
 * OP_MSG commands the stores send — find, insert, update, delete, findAndModify, count
 * aggregation, createIndexes (unique indexes), listCollections, dropDatabase — over in-memory
 * collections, with the subset of query and update operators the stores use. It is NOT MongoDB:
 * it proves the stores drive the real driver correctly and keep the contract under the
 * semantics written here; a real server (TEST_MONGODB_URL) is what proves those semantics.
 * `rejectLogins` makes it refuse every SCRAM login the way a server with wrong credentials does;
 * `delayMs` holds every find, to fill the driver's pool.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { BSON, type Document } from 'mongodb';

const { deserialize, serialize } = BSON;

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;

type Doc = Record<string, unknown>;

interface CollectionState {
  docs: Doc[];
  /** Field lists of the unique indexes (`_id` is always unique). */
  unique: string[][];
}

export class MongoStub {
  rejectLogins = false;
  delayMs = 0;
  private readonly dbs = new Map<string, Map<string, CollectionState>>();
  private readonly sockets = new Set<Socket>();
  private nextId = 1;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<MongoStub> {
    const server = createServer();
    const stub = new MongoStub(server);
    server.on('connection', (socket) => stub.serve(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return stub;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  url(database: string, credentials = ''): string {
    return `mongodb://${credentials}127.0.0.1:${this.port}/${database}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 4 && buffer.length >= buffer.readInt32LE(0)) {
        const message = buffer.subarray(0, buffer.readInt32LE(0));
        buffer = buffer.subarray(message.length);
        void this.answer(socket, message);
      }
    });
  }

  private async answer(socket: Socket, message: Buffer): Promise<void> {
    const requestId = message.readInt32LE(4);
    const opCode = message.readInt32LE(12);
    if (opCode === OP_QUERY) {
      // flags, full collection name (cstring), skip, limit, then the command document.
      const nameEnd = message.indexOf(0, 20);
      const command = deserialize(message.subarray(nameEnd + 9));
      socket.write(frame(requestId, OP_REPLY, replyBody(this.run(command))));
      return;
    }
    if (opCode !== OP_MSG) return void socket.destroy();
    const command = parseMsg(message);
    if (this.delayMs > 0 && 'find' in command) await new Promise((r) => setTimeout(r, this.delayMs));
    if (socket.destroyed) return;
    const reply = Buffer.concat([Buffer.alloc(5), serialize(this.run(command))]);
    socket.write(frame(requestId, OP_MSG, reply));
  }

  private run(command: Document): Document {
    const name = Object.keys(command)[0];
    try {
      return { ...this.execute(name, command), ok: 1 };
    } catch (error) {
      const e = error as { code?: number; codeName?: string; message: string };
      return { ok: 0, errmsg: e.message, code: e.code ?? 8000, codeName: e.codeName ?? 'StubError' };
    }
  }

  private execute(name: string, cmd: Document): Document {
    const db = this.db(String(cmd.$db ?? 'admin'));
    const coll = (create = true) => this.collection(db, String(cmd[name]), create);
    const ns = `${String(cmd.$db)}.${String(cmd[name])}`;
    switch (name.toLowerCase()) {
      case 'ismaster':
      case 'hello':
        return {
          ismaster: true,
          isWritablePrimary: true,
          helloOk: true,
          maxWireVersion: 21,
          minWireVersion: 0,
          maxBsonObjectSize: 16 * 1024 * 1024,
          maxMessageSizeBytes: 48_000_000,
          maxWriteBatchSize: 100_000,
          localTime: new Date(),
          connectionId: this.nextId++,
          ...(cmd.saslSupportedMechs ? { saslSupportedMechs: ['SCRAM-SHA-256'] } : {}),
        };
      case 'saslstart':
        if (this.rejectLogins) throw Object.assign(new Error('Authentication failed.'), AUTH_FAILED);
        throw new Error('the stub has no users: connect without credentials');
      case 'ping':
      case 'endsessions':
      case 'killcursors':
        return {};
      case 'listcollections': {
        const wanted = (cmd.filter as Doc | undefined)?.name;
        const names = [...db.keys()].filter((n) => wanted === undefined || n === wanted);
        return cursor(
          `${String(cmd.$db)}.$cmd.listCollections`,
          names.map((n) => ({ name: n, type: 'collection' })),
        );
      }
      case 'createindexes': {
        const state = coll();
        for (const index of cmd.indexes as Array<{ key: Doc; unique?: boolean }>)
          if (index.unique) state.unique.push(Object.keys(index.key));
        return { numIndexesBefore: 1, numIndexesAfter: 1 + state.unique.length };
      }
      case 'dropdatabase':
        this.dbs.delete(String(cmd.$db));
        return {};
      case 'insert': {
        const state = coll();
        const writeErrors: Doc[] = [];
        let n = 0;
        (cmd.documents as Doc[]).forEach((doc, index) => {
          const duplicate = this.duplicate(state, doc);
          if (duplicate) writeErrors.push({ index, code: 11000, errmsg: duplicate });
          else {
            state.docs.push(doc);
            n++;
          }
        });
        return writeErrors.length ? { n, writeErrors } : { n };
      }
      case 'find': {
        const docs = query(coll(false).docs, cmd.filter as Doc, cmd.sort as Doc | undefined);
        const skip = Number(cmd.skip ?? 0);
        const limit = Math.abs(Number(cmd.limit ?? 0));
        const page = docs.slice(skip, limit ? skip + limit : undefined);
        return cursor(
          ns,
          page.map((doc) => project(doc, cmd.projection as Doc | undefined)),
        );
      }
      case 'aggregate':
        return cursor(ns, aggregate(coll(false).docs, cmd.pipeline as Doc[]));
      case 'delete': {
        const state = coll(false);
        let n = 0;
        for (const del of cmd.deletes as Array<{ q: Doc; limit: number }>) {
          const hits = query(state.docs, del.q).slice(0, del.limit === 1 ? 1 : undefined);
          state.docs = state.docs.filter((doc) => !hits.includes(doc));
          n += hits.length;
        }
        return { n };
      }
      case 'update': {
        const state = coll();
        let n = 0;
        let nModified = 0;
        const upserted: Doc[] = [];
        (cmd.updates as Array<{ q: Doc; u: Doc; upsert?: boolean; multi?: boolean }>).forEach((up, index) => {
          const hits = query(state.docs, up.q).slice(0, up.multi ? undefined : 1);
          for (const doc of hits) this.modify(state, doc, up.u, false);
          n += hits.length;
          nModified += hits.length;
          if (hits.length === 0 && up.upsert) {
            const doc = this.upsert(state, up.q, up.u);
            upserted.push({ index, _id: doc._id });
            n++;
          }
        });
        return upserted.length ? { n, nModified, upserted } : { n, nModified };
      }
      case 'findandmodify': {
        const state = coll();
        const [hit] = query(state.docs, cmd.query as Doc, cmd.sort as Doc | undefined);
        if (cmd.remove) {
          if (hit) state.docs = state.docs.filter((doc) => doc !== hit);
          return { lastErrorObject: { n: hit ? 1 : 0 }, value: hit ?? null };
        }
        if (hit) {
          const before = structuredClone(hit);
          this.modify(state, hit, cmd.update as Doc, false);
          return { lastErrorObject: { n: 1, updatedExisting: true }, value: cmd.new ? hit : before };
        }
        if (!cmd.upsert) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null };
        const doc = this.upsert(state, cmd.query as Doc, cmd.update as Doc);
        return {
          lastErrorObject: { n: 1, updatedExisting: false, upserted: doc._id },
          value: cmd.new ? doc : null,
        };
      }
      default:
        throw Object.assign(new Error(`no such command: '${name}'`), {
          code: 59,
          codeName: 'CommandNotFound',
        });
    }
  }

  private db(name: string): Map<string, CollectionState> {
    let db = this.dbs.get(name);
    if (!db) this.dbs.set(name, (db = new Map()));
    return db;
  }

  private collection(db: Map<string, CollectionState>, name: string, create: boolean): CollectionState {
    const existing = db.get(name);
    if (existing) return existing;
    const state: CollectionState = { docs: [], unique: [] };
    if (create) db.set(name, state);
    return state;
  }

  private duplicate(state: CollectionState, doc: Doc, self?: Doc): string | undefined {
    for (const fields of [['_id'], ...state.unique]) {
      const key = JSON.stringify(fields.map((f) => doc[f]));
      const clash = state.docs.some(
        (other) => other !== self && JSON.stringify(fields.map((f) => other[f])) === key,
      );
      if (clash) return `E11000 duplicate key error index: ${fields.join('_')}_1 dup key: ${key}`;
    }
    return undefined;
  }

  private upsert(state: CollectionState, filter: Doc, update: Doc): Doc {
    const doc: Doc = Object.fromEntries(Object.entries(filter).filter(([, v]) => !isOperator(v)));
    this.modify(state, doc, update, true);
    doc._id ??= `stub${this.nextId++}`;
    state.docs.push(doc);
    return doc;
  }

  private modify(state: CollectionState, doc: Doc, update: Doc, inserting: boolean): void {
    const next = structuredClone(doc);
    for (const [op, fields] of Object.entries(update) as Array<[string, Doc]>) {
      for (const [field, value] of Object.entries(fields)) {
        const list = () => (next[field] ??= []) as unknown[];
        if (op === '$set' || (op === '$setOnInsert' && inserting)) next[field] = value;
        else if (op === '$inc') next[field] = Number(next[field] ?? 0) + Number(value);
        else if (op === '$push') list().push(value);
        else if (op === '$addToSet') {
          if (!list().some((v) => same(v, value))) list().push(value);
        } else if (op === '$pull') next[field] = list().filter((v) => !same(v, value));
        else if (op !== '$setOnInsert') throw new Error(`the stub does not know update operator ${op}`);
      }
    }
    if (this.duplicate(state, next, doc))
      throw Object.assign(new Error(this.duplicate(state, next, doc)), {
        code: 11000,
        codeName: 'DuplicateKey',
      });
    for (const key of Object.keys(doc)) delete doc[key];
    Object.assign(doc, next);
  }
}

const AUTH_FAILED = { code: 18, codeName: 'AuthenticationFailed' };

function isOperator(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    Object.keys(value).some((k) => k.startsWith('$'))
  );
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return JSON.stringify(a) === JSON.stringify(b);
}

function get(doc: Doc, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value as Doc | undefined)?.[key], doc);
}

/** Equality (an array field matches any of its elements), `$in`, and dotted paths. */
function matches(doc: Doc, filter: Doc = {}): boolean {
  return Object.entries(filter).every(([path, condition]) => {
    const value = get(doc, path);
    const candidates = Array.isArray(value) ? [value, ...value] : [value];
    if (isOperator(condition)) {
      return Object.entries(condition as Doc).every(([op, arg]) => {
        if (op === '$in') return (arg as unknown[]).some((a) => candidates.some((c) => same(c, a)));
        throw new Error(`the stub does not know query operator ${op}`);
      });
    }
    return candidates.some((c) => same(c, condition));
  });
}

function query(docs: Doc[], filter?: Doc, sort?: Doc): Doc[] {
  const found = docs.filter((doc) => matches(doc, filter));
  if (!sort) return found;
  return found.sort((a, b) => {
    for (const [path, direction] of Object.entries(sort)) {
      const [x, y] = [get(a, path), get(b, path)] as [number | string, number | string];
      if (x !== y) return (x < y ? -1 : 1) * Number(direction);
    }
    return 0;
  });
}

function project(doc: Doc, projection?: Doc): Doc {
  const included = Object.entries(projection ?? {}).filter(([, v]) => v === 1 || v === true);
  if (included.length === 0) return doc;
  return Object.fromEntries([['_id', doc._id], ...included.map(([k]) => [k, doc[k]])]);
}

/** `$match`, `$skip`, `$limit` and a `$group` summing 1 per document: what countDocuments sends. */
function aggregate(docs: Doc[], pipeline: Doc[]): Doc[] {
  let out = docs;
  for (const stage of pipeline) {
    const [[op, arg]] = Object.entries(stage);
    if (op === '$match') out = query(out, arg as Doc);
    else if (op === '$skip') out = out.slice(Number(arg));
    else if (op === '$limit') out = out.slice(0, Number(arg));
    else if (op === '$group') {
      const { _id, ...sums } = arg as Doc;
      const [field] = Object.keys(sums);
      out = out.length ? [{ _id, [field]: out.length }] : [];
    } else throw new Error(`the stub does not know aggregation stage ${op}`);
  }
  return out;
}

function cursor(ns: string, firstBatch: Doc[]): Document {
  return { cursor: { id: BSON.Long.ZERO, ns, firstBatch } };
}

/** An OP_MSG's command: the body document (section 0) plus document sequences (section 1) as arrays. */
function parseMsg(message: Buffer): Document {
  let offset = 20;
  const end = message.readUInt32LE(16) & 1 ? message.length - 4 : message.length;
  let command: Document = {};
  const sequences: Record<string, Document[]> = {};
  while (offset < end) {
    const kind = message[offset++];
    if (kind === 0) {
      const size = message.readInt32LE(offset);
      command = deserialize(message.subarray(offset, offset + size));
      offset += size;
    } else {
      const size = message.readInt32LE(offset);
      const sectionEnd = offset + size;
      const nameEnd = message.indexOf(0, offset + 4);
      const name = message.toString('utf8', offset + 4, nameEnd);
      const docs: Document[] = [];
      for (let at = nameEnd + 1; at < sectionEnd; at += message.readInt32LE(at))
        docs.push(deserialize(message.subarray(at, at + message.readInt32LE(at))));
      sequences[name] = docs;
      offset = sectionEnd;
    }
  }
  return { ...command, ...sequences };
}

function replyBody(doc: Document): Buffer {
  const head = Buffer.alloc(20);
  head.writeInt32LE(1, 16); // numberReturned; flags, cursor id and startingFrom stay 0
  return Buffer.concat([head, serialize(doc)]);
}

function frame(responseTo: number, opCode: number, body: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + body.length, 0);
  header.writeInt32LE(responseTo + 1_000_000, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, body]);
}
