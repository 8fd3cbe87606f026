/**
 * The user, carts and orders store contract (documents-contract.ts), run unchanged against the in-memory stores, the
 * embedded PGlite pod (a real child process) and the machine's PostgreSQL (a schema per store,
 * dropped afterwards).
 */
import { after, before } from 'node:test';
import { MemoryCartStore } from '../../src/stores/carts/memory.js';
import { openPostgresCartStore } from '../../src/stores/carts/postgres.js';
import { MemoryOrderStore } from '../../src/stores/orders/memory.js';
import { openPostgresOrderStore } from '../../src/stores/orders/postgres.js';
import { MemoryUserStore } from '../../src/stores/users/memory.js';
import { openPostgresUserStore } from '../../src/stores/users/postgres.js';
import { userSeed } from '../../src/stores/users/seed.js';
import { dropPgSchema } from './catalogue-backends.js';
import { describeDocumentStores, type DocumentStores } from './documents-contract.js';
import { REAL_POSTGRES_URL, startEmbeddedSql, uniqueName, type Pod } from './pods.js';

let pglite: Pod;
before(async () => {
  pglite = await startEmbeddedSql({ POD_NAME: 'documents-db-test' });
});
after(async () => {
  await pglite?.stop();
});

async function openPostgres(url: string): Promise<DocumentStores> {
  const schema = uniqueName('shop');
  const users = await openPostgresUserStore({ url, schema }, userSeed());
  const carts = await openPostgresCartStore({ url, schema });
  const orders = await openPostgresOrderStore({ url, schema });
  return {
    users,
    carts,
    orders,
    cleanup: async () => {
      await Promise.all([users.close(), carts.close(), orders.close()]);
      await dropPgSchema(url, schema);
    },
  };
}

const backends: Array<[string, () => Promise<DocumentStores>]> = [
  [
    'memory',
    () =>
      Promise.resolve({
        users: new MemoryUserStore(userSeed()),
        carts: new MemoryCartStore(),
        orders: new MemoryOrderStore(),
        cleanup: async () => undefined,
      }),
  ],
  ['PGlite pod', () => openPostgres(String(pglite.ready.url))],
  ['PostgreSQL', () => openPostgres(REAL_POSTGRES_URL)],
];

for (const [name, open] of backends) describeDocumentStores(name, open);
