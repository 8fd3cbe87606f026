/**
 * The two cookies of the original front-end, byte for byte: express-session's signed `md.sid`
 * (`s:<sid>.<base64 HMAC-SHA256 without '='>`, URL-encoded, `Path=/; HttpOnly`) and Express's
 * `res.cookie('logged_in', sid, {maxAge: 3600000})`. Written by hand rather than through
 * @fastify/cookie, which would re-encode the value and add `SameSite` (ecosystem P12).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'md.sid';
export const LOGGED_IN_COOKIE = 'logged_in';
const LOGGED_IN_MAX_AGE_MS = 3_600_000;

/** express-session's id: 24 random bytes, base64url (32 characters). */
export function newSessionId(): string {
  return randomBytes(24).toString('base64url');
}

function signature(sid: string, secret: string): string {
  return createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, '');
}

export function signSessionId(sid: string, secret: string): string {
  return `s:${sid}.${signature(sid, secret)}`;
}

/** The session id inside a decoded `md.sid` value, or undefined if it is unsigned or the signature is wrong. */
export function unsignSessionId(value: string, secret: string): string | undefined {
  if (!value.startsWith('s:')) return undefined;
  const dot = value.lastIndexOf('.');
  if (dot < 2) return undefined;
  const sid = value.slice(2, dot);
  const given = Buffer.from(value.slice(dot + 1));
  const expected = Buffer.from(signature(sid, secret));
  return given.length === expected.length && timingSafeEqual(given, expected) ? sid : undefined;
}

/** Cookie header → name/value map; the first occurrence of a name wins, undecodable values stay raw. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in cookies) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    cookies[name] = safeDecode(value);
  }
  return cookies;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function sessionSetCookie(sid: string, secret: string): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(signSessionId(sid, secret))}; Path=/; HttpOnly`;
}

export function loggedInSetCookie(sid: string, now = Date.now()): string {
  const expires = new Date(now + LOGGED_IN_MAX_AGE_MS).toUTCString();
  return `${LOGGED_IN_COOKIE}=${encodeURIComponent(sid)}; Max-Age=${LOGGED_IN_MAX_AGE_MS / 1000}; Path=/; Expires=${expires}`;
}
