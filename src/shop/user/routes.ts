/**
 * The original user API (sockshop-spec §8): login, register, customers, addresses, cards,
 * delete and health, with the original's path-prefix matching and its error statuses
 * (401 for bad credentials, 500 with the store's message for everything else).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../common/errors.js';
import { goHealth } from '../common/health.js';
import { isObjectIdHex } from '../common/object-id.js';
import { hashPassword, newSalt, passwordMatches } from '../../stores/users/password.js';
import { DuplicateUsernameError, RecordNotFoundError, type UserStore } from '../../stores/users/types.js';
import { parseBasicAuth } from './basic-auth.js';
import { sendHal, withStore, type UserContext } from './context.js';
import { decodeGoJson } from './request-body.js';

const unauthorized = () => new HttpError(401, 'Unauthorized');
const notFound = () => new HttpError(500, 'not found');

/** Ids are checked before the store is asked, as the original's Mongo layer did. */
function requireHexId(id: string): void {
  if (!isObjectIdHex(id)) throw new HttpError(500, 'Invalid Id Hex');
}

/** Store errors become the original's 500 bodies carrying the store's message. */
async function storeCall<T>(ctx: UserContext, call: (store: UserStore) => Promise<T>): Promise<T> {
  try {
    return await withStore(ctx, call);
  } catch (error) {
    if (error instanceof DuplicateUsernameError || error instanceof RecordNotFoundError) {
      throw new HttpError(500, error.message);
    }
    throw error;
  }
}

/** `/customers/<id>/<attr>`: the id is segment 2 and the attribute segment 3, as the original split the path. */
function segments(req: FastifyRequest): { id: string; attr: string; parts: string[] } {
  const path = req.url.split('?')[0];
  const parts = path.split('/');
  return { id: parts[2] ?? '', attr: parts[3] ?? '', parts };
}

export function registerUserRoutes(app: FastifyInstance, ctx: UserContext): void {
  const { hal, instrumentation } = ctx;
  const label = (route: string) => ({ config: { metricsRoute: route } });

  app.get('/login', async (req, reply) => {
    const user = await instrumentation.measure('login', async () => {
      const credentials = parseBasicAuth(req.headers.authorization);
      if (!credentials) throw unauthorized();
      const customer = await storeCall(ctx, (s) => s.findCustomerByUsername(credentials.username));
      if (!customer) throw notFound();
      if (!passwordMatches(customer.salt, credentials.password, customer.passwordHash)) throw unauthorized();
      return customer;
    });
    return sendHal(reply, { user: hal.customer(user) });
  });

  app.post('/register', async (req, reply) => {
    const body = decodeGoJson(req.body, 'api.registerRequest', [
      'username',
      'password',
      'email',
      'firstName',
      'lastName',
    ] as const);
    const created = await instrumentation.measure('register', () => {
      const salt = newSalt();
      return storeCall(ctx, (s) =>
        s.createCustomer({
          username: body.username ?? '',
          email: body.email ?? '',
          firstName: body.firstName ?? '',
          lastName: body.lastName ?? '',
          salt,
          passwordHash: hashPassword(salt, body.password ?? ''),
        }),
      );
    });
    return sendHal(reply, { id: created.id });
  });

  app.get('/customers*', label('customers'), async (req, reply) => {
    const { id, attr } = segments(req);
    return instrumentation.measure('getUsers', async () => {
      if (id === '') return sendHal(reply, hal.customers(await storeCall(ctx, (s) => s.listCustomers())));
      requireHexId(id);
      const customer = await storeCall(ctx, (s) => s.getCustomer(id));
      if (!customer) throw notFound();
      if (attr === 'addresses')
        return sendHal(reply, hal.addresses(await storeCall(ctx, (s) => s.addressesOf(id))));
      if (attr === 'cards') return sendHal(reply, hal.cards(await storeCall(ctx, (s) => s.cardsOf(id))));
      reply.header('etag', `"${customer.version}"`);
      return sendHal(reply, hal.customer(customer));
    });
  });

  app.get('/addresses*', label('addresses'), async (req, reply) => {
    const { id } = segments(req);
    return instrumentation.measure('getAddresses', async () => {
      if (id === '') return sendHal(reply, hal.addresses(await storeCall(ctx, (s) => s.listAddresses())));
      requireHexId(id);
      const address = await storeCall(ctx, (s) => s.getAddress(id));
      if (!address) throw notFound();
      return sendHal(reply, hal.address(address));
    });
  });

  app.get('/cards*', label('cards'), async (req, reply) => {
    const { id } = segments(req);
    return instrumentation.measure('getCards', async () => {
      if (id === '') return sendHal(reply, hal.cards(await storeCall(ctx, (s) => s.listCards())));
      requireHexId(id);
      const card = await storeCall(ctx, (s) => s.getCard(id));
      if (!card) throw notFound();
      return sendHal(reply, hal.card(card));
    });
  });

  app.post('/customers', async (req, reply) => {
    // The original's User type drops password and email from JSON, so the new customer's password is empty.
    const body = decodeGoJson(req.body, 'users.User', ['firstName', 'lastName', 'username'] as const);
    const created = await instrumentation.measure('postUser', () => {
      const salt = newSalt();
      return storeCall(ctx, (s) =>
        s.createCustomer({
          username: body.username ?? '',
          firstName: body.firstName ?? '',
          lastName: body.lastName ?? '',
          email: '',
          salt,
          passwordHash: hashPassword(salt, ''),
        }),
      );
    });
    return sendHal(reply, { id: created.id });
  });

  app.post('/addresses', async (req, reply) => {
    const body = decodeGoJson(req.body, 'api.addressPostRequest', [
      'street',
      'number',
      'country',
      'city',
      'postcode',
      'userID',
    ] as const);
    const created = await instrumentation.measure('postAddress', () => {
      const owner = ownerOf(body.userID);
      const address = {
        street: body.street ?? '',
        number: body.number ?? '',
        country: body.country ?? '',
        city: body.city ?? '',
        postcode: body.postcode ?? '',
      };
      return storeCall(ctx, (s) => s.createAddress(address, owner));
    });
    return sendHal(reply, { id: created.id });
  });

  app.post('/cards', async (req, reply) => {
    const body = decodeGoJson(req.body, 'api.cardPostRequest', [
      'longNum',
      'expires',
      'ccv',
      'userID',
    ] as const);
    const created = await instrumentation.measure('postCard', () => {
      const owner = ownerOf(body.userID);
      const card = { longNum: body.longNum ?? '', expires: body.expires ?? '', ccv: body.ccv ?? '' };
      return storeCall(ctx, (s) => s.createCard(card, owner));
    });
    return sendHal(reply, { id: created.id });
  });

  app.delete('/*', label('root'), async (req, reply) => {
    const { id, parts } = segments(req);
    if (parts.length !== 3) throw new HttpError(500, 'Invalid request');
    const entity = parts[1];
    await instrumentation.measure('delete', async () => {
      requireHexId(id);
      const deleted = await storeCall(ctx, (s) => deleteEntity(s, entity, id));
      if (!deleted) throw notFound();
    });
    return sendHal(reply, { status: true });
  });

  app.get('/health*', label('health'), async (_req, reply) => {
    const body = await instrumentation.measure('health', async () => {
      const dbOk = await withStore(ctx, (s) => s.health()).catch(() => false);
      return goHealth([
        { service: 'user', ok: true },
        { service: 'user-db', ok: dbOk },
      ]);
    });
    return sendHal(reply, body);
  });
}

/** An empty `userID` means an address or card not linked to anyone; a malformed one is refused before storing. */
function ownerOf(userID: string | undefined): string | undefined {
  if (!userID) return undefined;
  requireHexId(userID);
  return userID;
}

function deleteEntity(store: UserStore, entity: string, id: string): Promise<boolean> {
  switch (entity) {
    case 'customers':
      return store.deleteCustomer(id);
    case 'addresses':
      return store.deleteAddress(id);
    case 'cards':
      return store.deleteCard(id);
    default:
      return Promise.resolve(false);
  }
}
