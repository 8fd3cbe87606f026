/**
 * express-session semantics for the API routes (in the original, static files were served
 * before the session middleware and got no session): every request without a valid signed
 * `md.sid` for a stored session starts a new one, which is saved and sent as a cookie
 * (`saveUninitialized: true`); a changed session is saved again; an unchanged one only has
 * its TTL restarted (connect-redis `touch`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { SessionStoreFullError, type SessionData, type SessionStore } from '../../stores/sessions/types.js';
import { newSessionId, parseCookies, sessionSetCookie, SESSION_COOKIE, unsignSessionId } from './cookies.js';

export interface Session {
  id: string;
  data: SessionData;
  isNew: boolean;
  modified: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    cookies?: Record<string, string>;
    session?: Session;
  }
}

function freshData(): SessionData {
  return { cookie: { originalMaxAge: null, expires: null, httpOnly: true, path: '/' } };
}

export function installSessions(
  api: FastifyInstance,
  store: SessionStore,
  secret: string,
  log: Logger,
): void {
  api.addHook('onRequest', async (req) => {
    const cookies = parseCookies(req.headers.cookie);
    req.cookies = cookies;
    const raw = cookies[SESSION_COOKIE];
    const sid = raw === undefined ? undefined : unsignSessionId(raw, secret);
    const data = sid === undefined ? undefined : await store.get(sid);
    req.session =
      sid !== undefined && data
        ? { id: sid, data, isNew: false, modified: false }
        : { id: newSessionId(), data: freshData(), isNew: true, modified: false };
  });

  api.addHook('onSend', async (req, reply, payload) => {
    const session = req.session;
    if (!session) return payload;
    if (session.isNew) appendSetCookie(reply, sessionSetCookie(session.id, secret));
    try {
      if (session.isNew || session.modified) await store.set(session.id, session.data);
      else await store.touch(session.id);
    } catch (error) {
      // The reply is already decided; like express-session, a failed save only loses the session.
      if (error instanceof SessionStoreFullError) log.warn({ sid: session.id }, error.message);
      else log.error({ err: error }, 'session store write failed');
    }
    return payload;
  });
}

export function appendSetCookie(reply: FastifyReply, cookie: string): void {
  reply.header('set-cookie', cookie);
}

/** The request's session; the API scope always has one. */
export function sessionOf(req: FastifyRequest): Session {
  if (!req.session) throw new Error('session middleware not installed');
  return req.session;
}

/** `helpers.getCustomerId`: the logged-in customer when `logged_in` is present (even if the session lost it), else the session id. */
export function customerIdOf(req: FastifyRequest): string {
  const session = sessionOf(req);
  if (req.cookies?.logged_in) return String(session.data.customerId);
  return session.id;
}

export function isLoggedIn(req: FastifyRequest): boolean {
  return Boolean(req.cookies?.logged_in);
}
