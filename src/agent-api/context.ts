/**
 * What the tools run on. An AgentContext holds the platform, the telemetry, the broker and store
 * admins, and the call log — and nothing of the fault engine or the scenario: tools cannot reach a
 * run's faults, ground truth or ids because none of it is here. `redact` is a last guard only.
 */
import { randomBytes } from 'node:crypto';
import type { StoreAdmins } from '../faults/types.js';
import { connectToLab } from '../platform/local/remote.js';
import type { Platform } from '../platform/types.js';
import { labStoreAdmins } from '../scenarios/lab-store-admins.js';
import type { RunLab } from '../scenarios/runner-lab.js';
import { ManagementApiAdmin, type BrokerAdmin } from '../stores/broker/admin.js';
import { startTelemetry, type Telemetry } from '../telemetry/runtime.js';
import type { CallLogEntry } from './call-log.js';
import { ToolError } from './errors.js';

export interface AgentContext {
  platform: Platform;
  telemetry: Telemetry;
  broker?: BrokerAdmin;
  stores?: StoreAdmins;
  /** Base URL of a shop Service, e.g. http://127.0.0.1:41234 */
  serviceUrl(name: string): Promise<string>;
  callLog: (entry: CallLogEntry) => void;
  /** Strings no answer may contain (the run id, the scenario id); replaced wherever they occur. */
  redact?: readonly string[];
  /** Key of the opaque mesh-rule ids; default one random key per process. */
  opaqueKey?: string;
}

export interface ContextParts {
  platform: Platform;
  telemetry: Telemetry;
  broker?: BrokerAdmin;
  stores?: StoreAdmins;
  serviceUrl?(name: string): Promise<string>;
  callLog?: (entry: CallLogEntry) => void;
  redact?: readonly string[];
}

const PROCESS_KEY = randomBytes(16).toString('hex');

/** A Service's base URL through the platform (its `portName` port, else its first). */
export async function platformServiceUrl(
  platform: Platform,
  name: string,
  portName = 'http',
): Promise<string> {
  const service = await platform.getService(name);
  const port = service?.ports.find((p) => p.name === portName) ?? service?.ports[0];
  if (!service || !port) throw new ToolError('not_found', `services "${name}" not found`);
  return `http://${service.clusterIP}:${port.port}`;
}

export function createAgentContext(parts: ContextParts): AgentContext {
  return {
    platform: parts.platform,
    telemetry: parts.telemetry,
    broker: parts.broker,
    stores: parts.stores,
    serviceUrl: (name) =>
      parts.serviceUrl ? parts.serviceUrl(name) : platformServiceUrl(parts.platform, name),
    callLog: parts.callLog ?? (() => {}),
    redact: parts.redact,
    opaqueKey: PROCESS_KEY,
  };
}

/** The context of a scenario run's lab (the evaluator's case). */
export function agentContextFromRunLab(
  lab: RunLab,
  options: Pick<ContextParts, 'callLog' | 'redact'> = {},
): AgentContext {
  return createAgentContext({
    platform: lab.platform,
    telemetry: lab.telemetry,
    broker: lab.ctx.broker,
    stores: lab.ctx.stores,
    serviceUrl: lab.ctx.serviceUrl?.bind(lab.ctx),
    ...options,
  });
}

export interface OpenedLab {
  ctx: AgentContext;
  close(): Promise<void>;
}

/**
 * The context of a lab started with `sockshop-lab up` (found through its home directory), with a
 * telemetry runtime of its own. The broker admin is the embedded broker's management API when the
 * lab runs one; the store admins connect to the lab's catalogue and session stores when they are
 * servers (lab-store-admins.ts is lab plumbing: it knows nothing of scenarios or faults).
 */
export async function openRunningLab(
  options: Pick<ContextParts, 'callLog' | 'redact'> & {
    home?: string;
    scrapeIntervalMs?: number;
  } = {},
): Promise<OpenedLab> {
  const { platform } = connectToLab(options.home);
  const broker = (await platform.getService('rabbitmq'))
    ? new ManagementApiAdmin({ baseUrl: await platformServiceUrl(platform, 'rabbitmq', 'management') })
    : undefined;
  const telemetry = await startTelemetry({
    platform,
    port: 0,
    scrapeIntervalMs: options.scrapeIntervalMs ?? 5000,
  });
  const admins = await labStoreAdmins(platform);
  const ctx = createAgentContext({ platform, telemetry, broker, stores: admins.stores, ...options });
  return {
    ctx,
    close: async () => {
      await telemetry.close();
      await admins.close();
    },
  };
}
