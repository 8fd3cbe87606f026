/**
 * Go's `encoding/json` as the original payment service meets a request body: syntax is checked
 * first with Go's own error texts, then `{"amount": …}` is decoded into a float32 field with
 * Go's case-insensitive key matching and its type-error texts (Go 1.7 wording). Reproducing
 * these keeps the 500 bodies of bad requests identical to the original's.
 */

export class GoJsonError extends Error {}

/** A parsed JSON value; numbers keep their literal text, as Go reports it in overflow errors. */
type GoValue =
  | { kind: 'object'; entries: Array<[string, GoValue]> }
  | { kind: 'array' }
  | { kind: 'string' }
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

  constructor(private readonly text: string) {}

  parseDocument(): GoValue {
    const value = this.value('looking for beginning of value');
    this.skipSpace();
    if (this.pos < this.text.length) this.fail('after top-level value');
    return value;
  }

  private fail(where: string): never {
    if (this.pos >= this.text.length) throw new GoJsonError('unexpected end of JSON input');
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
    if (c === '"') {
      this.string();
      return { kind: 'string' };
    }
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

/**
 * `json.Unmarshal(body, &AuthoriseRequest{Amount float32 "json:amount"})`: returns the float32
 * amount (0 when absent or null), or throws GoJsonError with Go's message.
 */
export function decodeAmount(body: string): number {
  const document = new Parser(body).parseDocument();
  if (document.kind === 'null') return 0;
  if (document.kind !== 'object') {
    throw new GoJsonError(
      `json: cannot unmarshal ${document.kind} into Go value of type payment.AuthoriseRequest`,
    );
  }
  // Go keeps decoding after a type error and reports the first one; the last matching key wins.
  let amount = 0;
  let firstError: GoJsonError | undefined;
  for (const [key, value] of document.entries) {
    if (key.toLowerCase() !== 'amount' || value.kind === 'null') continue;
    if (value.kind !== 'number') {
      firstError ??= new GoJsonError(`json: cannot unmarshal ${value.kind} into Go value of type float32`);
      continue;
    }
    const parsed = Math.fround(Number(value.literal));
    if (!Number.isFinite(parsed)) {
      firstError ??= new GoJsonError(
        `json: cannot unmarshal number ${value.literal} into Go value of type float32`,
      );
      continue;
    }
    amount = parsed;
  }
  if (firstError) throw firstError;
  return amount;
}
