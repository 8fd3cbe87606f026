/**
 * RESP2, the Redis wire protocol: an incremental request parser (arrays of bulk strings, and
 * inline commands as redis-cli sends them) and reply encoders. Malformed input is reported as a
 * protocol error for the caller to answer and close the connection; it never throws.
 */

export type Reply = { simple: string } | { error: string } | number | string | null | Reply[];

/** Largest request the parser accepts (Redis's proto-max-bulk-len is 512 MB; sessions are small). */
const MAX_BULK = 8 * 1024 * 1024;
const MAX_ARGS = 1024 * 1024;

export type ParseResult = { commands: string[][]; error?: string };

export class RespParser {
  private buffer: Buffer = Buffer.alloc(0);

  /** Feeds bytes; returns every complete command, and an error once input is malformed. */
  push(chunk: Buffer): ParseResult {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const commands: string[][] = [];
    for (;;) {
      const parsed = this.next();
      if (parsed === undefined) return { commands };
      if (typeof parsed === 'string') return { commands, error: parsed };
      if (parsed.length > 0) commands.push(parsed);
    }
  }

  /** One command, `undefined` when incomplete, or an error text. */
  private next(): string[] | string | undefined {
    if (this.buffer.length === 0) return undefined;
    if (this.buffer[0] !== 0x2a /* '*' */) return this.inline();
    let pos = 0;
    const line = (): string | undefined => {
      const end = this.buffer.indexOf('\r\n', pos);
      if (end === -1) return undefined;
      const text = this.buffer.toString('latin1', pos, end);
      pos = end + 2;
      return text;
    };
    const header = line();
    if (header === undefined) return this.tooLong();
    const count = Number(header.slice(1));
    if (!Number.isInteger(count) || count > MAX_ARGS) return 'Protocol error: invalid multibulk length';
    const args: string[] = [];
    for (let i = 0; i < count; i++) {
      const lenLine = line();
      if (lenLine === undefined) return undefined;
      if (lenLine[0] !== '$') return `Protocol error: expected '$', got '${lenLine[0] ?? ' '}'`;
      const len = Number(lenLine.slice(1));
      if (!Number.isInteger(len) || len < 0 || len > MAX_BULK) return 'Protocol error: invalid bulk length';
      if (this.buffer.length < pos + len + 2) return undefined;
      args.push(this.buffer.toString('utf8', pos, pos + len));
      pos += len + 2;
    }
    this.buffer = this.buffer.subarray(pos);
    return args;
  }

  private inline(): string[] | string | undefined {
    const end = this.buffer.indexOf('\n');
    if (end === -1) return this.tooLong();
    const text = this.buffer.toString('utf8', 0, end).replace(/\r$/, '');
    this.buffer = this.buffer.subarray(end + 1);
    return text.split(/\s+/).filter((s) => s !== '');
  }

  private tooLong(): string | undefined {
    return this.buffer.length > 64 * 1024 ? 'Protocol error: too big request' : undefined;
  }
}

export function encode(reply: Reply): string {
  if (reply === null) return '$-1\r\n';
  if (typeof reply === 'number') return `:${reply}\r\n`;
  if (typeof reply === 'string') return `$${Buffer.byteLength(reply)}\r\n${reply}\r\n`;
  if (Array.isArray(reply)) return `*${reply.length}\r\n${reply.map(encode).join('')}`;
  if ('simple' in reply) return `+${reply.simple}\r\n`;
  return `-${reply.error.replace(/[\r\n]+/g, ' ')}\r\n`;
}

export const OK: Reply = { simple: 'OK' };

/** Redis glob patterns (`*`, `?`, `[abc]`, `\x`) as a predicate. */
export function globMatcher(pattern: string): (key: string) => boolean {
  if (pattern === '*') return () => true;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '\\' && i + 1 < pattern.length) source += escapeRegex(pattern[++i]);
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close === -1) source += '\\[';
      else {
        const body = pattern.slice(i + 1, close).replace(/\\/g, '\\\\');
        source += body.startsWith('^') ? `[^${body.slice(1)}]` : `[${body}]`;
        i = close;
      }
    } else source += escapeRegex(c);
  }
  try {
    const regex = new RegExp(`^${source}$`, 's');
    return (key) => regex.test(key);
  } catch {
    return () => false;
  }
}

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
