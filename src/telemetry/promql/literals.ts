/** Literal parsing shared by PromQL, the exposition parser and the HTTP API. */

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 86400_000, 7 * 86400_000, 86400_000, 3600_000, 60_000, 1000, 1];

/** Prometheus duration (`1h30m`, `500ms`) in ms, or undefined when it is not one. */
export function parseDurationMs(text: string): number | undefined {
  if (text === '' || text === '0') return text === '0' ? 0 : undefined;
  const m = DURATION_RE.exec(text);
  if (!m) return undefined;
  let ms = 0;
  let any = false;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const part = m[i + 1];
    if (part !== undefined) {
      ms += Number(part) * UNIT_MS[i];
      any = true;
    }
  }
  return any ? ms : undefined;
}

const FLOAT_RE = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+)$/;
const SPECIAL_RE = /^([+-]?)(inf|infinity|nan)$/i;

/** Go `strconv.ParseFloat`-like parsing: decimals, exponents, hex integers, Inf/NaN in any case. */
export function parseGoFloat(text: string): number | undefined {
  const special = SPECIAL_RE.exec(text);
  if (special) {
    if (special[2].toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  if (!FLOAT_RE.test(text)) return undefined;
  if (/^[+-]?0[xX]/.test(text)) {
    const neg = text.startsWith('-');
    const v = parseInt(text.replace(/^[+-]?0[xX]/, ''), 16);
    return neg ? -v : v;
  }
  return Number(text);
}

/** Unquotes a PromQL string literal: "…" or '…' with Go escapes, or `…` raw. */
export function unquoteString(raw: string): string {
  const quote = raw[0];
  if (quote === '`') return raw.slice(1, -1);
  let out = '';
  for (let i = 1; i < raw.length - 1; i++) {
    const ch = raw[i];
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = raw[++i];
    const simple: Record<string, string> = {
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      '\\': '\\',
      '"': '"',
      "'": "'",
    };
    if (simple[next] !== undefined) {
      out += simple[next];
    } else if (next === 'x' || next === 'u' || next === 'U') {
      const len = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const hex = raw.slice(i + 1, i + 1 + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len)
        throw new Error(`invalid escape sequence in ${raw}`);
      out += next === 'x' ? String.fromCharCode(parseInt(hex, 16)) : String.fromCodePoint(parseInt(hex, 16));
      i += len;
    } else if (/[0-7]/.test(next)) {
      const oct = raw.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) throw new Error(`invalid escape sequence in ${raw}`);
      out += String.fromCharCode(parseInt(oct, 8));
      i += 2;
    } else {
      throw new Error(`unknown escape sequence "\\${next}"`);
    }
  }
  return out;
}

/**
 * Formats a float the way Go's `strconv.FormatFloat(v, 'f', -1, 64)` does (Prometheus' sample values):
 * shortest round-trip digits, never an exponent; NaN, +Inf, -Inf spelled out.
 */
export function formatFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const neg = s.startsWith('-');
  const mantissa = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const [intPart, fracPart = ''] = mantissa.split('.');
  const digits = intPart + fracPart;
  const point = intPart.length + exp;
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return (neg ? '-' : '') + out;
}
