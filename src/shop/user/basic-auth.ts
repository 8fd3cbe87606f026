/** `Authorization: Basic …` parsing with Go's strictness: exact `Basic ` prefix, standard base64, a colon. */

export interface Credentials {
  username: string;
  password: string;
}

export function parseBasicAuth(header: string | undefined): Credentials | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const encoded = header.slice('Basic '.length);
  if (encoded.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
