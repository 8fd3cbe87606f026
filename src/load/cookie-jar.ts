/**
 * The cookies of one simulated user, like a Locust HttpSession's jar: `md.sid` and `logged_in`
 * come back on every request to the host. Paths and domains are ignored (one shop, path `/`).
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  private header: string | undefined;

  /** The `Cookie` request header, or undefined when the jar is empty. */
  cookieHeader(): string | undefined {
    if (this.header === undefined && this.cookies.size > 0) {
      this.header = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    return this.header;
  }

  /** Applies `Set-Cookie` values; `Max-Age<=0` or a past `Expires` deletes the cookie. */
  store(setCookie: string | string[] | undefined): void {
    if (setCookie === undefined) return;
    for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) this.storeOne(line);
  }

  private storeOne(line: string): void {
    const semicolon = line.indexOf(';');
    const pair = semicolon < 0 ? line : line.slice(0, semicolon);
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    this.header = undefined;
    if (semicolon >= 0 && isExpired(line.slice(semicolon + 1))) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

function isExpired(attributes: string): boolean {
  for (const attribute of attributes.split(';')) {
    const eq = attribute.indexOf('=');
    if (eq < 0) continue;
    const key = attribute.slice(0, eq).trim().toLowerCase();
    const value = attribute.slice(eq + 1).trim();
    if (key === 'max-age' && Number(value) <= 0) return true;
    if (key === 'expires' && Date.parse(value) < Date.now()) return true;
  }
  return false;
}
