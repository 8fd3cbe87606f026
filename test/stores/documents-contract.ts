/**
 * The user, carts and orders store contract: one describe block per backend, the same
 * assertions whatever the backend (in-memory, PostgreSQL/PGlite, MongoDB).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CartStore } from '../../src/stores/carts/types.js';
import type { NewOrder, OrderStore } from '../../src/stores/orders/types.js';
import {
  DuplicateUsernameError,
  RecordNotFoundError,
  VersionConflictError,
  type UserStore,
} from '../../src/stores/users/types.js';

export interface DocumentStores {
  users: UserStore;
  carts: CartStore;
  orders: OrderStore;
  cleanup(): Promise<void>;
}

function newOrder(customerId: string, shipmentId: string): NewOrder {
  return {
    customerId,
    customer: { id: null, firstName: 'User', lastName: 'Name', username: 'user', addresses: [], cards: [] },
    address: {
      id: null,
      number: '246',
      street: 'Whitelees Road',
      city: 'Glasgow',
      postcode: 'G67 3DL',
      country: 'United Kingdom',
    },
    card: { id: null, longNum: '5544154011345918', expires: '08/19', ccv: '958' },
    items: [{ id: 'x', itemId: '3395a43e-2d88-40de-b95f-e00e1502085b', quantity: 3, unitPrice: 18 }],
    shipment: { id: shipmentId, name: customerId },
    date: new Date('2019-12-23T09:26:57.477Z'),
    total: Math.fround(58.99),
  };
}

/** Runs the contract on the stores `open` gives (once for the block), cleaning up after. */
export function describeDocumentStores(name: string, open: () => Promise<DocumentStores>): void {
  describe(`document stores on ${name}`, () => {
    let s: DocumentStores;
    before(async () => {
      s = await open();
    });
    after(async () => {
      await s?.cleanup();
    });

    it('users: seed, lookup, unique username, linked addresses and cards', async () => {
      const customers = await s.users.listCustomers();
      assert.deepEqual(
        customers.map((c) => c.username),
        ['Eve_Berger', 'user', 'user1'],
      );
      const user = (await s.users.findCustomerByUsername('user'))!;
      assert.equal(user.id, '57a98d98e4b00679b4a830b2');
      assert.deepEqual(
        (await s.users.addressesOf(user.id)).map((a) => a.street),
        ['Whitelees Road'],
      );
      assert.deepEqual(
        (await s.users.cardsOf(user.id)).map((c) => c.longNum),
        ['5544154011345918'],
      );
      assert.equal((await s.users.listCustomers({ offset: 1, limit: 1 }))[0].username, 'user');
      const created = await s.users.createCustomer({
        firstName: 'A',
        lastName: 'B',
        username: 'ab',
        email: 'a@b',
        passwordHash: 'h',
        salt: 's',
      });
      assert.match(created.id, /^[0-9a-f]{24}$/);
      assert.equal(created.version, 1);
      await assert.rejects(
        s.users.createCustomer({
          firstName: '',
          lastName: '',
          username: 'ab',
          email: '',
          passwordHash: '',
          salt: '',
        }),
        DuplicateUsernameError,
      );
      const home = await s.users.createAddress(
        { street: 'S', number: '1', country: 'C', city: 'X', postcode: 'P' },
        created.id,
      );
      const card = await s.users.createCard({ longNum: '1234', expires: '01/30', ccv: '123' }, created.id);
      assert.deepEqual(await s.users.getAddress(home.id), home);
      assert.deepEqual(await s.users.cardsOf(created.id), [card]);
      assert.equal((await s.users.getCustomer(created.id))?.version, 3);
      // The address stays stored even when the customer does not exist, as in the original.
      await assert.rejects(
        s.users.createAddress(
          { street: 'O', number: '2', country: 'C', city: 'X', postcode: 'P' },
          'ffffffffffffffffffffffff',
        ),
        RecordNotFoundError,
      );
      assert.equal((await s.users.listAddresses()).length, 6);
      assert.equal(await s.users.deleteCard(card.id), true);
      assert.deepEqual((await s.users.getCustomer(created.id))?.cardIds, []);
      assert.equal(await s.users.deleteCustomer(created.id), true);
      assert.equal(await s.users.getAddress(home.id), undefined);
      assert.equal(await s.users.deleteCustomer(created.id), false);
    });

    it('users: optimistic version on profile updates', async () => {
      const eve = (await s.users.findCustomerByUsername('Eve_Berger'))!;
      const updated = await s.users.updateCustomer(eve.id, { firstName: 'Evelyn' }, eve.version);
      assert.equal(updated.firstName, 'Evelyn');
      assert.equal(updated.lastName, 'Berger');
      assert.equal(updated.version, eve.version + 1);
      await assert.rejects(s.users.updateCustomer(eve.id, { lastName: 'X' }, eve.version), (e: unknown) => {
        assert.ok(e instanceof VersionConflictError);
        assert.equal(e.currentVersion, eve.version + 1);
        return true;
      });
      await assert.rejects(s.users.updateCustomer('ffffffffffffffffffffffff', {}), RecordNotFoundError);
    });

    it('carts: lines in order, quantities, removal, merge appends and deletes the source', async () => {
      assert.deepEqual(await s.carts.items('c1'), []);
      const a = await s.carts.addItem('c1', { itemId: 'sock-a', quantity: 1, unitPrice: Math.fround(7.99) });
      const b = await s.carts.addItem('c1', { itemId: 'sock-b', quantity: 2, unitPrice: 18 });
      assert.equal(a.unitPrice, Math.fround(7.99));
      assert.deepEqual((await s.carts.setQuantity(a.id, 5))?.quantity, 5);
      assert.equal(await s.carts.setQuantity('nope', 1), undefined);
      const anon = await s.carts.addItem('sid', {
        itemId: 'sock-a',
        quantity: 1,
        unitPrice: Math.fround(7.99),
      });
      await s.carts.merge('c1', 'sid');
      assert.deepEqual(
        (await s.carts.items('c1')).map((l) => [l.id, l.itemId, l.quantity]),
        [
          [a.id, 'sock-a', 5],
          [b.id, 'sock-b', 2],
          [anon.id, 'sock-a', 1],
        ],
      );
      assert.deepEqual(await s.carts.items('sid'), []);
      assert.equal(await s.carts.removeItem('other', b.id), false);
      assert.equal(await s.carts.removeItem('c1', b.id), true);
      const all = await s.carts.allItems({ offset: 0, limit: 10 });
      assert.equal(all.total, 2);
      assert.deepEqual((await s.carts.itemById(anon.id))?.itemId, 'sock-a');
      await s.carts.deleteCart('c1');
      assert.deepEqual(await s.carts.items('c1'), []);
      assert.equal((await s.carts.allItems({})).total, 0);
    });

    it('orders: create, page, by customer and shipment, status moves', async () => {
      const first = await s.orders.create(newOrder('cust-1', 'ship-1'), new Date('2024-01-01T00:00:00Z'));
      const second = await s.orders.create(newOrder('cust-2', 'ship-2'));
      assert.equal(first.status, 'created');
      assert.deepEqual(await s.orders.get(first.id), first);
      assert.equal((await s.orders.get(first.id))?.date.toISOString(), '2019-12-23T09:26:57.477Z');
      const page = await s.orders.list({ page: 0, size: 1 });
      assert.equal(page.totalElements, 2);
      assert.deepEqual(
        page.orders.map((o) => o.id),
        [first.id],
      );
      assert.deepEqual(
        (await s.orders.byCustomer('cust-2')).map((o) => o.id),
        [second.id],
      );
      assert.equal((await s.orders.byShipmentId('ship-1'))?.id, first.id);
      const paid = await s.orders.updateStatus(first.id, 'paid', ['created']);
      assert.equal(paid.outcome, 'updated');
      assert.equal((await s.orders.updateStatus(first.id, 'paid', ['created'])).outcome, 'unchanged');
      assert.equal((await s.orders.updateStatus(second.id, 'shipped', ['paid'], 'no')).outcome, 'conflict');
      assert.equal((await s.orders.updateStatus('missing', 'paid', ['created'])).outcome, 'missing');
      const stored = (await s.orders.get(first.id))!;
      assert.deepEqual(
        stored.statusHistory.map((h) => h.status),
        ['created', 'paid'],
      );
      assert.ok(stored.statusHistory[1].at instanceof Date);
      assert.deepEqual(
        (await s.orders.list({ page: 0, size: 10 }, { statuses: ['paid'] })).orders.map((o) => o.id),
        [first.id],
      );
      assert.equal(await s.orders.ping(), true);
    });
  });
}
