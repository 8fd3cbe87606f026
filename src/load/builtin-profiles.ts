/** The profiles that ship with the lab, as data in the same schema a profile file uses. */
import { validateProfile, type Profile } from './profile.js';

const SEED_ACCOUNTS = [
  { username: 'user', password: 'password' },
  { username: 'user1', password: 'password' },
  { username: 'Eve_Berger', password: 'eve' },
];

const LOGIN = { request: 'GET /login', basicAuth: { username: '{username}', password: '{password}' } };
const PICK_SOCK = {
  request: 'GET /catalogue?size=10',
  name: '/catalogue?size=[n]',
  extract: { id: '[*].id' },
};

/**
 * sockshop-spec §12: the load-test image's Locust task, nine requests in this order, one cookie
 * session per user, no wait. Every POST /orders for the Holy sock (99.99 + 4.99 > 100) is declined (406).
 */
const original = {
  name: 'original',
  description: "The original Sock Shop load test's journey (load-test 0.1.1), nine requests per iteration.",
  accounts: [{ username: 'user', password: 'password' }],
  journeys: [
    {
      name: 'load',
      steps: [
        { request: 'GET /catalogue', extract: { id: '[*].id' } },
        { request: 'GET /' },
        LOGIN,
        { request: 'GET /category.html' },
        { request: 'GET /detail.html?id={id}' },
        { request: 'DELETE /cart' },
        { request: 'POST /cart', json: { id: '{id}', quantity: 1 } },
        { request: 'GET /basket.html' },
        { request: 'POST /orders' },
      ],
    },
  ],
};

const TAGS = ['brown', 'geek', 'formal', 'blue', 'skin', 'red', 'action', 'sport', 'black', 'magic', 'green'];

/**
 * A storefront mix: mostly browsing, some searching and cart work, fewer checkouts. The profile
 * update goes to the user service directly (the front-end has no such route), so it runs only
 * when a `user` target is given.
 */
const mixed = {
  name: 'mixed',
  description:
    'Weighted storefront journeys: browse, search, login, cart, checkout, order history, profile update.',
  thinkTime: { min: 0.5, max: 2 },
  accounts: SEED_ACCOUNTS,
  journeys: [
    {
      name: 'browse',
      weight: 40,
      vars: { tag: { oneOf: TAGS } },
      steps: [
        { request: 'GET /' },
        { request: 'GET /catalogue?size=5', name: '/catalogue?size=[n]' },
        { request: 'GET /tags' },
        { request: 'GET /catalogue/size?tags={tag}' },
        { request: 'GET /catalogue?page=1&size=6&tags={tag}', extract: { id: '[*].id' } },
        { request: 'GET /catalogue/{id}' },
      ],
    },
    {
      name: 'search',
      weight: 15,
      vars: { term: { oneOf: ['sock', 'sport', 'cat', 'classic', 'blue', 'holy', 'nerd', 'formal'] } },
      steps: [{ request: 'GET /catalogue?q={term}' }],
    },
    { name: 'login', weight: 10, steps: [LOGIN] },
    {
      name: 'cart',
      weight: 15,
      vars: { quantity: { intBetween: [1, 5] } },
      steps: [
        PICK_SOCK,
        { request: 'POST /cart', json: { id: '{id}', quantity: 1 } },
        { request: 'GET /cart' },
        { request: 'POST /cart/update', json: { id: '{id}', quantity: '{quantity}' } },
        { request: 'GET /cart' },
        { request: 'DELETE /cart' },
      ],
    },
    {
      name: 'checkout',
      weight: 8,
      steps: [
        LOGIN,
        PICK_SOCK,
        { request: 'DELETE /cart' },
        { request: 'POST /cart', json: { id: '{id}', quantity: 1 } },
        { request: 'POST /orders' },
        { request: 'DELETE /cart' },
      ],
    },
    { name: 'order-history', weight: 7, steps: [LOGIN, { request: 'GET /orders' }] },
    {
      name: 'profile-update',
      weight: 5,
      optional: true,
      vars: { firstName: { oneOf: ['Ada', 'Grace', 'Linus', 'Barbara', 'Ken'] } },
      steps: [
        LOGIN,
        { request: 'GET /customers/{username}', name: '/customers/[id]', extract: { customerId: 'id' } },
        {
          request: 'PATCH /customers/{customerId}',
          name: '/customers/[id]',
          target: 'user',
          json: { firstName: '{firstName}' },
        },
      ],
    },
  ],
};

const BUILTIN: Record<string, unknown> = { original, mixed };

export const BUILTIN_PROFILE_NAMES = Object.keys(BUILTIN);

export function builtinProfile(name: string): Profile | undefined {
  const data = BUILTIN[name];
  return data === undefined ? undefined : validateProfile(data, `built-in profile ${name}`);
}
