/**
 * The catalogue store contract, run unchanged against every backend: in memory, the embedded
 * PGlite pod (a real child process), the machine's PostgreSQL and its MariaDB. Expected values
 * come from the original's seed (sockshop-spec §4.4); search results are also compared with the
 * in-memory store over a few hundred generated socks, with and without the search index.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { catalogueSeed, SEED_TAGS } from '../../src/stores/catalogue/seed.js';
import { SqlCatalogueStore } from '../../src/stores/catalogue/sql.js';
import type { CatalogueStore, Sock } from '../../src/stores/catalogue/types.js';
import {
  openMariadb,
  openMemory,
  openPostgresAt,
  openRealPostgres,
  type OpenedCatalogue,
} from './catalogue-backends.js';
import { startEmbeddedSql, type Pod } from './pods.js';

const API_ORDER = [
  '03fef6ac-1896-4ce8-bd69-b798f85c6e0b',
  '3395a43e-2d88-40de-b95f-e00e1502085b',
  '510a0d7e-8e83-4193-b483-e27e09ddc34d',
  '808a2de1-1aaa-4c25-a9b9-6612e8f29a38',
  '819e1fbf-8b7e-4f6d-811f-693534916a8b',
  '837ab141-399e-4c1f-9abc-bace40296bac',
  'a0a4f044-b040-410d-8ead-4de0446aec7e',
  'd3588630-ad8e-49df-bbd7-3167f7efb246',
  'zzz4f044-b040-410d-8ead-4de0446aec7e',
];
const TAG_COUNTS: Record<string, number> = {
  brown: 3,
  geek: 1,
  formal: 5,
  blue: 4,
  skin: 1,
  red: 1,
  action: 2,
  sport: 1,
  black: 1,
  magic: 1,
  green: 3,
};
const SEARCHES = ['merino', 'stripes', 'Runner 1', 'warm', 'holy', 'dots; keeps', 'zzz-none', '100%', 'a_b'];

let pglite: Pod;
before(async () => {
  pglite = await startEmbeddedSql({ POD_NAME: 'catalogue-db-test' });
});
after(async () => {
  await pglite?.stop();
});

const backends: Array<[string, (extra?: number) => Promise<OpenedCatalogue>]> = [
  ['memory', (extra = 0) => openMemory(catalogueSeed({ extraSocks: extra }))],
  [
    'PGlite pod',
    (extra = 0) => openPostgresAt(String(pglite.ready.url), catalogueSeed({ extraSocks: extra })),
  ],
  ['PostgreSQL', (extra = 0) => openRealPostgres(catalogueSeed({ extraSocks: extra }))],
  ['MariaDB', (extra = 0) => openMariadb(catalogueSeed({ extraSocks: extra }))],
];

const tagSet = (s: Sock) => [...s.tag].sort();

for (const [name, open] of backends) {
  describe(`catalogue store on ${name}`, () => {
    let opened: OpenedCatalogue;
    let store: CatalogueStore;
    before(async () => {
      opened = await open();
      store = opened.store;
    });
    after(async () => {
      await opened?.cleanup();
    });

    it('lists every sock in sock_id order with its tags', async () => {
      const socks = await store.list({}, { offset: 0, limit: 100 });
      assert.deepEqual(
        socks.map((s) => s.id),
        API_ORDER,
      );
      const nerd = socks.find((s) => s.name === 'Nerd leg')!;
      assert.deepEqual(tagSet(nerd), ['blue', 'skin']);
      assert.equal(nerd.price, Math.fround(7.99));
      assert.equal(nerd.count, 115);
      assert.deepEqual(nerd.imageUrl, [
        '/catalogue/images/bit_of_leg_1.jpeg',
        '/catalogue/images/bit_of_leg_2.jpeg',
      ]);
    });

    it('pages with offset and limit', async () => {
      assert.deepEqual(
        (await store.list({}, { offset: 2, limit: 3 })).map((s) => s.id),
        API_ORDER.slice(2, 5),
      );
      assert.deepEqual(await store.list({}, { offset: 20, limit: 5 }), []);
      assert.deepEqual(await store.list({}, { offset: 0, limit: 0 }), []);
    });

    it('filters by any of the tags before grouping: a sock shows only the tags it matched', async () => {
      const green = await store.list({ tags: ['green'] }, { offset: 0, limit: 100 });
      assert.equal(green.length, 3);
      for (const sock of green) assert.deepEqual(sock.tag, ['green']);
      const cat = (await store.list({ tags: ['brown', 'formal'] }, { offset: 0, limit: 100 })).find(
        (s) => s.name === 'Cat socks',
      )!;
      assert.deepEqual(tagSet(cat), ['brown', 'formal']);
      assert.deepEqual(await store.list({ tags: ['no-such-tag'] }, { offset: 0, limit: 10 }), []);
    });

    it('counts distinct socks per tag filter', async () => {
      assert.equal(await store.count({}), 9);
      for (const [tag, n] of Object.entries(TAG_COUNTS))
        assert.equal(await store.count({ tags: [tag] }), n, tag);
      assert.equal(await store.count({ tags: ['brown', 'green'] }), 4);
      assert.equal(await store.count({ tags: ['nope'] }), 0);
    });

    it('gets one sock with all its tags, and nothing for an unknown id', async () => {
      const holy = await store.get('03fef6ac-1896-4ce8-bd69-b798f85c6e0b');
      assert.equal(holy?.name, 'Holy');
      assert.equal(holy?.price, Math.fround(99.99));
      assert.deepEqual(tagSet(holy), ['action', 'magic']);
      assert.equal(await store.get('no-such-id'), undefined);
    });

    it('lists tag names in tag_id order', async () => {
      assert.deepEqual(await store.tags(), SEED_TAGS);
    });

    it('searches name and description case-insensitively', async () => {
      const holy = await store.list({ q: 'HOLY' }, { offset: 0, limit: 10 });
      assert.deepEqual(
        holy.map((s) => s.name),
        ['Holy'],
      );
      assert.equal(await store.count({ q: 'holy', tags: ['magic'] }), 1);
      assert.equal(await store.count({ q: 'holy', tags: ['green'] }), 0);
    });

    it('updates price and count', async () => {
      const id = 'zzz4f044-b040-410d-8ead-4de0446aec7e';
      const changed = await store.update(id, { price: 13.3, count: 5 });
      assert.equal(changed?.price, Math.fround(13.3));
      assert.equal(changed?.count, 5);
      assert.equal((await store.get(id))?.count, 5);
      assert.equal(await store.update('missing', { count: 1 }), undefined);
    });

    it('answers health', async () => {
      assert.equal(await store.health(), true);
    });
  });
}

describe('search on generated socks gives the in-memory results on every SQL engine, index or not', () => {
  const opened: OpenedCatalogue[] = [];
  after(async () => {
    for (const o of opened) await o.cleanup();
  });

  it('same ids and counts for each query', async () => {
    for (const [, open] of backends) opened.push(await open(300));
    const [memory, ...sql] = opened.map((o) => o.store);
    for (const store of sql as SqlCatalogueStore[]) {
      for (const indexed of [true, false]) {
        if (indexed) await store.createSearchIndex();
        else await store.dropSearchIndex();
        assert.equal((await store.indexStatus()).present, indexed);
        for (const q of SEARCHES) {
          for (const tags of [[], ['blue', 'red']]) {
            const want = await memory.list({ q, tags }, { offset: 0, limit: 1000 });
            const got = await store.list({ q, tags }, { offset: 0, limit: 1000 });
            assert.deepEqual(
              got.map((s) => s.id),
              want.map((s) => s.id),
              `${q} ${tags.join()} index=${indexed}`,
            );
            assert.deepEqual(got.map(tagSet), want.map(tagSet));
            assert.equal(await store.count({ q, tags }), want.length);
          }
        }
      }
    }
  });
});
