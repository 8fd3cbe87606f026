/**
 * Two labs started in the same second: each probes for free ports, and a container binds its port
 * only once it has started, so both labs can be handed the same port. Neither may fail for it.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { LocalPlatform } from '../../src/platform/local/platform.js';
import { freePort } from '../../src/platform/local/tcp-proxy.js';
import type { KubeEvent, PodInfo } from '../../src/platform/types.js';
import { FAST, fixtureDeployment, get, tempHome, until } from './helpers.js';

const ready = async (platform: LocalPlatform): Promise<PodInfo | undefined> => {
  const [pod] = await platform.listPods();
  return pod?.ready ? pod : undefined;
};

void test('two labs handed the same pod port both end up ready, on different ports', async () => {
  // The kernel's bad luck, made certain: the first port each lab asks for is the same one.
  const shared = await freePort();
  const handedOut = new Set<string>();
  const portFor = (lab: string) => async () => {
    if (handedOut.has(lab)) return freePort();
    handedOut.add(lab);
    return shared;
  };
  const [a, b] = await Promise.all(
    ['a', 'b'].map((lab) =>
      LocalPlatform.start({ home: tempHome(), timings: FAST, sampleIntervalMs: 250, podPort: portFor(lab) }),
    ),
  );
  try {
    const web = fixtureDeployment('web', 'http-pod.ts', {
      container: { readinessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 0.2 } },
    });
    await Promise.all([a, b].map((p) => p.apply([structuredClone(web)])));
    // Settled: each lab's Service reaches that lab's own ready pod, and the pods' ports differ.
    const answersItself = async (p: LocalPlatform) => {
      const pod = await ready(p);
      const service = await p.getService('web');
      if (!pod || !service) return undefined;
      const res = await get(`http://127.0.0.1:${service.ports[0].port}/`).catch(() => undefined);
      return res?.status === 200 && (JSON.parse(res.body) as { pod: string }).pod === pod.name
        ? pod
        : undefined;
    };
    const [podA, podB] = await until(
      'each lab serving from its own pod, on different ports',
      async () => {
        const pods = await Promise.all([a, b].map(answersItself));
        return pods[0] && pods[1] && pods[0].ports.http !== pods[1].ports.http ? pods : undefined;
      },
      60_000,
    );
    assert.ok([podA!.ports.http, podB!.ports.http].includes(shared), 'one lab keeps the shared port');
    const moved = podA!.ports.http === shared ? b : a;
    const events: KubeEvent[] = await moved.listEvents({ kind: 'Pod' });
    assert.ok(
      events.some((e) => e.reason === 'PortInUse' && e.message.includes(String(shared))),
      'the lab that lost the port says so',
    );
  } finally {
    await Promise.all([a, b].map((p) => p.shutdown(2)));
    for (const p of [a, b]) rmSync(p.state.home, { recursive: true, force: true });
  }
});

void test('two labs wanting the same Service port at the same moment: one gets it, the other any port', async () => {
  const wanted = await freePort();
  const deployment = fixtureDeployment('web', 'http-pod.ts', {
    service: { name: 'web', ports: [{ name: 'http', port: wanted, targetPort: 'http', protocol: 'http' }] },
  });
  const labs = await Promise.all(
    [0, 1].map(() => LocalPlatform.start({ home: tempHome(), timings: FAST, sampleIntervalMs: 250 })),
  );
  try {
    await Promise.all(labs.map((p) => p.apply([structuredClone(deployment)])));
    const ports = await Promise.all(labs.map(async (p) => (await p.getService('web'))!.ports[0].port));
    assert.equal(ports.filter((port) => port === wanted).length, 1, `exactly one lab listens on ${wanted}`);
    assert.notEqual(ports[0], ports[1]);
    // The loser really listens where it says.
    const other = ports.find((port) => port !== wanted)!;
    const socket = net.connect({ host: '127.0.0.1', port: other });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.destroy();
  } finally {
    await Promise.all(labs.map((p) => p.shutdown(2)));
    for (const p of labs) rmSync(p.state.home, { recursive: true, force: true });
  }
});
