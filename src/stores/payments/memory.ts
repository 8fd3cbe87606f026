/** The embedded payment ledger: rows in memory, newest last, the oldest dropped beyond a bound. */
import { randomUUID } from 'node:crypto';
import type { NewPayment, PaymentLedger, PaymentQuery, PaymentRecord, VoidResult } from './types.js';

export class MemoryPaymentLedger implements PaymentLedger {
  private readonly rows = new Map<string, PaymentRecord>();

  constructor(
    private readonly maxEntries = 100_000,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(payment: NewPayment): Promise<PaymentRecord> {
    const row: PaymentRecord = {
      id: randomUUID(),
      time: this.now().toISOString(),
      ...payment,
      status: payment.authorised ? 'authorised' : 'declined',
    };
    this.rows.set(row.id, row);
    if (this.rows.size > this.maxEntries) this.rows.delete(this.rows.keys().next().value!);
    return { ...row };
  }

  async list(query: PaymentQuery): Promise<PaymentRecord[]> {
    const out: PaymentRecord[] = [];
    const rows = [...this.rows.values()];
    for (let i = rows.length - 1; i >= 0 && out.length < query.limit; i--) {
      const row = rows[i];
      if (query.status && row.status !== query.status) continue;
      if (query.orderId !== undefined && row.orderId !== query.orderId) continue;
      out.push({ ...row });
    }
    return out;
  }

  async get(id: string): Promise<PaymentRecord | undefined> {
    const row = this.rows.get(id);
    return row && { ...row };
  }

  async void(id: string): Promise<VoidResult> {
    const row = this.rows.get(id);
    if (!row) return { outcome: 'not-found' };
    if (row.status === 'voided') return { outcome: 'already-voided', payment: { ...row } };
    if (row.status !== 'authorised') return { outcome: 'not-authorised', payment: { ...row } };
    row.status = 'voided';
    row.voidedAt = this.now().toISOString();
    return { outcome: 'voided', payment: { ...row } };
  }

  async close(): Promise<void> {}
}
