/** Catalogue pass-through (sockshop-spec §3.4): proxied GETs always answer 200 with the upstream body. */
import type { FastifyInstance } from 'fastify';
import { sendBare, sendPiped, type RouteContext } from '../backend.js';

export function catalogueRoutes(api: FastifyInstance, { backends }: RouteContext): void {
  // Images keep the catalogue's own status and headers (the original piped the response).
  api.get('/catalogue/images*', async (req, reply) =>
    sendPiped(reply, await backends.call(`http://catalogue${req.url}`)),
  );

  // Every other `/catalogue…` URL, query included, goes to the catalogue as is; the status is always 200.
  api.get('/catalogue*', async (req, reply) => {
    const res = await backends.call(`http://catalogue${req.url}`);
    return sendBare(reply, 200, res.body);
  });

  api.get('/tags', async (_req, reply) => {
    const res = await backends.call('http://catalogue/tags');
    return sendBare(reply, 200, res.body);
  });
}
