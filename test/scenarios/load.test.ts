/**
 * Every scenario file in scenarios/ loads and validates (one test per file, found by listing the folder,
 * so a new file is covered without touching this test); malformed files get line-numbered errors, from
 * the loader and from `sockshop-lab scenario validate`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FAULTS } from '../../src/faults/registry.js';
import {
  loadScenarioDir,
  loadScenarioFile,
  parseScenarioText,
  ScenarioError,
} from '../../src/scenarios/load.js';

const DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli/index.ts', import.meta.url));
const FILES = readdirSync(DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

const VALID = `id: tiny
title: Tiny
seed: { document: user-journey-failures.md, section: "1" }
userImpact: slow
goldenSignals: [latency]
scaling: none
load: { profile: mixed, users: 2 }
faults:
  - id: slow
    fault: mesh-delay
    params: { source: front-end, destination: user, latency: 2s }
manifestation:
  checks:
    - id: p95
      userFacing: true
      promql: histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[1m])) by (le))
      op: '>'
      baseline: { factor: 2 }
groundTruth:
  faultType: network-delay
  rootCause: [{ component: user, kind: deployment }]
  propagation: [delay, slow login]
  tasks: [detection]
remediations:
  - id: fix
    description: remove it
    actions: [{ verb: remove-mesh-rule, target: 'front-end->user' }]
recovery:
  checks:
    - { id: ok, userFacing: true, promql: vector(0), op: '<', value: 1 }
`;

function problemsOf(text: string): string[] {
  try {
    parseScenarioText(text, 'tiny.yaml');
  } catch (err) {
    assert.ok(err instanceof ScenarioError, String(err));
    return err.message.split('\n');
  }
  assert.fail('expected a ScenarioError');
}

describe('each scenario file loads and validates', () => {
  it('the folder holds scenario files', () => assert.ok(FILES.length >= 17, FILES.join(', ')));

  for (const file of FILES)
    it(file, async () => {
      const { scenario, faultParams, profile } = await loadScenarioFile(join(DIR, file));
      assert.equal(`${scenario.id}.yaml`, file);
      assert.ok(profile, 'the load profile resolves');
      if (scenario.control) {
        assert.equal(scenario.faults.length, 0);
        return;
      }
      assert.ok(scenario.faults.length > 0 || scenario.load.duringFault, 'a fault or a surge');
      for (const f of scenario.faults) {
        assert.ok(FAULTS.has(f.fault), `${f.id}: ${f.fault} is a registered primitive`);
        assert.ok(faultParams[f.id] !== undefined, `${f.id}: parameters parsed by the primitive`);
      }
      assert.ok(scenario.manifestation!.checks.some((c) => c.userFacing && (c.baseline || 'state' in c)));
      assert.ok(scenario.recovery.checks.some((c) => c.userFacing));
      assert.ok(scenario.groundTruth!.rootCause.length > 0 && scenario.remediations.length > 0);
    });
});

describe('scenario files', () => {
  it('all of them load and validate, with the required catalogue', async () => {
    const all = await loadScenarioDir(DIR);
    const ids = all.map((s) => s.scenario.id);
    for (const id of [
      'queue-blockage',
      'consumer-down',
      'autoscaling-wrong-metric',
      'catalogue-db-starvation',
      'login-latency-surge',
      'login-latency-user-db',
      'login-latency-delay',
      'payment-partition',
      'cart-loss',
      'catalogue-staleness',
      'payment-timeout',
      'search-degradation',
      'checkout-overload',
      'order-status-inconsistency',
      'profile-update-loss',
      'shipping-calculation-errors',
      'control',
    ])
      assert.ok(ids.includes(id), `missing scenario ${id}`);
    assert.ok(
      all.filter((s) => s.scenario.faults.length >= 2 && s.scenario.id.startsWith('combo-')).length >= 2,
    );
    for (const s of all) {
      if (s.scenario.control) continue;
      assert.ok(
        s.scenario.manifestation!.checks.some((c) => c.userFacing),
        `${s.scenario.id}: user-facing check`,
      );
      for (const f of s.scenario.faults)
        assert.ok(s.faultParams[f.id] !== undefined, `${s.scenario.id}/${f.id}`);
    }
  });

  it('parses durations and applies fault parameter defaults', () => {
    const loaded = parseScenarioText(VALID, 'tiny.yaml');
    assert.deepEqual(loaded.faultParams.slow, {
      source: 'front-end',
      destination: 'user',
      direction: 'to',
      latency: 2000,
    });
    assert.equal(loaded.scenario.manifestation!.within, 180_000);
  });

  it('reports YAML syntax errors with their line', () => {
    const [line] = problemsOf(VALID.replace('title: Tiny', 'title: [Tiny'));
    assert.match(line, /^tiny\.yaml:\d+:\d+: /);
  });

  it('reports an unknown field at the key itself', () => {
    const problems = problemsOf(VALID.replace('scaling: none', 'scaling: none\nsclaing: typo'));
    assert.deepEqual(problems, ['tiny.yaml:7:1: sclaing: unknown field "sclaing"']);
  });

  it('reports a missing required field as such, with the mapping it belongs in', () => {
    const problems = problemsOf(VALID.replace('scaling: none', 'sclaing: none'));
    assert.deepEqual(problems, [
      'tiny.yaml:1:1: scaling: required field missing (string)',
      'tiny.yaml:6:1: sclaing: unknown field "sclaing"',
    ]);
  });

  it('reports a bad fault parameter at its line, through the primitive schema', () => {
    const problems = problemsOf(VALID.replace('latency: 2s', 'latency: soon'));
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^tiny\.yaml:11:\d+: faults\[0\]\.params\.latency: "soon" is not a duration/);
  });

  it('reports an unknown fault and lists the known ones', () => {
    const [p] = problemsOf(VALID.replace('fault: mesh-delay', 'fault: mesh-dlay'));
    assert.match(p, /^tiny\.yaml:10:12: faults\[0\]\.fault: unknown fault "mesh-dlay"; known: scale, /);
  });

  it('reports bad PromQL at the expression line', () => {
    const [p] = problemsOf(VALID.replace('promql: vector(0)', "promql: 'up +'"));
    assert.match(p, /^tiny\.yaml:30:43: recovery\.checks\[0\]\.promql: PromQL: /);
  });

  it('refuses a scenario without a user-facing check, and wrong types, all at once', () => {
    const text = VALID.replace('      userFacing: true\n', '').replace('users: 2', 'users: many');
    const problems = problemsOf(text);
    assert.equal(problems.length, 1, problems.join('\n')); // schema stage stops at the type error
    assert.match(problems[0], /^tiny\.yaml:7:\d+: load\.users: /);
    const [hurt] = problemsOf(VALID.replace('      userFacing: true\n', ''));
    assert.match(hurt, /manifestation\.checks: needs a user-facing check/);
  });

  it('checks duplicate step ids, and the id against the file name', () => {
    const problems = problemsOf(
      VALID.replace(
        'faults:\n',
        'faults:\n  - { id: slow, fault: pod-kill, params: { deployment: user } }\n',
      ),
    );
    assert.ok(
      problems.some((p) => /faults\[1\]: duplicate fault step id "slow"/.test(p)),
      problems.join('\n'),
    );
    assert.throws(
      () => parseScenarioText(VALID, 'other.yaml'),
      /other\.yaml:1:5: id: id "tiny" differs from the file name "other"/,
    );
  });

  it('reports every problem after the schema stage at once, each at its own line', () => {
    const problems = problemsOf(
      VALID.replace('latency: 2s', 'latency: 2s, colour: red').replace('promql: vector(0)', "promql: 'up +'"),
    );
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0], /^tiny\.yaml:11:\d+: faults\[0\]\.params\.colour: unknown field "colour"/);
    assert.match(problems[1], /^tiny\.yaml:30:\d+: recovery\.checks\[0\]\.promql: PromQL: /);
  });

  it('reports an unknown state kind, a baseline with ==, and a control file with faults at their lines', () => {
    const [state] = problemsOf(VALID.replace("promql: vector(0), op: '<'", "state: queue-lenght, op: '<'"));
    assert.match(
      state,
      /^tiny\.yaml:30:\d+: recovery\.checks\[0\]\.state: Invalid option: expected one of "queue-depth"/,
    );
    const [eq] = problemsOf(VALID.replace("op: '>'", "op: '=='"));
    assert.match(eq, /^tiny\.yaml:\d+:\d+: manifestation\.checks\[0\]: a baseline threshold needs/);
    const control = problemsOf(VALID.replace('scaling: none', 'scaling: none\ncontrol: true'));
    assert.deepEqual(control, [
      'tiny.yaml:10:3: faults: a control scenario has no faults',
      'tiny.yaml:14:3: manifestation: a control scenario has no manifestation checks',
      'tiny.yaml:21:3: groundTruth: a control scenario has no ground truth',
    ]);
  });

  it('`scenario validate` prints ok for good files, file:line:col problems for bad ones, and exits 1', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'sockshop-validate-'));
    try {
      writeFileSync(join(tmp, 'tiny.yaml'), VALID);
      writeFileSync(
        join(tmp, 'bad.yaml'),
        VALID.replace('id: tiny', 'id: bad').replace('latency: 2s', 'latency: soon'),
      );
      const run = (...files: string[]) =>
        spawnSync(process.execPath, ['--import', 'tsx', CLI, 'scenario', 'validate', ...files], {
          encoding: 'utf8',
          timeout: 120_000,
        });
      const good = run(join(tmp, 'tiny.yaml'));
      assert.equal(good.status, 0, good.stderr);
      assert.match(good.stdout, /tiny\.yaml: ok \(tiny\)/);
      const bad = run(join(tmp, 'tiny.yaml'), join(tmp, 'bad.yaml'));
      assert.equal(bad.status, 1);
      assert.match(bad.stdout, /tiny\.yaml: ok/);
      assert.match(bad.stderr, /bad\.yaml:11:\d+: faults\[0\]\.params\.latency: "soon" is not a duration/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
