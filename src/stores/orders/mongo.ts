/**
 * The orders store on MongoDB (or FerretDB): one document per order, embedding what checkout
 * fetched (customer, address, card, items, shipment) and the status history, as the original's
 * orders-db did; dates are BSON dates. `seq` keeps insertion order as the listing order. A status
 * move is a compare-and-set on the current status, retried when another writer moved it first.
 */
import type { Collection, Filter } from 'mongodb';
import { newObjectId } from '../../shop/common/object-id.js';
import { openMongoStore, withId, type MongoStoreClient, type MongoStoreOptions } from '../mongo/client.js';
import type {
  NewOrder,
  OrderFilter,
  OrderPage,
  OrderRecord,
  OrderStatus,
  OrderStore,
  PageRequest,
  StatusChange,
  StatusUpdate,
} from './types.js';

type OrderDoc = Omit<OrderRecord, 'id'> & { _id: string; seq: number };

export class MongoOrderStore implements OrderStore {
  private readonly orders: Collection<OrderDoc>;

  constructor(private readonly mongo: MongoStoreClient) {
    this.orders = mongo.db.collection<OrderDoc>('orders');
  }

  async prepare(): Promise<void> {
    await this.orders.createIndex({ seq: 1 });
    await this.orders.createIndex({ customerId: 1, seq: 1 });
    await this.orders.createIndex({ 'shipment.id': 1 });
  }

  async create(order: NewOrder, at = new Date()): Promise<OrderRecord> {
    const record: OrderRecord = {
      ...structuredClone(order),
      id: newObjectId(at.getTime()),
      status: 'created',
      statusHistory: [{ status: 'created', at }],
    };
    const { id, ...doc } = record;
    await this.orders.insertOne({ ...doc, _id: id, seq: await this.mongo.nextSeq('orders') });
    return record;
  }

  async get(id: string): Promise<OrderRecord | undefined> {
    const doc = await this.orders.findOne({ _id: id });
    return doc ? toOrder(doc) : undefined;
  }

  async list(page: PageRequest, filter?: OrderFilter): Promise<OrderPage> {
    const query = statusQuery(filter);
    // Mongo reads a limit of 0 as "no limit".
    const docs =
      page.size <= 0
        ? []
        : await this.orders
            .find(query)
            .sort({ seq: 1 })
            .skip(page.page * page.size)
            .limit(page.size)
            .toArray();
    return { orders: docs.map(toOrder), totalElements: await this.orders.countDocuments(query) };
  }

  async byCustomer(customerId: string, filter?: OrderFilter): Promise<OrderRecord[]> {
    const docs = await this.orders
      .find({ ...statusQuery(filter), customerId })
      .sort({ seq: 1 })
      .toArray();
    return docs.map(toOrder);
  }

  async byShipmentId(shipmentId: string): Promise<OrderRecord | undefined> {
    const [doc] = await this.orders.find({ 'shipment.id': shipmentId }).sort({ seq: 1 }).limit(1).toArray();
    return doc ? toOrder(doc) : undefined;
  }

  async updateStatus(
    id: string,
    status: OrderStatus,
    from: readonly OrderStatus[],
    reason?: string,
    at = new Date(),
  ): Promise<StatusUpdate> {
    const change: StatusChange = reason === undefined ? { status, at } : { status, at, reason };
    for (;;) {
      const order = await this.get(id);
      if (!order) return { outcome: 'missing' };
      if (order.status === status) return { outcome: 'unchanged', order };
      if (!from.includes(order.status)) return { outcome: 'conflict', order };
      const updated = await this.orders.findOneAndUpdate(
        { _id: id, status: order.status },
        { $set: { status }, $push: { statusHistory: change } },
        { returnDocument: 'after' },
      );
      if (updated) return { outcome: 'updated', order: toOrder(updated) };
    }
  }

  ping(): Promise<boolean> {
    return this.mongo.ping();
  }

  close(): Promise<void> {
    return this.mongo.close();
  }
}

function statusQuery(filter?: OrderFilter): Filter<OrderDoc> {
  return filter?.statuses ? { status: { $in: [...filter.statuses] } } : {};
}

function toOrder(doc: OrderDoc): OrderRecord {
  return withId<OrderRecord>(doc, ['seq']);
}

export function openMongoOrderStore(options: MongoStoreOptions): Promise<MongoOrderStore> {
  return openMongoStore('orders-db', 'ORDERS_DB_URL', 'orders', options, async (mongo) => {
    const store = new MongoOrderStore(mongo);
    await store.prepare();
    return store;
  });
}
