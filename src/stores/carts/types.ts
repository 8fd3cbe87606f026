/**
 * The carts service's store, shaped after the original's Mongo collections: a cart per customer
 * id holding an ordered list of item lines, each line a separately identified item
 * (`{id, itemId, quantity, unitPrice}`). Operations are async and id-addressed so a
 * PostgreSQL (carts + cart_items with a position) or Redis implementation can follow.
 */

export interface CartItem {
  /** 24-hex id of the line, like the original's Mongo ObjectId. */
  id: string;
  /** Catalogue sock id; two lines are "the same item" when their itemIds match. */
  itemId: string;
  quantity: number;
  /** Single-precision price, as the original's Java float. */
  unitPrice: number;
}

export type NewCartItem = Omit<CartItem, 'id'>;

export interface Page {
  offset?: number;
  limit?: number;
}

export interface CartStore {
  /** Creates an empty cart for the customer if none exists (reads auto-create in the original). */
  ensureCart(customerId: string): Promise<void>;
  /** Removes the cart and its lines; nothing happens if absent. */
  deleteCart(customerId: string): Promise<void>;
  /** The cart's lines in insertion order; creates an empty cart if none exists. */
  items(customerId: string): Promise<CartItem[]>;
  /** Appends a new line to the customer's cart (creating the cart if needed). */
  addItem(customerId: string, item: NewCartItem): Promise<CartItem>;
  /** Sets the quantity of one line by its id; undefined if no such line. */
  setQuantity(lineId: string, quantity: number): Promise<CartItem | undefined>;
  /** Removes one line, by its id, from the customer's cart; false if absent. */
  removeItem(customerId: string, lineId: string): Promise<boolean>;
  /** Appends every line of cart `fromId` to cart `intoId` (no quantity merging), then deletes cart `fromId`. */
  merge(intoId: string, fromId: string): Promise<void>;

  /** Every stored line, across carts (the Spring Data REST `/items` side door). */
  allItems(page: Page): Promise<{ items: CartItem[]; total: number }>;
  itemById(lineId: string): Promise<CartItem | undefined>;

  health(): Promise<boolean>;
  close(): Promise<void>;
}
