/**
 * The carts store on MongoDB (or FerretDB): a `carts` document per customer and an `items`
 * document per line, as the original's carts-db held them. A cart counts the positions it has
 * handed out (`nextPos`), so lines keep their order within a cart; merging moves the source's
 * lines after the target's (no quantity merging), like the original. The `/items` side door
 * lists every line in creation order (`seq`).
 */
import type { Collection } from 'mongodb';
import { newObjectId } from '../../shop/common/object-id.js';
import { openMongoStore, type MongoStoreClient, type MongoStoreOptions } from '../mongo/client.js';
import type { CartItem, CartStore, NewCartItem, Page } from './types.js';

interface CartDoc {
  _id: string;
  /** The last position given to a line of this cart. */
  nextPos: number;
}

interface LineDoc {
  _id: string;
  seq: number;
  customerId: string;
  pos: number;
  itemId: string;
  quantity: number;
  unitPrice: number;
}

export class MongoCartStore implements CartStore {
  private readonly carts: Collection<CartDoc>;
  private readonly lines: Collection<LineDoc>;

  constructor(private readonly mongo: MongoStoreClient) {
    this.carts = mongo.db.collection<CartDoc>('carts');
    this.lines = mongo.db.collection<LineDoc>('items');
  }

  async prepare(): Promise<void> {
    await this.lines.createIndex({ customerId: 1, pos: 1 });
    await this.lines.createIndex({ seq: 1 });
  }

  async ensureCart(customerId: string) {
    await this.carts.updateOne({ _id: customerId }, { $setOnInsert: { nextPos: 0 } }, { upsert: true });
  }

  async deleteCart(customerId: string) {
    await this.lines.deleteMany({ customerId });
    await this.carts.deleteOne({ _id: customerId });
  }

  async items(customerId: string) {
    await this.ensureCart(customerId);
    const docs = await this.lines.find({ customerId }).sort({ pos: 1, seq: 1 }).toArray();
    return docs.map(toItem);
  }

  async addItem(customerId: string, item: NewCartItem) {
    const cart = await this.carts.findOneAndUpdate(
      { _id: customerId },
      { $inc: { nextPos: 1 } },
      { upsert: true, returnDocument: 'after' },
    );
    const line: LineDoc = {
      _id: newObjectId(),
      seq: await this.mongo.nextSeq('items'),
      customerId,
      pos: cart!.nextPos,
      itemId: item.itemId,
      quantity: item.quantity,
      unitPrice: Math.fround(item.unitPrice),
    };
    await this.lines.insertOne(line);
    return toItem(line);
  }

  async setQuantity(lineId: string, quantity: number) {
    const doc = await this.lines.findOneAndUpdate(
      { _id: lineId },
      { $set: { quantity } },
      { returnDocument: 'after' },
    );
    return doc ? toItem(doc) : undefined;
  }

  async removeItem(customerId: string, lineId: string) {
    const { deletedCount } = await this.lines.deleteOne({ _id: lineId, customerId });
    return deletedCount > 0;
  }

  async merge(intoId: string, fromId: string) {
    if (intoId === fromId) return this.ensureCart(fromId);
    const from = await this.carts.findOne({ _id: fromId });
    const moved = from?.nextPos ?? 0;
    // Reserve the source's positions at the end of the target, then shift its lines into them.
    const into = await this.carts.findOneAndUpdate(
      { _id: intoId },
      { $inc: { nextPos: moved } },
      { upsert: true, returnDocument: 'before' },
    );
    await this.lines.updateMany(
      { customerId: fromId },
      { $set: { customerId: intoId }, $inc: { pos: into?.nextPos ?? 0 } },
    );
    await this.carts.deleteOne({ _id: fromId });
  }

  async allItems(page: Page) {
    const offset = Math.max(0, page.offset ?? 0);
    const limit = page.limit === undefined ? undefined : Math.max(0, page.limit);
    const cursor = this.lines.find({}).sort({ seq: 1 }).skip(offset);
    // Mongo reads a limit of 0 as "no limit".
    const docs = limit === 0 ? [] : await (limit === undefined ? cursor : cursor.limit(limit)).toArray();
    return { items: docs.map(toItem), total: await this.lines.countDocuments() };
  }

  async itemById(lineId: string) {
    const doc = await this.lines.findOne({ _id: lineId });
    return doc ? toItem(doc) : undefined;
  }

  health() {
    return this.mongo.ping();
  }

  close() {
    return this.mongo.close();
  }
}

function toItem(doc: LineDoc): CartItem {
  return { id: doc._id, itemId: doc.itemId, quantity: doc.quantity, unitPrice: Math.fround(doc.unitPrice) };
}

export function openMongoCartStore(options: MongoStoreOptions): Promise<MongoCartStore> {
  return openMongoStore('carts-db', 'CARTS_DB_URL', 'carts', options, async (mongo) => {
    const store = new MongoCartStore(mongo);
    await store.prepare();
    return store;
  });
}
