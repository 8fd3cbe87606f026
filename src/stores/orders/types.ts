/**
 * The orders service's store. Orders embed what was fetched at checkout (customer, address,
 * card, items), as the original's Mongo documents did, plus our status lifecycle
 * (created → paid → shipped, or payment_failed / failed) with a timestamped history.
 * Operations are async and id-addressed so a PostgreSQL implementation can follow
 * (one row per order, JSONB for the embedded parts, an index on customer and shipment id).
 */

export type OrderStatus = 'created' | 'paid' | 'payment_failed' | 'shipped' | 'failed';

export const ORDER_STATUSES: readonly OrderStatus[] = [
  'created',
  'paid',
  'payment_failed',
  'shipped',
  'failed',
];

/** Entity shapes of the original (`entities/*.java`); fields absent upstream are null. */
export interface OrderCustomer {
  id: string | null;
  firstName: string | null;
  lastName: string | null;
  username: string | null;
  addresses: unknown[];
  cards: unknown[];
}

export interface OrderAddress {
  id: string | null;
  number: string | null;
  street: string | null;
  city: string | null;
  postcode: string | null;
  country: string | null;
}

export interface OrderCard {
  id: string | null;
  longNum: string | null;
  expires: string | null;
  ccv: string | null;
}

export interface OrderItem {
  id: string | null;
  itemId: string | null;
  quantity: number;
  unitPrice: number;
}

export interface OrderShipment {
  id: string;
  name: string;
}

export interface StatusChange {
  status: OrderStatus;
  at: Date;
  /** Why the order left the happy path (payment's message, the failing dependency). */
  reason?: string;
}

export interface OrderRecord {
  id: string;
  customerId: string;
  customer: OrderCustomer;
  address: OrderAddress;
  card: OrderCard;
  items: OrderItem[];
  shipment: OrderShipment;
  date: Date;
  /** float32 value, as the original's Java `float`. */
  total: number;
  status: OrderStatus;
  statusHistory: StatusChange[];
}

export type NewOrder = Omit<OrderRecord, 'id' | 'status' | 'statusHistory'>;

export interface PageRequest {
  /** Zero-based, as Spring Data's `page`. */
  page: number;
  size: number;
}

export interface OrderFilter {
  /** Only orders in one of these states; all orders when absent. */
  statuses?: readonly OrderStatus[];
}

export interface OrderPage {
  orders: OrderRecord[];
  totalElements: number;
}

export type StatusUpdate =
  | { outcome: 'updated'; order: OrderRecord }
  /** Already in the target state: repeating a report is harmless. */
  | { outcome: 'unchanged'; order: OrderRecord }
  /** The current state does not allow the move (e.g. shipping a declined order). */
  | { outcome: 'conflict'; order: OrderRecord }
  | { outcome: 'missing' };

export interface OrderStore {
  /** Stores a new order in state `created`; the store assigns the id. */
  create(order: NewOrder, at?: Date): Promise<OrderRecord>;
  get(id: string): Promise<OrderRecord | undefined>;
  /** Orders in insertion order, one page of them. */
  list(page: PageRequest, filter?: OrderFilter): Promise<OrderPage>;
  /** A customer's orders in insertion order. */
  byCustomer(customerId: string, filter?: OrderFilter): Promise<OrderRecord[]>;
  byShipmentId(shipmentId: string): Promise<OrderRecord | undefined>;
  /** Moves an order to `status` if its current state is one of `from`. */
  updateStatus(
    id: string,
    status: OrderStatus,
    from: readonly OrderStatus[],
    reason?: string,
    at?: Date,
  ): Promise<StatusUpdate>;
  /** Whether the store answers (for `/health`'s `orders-db`). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
