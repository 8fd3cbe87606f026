/**
 * The payment ledger (an extension): one row per authorisation decision, so orphaned
 * authorisations (paid, but no order) can be found and voided later. Shaped as a table:
 * payments(id PK, created_at, amount, authorised, status, message, customer_id, order_id,
 * gateway_ref, voided_at) with an index on (status, created_at) and on order_id.
 */

export type PaymentStatus = 'authorised' | 'declined' | 'voided';

export interface PaymentRecord {
  id: string;
  /** ISO-8601 time of the decision. */
  time: string;
  amount: number;
  authorised: boolean;
  status: PaymentStatus;
  message: string;
  customerId?: string;
  orderId?: string;
  /** The gateway's reference when a gateway took part. */
  gatewayRef?: string;
  voidedAt?: string;
}

export type NewPayment = Omit<PaymentRecord, 'id' | 'time' | 'status' | 'voidedAt'>;

export interface PaymentQuery {
  status?: PaymentStatus;
  orderId?: string;
  /** Newest first, at most this many. */
  limit: number;
}

export type VoidResult =
  | { outcome: 'voided' | 'already-voided'; payment: PaymentRecord }
  | { outcome: 'not-authorised'; payment: PaymentRecord }
  | { outcome: 'not-found' };

export interface PaymentLedger {
  record(payment: NewPayment): Promise<PaymentRecord>;
  list(query: PaymentQuery): Promise<PaymentRecord[]>;
  get(id: string): Promise<PaymentRecord | undefined>;
  /** Voids an authorisation; declined payments cannot be voided. */
  void(id: string): Promise<VoidResult>;
  close(): Promise<void>;
}
