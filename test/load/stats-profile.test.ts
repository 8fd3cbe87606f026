/** Stats shapes (table, CSV, JSON), Locust's rounding, arrival schedules, units and profile validation errors. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { parseProfileText, validateProfile, ProfileError } from '../../src/load/profile.js';
import { failuresCsv, formatTable, statsCsv } from '../../src/load/report.js';
import { startLoad } from '../../src/load/runner.js';
import { ArrivalSchedule } from '../../src/load/schedule.js';
import { locustPercentile, locustRound } from '../../src/load/stats.js';
import { parseDuration, parseRamp, parseRate } from '../../src/load/units.js';
import { startFixture, type Fixture } from './fixture-server.js';

const run = promisify(execFile);

describe('Locust rounding and percentiles', () => {
  it('rounds like stats.py: 1 ms below 100, then 2 significant digits, ties to even', () => {
    assert.equal(locustRound(147), 150);
    assert.equal(locustRound(3432), 3400);
    assert.equal(locustRound(58760), 59000);
    assert.equal(locustRound(12.5), 12);
    assert.equal(locustRound(13.5), 14);
    assert.equal(locustRound(105), 100);
    assert.equal(locustRound(99.4), 99);
  });
  it('walks buckets from the top', () => {
    const buckets = new Map([
      [10, 50],
      [20, 45],
      [150, 5],
    ]);
    // Walking down from 150: after the 20 ms bucket 50 requests remain ≤ int(100·0.5), so the median is 20.
    assert.equal(locustPercentile(buckets, 100, 0.5), 20);
    // Values checked against locust.stats.calculate_response_time_percentile (Locust 2.12).
    assert.equal(locustPercentile(buckets, 100, 0.9), 20);
    assert.equal(locustPercentile(buckets, 100, 0.95), 150);
    assert.equal(locustPercentile(buckets, 100, 0.99), 150);
    assert.equal(locustPercentile(buckets, 100, 1), 150);
  });
});

describe('units and schedules', () => {
  it('parses durations, rates and ramps', () => {
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('2'), 2000);
    assert.equal(parseRate('600/m'), 10);
    assert.equal(parseRate('50/s'), 50);
    assert.deepEqual(parseRamp('10s:5/s, 1m:0'), [
      { durationMs: 10_000, target: 5 },
      { durationMs: 60_000, target: 0 },
    ]);
    assert.throws(() => parseDuration('5x'), /invalid duration "5x"/);
    assert.throws(() => parseRate('fast'), /invalid rate "fast"/);
    assert.throws(() => parseRamp('10s'), /invalid ramp stage/);
  });
  it('spaces constant arrivals evenly', () => {
    const s = new ArrivalSchedule(10, [], undefined, 1000);
    const times = Array.from({ length: 3 }, () => {
      const t = s.peek()!;
      s.advance();
      return t;
    });
    assert.deepEqual(times, [1100, 1200, 1300]);
  });
  it('places ramp arrivals where the integral of the rate reaches each count, then ends', () => {
    // 0 → 10/s over 1 s: A(t) = 5·t², so arrival k is at √(k/5) s; 5 arrivals in the stage.
    const s = new ArrivalSchedule(0, [{ durationMs: 1000, target: 10 }], undefined, 0);
    const times: number[] = [];
    for (let t = s.peek(); t !== undefined; t = s.peek()) {
      times.push(t);
      s.advance();
    }
    assert.equal(times.length, 5);
    times.forEach((t, i) => assert.ok(Math.abs(t - Math.sqrt((i + 1) / 5) * 1000) < 1e-6, `${i}: ${t}`));
  });
});

describe('profile validation', () => {
  it('names file, line and column of each problem', () => {
    const text = [
      'name: bad',
      'journeys:',
      '  - name: a',
      '    steps:',
      '      - request: GET /catalogue/{id}',
      '      - request: FETCH /x',
      '  - name: a',
      '    weight: -1',
      '    steps: []',
      '    colour: red',
    ].join('\n');
    try {
      parseProfileText(text, 'p.yaml');
      assert.fail('should not validate');
    } catch (error) {
      assert.ok(error instanceof ProfileError);
      const problems = error.problems.join('\n');
      assert.match(problems, /^p\.yaml:5:\d+: journeys\[0\]\.steps\[0\]\.request: unknown variable \{id\}/m);
      assert.match(
        problems,
        /^p\.yaml:6:\d+: journeys\[0\]\.steps\[1\]\.request: must be "<METHOD> \/path"/m,
      );
      assert.match(problems, /^p\.yaml:7:\d+: journeys\[1\]: Unrecognized key: "colour"/m);
      assert.match(problems, /^p\.yaml:8:\d+: journeys\[1\]\.weight:/m);
      assert.match(problems, /^p\.yaml:9:\d+: journeys\[1\]\.steps: a journey needs at least one step/m);
    }
  });
  it('reports YAML syntax errors with their line', () => {
    assert.throws(() => parseProfileText('name: x\njourneys: [\n', 'q.yaml'), /: q\.yaml:\d+:\d+: /);
  });
  it('refuses duplicate journeys, account variables without accounts, and bad JSON paths', () => {
    assert.throws(
      () =>
        validateProfile({
          name: 'p',
          journeys: [
            {
              name: 'a',
              steps: [{ request: 'GET /login', basicAuth: { username: '{username}', password: 'x' } }],
            },
            { name: 'a', steps: [{ request: 'GET /', extract: { id: '[*' } }] },
          ],
        }),
      (error: Error) =>
        /duplicate journey name "a"/.test(error.message) &&
        /unknown variable \{username\} \(add `accounts`/.test(error.message) &&
        /invalid JSON path "\[\*"/.test(error.message),
    );
  });
});

describe('stats, CSV and JSON', () => {
  let fixture: Fixture;
  let dir: string;
  before(async () => {
    fixture = await startFixture((req, res) => {
      if (req.url === '/items')
        res.setHeader('content-type', 'application/json').end('[{"id":"a1"},{"id":"b2"}]');
      else if (req.url?.startsWith('/items/')) res.end('{"ok":true}');
      else res.writeHead(503).end('busy');
    });
    dir = await mkdtemp(join(tmpdir(), 'load-test-'));
  });
  after(async () => {
    await fixture.close();
    await rm(dir, { recursive: true, force: true });
  });

  const profile = validateProfile({
    name: 'shapes',
    journeys: [
      {
        name: 'j',
        steps: [
          { request: 'GET /items', extract: { id: '[*].id' } },
          { request: 'GET /items/{id}' },
          { request: 'POST /down', json: { id: '{id}' } },
        ],
      },
    ],
  });

  it('keeps one entry per method and route template, failures by reason, and an aggregated row', async () => {
    const final = await startLoad({
      host: fixture.url,
      profile,
      users: 2,
      iterations: 10,
      percentiles: 'locust',
    }).done;
    assert.deepEqual(
      final.entries.map((e) => [e.method, e.name, e.requests, e.failures]),
      [
        ['POST', '/down', 10, 10],
        ['GET', '/items', 10, 0],
        ['GET', '/items/[id]', 10, 0],
      ],
    );
    assert.deepEqual(final.entries[0].failuresByReason, { 'HTTP 503': 10 });
    assert.equal(final.aggregated.name, 'Aggregated');
    assert.equal(final.aggregated.requests, 30);
    assert.equal(final.aggregated.failures, 10);
    for (const e of [...final.entries, final.aggregated]) {
      assert.ok(e.maxMs >= e.minMs);
      assert.ok(Number.isInteger(e.p99Ms), 'Locust buckets are whole ms below 100 ms');
    }

    const csv = statsCsv(final).trim().split('\n');
    assert.equal(
      csv[0],
      'Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,' +
        'Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%',
    );
    assert.equal(csv.length, 5);
    assert.match(csv[4], /^,Aggregated,30,10,/);
    assert.equal(failuresCsv(final), 'Method,Name,Error,Occurrences\nPOST,/down,HTTP 503,10\n');
    const table = formatTable(final, false);
    assert.match(table, /POST\s+\/down\s+10\s+10\(100\.00%\)/);
    assert.match(table, /\s+Aggregated\s+30\s+10\(33\.33%\)/);
  });

  it('the CLI writes CSV and JSON, exits 1 when requests failed, and rejects bad flags in one line', async () => {
    const profileFile = join(dir, 'p.json');
    await writeFile(profileFile, JSON.stringify(profile));
    const cli = [
      '--import',
      'tsx',
      'src/cli/index.ts',
      'load',
      '--host',
      fixture.url,
      '--profile',
      profileFile,
    ];
    const ok = await run(process.execPath, [
      ...cli,
      '-u',
      '1',
      '-n',
      '3',
      '--csv',
      join(dir, 'r'),
      '--json',
      join(dir, 'r.json'),
    ]).then(
      () => 0,
      (error: { code: number; stdout: string }) => error.code,
    );
    assert.equal(ok, 1);
    const stats = await readFile(join(dir, 'r_stats.csv'), 'utf8');
    assert.match(stats, /^GET,\/items\/\[id\],3,0,/m);
    const json = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
    assert.equal(json.model, 'closed');
    assert.equal(json.aggregated.requests, 9);
    assert.deepEqual(Object.keys(json.aggregated.percentilesMs), [
      '50%',
      '66%',
      '75%',
      '80%',
      '90%',
      '95%',
      '98%',
      '99%',
      '99.9%',
      '99.99%',
      '100%',
    ]);

    for (const [flags, message] of [
      [
        ['--users', 'many', '-t', '1s'],
        /--users <n>' argument 'many' is invalid\. expected a whole number above 0/,
      ],
      [['--rate', '5/fortnight', '-t', '1s'], /invalid rate "5\/fortnight"/],
      [['-u', '2', '--rate', '5/s', '-t', '1s'], /either users .* or a rate/],
      [['-u', '1'], /give a duration, a number of iterations or a ramp/],
    ] as const) {
      const failed = await run(process.execPath, [...cli, ...flags]).then(
        () => assert.fail(`accepted ${flags.join(' ')}`),
        (error: { code: number; stderr: string }) => error,
      );
      assert.equal(failed.code, 1);
      const lines = failed.stderr.trim().split('\n');
      assert.equal(lines.length, 1, failed.stderr);
      assert.match(lines[0], message);
    }
  });
});
