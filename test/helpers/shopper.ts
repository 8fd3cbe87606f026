/**
 * A shopper's HTTP session against the front-end over undici: keeps the cookies it is given
 * (`md.sid`, `logged_in`) as Locust's session did, and reads every body so connections are reused.
 */
import type { Dispatcher } from 'undici';

export interface ShopperResponse {
  status: number;
  body: string;
}

export interface ShopperRequest {
  headers?: Record<string, string>;
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown;
}

export const basicAuth = (user: string, password: string): string =>
  'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

export class Shopper {
  private readonly cookies = new Map<string, string>();

  /** `dispatcher` is a Pool (or Client) for the front-end's origin. */
  constructor(private readonly dispatcher: Dispatcher) {}

  async send(
    method: Dispatcher.HttpMethod,
    path: string,
    options: ShopperRequest = {},
  ): Promise<ShopperResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    const res = await this.dispatcher.request({ method, path, headers, body });
    const setCookie = res.headers['set-cookie'];
    for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return { status: res.statusCode, body: await res.body.text() };
  }

  login(user: string, password: string): Promise<ShopperResponse> {
    return this.send('GET', '/login', { headers: { authorization: basicAuth(user, password) } });
  }
}

/**
 * Registers a customer with an address and a card through the front-end, so it can check out
 * (registration alone leaves checkout without either: sockshop-spec §13); returns its login.
 */
export async function registerCustomer(dispatcher: Dispatcher, username: string): Promise<[string, string]> {
  const shopper = new Shopper(dispatcher);
  const password = 'socks';
  const steps: Array<[string, unknown]> = [
    [
      '/register',
      { username, password, email: `${username}@example.org`, firstName: 'Load', lastName: 'Tester' },
    ],
    ['/addresses', { street: 'Test Street', number: '1', country: 'UK', city: 'London', postcode: 'N1' }],
    ['/cards', { longNum: '4111111111111111', expires: '12/30', ccv: '123' }],
  ];
  for (const [path, json] of steps) {
    const res = await shopper.send('POST', path, { json });
    if (res.status !== 200)
      throw new Error(`POST ${path} for ${username} answered ${res.status}: ${res.body}`);
  }
  return [username, password];
}
