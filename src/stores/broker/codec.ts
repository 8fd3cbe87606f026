/**
 * AMQP 0-9-1 primitive codec: integers, short/long strings, bit packing and RabbitMQ's dialect of
 * field tables (the tags RabbitMQ and amqplib actually use, per the RabbitMQ "spec differences" note).
 * Reader throws FrameError on truncated or ill-typed input; callers turn that into a 501/502 close.
 */

export class FrameError extends Error {}

/** Decimal field value (`D`): value × 10^-scale. */
export class AmqpDecimal {
  constructor(
    readonly scale: number,
    readonly value: number,
  ) {}
}

export type FieldValue =
  null | boolean | number | bigint | string | Buffer | Date | AmqpDecimal | FieldValue[] | FieldTable;
export interface FieldTable {
  [key: string]: FieldValue;
}

export class Reader {
  private pos = 0;
  private bitByte = 0;
  private bitIndex = 8;

  constructor(private readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): number {
    if (this.pos + n > this.buf.length) throw new FrameError('truncated frame payload');
    const at = this.pos;
    this.pos += n;
    this.bitIndex = 8;
    return at;
  }

  octet(): number {
    return this.buf.readUInt8(this.need(1));
  }
  short(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  long(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  longlong(): number {
    return Number(this.buf.readBigUInt64BE(this.need(8)));
  }
  shortstr(): string {
    const len = this.octet();
    const at = this.need(len);
    return this.buf.toString('utf8', at, at + len);
  }
  longstrBytes(): Buffer {
    const len = this.long();
    const at = this.need(len);
    return this.buf.subarray(at, at + len);
  }
  longstr(): string {
    return this.longstrBytes().toString('utf8');
  }
  /** Consecutive bit fields share one octet, least significant bit first. */
  bit(): boolean {
    if (this.bitIndex >= 8) {
      this.bitByte = this.octet();
      this.bitIndex = 0;
    }
    return (this.bitByte & (1 << this.bitIndex++)) !== 0;
  }
  bytes(n: number): Buffer {
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }

  table(): FieldTable {
    const sub = new Reader(this.longstrBytes());
    const out: FieldTable = {};
    while (sub.remaining > 0) {
      const key = sub.shortstr();
      out[key] = sub.fieldValue();
    }
    return out;
  }

  private array(): FieldValue[] {
    const sub = new Reader(this.longstrBytes());
    const out: FieldValue[] = [];
    while (sub.remaining > 0) out.push(sub.fieldValue());
    return out;
  }

  fieldValue(): FieldValue {
    const tag = String.fromCharCode(this.octet());
    switch (tag) {
      case 't':
        return this.octet() !== 0;
      case 'b':
        return this.buf.readInt8(this.need(1));
      case 'B':
        return this.octet();
      case 's':
        return this.buf.readInt16BE(this.need(2));
      case 'u':
        return this.short();
      case 'I':
        return this.buf.readInt32BE(this.need(4));
      case 'i':
        return this.long();
      case 'l': {
        const v = this.buf.readBigInt64BE(this.need(8));
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case 'f':
        return this.buf.readFloatBE(this.need(4));
      case 'd':
        return this.buf.readDoubleBE(this.need(8));
      case 'D': {
        const scale = this.octet();
        return new AmqpDecimal(scale, this.buf.readInt32BE(this.need(4)));
      }
      case 'S':
        return this.longstr();
      case 'x':
        return Buffer.from(this.longstrBytes());
      case 'A':
        return this.array();
      case 'T':
        return new Date(this.longlong() * 1000);
      case 'F':
        return this.table();
      case 'V':
        return null;
      default:
        throw new FrameError(`unknown field table type '${tag}'`);
    }
  }
}

/** Growable writer; bits are packed into one octet until a non-bit field follows. */
export class Writer {
  private buf: Buffer;
  private pos = 0;
  private bitPos = -1;
  private bitIndex = 8;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): number {
    this.bitIndex = 8;
    if (this.pos + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  get length(): number {
    return this.pos;
  }
  result(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  octet(v: number): this {
    const at = this.ensure(1);
    this.buf.writeUInt8(v & 0xff, at);
    return this;
  }
  short(v: number): this {
    const at = this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, at);
    return this;
  }
  long(v: number): this {
    const at = this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, at);
    return this;
  }
  longlong(v: number): this {
    const at = this.ensure(8);
    this.buf.writeBigUInt64BE(BigInt(Math.max(0, Math.trunc(v))), at);
    return this;
  }
  setLong(at: number, v: number): void {
    this.buf.writeUInt32BE(v >>> 0, at);
  }
  shortstr(v: string): this {
    const len = Buffer.byteLength(v);
    if (len > 255) throw new FrameError('short string longer than 255 bytes');
    this.octet(len);
    const at = this.ensure(len);
    this.buf.write(v, at, 'utf8');
    return this;
  }
  longstr(v: string | Buffer): this {
    const bytes = typeof v === 'string' ? Buffer.from(v) : v;
    this.long(bytes.length);
    this.raw(bytes);
    return this;
  }
  raw(bytes: Buffer): this {
    const at = this.ensure(bytes.length);
    bytes.copy(this.buf, at);
    return this;
  }
  bit(v: boolean): this {
    if (this.bitIndex >= 8) {
      this.bitPos = this.ensure(1);
      this.buf[this.bitPos] = 0;
      this.bitIndex = 0;
    }
    if (v) this.buf[this.bitPos] = (this.buf[this.bitPos] ?? 0) | (1 << this.bitIndex);
    this.bitIndex++;
    return this;
  }

  table(t: FieldTable): this {
    const sizeAt = this.ensure(4);
    for (const [key, value] of Object.entries(t)) {
      this.shortstr(key);
      this.fieldValue(value);
    }
    this.setLong(sizeAt, this.pos - sizeAt - 4);
    return this;
  }

  /** JS values map onto the tags RabbitMQ itself emits (I for small ints, l for large, S strings). */
  fieldValue(v: FieldValue): this {
    const tag = (c: string) => this.octet(c.charCodeAt(0));
    if (v === null || v === undefined) return tag('V');
    if (typeof v === 'boolean') return tag('t').octet(v ? 1 : 0);
    if (typeof v === 'string') return tag('S').longstr(v);
    if (typeof v === 'bigint') {
      tag('l');
      const at = this.ensure(8);
      this.buf.writeBigInt64BE(v, at);
      return this;
    }
    if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) {
        tag('I');
        const at = this.ensure(4);
        this.buf.writeInt32BE(v, at);
      } else if (Number.isSafeInteger(v)) {
        tag('l');
        const at = this.ensure(8);
        this.buf.writeBigInt64BE(BigInt(v), at);
      } else {
        tag('d');
        const at = this.ensure(8);
        this.buf.writeDoubleBE(v, at);
      }
      return this;
    }
    if (Buffer.isBuffer(v)) return tag('x').longstr(v);
    if (v instanceof Date) return tag('T').longlong(Math.floor(v.getTime() / 1000));
    if (v instanceof AmqpDecimal) {
      tag('D').octet(v.scale);
      const at = this.ensure(4);
      this.buf.writeInt32BE(v.value, at);
      return this;
    }
    if (Array.isArray(v)) {
      tag('A');
      const sizeAt = this.ensure(4);
      for (const item of v) this.fieldValue(item);
      this.setLong(sizeAt, this.pos - sizeAt - 4);
      return this;
    }
    return tag('F').table(v);
  }
}
