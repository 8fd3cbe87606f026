/** Contract tests of the catalogue's original routes over real HTTP (sockshop-spec §4, §2.1). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { catalogueConfigFromEnv } from '../../src/shop/catalogue/config.js';
import { createCatalogueService } from '../../src/shop/catalogue/server.js';
import type { RunnableService } from '../../src/shop/common/run-service.js';
import { SEED_SOCKS } from '../../src/stores/catalogue/seed.js';

const IDS = [
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
const TAGS = ['brown', 'geek', 'formal', 'blue', 'skin', 'red', 'action', 'sport', 'black', 'magic', 'green'];
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

interface SockJson {
  id: string;
  name: string;
  description: string;
  imageUrl: string[];
  price: number;
  count: number;
  tag: string[];
}

async function start(env: NodeJS.ProcessEnv = {}): Promise<{ service: RunnableService; url: string }> {
  const service = createCatalogueService(catalogueConfigFromEnv(env));
  return { service, url: await service.server.listen(0) };
}

void describe('catalogue original routes', () => {
  let service: RunnableService;
  let url: string;
  const get = (path: string, init?: RequestInit) => fetch(url + path, init);
  const socks = async (path: string) => (await (await get(path)).json()) as SockJson[] | null;

  before(async () => ({ service, url } = await start()));
  after(async () => {
    await service.server.close();
    await service.stop?.();
  });

  void it('lists the nine deployed socks in sock_id order with the original fields', async () => {
    const res = await get('/catalogue?size=20');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    const body = (await res.json()) as SockJson[];
    assert.deepEqual(
      body.map((s) => s.id),
      IDS,
    );
    for (const sock of body)
      assert.deepEqual(Object.keys(sock), ['id', 'name', 'description', 'imageUrl', 'price', 'count', 'tag']);
    const byName = Object.fromEntries(body.map((s) => [s.name, s]));
    assert.equal(byName.Holy.price, 99.99);
    assert.equal(byName.Crossed.price, 17.32);
    assert.equal(byName['SuperSport XL'].price, 15);
    assert.equal(byName['YouTube.sock'].count, 801);
    assert.deepEqual(byName.Colourful.imageUrl, [
      '/catalogue/images/colourful_socks.jpg',
      '/catalogue/images/colourful_socks.jpg',
    ]);
    for (const sock of body) assert.ok(sock.description.length > 0 && sock.description.length <= 200);
  });

  void it('pages by default 10 and ignores sort', async () => {
    assert.deepEqual(
      (await socks('/catalogue'))!.map((s) => s.id),
      IDS,
    );
    assert.deepEqual(
      (await socks('/catalogue?sort=name&order=desc'))!.map((s) => s.id),
      IDS,
    );
    assert.deepEqual(
      (await socks('/catalogue?page=2&size=4'))!.map((s) => s.id),
      IDS.slice(4, 8),
    );
    assert.deepEqual(
      (await socks('/catalogue?page=3&size=4'))!.map((s) => s.id),
      IDS.slice(8),
    );
    assert.deepEqual(
      (await socks('/catalogue?page=&size='))!.map((s) => s.id),
      IDS,
    );
    assert.deepEqual(
      (await socks('/catalogue?page=1&page=9&size=2'))!.map((s) => s.id),
      IDS.slice(0, 2),
    );
  });

  void it('cuts to [] for page/size 0, non-numeric, negative or past the end', async () => {
    for (const query of [
      'page=0',
      'size=0',
      'page=abc',
      'size=1.5',
      'page=-1',
      'size=-3',
      'page=4&size=3',
      'page=99',
      'page=99999999999999999999',
    ]) {
      const res = await get(`/catalogue?${query}`);
      assert.equal(res.status, 200, query);
      assert.equal(await res.text(), '[]\n', query);
    }
  });

  void it('answers null when the query has no rows, [] past the first page', async () => {
    assert.equal(await (await get('/catalogue?tags=nosuchtag')).text(), 'null\n');
    assert.equal(await (await get('/catalogue?tags=nosuchtag&page=2')).text(), '[]\n');
  });

  void it('filters by any of the tags and keeps only the matched tags in each sock', async () => {
    const green = (await socks('/catalogue?tags=green'))!;
    assert.deepEqual(
      green.map((s) => s.name),
      ['Figueroa', 'Cat socks', 'Classic'],
    );
    for (const sock of green) assert.deepEqual(sock.tag, ['green']);
    const union = (await socks('/catalogue?tags=sport,magic,skin'))!;
    assert.deepEqual(
      union.map((s) => s.name),
      ['Holy', 'SuperSport XL', 'Nerd leg'],
    );
    assert.deepEqual(
      union.map((s) => s.tag),
      [['magic'], ['sport'], ['skin']],
    );
    const crossed = (await socks('/catalogue?tags=red,blue,formal'))!.find((s) => s.name === 'Crossed')!;
    assert.deepEqual(new Set(crossed.tag), new Set(['blue', 'red', 'formal']));
  });

  void it('counts with the same filter', async () => {
    assert.equal(await (await get('/catalogue/size')).text(), '{"size":9,"err":null}\n');
    for (const [tag, n] of Object.entries(TAG_COUNTS)) {
      assert.deepEqual(await (await get(`/catalogue/size?tags=${tag}`)).json(), { size: n, err: null }, tag);
    }
    assert.deepEqual(await (await get('/catalogue/size?tags=green,sport')).json(), { size: 4, err: null });
    assert.deepEqual(await (await get('/catalogue/size?tags=nosuchtag')).json(), { size: 0, err: null });
  });

  void it('lists tags in tag_id order', async () => {
    const res = await get('/tags');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { tags: TAGS, err: null });
  });

  void it('gets one sock, and answers an unknown id with the 500 quirk', async () => {
    const sock = (await (await get('/catalogue/a0a4f044-b040-410d-8ead-4de0446aec7e')).json()) as SockJson;
    assert.deepEqual(
      { ...sock, description: '' },
      {
        id: 'a0a4f044-b040-410d-8ead-4de0446aec7e',
        name: 'Nerd leg',
        description: '',
        imageUrl: ['/catalogue/images/bit_of_leg_1.jpeg', '/catalogue/images/bit_of_leg_2.jpeg'],
        price: 7.99,
        count: 115,
        tag: ['blue', 'skin'],
      },
    );
    const res = await get('/catalogue/no-such-sock');
    assert.equal(res.status, 500);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.deepEqual(await res.json(), {
      error: 'Do: not found',
      status_code: 500,
      status_text: 'Internal Server Error',
    });
  });

  void it('reports health of catalogue and catalogue-db, also under the /health prefix', async () => {
    for (const path of ['/health', '/health/x']) {
      const body = (await (await get(path)).json()) as {
        health: Array<{ service: string; status: string; time: string }>;
      };
      assert.deepEqual(
        body.health.map((h) => [h.service, h.status]),
        [
          ['catalogue', 'OK'],
          ['catalogue-db', 'OK'],
        ],
      );
      assert.match(body.health[0].time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} \+0000 UTC$/);
    }
  });

  void it('serves a picture for every image the seed references, typed by extension', async () => {
    const files = new Set(SEED_SOCKS.flatMap((s) => [s.imageUrl1, s.imageUrl2]));
    for (const file of files) {
      const res = await get(file);
      assert.equal(res.status, 200, file);
      assert.equal(res.headers.get('content-type'), file.endsWith('.png') ? 'image/png' : 'image/jpeg');
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], file);
    }
    const a = Buffer.from(await (await get('/catalogue/images/holy_1.jpeg')).arrayBuffer());
    const b = Buffer.from(await (await get('/catalogue/images/puma_1.jpeg')).arrayBuffer());
    assert.notDeepEqual(a, b);
  });

  void it('answers missing images 404, lists the folder, honours If-Modified-Since', async () => {
    const missing = await get('/catalogue/images/nope.jpg');
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), '404 page not found\n');
    const listing = await get('/catalogue/images/');
    assert.equal(listing.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await listing.text(), /<a href="holy_1.jpeg">holy_1.jpeg<\/a>/);
    const first = await get('/catalogue/images/classic.jpg');
    const modified = first.headers.get('last-modified')!;
    assert.ok(modified);
    const again = await get('/catalogue/images/classic.jpg', { headers: { 'if-modified-since': modified } });
    assert.equal(again.status, 304);
  });

  void it('answers unknown routes and methods like gorilla/mux', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['GET', '/catalogue/'],
      ['POST', '/catalogue'],
      ['DELETE', '/catalogue/x'],
    ]) {
      const res = await get(path, { method });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(await res.text(), '404 page not found\n');
    }
  });

  void it('labels request metrics with the Go route names', async () => {
    await get('/catalogue/size');
    await get(`/catalogue/${IDS[0]}`);
    const text = await (await get('/metrics')).text();
    assert.match(
      text,
      /request_duration_seconds_count\{method="GET",route="catalogue_size",status_code="200",isWS="false"\} \d+/,
    );
    assert.match(
      text,
      /request_duration_seconds_count\{method="GET",route="catalogue_id",status_code="200",isWS="false"\} \d+/,
    );
    assert.match(
      text,
      /request_duration_seconds_count\{method="GET",route="catalogue_images",status_code="200",isWS="false"\} \d+/,
    );
    assert.match(text, /worker_pool_size\{pool="catalogue-db"\} 16/);
  });
});

void describe('catalogue with the later dump', () => {
  void it('adds Weave special when asked', async () => {
    const { service, url } = await start({ CATALOGUE_WEAVE_SPECIAL: 'true' });
    try {
      assert.deepEqual(await (await fetch(`${url}/catalogue/size`)).json(), { size: 10, err: null });
      assert.deepEqual(await (await fetch(`${url}/catalogue/size?tags=geek`)).json(), { size: 2, err: null });
      const list = (await (await fetch(`${url}/catalogue`)).json()) as SockJson[];
      assert.equal(list[3].name, 'Weave special');
      assert.equal(list[3].price, 17.15);
    } finally {
      await service.server.close();
    }
  });
});
