/** Cart routes (sockshop-spec §3.4): the cart is keyed by the customer id, or by the session id before login. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../../common/errors.js';
import {
  asText,
  bodyOf,
  parseJson,
  readPath,
  sendBare,
  type Backends,
  type RouteContext,
} from '../backend.js';
import { customerIdOf } from '../session.js';

export function cartRoutes(api: FastifyInstance, { backends }: RouteContext): void {
  const cartUrl = (req: FastifyRequest) => `http://carts/carts/${encodeURIComponent(customerIdOf(req))}`;

  api.get('/cart', async (req, reply) => {
    const res = await backends.call(`${cartUrl(req)}/items`);
    return sendBare(reply, res.status, res.body);
  });

  api.delete('/cart', async (req, reply) => {
    const res = await backends.call(cartUrl(req), { method: 'DELETE' });
    return sendBare(reply, res.status);
  });

  api.delete<{ Params: { id: string } }>('/cart/:id', async (req, reply) => {
    const res = await backends.call(`${cartUrl(req)}/items/${encodeURIComponent(req.params.id)}`, {
      method: 'DELETE',
    });
    return sendBare(reply, res.status);
  });

  api.post('/cart', async (req, reply) => {
    const body = bodyOf(req.body);
    if (body.id === undefined || body.id === null) throw new HttpError(500, 'Must pass id of item to add');
    const sock = await lookUpSock(backends, body.id);
    const res = await backends.call(`${cartUrl(req)}/items`, {
      method: 'POST',
      json: { itemId: readPath(sock, 'id'), unitPrice: readPath(sock, 'price') },
    });
    if (res.status !== 201) throw new HttpError(500, `Unable to add to cart. Status code: ${res.status}`);
    return sendBare(reply, 201);
  });

  api.post('/cart/update', async (req, reply) => {
    const body = bodyOf(req.body);
    if (body.id === undefined || body.id === null) throw new HttpError(500, 'Must pass id of item to update');
    if (body.quantity === undefined || body.quantity === null)
      throw new HttpError(500, 'Must pass quantity to update');
    const sock = await lookUpSock(backends, body.id);
    const quantity = Number.parseInt(asText(body.quantity), 10);
    const res = await backends.call(`${cartUrl(req)}/items`, {
      method: 'PATCH',
      // NaN serialises as null, as JSON.stringify did in the original.
      json: { itemId: readPath(sock, 'id'), quantity, unitPrice: readPath(sock, 'price') },
    });
    if (res.status !== 202) throw new HttpError(500, `Unable to update cart. Status code: ${res.status}`);
    return sendBare(reply, 202);
  });
}

async function lookUpSock(backends: Backends, id: unknown): Promise<unknown> {
  return parseJson(await backends.call(`http://catalogue/catalogue/${encodeURIComponent(asText(id))}`));
}
