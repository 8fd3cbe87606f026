/**
 * A scenario's `setup:` on a lab the runner did not bring up (src/scenarios/runner-setup.ts): on the
 * default stores of `sockshop-lab up` (PGlite catalogue-db seeded by the catalogue at its start), the
 * large-catalogue setting is applied through the platform — the catalogue's env and the store pod rolled
 * onto a store image holding the extra socks — the shop really serves them, and restoring brings the
 * seed catalogue back; a crashed run's setup is restored from its journal. A lab that cannot be
 * re-seeded is refused.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FaultContext } from '../../src/faults/types.js';
import { projectRoot } from '../../src/lib/project-root.js';
import { LocalPlatform } from '../../src/platform/local/platform.js';
import { storeBackends } from '../../src/platform/store-pods.js';
import { shopTopology } from '../../src/platform/topology.js';
import type { Platform } from '../../src/platform/types.js';
import {
  SETUP_JOURNAL_FILE,
  SetupRefusedError,
  applySetup,
  recoverSetup,
  setupSteps,
} from '../../src/scenarios/runner-setup.js';
import { FAST, tempHome } from '../platform/helpers.js';

const EXTRA = 40; // a small image builds in seconds; the mechanism is the same as for 10,000
const scenario = {
  id: 'setup-test',
  setup: { env: { catalogue: { CATALOGUE_EXTRA_SOCKS: String(EXTRA) } } },
};

/** A platform that only knows deployments (env and command), for the cases no lab can show. */
function deploymentsOnly(
  specs: Record<string, { env: Record<string, string>; command?: string[] }>,
): Platform {
  return {
    getDeployment: async (name: string) =>
      specs[name]
        ? {
            name,
            replicas: 1,
            template: { container: { env: specs[name].env, command: specs[name].command ?? ['node'] } },
          }
        : undefined,
  } as unknown as Platform;
}

describe('scenario setup on a reused lab (catalogue + PGlite catalogue-db)', () => {
  let home: string;
  let platform: LocalPlatform;
  let lab: { ctx: Omit<FaultContext, 'runId'>; home: string };

  const size = async () => {
    const port = (await platform.getService('catalogue'))!.ports[0].port;
    const res = await fetch(`http://127.0.0.1:${port}/catalogue/size`);
    assert.equal(res.status, 200);
    return ((await res.json()) as { size: number }).size;
  };
  const env = async (deployment: string) =>
    (await platform.getDeployment(deployment))!.template.container.env ?? {};

  before(async () => {
    home = tempHome();
    platform = await LocalPlatform.start({ home, timings: FAST, sampleIntervalMs: 250 });
    const names = ['catalogue', 'catalogue-db'];
    const { deployments } = shopTopology({
      mode: existsSync(join(projectRoot(), 'dist', 'pods')) ? 'dist' : 'tsx', // bundled pods start faster
      anyPorts: true,
      stores: storeBackends(), // what `sockshop-lab up` runs
      dataDir: join(home, 'stores'),
    });
    await platform.apply(
      deployments
        .filter((d) => names.includes(d.name))
        .map((d) => ({ ...d, calls: d.calls?.filter((c) => names.includes(c)) })),
    );
    await platform.waitAllReady(120_000);
    lab = { home, ctx: { platform, extensions: { setEnv: platform.setEnv.bind(platform) } } };
  });
  after(async () => {
    await platform?.shutdown(2);
    rmSync(home, { recursive: true, force: true });
  });

  it('applies the setup through the platform, the shop serves it, and restore brings the lab back', async () => {
    const seeded = await size();
    const applied = await applySetup(lab, scenario, 'run-1');
    assert.deepEqual(
      applied.changes.map((c) => c.split(' ')[0]),
      ['catalogue', 'catalogue-db'],
      'the catalogue env, then its store rolled onto the image',
    );
    assert.equal((await env('catalogue')).CATALOGUE_EXTRA_SOCKS, String(EXTRA));
    assert.ok((await env('catalogue-db')).TEMPLATE_DIR);
    assert.equal(await size(), seeded + EXTRA, 'the catalogue serves the extra socks');
    assert.ok(existsSync(join(home, SETUP_JOURNAL_FILE)), 'journalled while the run lasts');
    assert.deepEqual(await setupSteps(platform, scenario), [], 'a lab that has the setup is left alone');

    await applied.restore();
    assert.equal((await env('catalogue')).CATALOGUE_EXTRA_SOCKS, undefined);
    assert.equal((await env('catalogue-db')).TEMPLATE_DIR, undefined);
    assert.equal(await size(), seeded, 'the seed catalogue again');
    assert.equal(existsSync(join(home, SETUP_JOURNAL_FILE)), false);
  });

  it("resources: the deployment runs with the setup's limits for the run and gets its own back", async () => {
    const resources = {
      id: 'setup-test',
      setup: { resources: { catalogue: { limits: { cpu: '150m' } } } },
    };
    const own = (await platform.getDeployment('catalogue'))!.template.container.resources;
    const applied = await applySetup(lab, resources, 'run-3');
    assert.deepEqual(applied.changes, ['catalogue limits.cpu=150m']);
    const during = (await platform.getDeployment('catalogue'))!;
    assert.equal(during.template.container.resources?.limits?.cpu, '150m');
    assert.equal(during.readyReplicas, 1, 'rolled out before the run goes on');
    await applied.restore();
    assert.deepEqual((await platform.getDeployment('catalogue'))!.template.container.resources, own);
  });

  it("a crashed run's setup is restored from its journal", async () => {
    const replicas = { id: 'setup-test', setup: { replicas: { catalogue: 2 } } };
    await applySetup(lab, replicas, 'run-2'); // never restored, as after a crash or --keep
    assert.equal((await platform.getDeployment('catalogue'))!.readyReplicas, 2);
    const report = await recoverSetup(lab);
    assert.deepEqual(report?.reverted, ['replicas-catalogue']);
    assert.equal((await platform.getDeployment('catalogue'))!.replicas, 1);
    assert.equal(existsSync(join(home, SETUP_JOURNAL_FILE)), false);
  });
});

describe('scenario setup: stores the run cannot re-seed', () => {
  it('an in-process catalogue needs only its env (it seeds itself when it starts)', async () => {
    const steps = await setupSteps(
      deploymentsOnly({ catalogue: { env: { CATALOGUE_DB_MODE: 'memory' } } }),
      scenario,
    );
    assert.deepEqual(
      steps.map((s) => s.id),
      ['env-catalogue'],
    );
  });

  it('a catalogue on an outside server is refused with one line saying what to do', async () => {
    const platform = deploymentsOnly({
      catalogue: { env: { CATALOGUE_DB_URL: 'mysql://root@127.0.0.1:3306/socksdb' } },
    });
    await assert.rejects(setupSteps(platform, scenario), (err: Error) => {
      assert.ok(err instanceof SetupRefusedError);
      assert.doesNotMatch(err.message, /\n/);
      assert.match(err.message, /CATALOGUE_EXTRA_SOCKS=40 .*sockshop-lab down/);
      return true;
    });
  });

  it('resources that differ are set; those that match are left alone', async () => {
    const platform = {
      getDeployment: async (name: string) => ({
        name,
        replicas: 1,
        template: { container: { resources: { limits: { cpu: name === 'user' ? '100m' : '300m' } } } },
      }),
    } as unknown as Platform;
    const steps = await setupSteps(platform, {
      id: 'x',
      setup: { resources: { 'front-end': { limits: { cpu: '100m' } }, user: { limits: { cpu: '100m' } } } },
    });
    assert.deepEqual(
      steps.map((s) => [s.id, s.fault, s.params]),
      [['resources-front-end', 'set-resources', { deployment: 'front-end', limits: { cpu: '100m' } }]],
    );
  });

  it('replicas that differ are scaled; those that match are left alone', async () => {
    const platform = deploymentsOnly({ orders: { env: {} }, carts: { env: {} } });
    const steps = await setupSteps(platform, { id: 'x', setup: { replicas: { orders: 2, carts: 1 } } });
    assert.deepEqual(
      steps.map((s) => [s.id, s.params]),
      [['replicas-orders', { deployment: 'orders', replicas: 2 }]],
    );
  });
});
