/**
 * Catalogue engines compared on the catalogue's queries: the embedded PGlite pod (a child
 * process, over pg) against the machine's MariaDB, both holding the seed plus 10,000 generated
 * socks. Prints p50/p99 per query in ms. Run: node --import tsx bench/catalogue-db.ts
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import mysql from 'mysql2/promise';
import { openMysqlCatalogue } from '../src/stores/catalogue/mysql.js';
import { openPostgresCatalogue } from '../src/stores/catalogue/postgres.js';
import { catalogueSeed } from '../src/stores/catalogue/seed.js';
import type { SqlCatalogueStore } from '../src/stores/catalogue/sql.js';

const ROUNDS = Number(process.env.ROUNDS ?? 200);
const MARIADB = process.env.MARIADB_URL ?? 'mysql://root@127.0.0.1:3306';

async function startPglite() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/stores/embedded-sql/main.ts'], {
    env: { ...process.env, PORT: '0', POD_NAME: 'catalogue-db-bench' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: child.stdout })) {
    const parsed = JSON.parse(line) as { msg: string; url: string };
    if (parsed.msg === 'embedded-sql ready') return { child, url: parsed.url };
  }
  throw new Error('embedded-sql did not start');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(label: string, run: (i: number) => Promise<unknown>): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    await run(i);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  console.log(
    `  ${label.padEnd(28)} p50 ${percentile(times, 50).toFixed(2).padStart(7)} ms   p99 ${percentile(times, 99).toFixed(2).padStart(7)} ms`,
  );
}

async function bench(name: string, store: SqlCatalogueStore, ids: string[]): Promise<void> {
  console.log(name);
  const qs = ['harbour climber', 'skater 7', 'velvet', 'merino wool'];
  await measure('list page 1', () => store.list({}, { offset: 0, limit: 10 }));
  await measure('list page 50', () => store.list({}, { offset: 490, limit: 10 }));
  await measure('filter tags=blue,red', () =>
    store.list({ tags: ['blue', 'red'] }, { offset: 0, limit: 10 }),
  );
  await measure('count tags=green', () => store.count({ tags: ['green'] }));
  await measure('get by id', (i) => store.get(ids[i % ids.length]));
  await measure('search with index', (i) => store.list({ q: qs[i % qs.length] }, { offset: 0, limit: 10 }));
  await store.dropSearchIndex();
  await measure('search without index', (i) =>
    store.list({ q: qs[i % qs.length] }, { offset: 0, limit: 10 }),
  );
  await store.createSearchIndex();
}

async function main(): Promise<void> {
  const seed = catalogueSeed({ extraSocks: 10_000 });
  const ids = seed.socks.map((s) => s.id);
  const pod = await startPglite();
  const pg = await openPostgresCatalogue({ url: pod.url, schema: 'bench' }, seed);
  const database = `bench_${process.pid}`;
  const maria = await openMysqlCatalogue({ url: `${MARIADB}/${database}` }, seed);
  try {
    await bench('PGlite pod (pg_trgm GIN)', pg, ids);
    await bench('MariaDB (InnoDB FULLTEXT)', maria, ids);
  } finally {
    await pg.close();
    await maria.close();
    const admin = await mysql.createConnection(MARIADB);
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.end();
    pod.child.kill('SIGTERM');
    await once(pod.child, 'exit');
  }
}

await main();
