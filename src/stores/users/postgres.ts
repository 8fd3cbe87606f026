/**
 * The user store on PostgreSQL (a real server or the embedded PGlite pod). Customers keep the
 * ordered ids of their addresses and cards in arrays, as the original's Mongo documents did;
 * the username is unique; `version` gives optimistic concurrency for profile updates.
 * Insertion order (a serial `seq`) is the listing order, as with the in-memory store.
 */
import { newObjectId } from '../../shop/common/object-id.js';
import { openStorePool, type PgPool, type PostgresStoreOptions } from '../sql/pg-pool.js';
import { LinkedRecords } from './linked-records.js';
import type { UserSnapshot } from './memory.js';
import {
  DuplicateUsernameError,
  RecordNotFoundError,
  VersionConflictError,
  type CustomerRecord,
  type NewCustomer,
  type Page,
  type ProfileChanges,
  type UserStore,
} from './types.js';

const DDL = [
  `CREATE TABLE customers (id text PRIMARY KEY, seq bigserial, username text NOT NULL UNIQUE,
    first_name text NOT NULL, last_name text NOT NULL, email text NOT NULL, password_hash text NOT NULL,
    salt text NOT NULL, address_ids text[] NOT NULL DEFAULT '{}', card_ids text[] NOT NULL DEFAULT '{}',
    version integer NOT NULL DEFAULT 1)`,
  `CREATE TABLE addresses (id text PRIMARY KEY, seq bigserial, doc jsonb NOT NULL)`,
  `CREATE TABLE cards (id text PRIMARY KEY, seq bigserial, doc jsonb NOT NULL)`,
];

interface CustomerRow {
  id: string;
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  password_hash: string;
  salt: string;
  address_ids: string[];
  card_ids: string[];
  version: number;
}

/** Addresses and cards share one shape of table: id + JSON document. */
interface Linked {
  table: 'addresses' | 'cards';
  column: 'address_ids' | 'card_ids';
}
const ADDRESSES: Linked = { table: 'addresses', column: 'address_ids' };
const CARDS: Linked = { table: 'cards', column: 'card_ids' };

const CUSTOMER_COLUMNS =
  'id, username, first_name, last_name, email, password_hash, salt, address_ids, card_ids, version';

export class PostgresUserStore extends LinkedRecords<Linked> implements UserStore {
  protected readonly addressKind = ADDRESSES;
  protected readonly cardKind = CARDS;

  constructor(private readonly pool: PgPool) {
    super();
  }

  /** Loads the seed (the original's three customers) into freshly created tables. */
  async seed(snapshot: UserSnapshot): Promise<void> {
    for (const c of snapshot.customers) {
      await this.pool.query(
        `INSERT INTO customers (${CUSTOMER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          c.id,
          c.username,
          c.firstName,
          c.lastName,
          c.email,
          c.passwordHash,
          c.salt,
          c.addressIds,
          c.cardIds,
          c.version,
        ],
      );
    }
    for (const { id, ...doc } of snapshot.addresses) await this.insertDoc(ADDRESSES, id, doc);
    for (const { id, ...doc } of snapshot.cards) await this.insertDoc(CARDS, id, doc);
  }

  async listCustomers(page?: Page) {
    const rows = await this.pool.query<CustomerRow>(
      `SELECT ${CUSTOMER_COLUMNS} FROM customers ORDER BY seq ${window(page)}`,
    );
    return rows.map(toCustomer);
  }

  async getCustomer(id: string) {
    const [row] = await this.pool.query<CustomerRow>(
      `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE id = $1`,
      [id],
    );
    return row && toCustomer(row);
  }

  async findCustomerByUsername(username: string) {
    const [row] = await this.pool.query<CustomerRow>(
      `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE username = $1`,
      [username],
    );
    return row && toCustomer(row);
  }

  async createCustomer(customer: NewCustomer) {
    const id = newObjectId();
    try {
      const [row] = await this.pool.query<CustomerRow>(
        `INSERT INTO customers (id, username, first_name, last_name, email, password_hash, salt)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${CUSTOMER_COLUMNS}`,
        [
          id,
          customer.username,
          customer.firstName,
          customer.lastName,
          customer.email,
          customer.passwordHash,
          customer.salt,
        ],
      );
      return toCustomer(row);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new DuplicateUsernameError(customer.username);
      throw error;
    }
  }

  async updateCustomer(id: string, changes: ProfileChanges, expectedVersion?: number) {
    const [row] = await this.pool.query<CustomerRow>(
      `UPDATE customers SET first_name = COALESCE($2, first_name), last_name = COALESCE($3, last_name),
         email = COALESCE($4, email), version = version + 1
       WHERE id = $1 AND ($5::integer IS NULL OR version = $5) RETURNING ${CUSTOMER_COLUMNS}`,
      [
        id,
        changes.firstName ?? null,
        changes.lastName ?? null,
        changes.email ?? null,
        expectedVersion ?? null,
      ],
    );
    if (row) return toCustomer(row);
    const current = await this.getCustomer(id);
    if (!current) throw new RecordNotFoundError();
    throw new VersionConflictError(current.version);
  }

  async deleteCustomer(id: string) {
    return this.pool.transaction(async (client) => {
      const { rows } = await client.query<CustomerRow>(
        'DELETE FROM customers WHERE id = $1 RETURNING address_ids, card_ids',
        [id],
      );
      if (rows.length === 0) return false;
      await client.query('DELETE FROM addresses WHERE id = ANY($1)', [rows[0].address_ids]);
      await client.query('DELETE FROM cards WHERE id = ANY($1)', [rows[0].card_ids]);
      return true;
    });
  }

  health() {
    return this.pool.ping();
  }

  close() {
    return this.pool.close();
  }

  private async insertDoc(kind: Linked, id: string, doc: object): Promise<void> {
    await this.pool.query(`INSERT INTO ${kind.table} (id, doc) VALUES ($1, $2)`, [id, JSON.stringify(doc)]);
  }

  protected async listDocs<T>(kind: Linked, page?: Page): Promise<T[]> {
    const rows = await this.pool.query<{ id: string; doc: object }>(
      `SELECT id, doc FROM ${kind.table} ORDER BY seq ${window(page)}`,
    );
    return rows.map((r) => ({ ...r.doc, id: r.id }) as T);
  }

  protected async getDoc<T>(kind: Linked, id: string): Promise<T | undefined> {
    const [row] = await this.pool.query<{ doc: object }>(`SELECT doc FROM ${kind.table} WHERE id = $1`, [id]);
    return row && ({ ...row.doc, id } as T);
  }

  protected async docsOf<T>(kind: Linked, customerId: string): Promise<T[]> {
    const rows = await this.pool.query<{ id: string; doc: object }>(
      `SELECT d.id, d.doc FROM customers c CROSS JOIN unnest(c.${kind.column}) WITH ORDINALITY AS u(id, ord)
         JOIN ${kind.table} d ON d.id = u.id WHERE c.id = $1 ORDER BY u.ord`,
      [customerId],
    );
    return rows.map((r) => ({ ...r.doc, id: r.id }) as T);
  }

  /** Stores the document, then links it; like the original, it stays stored when the customer is missing. */
  protected async createDoc<T>(kind: Linked, doc: object, customerId?: string): Promise<T> {
    const id = newObjectId();
    await this.insertDoc(kind, id, doc);
    if (customerId !== undefined) {
      const [row] = await this.pool.query<{ id: string }>(
        `UPDATE customers SET ${kind.column} = CASE WHEN $2 = ANY(${kind.column}) THEN ${kind.column}
           ELSE array_append(${kind.column}, $2) END, version = version + 1 WHERE id = $1 RETURNING id`,
        [customerId, id],
      );
      if (!row) throw new RecordNotFoundError();
    }
    return { ...doc, id } as T;
  }

  protected async deleteDoc(kind: Linked, id: string): Promise<boolean> {
    return this.pool.transaction(async (client) => {
      const { rowCount } = await client.query(`DELETE FROM ${kind.table} WHERE id = $1`, [id]);
      if (!rowCount) return false;
      await client.query(
        `UPDATE customers SET ${kind.column} = array_remove(${kind.column}, $1), version = version + 1
          WHERE $1 = ANY(${kind.column})`,
        [id],
      );
      return true;
    });
  }
}

function window(page: Page = {}): string {
  const offset = Math.max(0, Math.floor(page.offset ?? 0));
  const limit = page.limit === undefined ? 'ALL' : String(Math.max(0, Math.floor(page.limit)));
  return `LIMIT ${limit} OFFSET ${offset}`;
}

function toCustomer(row: CustomerRow): CustomerRecord {
  return {
    id: row.id,
    firstName: row.first_name,
    lastName: row.last_name,
    username: row.username,
    email: row.email,
    passwordHash: row.password_hash,
    salt: row.salt,
    addressIds: row.address_ids,
    cardIds: row.card_ids,
    version: row.version,
  };
}

/** Opens the store, creating its tables and loading `seed` on first use. */
export async function openPostgresUserStore(
  options: PostgresStoreOptions,
  seed?: UserSnapshot,
): Promise<PostgresUserStore> {
  const { pool, created } = await openStorePool('user-db', 'USER_DB_URL', options, DDL);
  const store = new PostgresUserStore(pool);
  if (created && seed) await store.seed(seed);
  return store;
}
