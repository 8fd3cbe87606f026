/** The embedded user store: three maps in insertion order, copies in and out so callers never share state. */
import { newObjectId } from '../../shop/common/object-id.js';
import {
  DuplicateUsernameError,
  RecordNotFoundError,
  VersionConflictError,
  type AddressRecord,
  type CardRecord,
  type CustomerRecord,
  type NewAddress,
  type NewCard,
  type NewCustomer,
  type Page,
  type ProfileChanges,
  type UserStore,
} from './types.js';

export interface UserSnapshot {
  customers: CustomerRecord[];
  addresses: AddressRecord[];
  cards: CardRecord[];
}

export class MemoryUserStore implements UserStore {
  private readonly customers = new Map<string, CustomerRecord>();
  private readonly addresses = new Map<string, AddressRecord>();
  private readonly cards = new Map<string, CardRecord>();

  constructor(initial: UserSnapshot = { customers: [], addresses: [], cards: [] }) {
    for (const c of initial.customers) this.customers.set(c.id, copyCustomer(c));
    for (const a of initial.addresses) this.addresses.set(a.id, { ...a });
    for (const c of initial.cards) this.cards.set(c.id, { ...c });
  }

  async listCustomers(page?: Page) {
    return paginate([...this.customers.values()], page).map(copyCustomer);
  }

  async getCustomer(id: string) {
    const found = this.customers.get(id);
    return found && copyCustomer(found);
  }

  async findCustomerByUsername(username: string) {
    for (const c of this.customers.values()) if (c.username === username) return copyCustomer(c);
    return undefined;
  }

  async createCustomer(customer: NewCustomer) {
    // The original's unique index covers every value, the empty username included.
    for (const c of this.customers.values()) {
      if (c.username === customer.username) throw new DuplicateUsernameError(customer.username);
    }
    const record: CustomerRecord = {
      ...customer,
      id: newObjectId(),
      addressIds: [],
      cardIds: [],
      version: 1,
    };
    this.customers.set(record.id, record);
    return copyCustomer(record);
  }

  async updateCustomer(id: string, changes: ProfileChanges, expectedVersion?: number) {
    const record = this.customers.get(id);
    if (!record) throw new RecordNotFoundError();
    if (expectedVersion !== undefined && record.version !== expectedVersion) {
      throw new VersionConflictError(record.version);
    }
    for (const key of ['firstName', 'lastName', 'email'] as const) {
      const value = changes[key];
      if (value !== undefined) record[key] = value;
    }
    record.version++;
    return copyCustomer(record);
  }

  async deleteCustomer(id: string) {
    const record = this.customers.get(id);
    if (!record) return false;
    for (const a of record.addressIds) this.addresses.delete(a);
    for (const c of record.cardIds) this.cards.delete(c);
    this.customers.delete(id);
    return true;
  }

  async listAddresses(page?: Page) {
    return paginate([...this.addresses.values()], page).map((a) => ({ ...a }));
  }

  async getAddress(id: string) {
    const found = this.addresses.get(id);
    return found && { ...found };
  }

  async addressesOf(customerId: string) {
    return this.linked(customerId, 'addressIds', this.addresses);
  }

  async createAddress(address: NewAddress, customerId?: string) {
    const record = { ...address, id: newObjectId() };
    this.addresses.set(record.id, record);
    if (customerId !== undefined) this.link(customerId, 'addressIds', record.id);
    return { ...record };
  }

  async deleteAddress(id: string) {
    return this.remove(id, 'addressIds', this.addresses);
  }

  async listCards(page?: Page) {
    return paginate([...this.cards.values()], page).map((c) => ({ ...c }));
  }

  async getCard(id: string) {
    const found = this.cards.get(id);
    return found && { ...found };
  }

  async cardsOf(customerId: string) {
    return this.linked(customerId, 'cardIds', this.cards);
  }

  async createCard(card: NewCard, customerId?: string) {
    const record = { ...card, id: newObjectId() };
    this.cards.set(record.id, record);
    if (customerId !== undefined) this.link(customerId, 'cardIds', record.id);
    return { ...record };
  }

  async deleteCard(id: string) {
    return this.remove(id, 'cardIds', this.cards);
  }

  async health() {
    return true;
  }

  async close() {}

  private linked<T extends { id: string }>(
    customerId: string,
    field: 'addressIds' | 'cardIds',
    table: Map<string, T>,
  ) {
    const ids = this.customers.get(customerId)?.[field] ?? [];
    return ids.flatMap((id) => {
      const found = table.get(id);
      return found ? [{ ...found }] : [];
    });
  }

  private link(customerId: string, field: 'addressIds' | 'cardIds', id: string) {
    const customer = this.customers.get(customerId);
    if (!customer) throw new RecordNotFoundError();
    if (!customer[field].includes(id)) customer[field].push(id);
    customer.version++;
  }

  private remove<T>(id: string, field: 'addressIds' | 'cardIds', table: Map<string, T>) {
    if (!table.delete(id)) return false;
    for (const customer of this.customers.values()) {
      const index = customer[field].indexOf(id);
      if (index !== -1) {
        customer[field].splice(index, 1);
        customer.version++;
      }
    }
    return true;
  }
}

function copyCustomer(c: CustomerRecord): CustomerRecord {
  return { ...c, addressIds: [...c.addressIds], cardIds: [...c.cardIds] };
}

function paginate<T>(rows: T[], page: Page = {}): T[] {
  const offset = Math.max(0, page.offset ?? 0);
  return page.limit === undefined ? rows.slice(offset) : rows.slice(offset, offset + Math.max(0, page.limit));
}
