/** The embedded orders store: insertion-ordered maps, copies in and out so callers never share state. */
import { newObjectId } from '../../shop/common/object-id.js';
import type {
  NewOrder,
  OrderFilter,
  OrderPage,
  OrderRecord,
  OrderStatus,
  OrderStore,
  PageRequest,
  StatusUpdate,
} from './types.js';

export class MemoryOrderStore implements OrderStore {
  private readonly orders = new Map<string, OrderRecord>();
  private readonly byShipment = new Map<string, string>();

  async create(order: NewOrder, at = new Date()): Promise<OrderRecord> {
    const record: OrderRecord = {
      ...structuredClone(order),
      id: newObjectId(at.getTime()),
      status: 'created',
      statusHistory: [{ status: 'created', at }],
    };
    this.orders.set(record.id, record);
    this.byShipment.set(record.shipment.id, record.id);
    return structuredClone(record);
  }

  async get(id: string): Promise<OrderRecord | undefined> {
    const record = this.orders.get(id);
    return record && structuredClone(record);
  }

  async list(page: PageRequest, filter?: OrderFilter): Promise<OrderPage> {
    const matching = this.matching(filter);
    const start = page.page * page.size;
    return {
      orders: structuredClone(matching.slice(start, start + page.size)),
      totalElements: matching.length,
    };
  }

  async byCustomer(customerId: string, filter?: OrderFilter): Promise<OrderRecord[]> {
    return structuredClone(this.matching(filter).filter((o) => o.customerId === customerId));
  }

  async byShipmentId(shipmentId: string): Promise<OrderRecord | undefined> {
    const id = this.byShipment.get(shipmentId);
    return id === undefined ? undefined : this.get(id);
  }

  async updateStatus(
    id: string,
    status: OrderStatus,
    from: readonly OrderStatus[],
    reason?: string,
    at = new Date(),
  ): Promise<StatusUpdate> {
    const record = this.orders.get(id);
    if (!record) return { outcome: 'missing' };
    if (record.status === status) return { outcome: 'unchanged', order: structuredClone(record) };
    if (!from.includes(record.status)) return { outcome: 'conflict', order: structuredClone(record) };
    record.status = status;
    record.statusHistory.push(reason === undefined ? { status, at } : { status, at, reason });
    return { outcome: 'updated', order: structuredClone(record) };
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.orders.clear();
    this.byShipment.clear();
  }

  private matching(filter?: OrderFilter): OrderRecord[] {
    const all = [...this.orders.values()];
    const statuses = filter?.statuses;
    return statuses ? all.filter((o) => statuses.includes(o.status)) : all;
  }
}
