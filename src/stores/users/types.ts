/**
 * The user service's store: customers, addresses and cards, shaped after the original's Mongo
 * collections (a customer holds the ids of its addresses and cards) but with plain, async,
 * id-addressed operations so a PostgreSQL implementation can follow.
 */

export interface CustomerRecord {
  id: string;
  firstName: string;
  lastName: string;
  username: string;
  email: string;
  /** Hex SHA-1 of salt + password; empty for customers created without a password. */
  passwordHash: string;
  salt: string;
  addressIds: string[];
  cardIds: string[];
  /** Incremented by every write to the customer; exposed as the ETag of the profile. */
  version: number;
}

export interface AddressRecord {
  id: string;
  street: string;
  number: string;
  country: string;
  city: string;
  postcode: string;
}

export interface CardRecord {
  id: string;
  longNum: string;
  expires: string;
  ccv: string;
}

export type NewCustomer = Omit<CustomerRecord, 'id' | 'addressIds' | 'cardIds' | 'version'>;
export type NewAddress = Omit<AddressRecord, 'id'>;
export type NewCard = Omit<CardRecord, 'id'>;
export type ProfileChanges = Partial<Pick<CustomerRecord, 'firstName' | 'lastName' | 'email'>>;

export interface Page {
  offset?: number;
  limit?: number;
}

/** A username is taken; the message mirrors Mongo's duplicate-key error, which the original returned verbatim. */
export class DuplicateUsernameError extends Error {
  constructor(username: string) {
    super(
      `E11000 duplicate key error collection: users.customers index: username_1 dup key: { : "${username}" }`,
    );
  }
}

/** The customer (or address, card) does not exist; the original said `not found` (mgo's ErrNotFound). */
export class RecordNotFoundError extends Error {
  constructor() {
    super('not found');
  }
}

/** A conditional write found another version than the one the caller read. */
export class VersionConflictError extends Error {
  constructor(readonly currentVersion: number) {
    super(`version is ${currentVersion}`);
  }
}

export interface UserStore {
  listCustomers(page?: Page): Promise<CustomerRecord[]>;
  getCustomer(id: string): Promise<CustomerRecord | undefined>;
  findCustomerByUsername(username: string): Promise<CustomerRecord | undefined>;
  /** Throws DuplicateUsernameError. */
  createCustomer(customer: NewCustomer): Promise<CustomerRecord>;
  /**
   * Overwrites the given profile fields and bumps the version. With `expectedVersion`, the write
   * only happens if the stored version still equals it (VersionConflictError otherwise).
   * Throws RecordNotFoundError.
   */
  updateCustomer(id: string, changes: ProfileChanges, expectedVersion?: number): Promise<CustomerRecord>;
  /** Deletes the customer with its addresses and cards; false if absent. */
  deleteCustomer(id: string): Promise<boolean>;

  listAddresses(page?: Page): Promise<AddressRecord[]>;
  getAddress(id: string): Promise<AddressRecord | undefined>;
  /** The customer's addresses in the order they were added (empty if the customer is absent). */
  addressesOf(customerId: string): Promise<AddressRecord[]>;
  /**
   * Stores the address, then links it to `customerId` when given. Like the original, the
   * address stays stored even when the customer turns out not to exist (RecordNotFoundError).
   */
  createAddress(address: NewAddress, customerId?: string): Promise<AddressRecord>;
  /** Deletes the address and unlinks it from every customer; false if absent. */
  deleteAddress(id: string): Promise<boolean>;

  listCards(page?: Page): Promise<CardRecord[]>;
  getCard(id: string): Promise<CardRecord | undefined>;
  cardsOf(customerId: string): Promise<CardRecord[]>;
  createCard(card: NewCard, customerId?: string): Promise<CardRecord>;
  deleteCard(id: string): Promise<boolean>;

  /** True when the store answers. */
  health(): Promise<boolean>;
  close(): Promise<void>;
}
