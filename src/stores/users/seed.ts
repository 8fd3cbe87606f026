/**
 * The original user-db seed (sockshop-spec §8.4): three customers with one address and one card
 * each, plus an orphan address and card — same ids and values, same passwords (`eve`,
 * `password`, `password`), salts of our own.
 */
import type { UserSnapshot } from './memory.js';
import { hashPassword, newSalt } from './password.js';
import type { AddressRecord, CardRecord, CustomerRecord } from './types.js';

const glasgow = {
  street: 'Whitelees Road',
  number: '246',
  country: 'United Kingdom',
  city: 'Glasgow',
  postcode: 'G67 3DL',
};

const addresses: AddressRecord[] = [
  { id: '57a98d98e4b00679b4a830ad', ...glasgow },
  { id: '57a98d98e4b00679b4a830b0', ...glasgow },
  {
    id: '57a98d98e4b00679b4a830b3',
    street: 'Maes-Y-Deri',
    number: '4',
    country: 'United Kingdom',
    city: 'Aberdare',
    postcode: 'CF44 6TF',
  },
  {
    id: '57a98ddce4b00679b4a830d1',
    street: 'my road',
    number: '3',
    country: 'UK',
    city: 'London',
    postcode: '',
  },
];

const cards: CardRecord[] = [
  { id: '57a98d98e4b00679b4a830ae', longNum: '5953580604169678', expires: '08/19', ccv: '678' },
  { id: '57a98d98e4b00679b4a830b1', longNum: '5544154011345918', expires: '08/19', ccv: '958' },
  { id: '57a98d98e4b00679b4a830b4', longNum: '0908415193175205', expires: '08/19', ccv: '280' },
  { id: '57a98ddce4b00679b4a830d2', longNum: '5429804235432', expires: '04/16', ccv: '432' },
];

const people = [
  [
    '57a98d98e4b00679b4a830af',
    'Eve_Berger',
    'eve',
    'Eve',
    'Berger',
    '57a98d98e4b00679b4a830ad',
    '57a98d98e4b00679b4a830ae',
  ],
  [
    '57a98d98e4b00679b4a830b2',
    'user',
    'password',
    'User',
    'Name',
    '57a98d98e4b00679b4a830b0',
    '57a98d98e4b00679b4a830b1',
  ],
  [
    '57a98d98e4b00679b4a830b5',
    'user1',
    'password',
    'User1',
    'Name1',
    '57a98d98e4b00679b4a830b3',
    '57a98d98e4b00679b4a830b4',
  ],
] as const;

/** A fresh copy of the seed, with newly generated salts. */
export function userSeed(): UserSnapshot {
  const customers: CustomerRecord[] = people.map(
    ([id, username, password, firstName, lastName, addressId, cardId]) => {
      const salt = newSalt();
      return {
        id,
        firstName,
        lastName,
        username,
        email: '',
        passwordHash: hashPassword(salt, password),
        salt,
        addressIds: [addressId],
        cardIds: [cardId],
        version: 1,
      };
    },
  );
  return {
    customers,
    addresses: addresses.map((a) => ({ ...a })),
    cards: cards.map((c) => ({ ...c })),
  };
}
