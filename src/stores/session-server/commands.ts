/**
 * The Redis commands the session server answers, over the Keyspace: what connect-redis,
 * ioredis and an operator (redis-cli, redis_exporter-style scrapes) use. Everything else is
 * `-ERR unknown command`, as Redis says it. One logical database (SELECT 0 only).
 */
import { EVICTION_POLICIES, SessionStoreFullError, type EvictionPolicy } from '../sessions/types.js';
import type { Keyspace } from './keyspace.js';
import { OK, globMatcher, type Reply } from './resp.js';

export interface ServerInfo {
  startedAt: number;
  port: number;
  connectedClients: () => number;
  commandsProcessed: () => number;
}

const SCAN_MAX_COUNT = 1000;
const KEYS_MAX = 100_000;

const err = (text: string): Reply => ({ error: text });
const wrongArgs = (name: string): Reply => err(`ERR wrong number of arguments for '${name}' command`);
const notInteger = err('ERR value is not an integer or out of range');
const syntax = err('ERR syntax error');

function int(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function execute(ks: Keyspace, info: ServerInfo, args: string[], client: { name?: string }): Reply {
  const name = args[0].toLowerCase();
  const a = args.slice(1);
  switch (name) {
    case 'ping':
      return a.length === 0 ? { simple: 'PONG' } : a.length === 1 ? a[0] : wrongArgs(name);
    case 'echo':
      return a.length === 1 ? a[0] : wrongArgs(name);
    case 'get':
      return a.length === 1 ? (ks.get(a[0]) ?? null) : wrongArgs(name);
    case 'set':
      return set(ks, a);
    case 'setex':
    case 'psetex': {
      if (a.length !== 3) return wrongArgs(name);
      const ttl = int(a[1]);
      if (ttl === undefined) return notInteger;
      if (ttl <= 0) return err(`ERR invalid expire time in '${name}' command`);
      return write(() => ks.set(a[0], a[2], name === 'setex' ? ttl * 1000 : ttl));
    }
    case 'del':
    case 'unlink':
      return a.length === 0 ? wrongArgs(name) : a.filter((k) => ks.delete(k)).length;
    case 'exists':
      return a.length === 0 ? wrongArgs(name) : a.filter((k) => ks.has(k)).length;
    case 'expire':
    case 'pexpire': {
      if (a.length !== 2) return wrongArgs(name);
      const ttl = int(a[1]);
      if (ttl === undefined) return notInteger;
      return ks.expire(a[0], name === 'expire' ? ttl * 1000 : ttl) ? 1 : 0;
    }
    case 'ttl':
    case 'pttl': {
      if (a.length !== 1) return wrongArgs(name);
      const ms = ks.pttl(a[0]);
      return ms < 0 || name === 'pttl' ? ms : Math.round(ms / 1000);
    }
    case 'keys': {
      if (a.length !== 1) return wrongArgs(name);
      return ks.scan(0, KEYS_MAX, globMatcher(a[0])).keys;
    }
    case 'scan':
      return scan(ks, a);
    case 'dbsize':
      return ks.size;
    case 'flushall':
    case 'flushdb':
      ks.flush();
      return OK;
    case 'select':
      return a.length !== 1 ? wrongArgs(name) : a[0] === '0' ? OK : err('ERR DB index is out of range');
    case 'info':
      return infoText(ks, info, a[0]?.toLowerCase());
    case 'config':
      return config(ks, a);
    case 'client':
      return clientCommand(a, client);
    case 'quit':
      return OK;
    default:
      return err(
        `ERR unknown command '${args[0]}', with args beginning with: ${a
          .slice(0, 3)
          .map((x) => `'${x}'`)
          .join(' ')}`,
      );
  }
}

function write(action: () => void): Reply {
  try {
    action();
    return OK;
  } catch (error) {
    if (error instanceof SessionStoreFullError) return err(error.message);
    throw error;
  }
}

/** SET key value [EX s | PX ms | KEEPTTL] [NX | XX] [GET] */
function set(ks: Keyspace, a: string[]): Reply {
  if (a.length < 2) return wrongArgs('set');
  const [key, value] = a;
  let ttlMs: number | undefined;
  let keepTtl = false;
  let nx = false;
  let xx = false;
  let get = false;
  for (let i = 2; i < a.length; i++) {
    const opt = a[i].toUpperCase();
    if ((opt === 'EX' || opt === 'PX') && ttlMs === undefined && !keepTtl) {
      const n = int(a[++i]);
      if (n === undefined) return a[i] === undefined ? syntax : notInteger;
      if (n <= 0) return err("ERR invalid expire time in 'set' command");
      ttlMs = opt === 'EX' ? n * 1000 : n;
    } else if (opt === 'KEEPTTL' && ttlMs === undefined) keepTtl = true;
    else if (opt === 'NX' && !xx) nx = true;
    else if (opt === 'XX' && !nx) xx = true;
    else if (opt === 'GET') get = true;
    else return syntax;
  }
  const previous = get ? (ks.get(key) ?? null) : undefined;
  const exists = ks.has(key);
  if ((nx && exists) || (xx && !exists)) return get ? previous! : null;
  if (keepTtl) {
    const left = ks.pttl(key);
    if (left > 0) ttlMs = left;
  }
  const result = write(() => ks.set(key, value, ttlMs));
  return get && result === OK ? previous! : result;
}

/** SCAN cursor [MATCH pattern] [COUNT n] — COUNT is capped so one call stays short. */
function scan(ks: Keyspace, a: string[]): Reply {
  const cursor = int(a[0]);
  if (cursor === undefined || cursor < 0) return err('ERR invalid cursor');
  let pattern = '*';
  let count = 10;
  for (let i = 1; i < a.length; i += 2) {
    const opt = a[i].toUpperCase();
    if (opt === 'MATCH' && a[i + 1] !== undefined) pattern = a[i + 1];
    else if (opt === 'COUNT') {
      const n = int(a[i + 1]);
      if (n === undefined || n < 1) return n === undefined ? notInteger : syntax;
      count = Math.min(n, SCAN_MAX_COUNT);
    } else return syntax;
  }
  const { next, keys } = ks.scan(cursor, count, globMatcher(pattern));
  return [String(next), keys];
}

function config(ks: Keyspace, a: string[]): Reply {
  const sub = a[0]?.toLowerCase();
  if (sub === 'get' && a.length === 2) {
    const values: Record<string, string> = {
      maxmemory: String(ks.maxmemoryBytes),
      'maxmemory-policy': ks.policy,
      databases: '1',
    };
    const match = globMatcher(a[1].toLowerCase());
    return Object.entries(values)
      .filter(([k]) => match(k))
      .flat();
  }
  if (sub === 'set' && a.length === 3) {
    const key = a[1].toLowerCase();
    if (key === 'maxmemory') {
      const bytes = parseMemory(a[2]);
      if (bytes === undefined)
        return err(
          `ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value`,
        );
      ks.maxmemoryBytes = bytes;
      return OK;
    }
    if (key === 'maxmemory-policy') {
      const policy = a[2].toLowerCase();
      if (!(EVICTION_POLICIES as readonly string[]).includes(policy)) {
        return err(
          `ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: ${EVICTION_POLICIES.join(', ')}`,
        );
      }
      ks.policy = policy as EvictionPolicy;
      return OK;
    }
    return err(`ERR Unknown option or number of arguments for CONFIG SET - '${a[1]}'`);
  }
  if (sub === 'resetstat' && a.length === 1) {
    ks.evictions = ks.expirations = ks.hits = ks.misses = 0;
    return OK;
  }
  return err(`ERR unknown subcommand or wrong number of arguments for '${a[0] ?? ''}'. Try CONFIG HELP.`);
}

/** `100mb`, `1gb`, `512kb`, plain bytes — as redis.conf reads them. */
export function parseMemory(text: string): number | undefined {
  const m = /^(\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase();
  const factor: Record<string, number> = {
    b: 1,
    k: 1000,
    kb: 1024,
    m: 1e6,
    mb: 1024 ** 2,
    g: 1e9,
    gb: 1024 ** 3,
  };
  return Number(m[1]) * factor[unit];
}

function clientCommand(a: string[], client: { name?: string }): Reply {
  const sub = a[0]?.toLowerCase();
  if (sub === 'setname' && a.length === 2) {
    if (/\s/.test(a[1]))
      return err('ERR Client names cannot contain spaces, newlines or special characters.');
    client.name = a[1];
    return OK;
  }
  if (sub === 'getname' && a.length === 1) return client.name ?? null;
  if (sub === 'setinfo') return OK;
  return err(`ERR unknown subcommand '${a[0] ?? ''}'. Try CLIENT HELP.`);
}

function infoText(ks: Keyspace, info: ServerInfo, section?: string): Reply {
  const sections: Record<string, Array<[string, string | number]>> = {
    server: [
      ['redis_version', '7.0.15'],
      ['redis_mode', 'standalone'],
      ['process_id', process.pid],
      ['tcp_port', info.port],
      ['uptime_in_seconds', Math.floor((Date.now() - info.startedAt) / 1000)],
      ['executable', 'sockshop-lab session-server'],
    ],
    clients: [['connected_clients', info.connectedClients()]],
    memory: [
      ['used_memory', ks.memoryBytes],
      ['used_memory_human', `${(ks.memoryBytes / 1024 / 1024).toFixed(2)}M`],
      ['maxmemory', ks.maxmemoryBytes],
      ['maxmemory_policy', ks.policy],
    ],
    stats: [
      ['total_commands_processed', info.commandsProcessed()],
      ['expired_keys', ks.expirations],
      ['evicted_keys', ks.evictions],
      ['keyspace_hits', ks.hits],
      ['keyspace_misses', ks.misses],
    ],
    keyspace: ks.size > 0 ? [['db0', `keys=${ks.size},expires=${ks.expiringKeys},avg_ttl=0`]] : [],
  };
  const chosen =
    !section || section === 'all' || section === 'default' || section === 'everything'
      ? Object.keys(sections)
      : [section];
  return chosen
    .filter((s) => sections[s])
    .map(
      (s) =>
        `# ${s[0].toUpperCase()}${s.slice(1)}\r\n${sections[s].map(([k, v]) => `${k}:${v}\r\n`).join('')}`,
    )
    .join('\r\n');
}
