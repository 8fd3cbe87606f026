/**
 * The user service's HAL representations, with the original's field order (Go struct order,
 * `_links` keys sorted) and absolute links on a configurable host (`http://user/...`), which
 * orders and the front-end follow verbatim (sockshop-spec §8.2).
 */
import type { AddressRecord, CardRecord, CustomerRecord } from '../../stores/users/types.js';

type Link = { href: string };

export class HalRenderer {
  constructor(private readonly linkHost: string) {}

  private link(...segments: string[]): Link {
    return { href: `http://${this.linkHost}/${segments.join('/')}` };
  }

  customer(c: CustomerRecord) {
    const self = this.link('customers', c.id);
    return {
      firstName: c.firstName,
      lastName: c.lastName,
      username: c.username,
      id: c.id,
      _links: {
        addresses: this.link('customers', c.id, 'addresses'),
        cards: this.link('customers', c.id, 'cards'),
        customer: self,
        self,
      },
    };
  }

  address(a: AddressRecord) {
    const self = this.link('addresses', a.id);
    return {
      street: a.street,
      number: a.number,
      country: a.country,
      city: a.city,
      postcode: a.postcode,
      id: a.id,
      _links: { address: self, self },
    };
  }

  card(c: CardRecord) {
    const self = this.link('cards', c.id);
    return { longNum: c.longNum, expires: c.expires, ccv: c.ccv, id: c.id, _links: { card: self, self } };
  }

  customers(list: CustomerRecord[]) {
    return { _embedded: { customer: list.map((c) => this.customer(c)) } };
  }

  addresses(list: AddressRecord[]) {
    return { _embedded: { address: list.map((a) => this.address(a)) } };
  }

  cards(list: CardRecord[]) {
    return { _embedded: { card: list.map((c) => this.card(c)) } };
  }
}
