/**
 * The carts store on PostgreSQL (a real server or the embedded PGlite pod): a `carts` row per
 * customer and a `cart_items` row per line, ordered within a cart by `pos`. Merging moves the
 * source cart's lines to the end of the target (no quantity merging), like the original.
 * The `/items` side door lists every line in creation order (`seq`).
 */
import { newObjectId } from '../../shop/common/object-id.js';
import { openStorePool, type PgPool, type PostgresStoreOptions } from '../sql/pg-pool.js';
import type { CartItem, CartStore, NewCartItem, Page } from './types.js';

const DDL = [
  `CREATE TABLE carts (customer_id text PRIMARY KEY)`,
  `CREATE TABLE cart_items (id text PRIMARY KEY, seq bigserial, customer_id text NOT NULL, pos integer NOT NULL,
    item_id text NOT NULL, quantity integer NOT NULL, unit_price real NOT NULL)`,
  `CREATE INDEX cart_items_cart ON cart_items (customer_id, pos)`,
];

interface LineRow {
  id: string;
  item_id: string;
  quantity: number;
  unit_price: number;
}
const LINE_COLUMNS = 'id, item_id, quantity, unit_price';

export class PostgresCartStore implements CartStore {
  constructor(private readonly pool: PgPool) {}

  async ensureCart(customerId: string) {
    await this.pool.query('INSERT INTO carts (customer_id) VALUES ($1) ON CONFLICT DO NOTHING', [customerId]);
  }

  async deleteCart(customerId: string) {
    await this.pool.transaction(async (client) => {
      await client.query('DELETE FROM cart_items WHERE customer_id = $1', [customerId]);
      await client.query('DELETE FROM carts WHERE customer_id = $1', [customerId]);
    });
  }

  async items(customerId: string) {
    await this.ensureCart(customerId);
    const rows = await this.pool.query<LineRow>(
      `SELECT ${LINE_COLUMNS} FROM cart_items WHERE customer_id = $1 ORDER BY pos, seq`,
      [customerId],
    );
    return rows.map(toItem);
  }

  async addItem(customerId: string, item: NewCartItem) {
    await this.ensureCart(customerId);
    const [row] = await this.pool.query<LineRow>(
      `INSERT INTO cart_items (id, customer_id, pos, item_id, quantity, unit_price)
       VALUES ($1, $2, (SELECT COALESCE(MAX(pos), 0) + 1 FROM cart_items WHERE customer_id = $2), $3, $4, $5)
       RETURNING ${LINE_COLUMNS}`,
      [newObjectId(), customerId, item.itemId, item.quantity, Math.fround(item.unitPrice)],
    );
    return toItem(row);
  }

  async setQuantity(lineId: string, quantity: number) {
    const [row] = await this.pool.query<LineRow>(
      `UPDATE cart_items SET quantity = $2 WHERE id = $1 RETURNING ${LINE_COLUMNS}`,
      [lineId, quantity],
    );
    return row && toItem(row);
  }

  async removeItem(customerId: string, lineId: string) {
    const rows = await this.pool.query<{ id: string }>(
      'DELETE FROM cart_items WHERE id = $1 AND customer_id = $2 RETURNING id',
      [lineId, customerId],
    );
    return rows.length > 0;
  }

  async merge(intoId: string, fromId: string) {
    await this.ensureCart(fromId);
    if (intoId === fromId) return;
    await this.pool.transaction(async (client) => {
      await client.query('INSERT INTO carts (customer_id) VALUES ($1) ON CONFLICT DO NOTHING', [intoId]);
      await client.query(
        `UPDATE cart_items SET customer_id = $1,
           pos = pos + (SELECT COALESCE(MAX(pos), 0) FROM cart_items WHERE customer_id = $1)
         WHERE customer_id = $2`,
        [intoId, fromId],
      );
      await client.query('DELETE FROM carts WHERE customer_id = $1', [fromId]);
    });
  }

  async allItems(page: Page) {
    const offset = Math.max(0, page.offset ?? 0);
    const limit = page.limit === undefined ? null : Math.max(0, page.limit);
    const rows = await this.pool.query<LineRow>(
      `SELECT ${LINE_COLUMNS} FROM cart_items ORDER BY seq LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
    const [{ n }] = await this.pool.query<{ n: string }>('SELECT COUNT(*) AS n FROM cart_items');
    return { items: rows.map(toItem), total: Number(n) };
  }

  async itemById(lineId: string) {
    const [row] = await this.pool.query<LineRow>(`SELECT ${LINE_COLUMNS} FROM cart_items WHERE id = $1`, [
      lineId,
    ]);
    return row && toItem(row);
  }

  health() {
    return this.pool.ping();
  }

  close() {
    return this.pool.close();
  }
}

function toItem(row: LineRow): CartItem {
  return {
    id: row.id,
    itemId: row.item_id,
    quantity: row.quantity,
    unitPrice: Math.fround(Number(row.unit_price)),
  };
}

export async function openPostgresCartStore(options: PostgresStoreOptions): Promise<PostgresCartStore> {
  const { pool } = await openStorePool('carts-db', 'CARTS_DB_URL', options, DDL);
  return new PostgresCartStore(pool);
}
