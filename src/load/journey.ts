/**
 * Compiled journeys and their execution for one session. A step's latency runs from its intended
 * start: the arrival's scheduled time for the first step of an open-model journey, the moment the
 * request is sent otherwise — so time spent queued behind a slow generator or server is counted.
 */
import { CookieJar } from './cookie-jar.js';
import { errorReason, type HttpTransport } from './http.js';
import type { Journey, Profile, Step, VarGenerator } from './profile.js';
import type { EndpointStats, LoadStats } from './stats.js';
import {
  compileJsonTemplate,
  compileTemplate,
  defaultRequestName,
  parseJsonPath,
  readJsonPath,
  type Template,
  type Vars,
} from './template.js';

export interface RequestRecord {
  journey: string;
  method: string;
  name: string;
  status: number;
  latencyMs: number;
  failure: string | undefined;
  /** The journey's variables after this step (shared object: copy it to keep it). */
  vars: Readonly<Vars>;
}

interface CompiledStep {
  method: string;
  name: string;
  origin: string;
  path: Template;
  headers: Array<[string, Template]>;
  auth: [Template, Template] | undefined;
  /** The headers when no template in them has a variable: built once, frozen. */
  fixedHeaders: Readonly<Record<string, string>> | undefined;
  body: ((vars: Vars) => string) | undefined;
  expect: ReadonlySet<number> | undefined;
  extract: Array<[string, ReturnType<typeof parseJsonPath>]>;
  entry: EndpointStats;
}

export interface CompiledJourney {
  name: string;
  weight: number;
  vars: Array<[string, VarGenerator]>;
  steps: CompiledStep[];
}

/** A simulated user's state: its cookies and the account it logs in with. */
export interface Session {
  jar: CookieJar;
  account: Vars;
}

export interface JourneyContext {
  http: HttpTransport;
  stats: LoadStats;
  random: () => number;
  now: () => number;
  /** False once the run is abandoned: late completions are not recorded. */
  recording: () => boolean;
  onRequest: ((record: RequestRecord) => void) | undefined;
}

/** Compiles the profile against concrete base URLs; journeys whose target is missing are dropped or refused. */
export function compileJourneys(
  profile: Profile,
  host: string,
  targets: Readonly<Record<string, string>>,
  stats: LoadStats,
): { journeys: CompiledJourney[]; notices: string[] } {
  const notices: string[] = [];
  const journeys: CompiledJourney[] = [];
  for (const journey of profile.journeys) {
    const missing = journey.steps.map((s) => s.target).find((t) => t !== undefined && !(t in targets));
    if (missing !== undefined) {
      const message = `journey "${journey.name}" needs target "${missing}" (give it with --target ${missing}=URL)`;
      if (!journey.optional) throw new Error(message);
      notices.push(`${message}; skipped`);
      continue;
    }
    if (journey.weight > 0) journeys.push(compileJourney(journey, host, targets, stats));
  }
  if (journeys.length === 0) throw new Error(`profile "${profile.name}" has no journey left to run`);
  return { journeys, notices };
}

function compileJourney(
  journey: Journey,
  host: string,
  targets: Readonly<Record<string, string>>,
  stats: LoadStats,
): CompiledJourney {
  return {
    name: journey.name,
    weight: journey.weight,
    vars: Object.entries(journey.vars ?? {}),
    steps: journey.steps.map((step) => compileStep(step, step.target ? targets[step.target] : host, stats)),
  };
}

function compileStep(step: Step, base: string, stats: LoadStats): CompiledStep {
  const space = step.request.indexOf(' ');
  const method = step.request.slice(0, space);
  const pathText = step.request.slice(space + 1);
  const baseUrl = new URL(base);
  const prefix = baseUrl.pathname.replace(/\/$/, '');
  const name = step.name ?? defaultRequestName(pathText);
  const headers = Object.entries(step.headers ?? {}).map(
    ([k, v]) => [k.toLowerCase(), compileTemplate(v)] as [string, Template],
  );
  if (step.json !== undefined) headers.push(['content-type', compileTemplate('application/json')]);
  const auth: [Template, Template] | undefined = step.basicAuth
    ? [compileTemplate(step.basicAuth.username), compileTemplate(step.basicAuth.password)]
    : undefined;
  const fixed = [...headers.map(([, t]) => t), ...(auth ?? [])].every((t) => t.names.length === 0);
  return {
    method,
    name,
    origin: baseUrl.origin,
    path: compileTemplate(prefix + pathText),
    headers,
    auth,
    fixedHeaders: fixed ? Object.freeze(renderHeaders(headers, auth, {})) : undefined,
    body: step.json === undefined ? undefined : compileJsonTemplate(step.json),
    expect: step.expect ? new Set(step.expect) : undefined,
    extract: Object.entries(step.extract ?? {}).map(([k, path]) => [k, parseJsonPath(path)]),
    entry: stats.entry(method, name),
  };
}

/** Picks a journey by weight. */
export function pickJourney(
  journeys: readonly CompiledJourney[],
  totalWeight: number,
  random: () => number,
): CompiledJourney {
  let r = random() * totalWeight;
  for (const journey of journeys) {
    r -= journey.weight;
    if (r < 0) return journey;
  }
  return journeys[journeys.length - 1];
}

function generate(generator: VarGenerator, random: () => number): string {
  if ('oneOf' in generator) return String(generator.oneOf[Math.floor(random() * generator.oneOf.length)]);
  const [low, high] = generator.intBetween;
  return String(low + Math.floor(random() * (high - low + 1)));
}

/**
 * Runs the journey's steps in order. A failed request does not stop the journey (as in Locust);
 * a failed extraction does, since later steps would need the value. Returns false if aborted.
 */
export async function runJourney(
  ctx: JourneyContext,
  journey: CompiledJourney,
  session: Session,
  scheduledStart: number | undefined,
): Promise<boolean> {
  const vars: Vars = { ...session.account };
  for (const [name, generator] of journey.vars) vars[name] = generate(generator, ctx.random);
  let intendedStart = scheduledStart;
  for (const step of journey.steps) {
    const ok = await runStep(ctx, journey.name, step, session, vars, intendedStart);
    intendedStart = undefined;
    if (!ok) return false;
  }
  return true;
}

async function runStep(
  ctx: JourneyContext,
  journey: string,
  step: CompiledStep,
  session: Session,
  vars: Vars,
  intendedStart: number | undefined,
): Promise<boolean> {
  const start = intendedStart ?? ctx.now();
  let status = 0;
  let bytes = 0;
  let failure: string | undefined;
  try {
    const response = await ctx.http.send(step.origin, {
      method: step.method,
      path: step.path.render(vars, encodeURIComponent),
      headers: step.fixedHeaders ?? renderHeaders(step.headers, step.auth, vars),
      cookie: session.jar.cookieHeader(),
      body: step.body?.(vars),
      keepBody: step.extract.length > 0,
    });
    status = response.status;
    bytes = response.bytes;
    session.jar.store(response.setCookie);
    failure = statusFailure(step, status);
    if (failure === undefined && response.body) {
      failure = extractInto(step, response.body, vars, ctx.random);
    }
  } catch (error) {
    failure = errorReason(error);
  }
  if (!ctx.recording()) return false;
  const end = ctx.now();
  ctx.stats.record(step.entry, (end - start) * 1000, bytes, failure, end);
  ctx.onRequest?.({
    journey,
    method: step.method,
    name: step.name,
    status,
    latencyMs: end - start,
    failure,
    vars,
  });
  // Later steps need what this one extracts.
  return failure === undefined || step.extract.length === 0;
}

function renderHeaders(
  headers: ReadonlyArray<[string, Template]>,
  auth: [Template, Template] | undefined,
  vars: Vars,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, template] of headers) out[key] = template.render(vars);
  if (auth) {
    const credentials = `${auth[0].render(vars)}:${auth[1].render(vars)}`;
    out.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  return out;
}

function statusFailure(step: CompiledStep, status: number): string | undefined {
  if (step.expect)
    return step.expect.has(status) ? undefined : `HTTP ${status} (expected ${[...step.expect].join('|')})`;
  return status >= 400 ? `HTTP ${status}` : undefined;
}

function extractInto(step: CompiledStep, body: Buffer, vars: Vars, random: () => number): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return 'response is not JSON';
  }
  for (const [name, path] of step.extract) {
    const value = readJsonPath(json, path, random);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      return `no value for {${name}} in response`;
    }
    vars[name] = String(value);
  }
  return undefined;
}

export function newSession(accounts: readonly Vars[], index: number): Session {
  return { jar: new CookieJar(), account: accounts.length ? accounts[index % accounts.length] : {} };
}
