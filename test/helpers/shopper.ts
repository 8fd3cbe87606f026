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
