/**
 * The user store on MongoDB (or FerretDB), in the original's own shape: a `customers` collection
 * whose documents hold the ordered ids of their addresses and cards, and `addresses` and `cards`
 * collections. The username has a unique index; `version` gives optimistic concurrency for profile
 * updates; `seq` (from the counters collection) keeps insertion order as the listing order.
 * Without multi-document transactions (a standalone server has none), deleting a customer removes
 * the customer first and then its addresses and cards.
 */
import type { Collection, Document, PullOperator } from 'mongodb';
import { newObjectId } from '../../shop/common/object-id.js';
import {
  isDuplicateKey,
  openMongoStore,
  withId,
  type MongoStoreClient,
  type MongoStoreOptions,
} from '../mongo/client.js';
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

type Stored = Document & { _id: string; seq: number };

/** Addresses and cards: a collection of documents and the customer field that links them. */
interface Linked {
  collection: 'addresses' | 'cards';
  field: 'addressIds' | 'cardIds';
}
const ADDRESSES: Linked = { collection: 'addresses', field: 'addressIds' };
const CARDS: Linked = { collection: 'cards', field: 'cardIds' };

export class MongoUserStore extends LinkedRecords<Linked> implements UserStore {
  protected readonly addressKind = ADDRESSES;
  protected readonly cardKind = CARDS;

  private readonly customers: Collection<Stored>;

  constructor(private readonly mongo: MongoStoreClient) {
    super();
    this.customers = mongo.db.collection<Stored>('customers');
  }

  /** Creates the indexes; loads the seed (the original's three customers) when the store is new. */
  async prepare(seed?: UserSnapshot): Promise<void> {
    const fresh = await this.mongo.isNew('customers');
    await this.customers.createIndex({ username: 1 }, { unique: true });
    await this.customers.createIndex({ seq: 1 });
    for (const { collection } of [ADDRESSES, CARDS])
      await this.mongo.db.collection(collection).createIndex({ seq: 1 });
    if (fresh && seed) await this.seed(seed).catch(ignoreDuplicate);
  }

  private async seed(snapshot: UserSnapshot): Promise<void> {
    for (const { id, ...customer } of snapshot.customers) await this.insert(this.customers, id, customer);
    for (const { id, ...doc } of snapshot.addresses) await this.insert(this.linked(ADDRESSES), id, doc);
    for (const { id, ...doc } of snapshot.cards) await this.insert(this.linked(CARDS), id, doc);
  }

  async listCustomers(page?: Page) {
    return (await this.list(this.customers, page)).map(toCustomer);
  }

  async getCustomer(id: string) {
    const doc = await this.customers.findOne({ _id: id });
    return doc ? toCustomer(doc) : undefined;
  }

  async findCustomerByUsername(username: string) {
    const doc = await this.customers.findOne({ username });
    return doc ? toCustomer(doc) : undefined;
  }

  async createCustomer(customer: NewCustomer) {
    const record: Omit<CustomerRecord, 'id'> = {
      firstName: customer.firstName,
      lastName: customer.lastName,
      username: customer.username,
      email: customer.email,
      passwordHash: customer.passwordHash,
      salt: customer.salt,
      addressIds: [],
      cardIds: [],
      version: 1,
    };
    const id = newObjectId();
    try {
      await this.insert(this.customers, id, record);
    } catch (error) {
      if (isDuplicateKey(error)) throw new DuplicateUsernameError(customer.username);
      throw error;
    }
    return { ...record, id };
  }

  async updateCustomer(id: string, changes: ProfileChanges, expectedVersion?: number) {
    const set = Object.fromEntries(
      (['firstName', 'lastName', 'email'] as const)
        .filter((field) => changes[field] !== undefined)
        .map((field) => [field, changes[field]]),
    );
    const filter = expectedVersion === undefined ? { _id: id } : { _id: id, version: expectedVersion };
    const doc = await this.customers.findOneAndUpdate(
      filter,
      { $set: set, $inc: { version: 1 } },
      { returnDocument: 'after' },
    );
    if (doc) return toCustomer(doc);
    const current = await this.getCustomer(id);
    if (!current) throw new RecordNotFoundError();
    throw new VersionConflictError(current.version);
  }

  async deleteCustomer(id: string) {
    const doc = await this.customers.findOneAndDelete({ _id: id });
    if (!doc) return false;
    await this.linked(ADDRESSES).deleteMany({ _id: { $in: doc.addressIds as string[] } });
    await this.linked(CARDS).deleteMany({ _id: { $in: doc.cardIds as string[] } });
    return true;
  }

  health() {
    return this.mongo.ping();
  }

  close() {
    return this.mongo.close();
  }

  private linked(kind: Linked): Collection<Stored> {
    return this.mongo.db.collection<Stored>(kind.collection);
  }

  private async insert(collection: Collection<Stored>, id: string, doc: object): Promise<void> {
    const seq = await this.mongo.nextSeq(collection.collectionName);
    await collection.insertOne({ ...doc, _id: id, seq });
  }

  private async list(collection: Collection<Stored>, page: Page = {}): Promise<Stored[]> {
    const offset = Math.max(0, Math.floor(page.offset ?? 0));
    const limit = page.limit === undefined ? undefined : Math.max(0, Math.floor(page.limit));
    // Mongo reads a limit of 0 as "no limit".
    if (limit === 0) return [];
    const cursor = collection.find({}).sort({ seq: 1 }).skip(offset);
    return (limit === undefined ? cursor : cursor.limit(limit)).toArray();
  }

  protected async listDocs<T extends { id: string }>(kind: Linked, page?: Page): Promise<T[]> {
    return (await this.list(this.linked(kind), page)).map((doc) => withId<T>(doc, ['seq']));
  }

  protected async getDoc<T extends { id: string }>(kind: Linked, id: string): Promise<T | undefined> {
    const doc = await this.linked(kind).findOne({ _id: id });
    return doc ? withId<T>(doc, ['seq']) : undefined;
  }

  /** The customer's documents in the order of its id list. */
  protected async docsOf<T extends { id: string }>(kind: Linked, customerId: string): Promise<T[]> {
    const customer = await this.customers.findOne({ _id: customerId }, { projection: { [kind.field]: 1 } });
    const ids = (customer?.[kind.field] as string[] | undefined) ?? [];
    const docs = await this.linked(kind)
      .find({ _id: { $in: ids } })
      .toArray();
    const byId = new Map(docs.map((doc) => [doc._id, withId<T>(doc, ['seq'])]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Stores the document, then links it; like the original, it stays stored when the customer is missing. */
  protected async createDoc<T>(kind: Linked, doc: object, customerId?: string): Promise<T> {
    const id = newObjectId();
    await this.insert(this.linked(kind), id, doc);
    if (customerId !== undefined) {
      const { matchedCount } = await this.customers.updateOne(
        { _id: customerId },
        { $addToSet: { [kind.field]: id }, $inc: { version: 1 } },
      );
      if (matchedCount === 0) throw new RecordNotFoundError();
    }
    return { ...doc, id } as T;
  }

  protected async deleteDoc(kind: Linked, id: string): Promise<boolean> {
    const { deletedCount } = await this.linked(kind).deleteOne({ _id: id });
    if (deletedCount === 0) return false;
    await this.customers.updateMany(
      { [kind.field]: id },
      { $pull: { [kind.field]: id } as PullOperator<Stored>, $inc: { version: 1 } },
    );
    return true;
  }
}

function toCustomer(doc: Stored): CustomerRecord {
  return {
    id: doc._id,
    firstName: doc.firstName as string,
    lastName: doc.lastName as string,
    username: doc.username as string,
    email: doc.email as string,
    passwordHash: doc.passwordHash as string,
    salt: doc.salt as string,
    addressIds: doc.addressIds as string[],
    cardIds: doc.cardIds as string[],
    version: doc.version as number,
  };
}

/** Another replica of the service started at the same time and is seeding the store. */
function ignoreDuplicate(error: unknown): void {
  if (!isDuplicateKey(error)) throw error;
}

/** Opens the store, creating its indexes and loading `seed` on first use. */
export function openMongoUserStore(options: MongoStoreOptions, seed?: UserSnapshot): Promise<MongoUserStore> {
  return openMongoStore('user-db', 'USER_DB_URL', 'users', options, async (mongo) => {
    const store = new MongoUserStore(mongo);
    await store.prepare(seed);
    return store;
  });
}
