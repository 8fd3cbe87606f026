/**
 * Request bodies as the original user service read them: `json.NewDecoder(r.Body).Decode(&req)`
 * into a struct of string fields. Every decode failure is a 500 carrying Go's message.
 */
import { HttpError } from '../common/errors.js';
import { decodeGoStruct, GoJsonError } from '../common/go-json.js';

export function decodeGoJson<K extends string>(
  body: unknown,
  goType: string,
  fields: readonly K[],
): Record<K, string | undefined> {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
  const types = Object.fromEntries(fields.map((field) => [field, 'string' as const])) as Record<K, 'string'>;
  try {
    return decodeGoStruct(text, goType, types, 'decoder') as Record<K, string | undefined>;
  } catch (error) {
    if (error instanceof GoJsonError) throw new HttpError(500, error.message);
    throw error;
  }
}
