/**
 * The last guard on every answer (and every call-log entry): long strings and arrays are cut with a
 * visible marker, and the strings a run must keep secret (run id, scenario id) are replaced wherever
 * they occur, keys included. Tools bound their own output first; this only catches what slips through.
 */
const MAX_STRING = 8000;
const MAX_ARRAY = 500;
const MAX_DEPTH = 12;

export const REDACTED = '[redacted]';

export function sanitize(value: unknown, secrets: readonly string[] = []): unknown {
  const patterns = secrets
    .filter((s) => s.length >= 3)
    .map((s) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'));
  const text = (s: string): string => {
    let out = s;
    for (const p of patterns) out = out.replace(p, REDACTED);
    return out.length > MAX_STRING
      ? `${out.slice(0, MAX_STRING)}… [${out.length - MAX_STRING} more chars]`
      : out;
  };
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return text(v);
    if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
    if (v === null || typeof v !== 'object') return v;
    if (depth > MAX_DEPTH) return '[too deep]';
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) {
      const items = v.slice(0, MAX_ARRAY).map((x) => walk(x, depth + 1));
      if (v.length > MAX_ARRAY) items.push(`… ${v.length - MAX_ARRAY} more items`);
      return items;
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[text(k)] = walk(x, depth + 1);
    return out;
  };
  return walk(value, 0);
}

/** Hides the password of a URL-looking value (store URLs in a deployment's env). */
export function hideCredentials(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+):[^@\s]*@/i, '$1:***@');
}
