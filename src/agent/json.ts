/**
 * Tolerant readers for tool answers: the agent must not crash on a field it did not expect (it may
 * face an API version it was not written against), so every read has a fallback.
 */
export type Json = Record<string, unknown>;

export const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;

export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** The first array found under one of `keys` (or the value itself when it is an array). */
export function list(v: unknown, ...keys: string[]): Json[] {
  if (Array.isArray(v)) return v.map(obj).filter((x): x is Json => x !== undefined);
  const o = obj(v);
  if (!o) return [];
  for (const k of keys) if (Array.isArray(o[k])) return list(o[k]);
  const nested = obj(o.data) ?? obj(o.result);
  return nested ? list(nested, ...keys) : [];
}

/** A path read: get(x, 'spec', 'template', 'container', 'env'). */
export function get(v: unknown, ...path: (string | number)[]): unknown {
  let cur = v;
  for (const k of path) {
    if (typeof k === 'number') cur = Array.isArray(cur) ? cur[k] : undefined;
    else cur = obj(cur)?.[k];
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** The first of several candidate paths that yields a value. */
export function first(v: unknown, ...paths: (string | number)[][]): unknown {
  for (const p of paths) {
    const x = get(v, ...p);
    if (x !== undefined && x !== null) return x;
  }
  return undefined;
}

/** Kubernetes CPU quantity ("300m", "0.5", 1) in millicores; undefined when absent or unreadable. */
export function cpuMillis(q: unknown): number | undefined {
  if (typeof q === 'number') return Math.round(q * 1000);
  const s = str(q)?.trim();
  if (!s) return undefined;
  if (s.endsWith('m')) return num(s.slice(0, -1));
  const n = num(s);
  return n === undefined ? undefined : Math.round(n * 1000);
}

/** Kubernetes memory quantity in bytes. */
export function memBytes(q: unknown): number | undefined {
  if (typeof q === 'number') return q;
  const m = /^(\d+(?:\.\d+)?)([KMGT]i?|[kmgt])?$/.exec(str(q)?.trim() ?? '');
  if (!m) return undefined;
  const unit = m[2] ?? '';
  const pow = { '': 0, k: 1, K: 1, M: 2, m: 2, G: 3, g: 3, T: 4, t: 4 }[unit.replace('i', '')] ?? 0;
  return Number(m[1]) * (unit.endsWith('i') ? 1024 : 1000) ** pow;
}

export const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];

export const round = (n: number, digits = 3): number => Number(n.toFixed(digits));
