/**
 * The search-degradation scenario on 10,000 socks, on the embedded PGlite pod and on MariaDB:
 * with the search index the engine's plan uses it, after dropping it the plan scans, and the
 * results stay the same. The timing ratio is printed, not asserted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { catalogueSeed } from '../../src/stores/catalogue/seed.js';
import type { SqlCatalogueStore } from '../../src/stores/catalogue/sql.js';
import { openMariadb, openPostgresAt, type OpenedCatalogue } from './catalogue-backends.js';
import { startEmbeddedSql, type Pod } from './pods.js';

const QUERIES = ['skater 7', 'velvet', 'merino wool with little', 'harbour climber'];
/** Rare enough that any planner prefers the index (for a common word PostgreSQL may rightly walk the primary key for the first page). */
const SELECTIVE = ['harbour climber', 'skater 77'];
const ROUNDS = 5;

let pglite: Pod;
before(async () => {
  pglite = await startEmbeddedSql({ POD_NAME: 'catalogue-db-search' });
});
after(async () => {
  await pglite?.stop();
});

async function timeSearches(store: SqlCatalogueStore): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < ROUNDS; i++) for (const q of QUERIES) await store.list({ q }, { offset: 0, limit: 10 });
  return (performance.now() - started) / (ROUNDS * QUERIES.length);
}

for (const [name, open] of [
  ['PGlite pod', () => openPostgresAt(String(pglite.ready.url), catalogueSeed({ extraSocks: 10_000 }))],
  ['MariaDB', () => openMariadb(catalogueSeed({ extraSocks: 10_000 }))],
] as const) {
  describe(`search index on 10,000 socks, ${name}`, () => {
    let opened: OpenedCatalogue<SqlCatalogueStore>;
    after(async () => {
      await opened?.cleanup();
    });

    it('the plan uses the index when present and scans without it; results do not change', async () => {
      opened = await open();
      const store = opened.store;
      assert.equal((await store.indexStatus()).present, true);
      const withIndex = await Promise.all(QUERIES.map((q) => store.count({ q })));
      for (const q of SELECTIVE)
        assert.ok((await store.explain(q)).usesSearchIndex, `${q}: ${(await store.explain(q)).plan}`);
      const fast = await timeSearches(store);

      await store.dropSearchIndex();
      assert.equal((await store.indexStatus()).present, false);
      for (const q of QUERIES) assert.equal((await store.explain(q)).usesSearchIndex, false);
      assert.deepEqual(await Promise.all(QUERIES.map((q) => store.count({ q }))), withIndex);
      const slow = await timeSearches(store);

      await store.createSearchIndex();
      assert.ok((await store.explain(SELECTIVE[0])).usesSearchIndex);
      console.log(
        `# ${name}: search over 10,000 socks ${slow.toFixed(2)} ms without index, ${fast.toFixed(2)} ms with (×${(slow / fast).toFixed(1)})`,
      );
    });
  });
}
