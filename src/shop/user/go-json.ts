/**
 * Request decoding the way the original Go service's `json.Decoder` behaved, so bad bodies get
 * the same answers: every decode failure is a 500 carrying Go's message, keys match
 * case-insensitively, `null` leaves a field empty, unknown keys are ignored, and a
 * non-string value for a string field is refused.
 */
import { HttpError } from '../common/errors.js';

export function decodeGoJson<K extends string>(
  body: unknown,
  goType: string,
  fields: readonly K[],
): Record<K, string | undefined> {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
  if (text.trim() === '') throw new HttpError(500, 'EOF');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HttpError(500, goSyntaxMessage(text, (error as Error).message));
  }
  const result = {} as Record<K, string | undefined>;
  if (parsed === null) return result;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HttpError(500, `json: cannot unmarshal ${goKind(parsed)} into Go value of type ${goType}`);
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  for (const field of fields) {
    const exact = entries.find(([key]) => key === field);
    const entry = exact ?? entries.find(([key]) => key.toLowerCase() === field.toLowerCase());
    if (!entry || entry[1] === null) continue;
    if (typeof entry[1] !== 'string') {
      throw new HttpError(500, `json: cannot unmarshal ${goKind(entry[1])} into Go value of type string`);
    }
    result[field] = entry[1];
  }
  return result;
}

function goKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'object';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

/** V8 names the offending token or its position; Go says `invalid character 'x' looking for beginning of value`. */
function goSyntaxMessage(text: string, v8Message: string): string {
  if (/end of JSON input|Unterminated/i.test(v8Message)) return 'unexpected EOF';
  const position = /position (\d+)/.exec(v8Message)?.[1];
  const token =
    position !== undefined ? text[Number(position)] : /Unexpected token '?(.)'?/.exec(v8Message)?.[1];
  return token
    ? `invalid character '${token}' looking for beginning of value`
    : 'invalid character in JSON input';
}
