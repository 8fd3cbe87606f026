/** The embedded carts store: carts hold ordered line ids, lines live in their own table, copies in and out. */
import { newObjectId } from '../../shop/common/object-id.js';
import type { CartItem, CartStore, NewCartItem, Page } from './types.js';

export class MemoryCartStore implements CartStore {
  private readonly carts = new Map<string, string[]>();
  private readonly lines = new Map<string, CartItem>();

  async ensureCart(customerId: string) {
    this.cart(customerId);
  }

  async deleteCart(customerId: string) {
    for (const lineId of this.carts.get(customerId) ?? []) this.lines.delete(lineId);
    this.carts.delete(customerId);
  }

  async items(customerId: string) {
    return this.cart(customerId).flatMap((lineId) => {
      const line = this.lines.get(lineId);
      return line ? [{ ...line }] : [];
    });
  }

  async addItem(customerId: string, item: NewCartItem) {
    const line: CartItem = { ...item, id: newObjectId() };
    this.lines.set(line.id, line);
    this.cart(customerId).push(line.id);
    return { ...line };
  }

  async setQuantity(lineId: string, quantity: number) {
    const line = this.lines.get(lineId);
    if (!line) return undefined;
    line.quantity = quantity;
    return { ...line };
  }

  async removeItem(customerId: string, lineId: string) {
    const cart = this.carts.get(customerId);
    const index = cart?.indexOf(lineId) ?? -1;
    if (!cart || index === -1) return false;
    cart.splice(index, 1);
    this.lines.delete(lineId);
    return true;
  }

  async merge(intoId: string, fromId: string) {
    const moved = this.cart(fromId);
    if (intoId !== fromId) {
      this.cart(intoId).push(...moved);
      // The lines now belong to the target cart; only the source cart record goes.
      this.carts.delete(fromId);
    }
  }

  async allItems(page: Page) {
    const all = [...this.lines.values()];
    const offset = Math.max(0, page.offset ?? 0);
    const end = page.limit === undefined ? undefined : offset + Math.max(0, page.limit);
    return { items: all.slice(offset, end).map((line) => ({ ...line })), total: all.length };
  }

  async itemById(lineId: string) {
    const line = this.lines.get(lineId);
    return line && { ...line };
  }

  async health() {
    return true;
  }

  async close() {}

  private cart(customerId: string): string[] {
    let cart = this.carts.get(customerId);
    if (!cart) {
      cart = [];
      this.carts.set(customerId, cart);
    }
    return cart;
  }
}
