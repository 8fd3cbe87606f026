/**
 * The address and card half of a UserStore kept in a document or table store: the ten record methods
 * over five primitives per linked kind, which each backend implements once.
 */
import type { AddressRecord, CardRecord, NewAddress, NewCard, Page } from './types.js';

export abstract class LinkedRecords<K> {
  protected abstract readonly addressKind: K;
  protected abstract readonly cardKind: K;
  protected abstract listDocs<T extends { id: string }>(kind: K, page?: Page): Promise<T[]>;
  protected abstract getDoc<T extends { id: string }>(kind: K, id: string): Promise<T | undefined>;
  protected abstract docsOf<T extends { id: string }>(kind: K, customerId: string): Promise<T[]>;
  protected abstract createDoc<T>(kind: K, doc: object, customerId?: string): Promise<T>;
  protected abstract deleteDoc(kind: K, id: string): Promise<boolean>;

  listAddresses(page?: Page) {
    return this.listDocs<AddressRecord>(this.addressKind, page);
  }

  getAddress(id: string) {
    return this.getDoc<AddressRecord>(this.addressKind, id);
  }

  addressesOf(customerId: string) {
    return this.docsOf<AddressRecord>(this.addressKind, customerId);
  }

  createAddress(address: NewAddress, customerId?: string) {
    return this.createDoc<AddressRecord>(this.addressKind, address, customerId);
  }

  deleteAddress(id: string) {
    return this.deleteDoc(this.addressKind, id);
  }

  listCards(page?: Page) {
    return this.listDocs<CardRecord>(this.cardKind, page);
  }

  getCard(id: string) {
    return this.getDoc<CardRecord>(this.cardKind, id);
  }

  cardsOf(customerId: string) {
    return this.docsOf<CardRecord>(this.cardKind, customerId);
  }

  createCard(card: NewCard, customerId?: string) {
    return this.createDoc<CardRecord>(this.cardKind, card, customerId);
  }

  deleteCard(id: string) {
    return this.deleteDoc(this.cardKind, id);
  }
}
