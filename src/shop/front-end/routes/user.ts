/** Customer, address, card, register and login routes (sockshop-spec §3.4). */
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  asText,
  bodyOf,
  parseJson,
  readPath,
  reserialise,
  sendBare,
  type Backends,
  type RouteContext,
} from '../backend.js';
import { loggedInSetCookie } from '../cookies.js';
import { appendSetCookie, customerIdOf, sessionOf } from '../session.js';

export function userRoutes(api: FastifyInstance, { backends }: RouteContext): void {
  const passThrough = async (reply: FastifyReply, url: string, method = 'GET') => {
    const res = await backends.call(url, { method });
    return sendBare(reply, 200, res.body);
  };
  const postJson = async (reply: FastifyReply, url: string, body: unknown) => {
    const res = await backends.call(url, { method: 'POST', json: body });
    return sendBare(reply, 200, reserialise(res.text()));
  };

  // `:id` is ignored: the original always read the session's customer.
  api.get('/customers/:id', async (req, reply) =>
    passThrough(reply, `http://user/customers/${encodeURIComponent(String(sessionOf(req).data.customerId))}`),
  );
  api.get('/customers', async (_req, reply) => passThrough(reply, 'http://user/customers'));
  api.get('/addresses', async (_req, reply) => passThrough(reply, 'http://user/addresses'));
  api.get('/cards', async (_req, reply) => passThrough(reply, 'http://user/cards'));
  api.get<{ Params: { id: string } }>('/cards/:id', async (req, reply) =>
    passThrough(reply, `http://user/cards/${encodeURIComponent(req.params.id)}`),
  );
  for (const kind of ['customers', 'addresses', 'cards']) {
    api.delete<{ Params: { id: string } }>(`/${kind}/:id`, async (req, reply) =>
      passThrough(reply, `http://user/${kind}/${encodeURIComponent(req.params.id)}`, 'DELETE'),
    );
  }

  api.post('/customers', async (req, reply) => postJson(reply, 'http://user/customers', req.body ?? {}));
  api.post('/addresses', async (req, reply) =>
    postJson(reply, 'http://user/addresses', { ...bodyOf(req.body), userID: customerIdOf(req) }),
  );
  api.post('/cards', async (req, reply) =>
    postJson(reply, 'http://user/cards', { ...bodyOf(req.body), userID: customerIdOf(req) }),
  );

  api.get('/address', async (req, reply) => {
    const first = await firstOfCustomer(backends, customerIdOf(req), 'addresses', 'address');
    return sendBare(reply, 200, JSON.stringify(first ?? { status_code: 500 }));
  });

  api.get('/card', async (req, reply) => {
    const first = await firstOfCustomer(backends, customerIdOf(req), 'cards', 'card');
    if (!first) return sendBare(reply, 200, JSON.stringify({ status_code: 500 }));
    return sendBare(reply, 200, JSON.stringify({ number: String(readPath(first, 'longNum')).slice(-4) }));
  });

  api.post('/register', async (req, reply) => {
    const session = sessionOf(req);
    try {
      const res = await backends.call('http://user/register', { method: 'POST', json: req.body ?? {} });
      const body =
        res.status === 200 && res.text() !== '' ? (parseJson(res) as Record<string, unknown>) : undefined;
      if (!body || body.error || body.id === undefined) return sendBare(reply, 500);
      const customerId = asText(body.id);
      session.data.customerId = customerId;
      session.modified = true;
      await backends.call(mergeUrl(customerId, session.id));
      appendSetCookie(reply, loggedInSetCookie(session.id));
      return reply.code(200).send({ id: customerId });
    } catch (error) {
      req.log.warn({ err: error }, 'register failed');
      return sendBare(reply, 500);
    }
  });

  api.get('/login', async (req, reply) => {
    const session = sessionOf(req);
    const authorization = req.headers.authorization;
    let customerId: string;
    try {
      const res = await backends.call('http://user/login', {
        headers: authorization ? { authorization } : {},
      });
      if (res.status !== 200 || res.text() === '') return sendBare(reply, 401);
      customerId = String(readPath(parseJson(res), 'user', 'id'));
    } catch (error) {
      req.log.warn({ err: error }, 'login failed');
      return sendBare(reply, 401);
    }
    session.data.customerId = customerId;
    session.modified = true;
    // The anonymous cart joins the customer's; a failed merge does not fail the login.
    await backends.call(mergeUrl(customerId, session.id)).catch((error: unknown) => {
      req.log.warn({ err: error }, 'cart merge after login failed');
    });
    appendSetCookie(reply, loggedInSetCookie(session.id));
    return reply.code(200).type('text/html; charset=utf-8').send('Cookie is set');
  });
}

function mergeUrl(customerId: string, sessionId: string): string {
  return `http://carts/carts/${encodeURIComponent(customerId)}/merge?sessionId=${encodeURIComponent(sessionId)}`;
}

/** First `_embedded.<rel>` entry of a customer's sub-collection, or undefined when the list is empty or an error came back. */
async function firstOfCustomer(
  backends: Backends,
  custId: string,
  collection: 'addresses' | 'cards',
  rel: 'address' | 'card',
): Promise<unknown> {
  const list = parseJson(
    await backends.call(`http://user/customers/${encodeURIComponent(custId)}/${collection}`),
  ) as {
    _embedded?: Record<string, unknown>;
  } | null;
  const items = list?._embedded?.[rel];
  return Array.isArray(items) && items.length > 0 ? (items[0] as unknown) : undefined;
}
