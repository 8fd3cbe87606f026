/**
 * BrokerAdmin: the rabbitmqctl verbs the lab needs (list_queues, set_policy, clear_policy,
 * list_policies, purge_queue, overview), for one vhost. Two implementations:
 *  - ManagementApiAdmin: over the management HTTP API (the embedded broker, or a real RabbitMQ
 *    with the management plugin);
 *  - RabbitmqctlAdmin: shells out to `rabbitmqctl` for a real RabbitMQ without the plugin.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface QueueInfo {
  name: string;
  vhost: string;
  messages: number;
  messagesReady: number;
  messagesUnacknowledged: number;
  consumers: number;
  policy: string | null;
  arguments: Record<string, unknown>;
}

export interface PolicyInfo {
  vhost: string;
  name: string;
  pattern: string;
  applyTo: string;
  priority: number;
  definition: Record<string, unknown>;
}

export interface PolicyOptions {
  priority?: number;
  applyTo?: 'queues' | 'classic_queues' | 'quorum_queues' | 'streams' | 'exchanges' | 'all';
}

export interface BrokerOverview {
  queues: number;
  consumers: number;
  messages: number;
  messagesReady: number;
  messagesUnacknowledged: number;
}

export interface BrokerAdmin {
  readonly vhost: string;
  listQueues(): Promise<QueueInfo[]>;
  getQueue(name: string): Promise<QueueInfo | undefined>;
  setPolicy(
    name: string,
    pattern: string,
    definition: Record<string, unknown>,
    opts?: PolicyOptions,
  ): Promise<void>;
  clearPolicy(name: string): Promise<void>;
  listPolicies(): Promise<PolicyInfo[]>;
  purgeQueue(name: string): Promise<void>;
  overview(): Promise<BrokerOverview>;
}

export class BrokerAdminError extends Error {}

type Raw = Record<string, unknown>;
const n = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0) || 0);

function queueFromRaw(raw: Raw, vhost: string): QueueInfo {
  const policy = raw.policy;
  return {
    name: String(raw.name),
    vhost: typeof raw.vhost === 'string' ? raw.vhost : vhost,
    messages: n(raw.messages),
    messagesReady: n(raw.messages_ready),
    messagesUnacknowledged: n(raw.messages_unacknowledged),
    consumers: n(raw.consumers),
    policy: typeof policy === 'string' && policy !== '' ? policy : null,
    arguments: argumentsFromRaw(raw.arguments),
  };
}

/** rabbitmqctl prints arguments as [[key, type, value], …]; the API as an object. */
function argumentsFromRaw(v: unknown): Record<string, unknown> {
  if (Array.isArray(v)) {
    return Object.fromEntries(v.filter(Array.isArray).map((e: unknown[]) => [String(e[0]), e[e.length - 1]]));
  }
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

function policyFromRaw(raw: Raw, vhost: string): PolicyInfo {
  const def =
    typeof raw.definition === 'string'
      ? (JSON.parse(raw.definition) as Raw)
      : ((raw.definition ?? {}) as Raw);
  return {
    vhost: typeof raw.vhost === 'string' ? raw.vhost : vhost,
    name: String(raw.name),
    pattern: String(raw.pattern),
    applyTo: typeof raw['apply-to'] === 'string' ? raw['apply-to'] : 'all',
    priority: n(raw.priority),
    definition: def,
  };
}

function overviewOf(queues: QueueInfo[]): BrokerOverview {
  const sum = (f: (q: QueueInfo) => number) => queues.reduce((acc, q) => acc + f(q), 0);
  return {
    queues: queues.length,
    consumers: sum((q) => q.consumers),
    messages: sum((q) => q.messages),
    messagesReady: sum((q) => q.messagesReady),
    messagesUnacknowledged: sum((q) => q.messagesUnacknowledged),
  };
}

export interface ManagementApiOptions {
  /** e.g. http://127.0.0.1:15673 */
  baseUrl: string;
  user?: string;
  password?: string;
  vhost?: string;
  timeoutMs?: number;
}

export class ManagementApiAdmin implements BrokerAdmin {
  readonly vhost: string;
  private readonly auth: string;

  constructor(private readonly opts: ManagementApiOptions) {
    this.vhost = opts.vhost ?? '/';
    this.auth =
      'Basic ' + Buffer.from(`${opts.user ?? 'guest'}:${opts.password ?? 'guest'}`).toString('base64');
  }

  private path(...parts: string[]): string {
    return `${this.opts.baseUrl.replace(/\/$/, '')}/api/${parts.map(encodeURIComponent).join('/')}`;
  }

  private async call(method: string, url: string, body?: unknown, allow404 = false): Promise<unknown> {
    const res = await fetch(url, {
      method,
      headers: {
        authorization: this.auth,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    if (res.status === 404 && allow404) return undefined;
    if (res.status >= 400) {
      let reason = text;
      try {
        const parsed = (JSON.parse(text) as Raw).reason;
        if (typeof parsed === 'string') reason = parsed;
      } catch {
        // keep raw text
      }
      throw new BrokerAdminError(`${method} ${url} → ${res.status}: ${reason}`);
    }
    return text ? JSON.parse(text) : undefined;
  }

  async listQueues(): Promise<QueueInfo[]> {
    const raw = (await this.call('GET', this.path('queues', this.vhost))) as Raw[];
    return raw.map((q) => queueFromRaw(q, this.vhost));
  }

  async getQueue(name: string): Promise<QueueInfo | undefined> {
    const raw = (await this.call('GET', this.path('queues', this.vhost, name), undefined, true)) as
      Raw | undefined;
    return raw && queueFromRaw(raw, this.vhost);
  }

  async setPolicy(
    name: string,
    pattern: string,
    definition: Record<string, unknown>,
    opts: PolicyOptions = {},
  ): Promise<void> {
    await this.call('PUT', this.path('policies', this.vhost, name), {
      pattern,
      definition,
      priority: opts.priority ?? 0,
      'apply-to': opts.applyTo ?? 'all',
    });
  }

  async clearPolicy(name: string): Promise<void> {
    await this.call('DELETE', this.path('policies', this.vhost, name), undefined, true);
  }

  async listPolicies(): Promise<PolicyInfo[]> {
    const raw = (await this.call('GET', this.path('policies', this.vhost))) as Raw[];
    return raw.map((p) => policyFromRaw(p, this.vhost));
  }

  async purgeQueue(name: string): Promise<void> {
    await this.call('DELETE', this.path('queues', this.vhost, name, 'contents'));
  }

  async overview(): Promise<BrokerOverview> {
    return overviewOf(await this.listQueues());
  }
}

const execFileAsync = promisify(execFile);

/** Runs rabbitmqctl with the given arguments; one clear error line on failure. */
export async function rabbitmqctl(args: string[], bin = 'rabbitmqctl', timeoutMs = 30_000): Promise<string> {
  try {
    const { stdout } = await execFileAsync(bin, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const detail = (e.stderr ?? '').trim().split('\n').filter(Boolean).pop() ?? e.message;
    throw new BrokerAdminError(`rabbitmqctl ${args[0]} failed: ${detail}`);
  }
}

export interface RabbitmqctlOptions {
  vhost?: string;
  bin?: string;
  /** Erlang node name, passed as -n. */
  node?: string;
}

const QUEUE_COLUMNS = [
  'name',
  'messages',
  'messages_ready',
  'messages_unacknowledged',
  'consumers',
  'policy',
  'arguments',
];

export class RabbitmqctlAdmin implements BrokerAdmin {
  readonly vhost: string;

  constructor(private readonly opts: RabbitmqctlOptions = {}) {
    this.vhost = opts.vhost ?? '/';
  }

  private run(args: string[]): Promise<string> {
    const node = this.opts.node ? ['-n', this.opts.node] : [];
    return rabbitmqctl([...args, ...node], this.opts.bin);
  }

  private parseJson(text: string): Raw[] {
    const start = text.indexOf('[');
    if (start < 0) throw new BrokerAdminError(`rabbitmqctl printed no JSON: ${text.slice(0, 200)}`);
    return JSON.parse(text.slice(start)) as Raw[];
  }

  async listQueues(): Promise<QueueInfo[]> {
    const out = await this.run(['list_queues', '-p', this.vhost, ...QUEUE_COLUMNS, '--formatter', 'json']);
    return this.parseJson(out).map((q) => queueFromRaw(q, this.vhost));
  }

  async getQueue(name: string): Promise<QueueInfo | undefined> {
    return (await this.listQueues()).find((q) => q.name === name);
  }

  async setPolicy(
    name: string,
    pattern: string,
    definition: Record<string, unknown>,
    opts: PolicyOptions = {},
  ): Promise<void> {
    await this.run([
      'set_policy',
      '-p',
      this.vhost,
      '--priority',
      String(opts.priority ?? 0),
      '--apply-to',
      opts.applyTo ?? 'all',
      name,
      pattern,
      JSON.stringify(definition),
    ]);
  }

  async clearPolicy(name: string): Promise<void> {
    try {
      await this.run(['clear_policy', '-p', this.vhost, name]);
    } catch (err) {
      // clearing an absent policy is not an error for callers (same as the HTTP admin)
      if (!/not found|no_such|does not exist/i.test((err as Error).message)) throw err;
    }
  }

  async listPolicies(): Promise<PolicyInfo[]> {
    const out = await this.run(['list_policies', '-p', this.vhost, '--formatter', 'json']);
    return this.parseJson(out).map((p) => policyFromRaw(p, this.vhost));
  }

  async purgeQueue(name: string): Promise<void> {
    await this.run(['purge_queue', '-p', this.vhost, name]);
  }

  async overview(): Promise<BrokerOverview> {
    return overviewOf(await this.listQueues());
  }
}
