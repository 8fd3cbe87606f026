/**
 * A scenario's `setup:` (replicas, environment and resources of deployments) applied to the lab for one
 * run and restored after it, through the platform as `kubectl scale` / `kubectl set env` / `kubectl set
 * resources` would: each change rolls the deployment, and the run waits for the rollout before it goes
 * on. What a lab already has is left alone: the runner's own lab starts with the large catalogue
 * (runner-lab.ts), a lab started by `sockshop-lab up` does not, and a run on it would otherwise silently
 * differ from the scenario.
 * The changes are journalled like fault steps (SETUP_JOURNAL_FILE), so that the setup of a crashed or
 * `--keep` run is restored by `recoverLeftovers`.
 *
 * Some settings act only when a store is seeded: the catalogue reads CATALOGUE_EXTRA_SOCKS when it creates
 * its tables, and an embedded catalogue-db already holds them. The store pod is then rolled onto the store
 * image with that content (src/stores/images.ts), as the runner's own lab starts it. A store the lab cannot
 * re-seed from here (a local server, a URL) is refused with one line.
 */
import { join } from 'node:path';
import { FaultEngine, recoverJournal, type FaultStepInput, type RecoveryReport } from '../faults/engine.js';
import { envValues } from '../faults/store-config.js';
import { waitRolledOut } from '../faults/shop-http.js';
import type { FaultContext } from '../faults/types.js';
import type { Platform } from '../platform/types.js';
import type { RunLab } from './runner-lab.js';
import type { Scenario } from './schema.js';
import { storeImage } from '../stores/images.js';

export const SETUP_JOURNAL_FILE = 'setup-journal.json';

/** A pod rolled onto a large store image, or started on a busy machine, may take a minute or more. */
const ROLLOUT_TIMEOUT_MS = 180_000;

export class SetupRefusedError extends Error {
  override name = 'SetupRefusedError';
}

/** A service setting that only acts when its store is seeded, and the store image that holds its effect. */
interface SeedSetting {
  service: string;
  variable: string;
  store: 'catalogue-db';
  /** The service's variables that say where its store is (`*_DB_MODE`, `*_DB_URL`). */
  modeEnv: string;
  urlEnv: string;
  image: (value: string) => Promise<string>;
}

const SEED_SETTINGS: SeedSetting[] = [
  {
    service: 'catalogue',
    variable: 'CATALOGUE_EXTRA_SOCKS',
    store: 'catalogue-db',
    modeEnv: 'CATALOGUE_DB_MODE',
    urlEnv: 'CATALOGUE_DB_URL',
    image: (value) => storeImage('catalogue-db', { extraSocks: Number(value) }),
  },
];

const isEmbeddedSql = (command: string[]) => command.some((part) => part.includes('embedded-sql'));

/** The store-config step that rolls `setting.store` onto the image for `value`, if the lab needs one. */
async function reseedStep(
  platform: Platform,
  scenarioId: string,
  setting: SeedSetting,
  value: string,
): Promise<FaultStepInput | undefined> {
  const service = await platform.getDeployment(setting.service);
  const env = service?.template.container.env ?? {};
  const mode = env[setting.modeEnv] ?? (env[setting.urlEnv] ? 'url' : 'memory');
  if (mode === 'memory') return undefined; // the service seeds its in-process store when it starts
  const store = await platform.getDeployment(setting.store);
  if (mode !== 'embedded' || !store || !isEmbeddedSql(store.template.container.command))
    throw new SetupRefusedError(
      `${scenarioId}: setup sets ${setting.variable}=${value} on ${setting.service}, which only acts when ${setting.store} is seeded, and this lab's ${setting.store} (${mode}) cannot be re-seeded from here: stop the lab (\`sockshop-lab down\`) and let the run bring up its own`,
    );
  const templateDir = await setting.image(value);
  if (store.template.container.env?.TEMPLATE_DIR === templateDir) return undefined;
  return {
    id: `seed-${setting.store}`,
    fault: 'store-config',
    params: { deployment: setting.store, env: { TEMPLATE_DIR: templateDir } },
    atMs: 0,
  };
}

/** The steps that bring the lab to the scenario's setup (none when it is there already), in order. */
export async function setupSteps(
  platform: Platform,
  scenario: Pick<Scenario, 'id' | 'setup'>,
): Promise<FaultStepInput[]> {
  const steps: FaultStepInput[] = [];
  for (const [deployment, wanted] of Object.entries(scenario.setup?.env ?? {})) {
    const current = await envValues(platform, deployment, Object.keys(wanted));
    const changed = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => current[k] !== v));
    if (Object.keys(changed).length === 0) continue;
    steps.push({
      id: `env-${deployment}`,
      fault: 'store-config',
      params: { deployment, env: changed },
      atMs: 0,
    });
    // after the service's own change: restored newest first, the store goes back before the service
    // rolls and seeds it again
    for (const setting of SEED_SETTINGS)
      if (setting.service === deployment && changed[setting.variable] !== undefined) {
        const step = await reseedStep(platform, scenario.id, setting, changed[setting.variable]);
        if (step) steps.push(step);
      }
  }
  for (const [deployment, wanted] of Object.entries(scenario.setup?.resources ?? {})) {
    const current = (await platform.getDeployment(deployment))?.template.container.resources ?? {};
    const differs = (['requests', 'limits'] as const).some((kind) =>
      Object.entries(wanted[kind] ?? {}).some(
        ([resource, value]) => current[kind]?.[resource as 'cpu' | 'memory'] !== value,
      ),
    );
    if (differs)
      steps.push({
        id: `resources-${deployment}`,
        fault: 'set-resources',
        params: { deployment, ...wanted },
        atMs: 0,
      });
  }
  for (const [deployment, replicas] of Object.entries(scenario.setup?.replicas ?? {})) {
    const d = await platform.getDeployment(deployment);
    if (d?.replicas !== replicas)
      steps.push({ id: `replicas-${deployment}`, fault: 'scale', params: { deployment, replicas }, atMs: 0 });
  }
  return steps;
}

const deploymentOf = (params: unknown) => (params as { deployment: string }).deployment;

/** One step as the run's timeline shows it, e.g. `catalogue CATALOGUE_EXTRA_SOCKS=10000`. */
function describe(step: FaultStepInput): string {
  const { deployment, env, replicas, requests, limits } = step.params as {
    deployment: string;
    env?: Record<string, string>;
    replicas?: number;
    requests?: Record<string, string>;
    limits?: Record<string, string>;
  };
  const list = (kind: string, r?: Record<string, string>) =>
    Object.entries(r ?? {}).map(([k, v]) => `${kind}.${k}=${v}`);
  const what = env
    ? Object.entries(env).map(([k, v]) => `${k}=${v}`)
    : requests || limits
      ? [...list('requests', requests), ...list('limits', limits)]
      : [`replicas=${replicas}`];
  return `${deployment} ${what.join(' ')}`;
}

/** Waits for the rollout a setup step started (its deployment's replicas ready, no old pod left). */
async function rolledOut(ctx: Pick<FaultContext, 'platform'>, params: unknown): Promise<void> {
  const name = deploymentOf(params);
  const d = await ctx.platform.getDeployment(name);
  await waitRolledOut(ctx, name, d?.replicas ?? 1, ROLLOUT_TIMEOUT_MS);
}

export interface AppliedSetup {
  /** What changed, one entry per step (empty when the lab already had the setup). */
  changes: string[];
  /** Restores the lab as it was, newest change first, each rollout awaited. */
  restore(): Promise<void>;
}

/** Applies the scenario's setup to the lab for one run (see the file comment). */
export async function applySetup(
  lab: Pick<RunLab, 'ctx' | 'home'>,
  scenario: Pick<Scenario, 'id' | 'setup'>,
  runId: string,
): Promise<AppliedSetup> {
  const steps = await setupSteps(lab.ctx.platform, scenario);
  const engine = new FaultEngine({ ...lab.ctx, runId: `${runId}.setup` }, join(lab.home, SETUP_JOURNAL_FILE));
  const restore = async () => {
    for (const step of [...steps].reverse()) {
      await engine.revert(step.id);
      await rolledOut(lab.ctx, step.params);
    }
    const errors = await engine.revertAll(); // nothing left: removes the journal
    if (errors.length) throw errors[0];
  };
  try {
    for (const step of steps) {
      await engine.inject(step);
      await rolledOut(lab.ctx, step.params);
    }
  } catch (error) {
    await restore().catch(() => undefined); // the journal keeps what could not be restored
    throw error;
  }
  return { changes: steps.map(describe), restore };
}

/** Restores what a crashed (or `--keep`) run's setup left in the lab; undefined when nothing was left. */
export function recoverSetup(lab: Pick<RunLab, 'ctx' | 'home'>): Promise<RecoveryReport | undefined> {
  return recoverJournal({ ...lab.ctx, runId: 'recovery' }, join(lab.home, SETUP_JOURNAL_FILE), {
    afterRevert: (entry) => rolledOut(lab.ctx, entry.params),
  });
}
