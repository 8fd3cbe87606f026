/**
 * Go's `encoding/json` as the original Go services (catalogue, payment, user) used it. Out:
 * `json.NewEncoder(w).Encode(v)` ends the body with a newline. In: request bodies are checked
 * for syntax with Go's own error texts, then decoded into a struct the Go way (keys matched
 * case-insensitively with exact matches first, `null` leaves a field alone, unknown keys are
 * ignored, the first type error is reported in Go 1.7 wording), so bad requests get the very
 * 500 bodies the originals sent.
 */
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

/**
 * `json.Unmarshal(body, &v)` (payment) rejects anything after the value and says `unexpected end
 * of JSON input`; `json.NewDecoder(body).Decode(&v)` (user) reads one value, ignores what follows,
 * and says `EOF` for an empty body and `unexpected EOF` for a cut-off one.
 */
export type GoJsonMode = 'unmarshal' | 'decoder';

export class GoJsonError extends Error {}

/** A parsed JSON value; numbers keep their literal text, as Go reports it in overflow errors. */
export type GoValue =
  | { kind: 'object'; entries: Array<[string, GoValue]> }
  | { kind: 'array' }
  | { kind: 'string'; value: string }
  | { kind: 'number'; literal: string }
  | { kind: 'bool' }
  | { kind: 'null' };

/** Go's `quoteChar`: the offending character as it appears in syntax errors. */
function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  const quoted = JSON.stringify(c);
  return `'${quoted.slice(1, -1)}'`;
}

class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly mode: GoJsonMode,
  ) {}

  parseDocument(): GoValue {
    this.skipSpace();
    if (this.mode === 'decoder' && this.pos >= this.text.length) throw new GoJsonError('EOF');
    const value = this.value('looking for beginning of value');
    if (this.mode === 'decoder') return value;
    this.skipSpace();
    if (this.pos < this.text.length) this.fail('after top-level value');
    return value;
  }

  private fail(where: string): never {
    if (this.pos >= this.text.length) {
      throw new GoJsonError(this.mode === 'decoder' ? 'unexpected EOF' : 'unexpected end of JSON input');
    }
    throw new GoJsonError(`invalid character ${quoteChar(this.text[this.pos])} ${where}`);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos])) this.pos++;
  }

  private value(where: string): GoValue {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return { kind: 'string', value: this.string() };
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    if (c === 't') return this.literal('true', { kind: 'bool' });
    if (c === 'f') return this.literal('false', { kind: 'bool' });
    if (c === 'n') return this.literal('null', { kind: 'null' });
    return this.fail(where);
  }

  private object(): GoValue {
    this.pos++;
    const entries: Array<[string, GoValue]> = [];
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', entries };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.fail('looking for beginning of object key string');
      const key = this.string();
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail('after object key');
      this.pos++;
      entries.push([key, this.value('looking for beginning of value')]);
      this.skipSpace();
      const next = this.text[this.pos];
      this.pos++;
      if (next === '}') return { kind: 'object', entries };
      if (next !== ',') {
        this.pos--;
        this.fail('after object key:value pair');
      }
    }
  }

  private array(): GoValue {
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array' };
    }
    for (;;) {
      this.value('looking for beginning of value');
      this.skipSpace();
      const next = this.text[this.pos];
      this.pos++;
      if (next === ']') return { kind: 'array' };
      if (next !== ',') {
        this.pos--;
        this.fail('after array element');
      }
    }
  }

  /** Returns the decoded string (keys need it); validates escapes and control characters as Go does. */
  private string(): string {
    const start = ++this.pos;
    for (;;) {
      if (this.pos >= this.text.length) this.fail('in string literal');
      const c = this.text[this.pos];
      if (c === '"') break;
      if (c < ' ') this.fail('in string literal');
      if (c === '\\') {
        this.pos++;
        const e = this.text[this.pos];
        if (e === 'u') {
          for (let i = 0; i < 4; i++) {
            this.pos++;
            if (!/^[0-9a-fA-F]$/.test(this.text[this.pos] ?? ''))
              this.fail('in \\u hexadecimal character escape');
          }
        } else if (e === undefined || !'"\\/bfnrt'.includes(e)) {
          this.fail('in string escape code');
        }
      }
      this.pos++;
    }
    const raw = this.text.slice(start, this.pos);
    this.pos++;
    return JSON.parse(`"${raw}"`) as string;
  }

  private number(): GoValue {
    const start = this.pos;
    if (this.text[this.pos] === '-') this.pos++;
    const digits = () => {
      while (/^[0-9]$/.test(this.text[this.pos] ?? '')) this.pos++;
    };
    const isDigit = () => /^[0-9]$/.test(this.text[this.pos] ?? '');
    if (this.text[this.pos] === '0') this.pos++;
    else if (isDigit()) digits();
    else this.fail('in numeric literal');
    if (this.text[this.pos] === '.') {
      this.pos++;
      if (!isDigit()) this.fail('after decimal point in numeric literal');
      digits();
    }
    if (this.text[this.pos] === 'e' || this.text[this.pos] === 'E') {
      this.pos++;
      if (this.text[this.pos] === '+' || this.text[this.pos] === '-') this.pos++;
      if (!isDigit()) this.fail('in exponent of numeric literal');
      digits();
    }
    return { kind: 'number', literal: this.text.slice(start, this.pos) };
  }

  private literal(word: string, value: GoValue): GoValue {
    for (let i = 0; i < word.length; i++, this.pos++) {
      if (this.text[this.pos] !== word[i]) {
        this.fail(
          i === 0 ? 'looking for beginning of value' : `in literal ${word} (expecting ${quoteChar(word[i])})`,
        );
      }
    }
    return value;
  }
}

/** A struct field's Go type, and how a JSON number or string becomes its value. */
const FIELD_TYPES = {
  string: (value: GoValue) => (value.kind === 'string' ? value.value : undefined),
  float32: (value: GoValue) => {
    if (value.kind !== 'number') return undefined;
    const parsed = Math.fround(Number(value.literal));
    if (!Number.isFinite(parsed)) {
      throw new GoJsonError(`json: cannot unmarshal number ${value.literal} into Go value of type float32`);
    }
    return parsed;
  },
};

type FieldType = keyof typeof FIELD_TYPES;
type FieldValue<T extends FieldType> = T extends 'string' ? string : number;

/**
 * Decodes `text` into the struct `goType` with the given fields (JSON name → Go type). Absent and
 * `null` fields are undefined; a value of the wrong kind is Go's type error, reported after the
 * rest of the document was decoded, the first one only.
 */
export function decodeGoStruct<F extends Record<string, FieldType>>(
  text: string,
  goType: string,
  fields: F,
  mode: GoJsonMode,
): { [K in keyof F]?: FieldValue<F[K]> } {
  const document = new Parser(text, mode).parseDocument();
  const result: Record<string, unknown> = {};
  if (document.kind === 'null') return result as { [K in keyof F]?: FieldValue<F[K]> };
  if (document.kind !== 'object') {
    throw new GoJsonError(`json: cannot unmarshal ${document.kind} into Go value of type ${goType}`);
  }
  const names = Object.keys(fields);
  let firstError: GoJsonError | undefined;
  for (const [key, value] of document.entries) {
    const field =
      names.find((name) => name === key) ?? names.find((name) => name.toLowerCase() === key.toLowerCase());
    if (field === undefined || value.kind === 'null') continue;
    const type = fields[field];
    try {
      const converted = FIELD_TYPES[type](value);
      if (converted === undefined) {
        throw new GoJsonError(`json: cannot unmarshal ${value.kind} into Go value of type ${type}`);
      }
      result[field] = converted;
    } catch (error) {
      if (!(error instanceof GoJsonError)) throw error;
      firstError ??= error;
    }
  }
  if (firstError) throw firstError;
  return result as { [K in keyof F]?: FieldValue<F[K]> };
}
