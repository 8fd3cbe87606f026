/**
 * The orders store on PostgreSQL (a real server or the embedded PGlite pod): one row per order,
 * the embedded parts (customer, address, card, items, shipment, status history) as one JSONB
 * document as the original's Mongo document held them, with the columns that are searched —
 * customer, shipment id, status — beside it. Insertion order (`seq`) is the listing order.
 */
import { newObjectId } from '../../shop/common/object-id.js';
import { openStorePool, type PgPool, type PostgresStoreOptions } from '../sql/pg-pool.js';
import type {
  NewOrder,
  OrderFilter,
  OrderPage,
  OrderRecord,
  OrderStatus,
  OrderStore,
  PageRequest,
  StatusUpdate,
} from './types.js';

const DDL = [
  `CREATE TABLE orders (id text PRIMARY KEY, seq bigserial, customer_id text NOT NULL, shipment_id text NOT NULL,
    status text NOT NULL, doc jsonb NOT NULL)`,
  `CREATE INDEX orders_customer ON orders (customer_id, seq)`,
  `CREATE INDEX orders_shipment ON orders (shipment_id)`,
];

/** The document as stored: dates as ISO strings. */
type StoredOrder = Omit<OrderRecord, 'date' | 'statusHistory'> & {
  date: string;
  statusHistory: Array<{ status: OrderStatus; at: string; reason?: string }>;
};

export class PostgresOrderStore implements OrderStore {
  constructor(private readonly pool: PgPool) {}

  async create(order: NewOrder, at = new Date()): Promise<OrderRecord> {
    const record: OrderRecord = {
      ...structuredClone(order),
      id: newObjectId(at.getTime()),
      status: 'created',
      statusHistory: [{ status: 'created', at }],
    };
    await this.pool.query(
      'INSERT INTO orders (id, customer_id, shipment_id, status, doc) VALUES ($1, $2, $3, $4, $5)',
      [record.id, record.customerId, record.shipment.id, record.status, JSON.stringify(record)],
    );
    return record;
  }

  async get(id: string): Promise<OrderRecord | undefined> {
    const [row] = await this.pool.query<{ doc: StoredOrder }>('SELECT doc FROM orders WHERE id = $1', [id]);
    return row && revive(row.doc);
  }

  async list(page: PageRequest, filter?: OrderFilter): Promise<OrderPage> {
    const statuses = filter?.statuses ?? null;
    const rows = await this.pool.query<{ doc: StoredOrder }>(
      `SELECT doc FROM orders WHERE ($1::text[] IS NULL OR status = ANY($1)) ORDER BY seq LIMIT $2 OFFSET $3`,
      [statuses, page.size, page.page * page.size],
    );
    const [{ n }] = await this.pool.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM orders WHERE ($1::text[] IS NULL OR status = ANY($1))',
      [statuses],
    );
    return { orders: rows.map((r) => revive(r.doc)), totalElements: Number(n) };
  }

  async byCustomer(customerId: string, filter?: OrderFilter): Promise<OrderRecord[]> {
    const rows = await this.pool.query<{ doc: StoredOrder }>(
      `SELECT doc FROM orders WHERE customer_id = $1 AND ($2::text[] IS NULL OR status = ANY($2)) ORDER BY seq`,
      [customerId, filter?.statuses ?? null],
    );
    return rows.map((r) => revive(r.doc));
  }

  async byShipmentId(shipmentId: string): Promise<OrderRecord | undefined> {
    const [row] = await this.pool.query<{ doc: StoredOrder }>(
      'SELECT doc FROM orders WHERE shipment_id = $1 ORDER BY seq LIMIT 1',
      [shipmentId],
    );
    return row && revive(row.doc);
  }

  async updateStatus(
    id: string,
    status: OrderStatus,
    from: readonly OrderStatus[],
    reason?: string,
    at = new Date(),
  ): Promise<StatusUpdate> {
    return this.pool.transaction(async (client): Promise<StatusUpdate> => {
      const { rows } = await client.query<{ doc: StoredOrder }>(
        'SELECT doc FROM orders WHERE id = $1 FOR UPDATE',
        [id],
      );
      if (rows.length === 0) return { outcome: 'missing' };
      const order = revive(rows[0].doc);
      if (order.status === status) return { outcome: 'unchanged', order };
      if (!from.includes(order.status)) return { outcome: 'conflict', order };
      order.status = status;
      order.statusHistory.push(reason === undefined ? { status, at } : { status, at, reason });
      await client.query('UPDATE orders SET status = $2, doc = $3 WHERE id = $1', [
        id,
        status,
        JSON.stringify(order),
      ]);
      return { outcome: 'updated', order };
    });
  }

  ping(): Promise<boolean> {
    return this.pool.ping();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function revive(doc: StoredOrder): OrderRecord {
  return {
    ...doc,
    date: new Date(doc.date),
    statusHistory: doc.statusHistory.map((change) => ({ ...change, at: new Date(change.at) })),
  };
}

export async function openPostgresOrderStore(options: PostgresStoreOptions): Promise<PostgresOrderStore> {
  const { pool } = await openStorePool('orders-db', 'ORDERS_DB_URL', options, DDL);
  return new PostgresOrderStore(pool);
}
