/**
 * One clear line for a store that cannot be reached or used, naming the store, the URL (without
 * its password), what went wrong and which setting to change — never a stack trace.
 */
import { ConfigError } from '../../shop/common/env.js';

export class StoreConfigError extends ConfigError {}

/** The URL as safe to print: any password replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    // Not a WHATWG URL, e.g. a MongoDB seed list `mongodb://u:p@h1:1,h2:2/db`.
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
  }
}

const SERVER_NAMES: Record<string, string> = {
  'postgres:': 'PostgreSQL (or the embedded PGlite pod)',
  'postgresql:': 'PostgreSQL (or the embedded PGlite pod)',
  'mysql:': 'MariaDB/MySQL',
  'mariadb:': 'MariaDB/MySQL',
  'redis:': 'Redis (or the embedded session server)',
  'mongodb:': 'MongoDB (or FerretDB)',
  'mongodb+srv:': 'MongoDB (or FerretDB)',
};

function serverName(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0].toLowerCase() ?? '';
  return SERVER_NAMES[scheme] ?? 'the server';
}

/** Turns a driver error met while opening a store into a StoreConfigError with one line. */
export function describeConnectError(
  store: string,
  url: string,
  envName: string,
  error: unknown,
): StoreConfigError {
  const err = error as { code?: string; errno?: string; message?: string };
  const code = err.code ?? err.errno ?? '';
  const where = redactUrl(url);
  const hint = (text: string) => new StoreConfigError(`${store}: ${text} — set ${envName}`);
  switch (code) {
    case 'ECONNREFUSED':
      return hint(`cannot connect to ${where} (ECONNREFUSED) — is ${serverName(url)} running?`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return hint(`cannot resolve the host of ${where} (${code}) — check the host name`);
    case 'ETIMEDOUT':
    case 'ECONNRESET':
      return hint(`cannot connect to ${where} (${code}) — is ${serverName(url)} reachable?`);
    case '28P01': // postgres: password authentication failed
    case '28000': // postgres: no pg_hba entry / role does not exist
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
    case 'WRONGPASS':
    case 'NOAUTH':
    case 'AuthenticationFailed': // mongodb
      return hint(
        `${where} refused the credentials (${firstLine(err.message)}) — check user and password in the URL`,
      );
    case '3D000': // postgres: database does not exist
    case 'ER_BAD_DB_ERROR':
      return hint(`${where}: ${firstLine(err.message)} — create it or name an existing database in the URL`);
    default:
      return hint(`cannot use ${where} (${code ? `${code}: ` : ''}${firstLine(err.message)})`);
  }
}

function firstLine(message: string | undefined): string {
  return (message ?? 'unknown error').split('\n')[0].trim();
}
