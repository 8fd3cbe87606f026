/**
 * Store images and the PGlite pod's start from them: an image holds the seeded catalogue as a
 * tarball and unpacked; the pod copies the unpacked directory (large zero-filled files sparsely),
 * serves the seeded data without seeding anything, and deletes its copy when it stops. A copy left
 * by a pod that is gone is deleted by the next one.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { TEMPLATE_FILE, UNPACKED_DIR } from '../../src/stores/embedded-sql/layout.js';
import { copyToScratch, removeScratch } from '../../src/stores/embedded-sql/template.js';
import { cachedStoreImage, storeImage } from '../../src/stores/images.js';
import { startEmbeddedSql } from './pods.js';

const work = mkdtempSync(join(tmpdir(), 'embedded-sql-image-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('copying an unpacked template', () => {
  it('copies the tree, large zero-filled files sparsely, and removes the copies of dead pods', () => {
    const source = join(work, 'source');
    mkdirSync(join(source, 'base', '5'), { recursive: true });
    writeFileSync(join(source, 'PG_VERSION'), '18\n');
    writeFileSync(join(source, 'base', '5', '1259'), Buffer.alloc(8192, 7));
    const wal = Buffer.alloc(4 << 20); // a WAL segment: a record at the start, zeros after
    wal.write('checkpoint record', 0);
    writeFileSync(join(source, 'wal'), wal);

    const root = join(work, 'scratch');
    mkdirSync(join(root, '999999999-dead'), { recursive: true }); // no such pid
    const copy = copyToScratch(source, root);
    assert.ok(copy.startsWith(join(root, `${process.pid}-`)));
    assert.deepEqual(readdirSync(root), [copy.split('/').pop()]);
    assert.equal(statSync(join(copy, 'base', '5', '1259')).size, 8192);
    const copied = statSync(join(copy, 'wal'));
    assert.equal(copied.size, 4 << 20);
    assert.ok(copied.blocks * 512 < 1 << 20, `sparse: ${copied.blocks} blocks`);
    removeScratch(copy);
    assert.equal(existsSync(copy), false);
  });
});

describe('the catalogue image', () => {
  it('is built once, and a pod started from it serves the seeded catalogue without seeding', async () => {
    const cacheDir = join(work, 'images');
    assert.equal(cachedStoreImage('catalogue-db', { cacheDir }), undefined);
    const dir = await storeImage('catalogue-db', { cacheDir });
    assert.equal(cachedStoreImage('catalogue-db', { cacheDir }), dir);
    assert.ok(existsSync(join(dir, TEMPLATE_FILE)));
    assert.ok(existsSync(join(dir, UNPACKED_DIR, 'PG_VERSION')));

    // The first pod changes its data; the second still starts from the image's.
    for (const round of [1, 2]) {
      const pod = await startEmbeddedSql({ TEMPLATE_DIR: dir, POD_NAME: `catalogue-db-image-${round}` });
      const scratchDir = pod.ready.scratchDir as string;
      try {
        assert.equal(pod.ready.fromTemplate, true);
        assert.ok(existsSync(join(scratchDir, 'PG_VERSION')), 'the pod runs on its own copy');
        const client = new pg.Client({ connectionString: pod.ready.url as string });
        await client.connect();
        try {
          const socks = await client.query<{ n: string; stocked: string }>(
            'SELECT count(*) AS n, count(*) FILTER (WHERE count > 0) AS stocked FROM sock',
          );
          assert.deepEqual(socks.rows[0], { n: '9', stocked: '9' });
          const index = await client.query<{ found: string | null }>(
            "SELECT to_regclass('sock_search')::text AS found",
          );
          assert.equal(index.rows[0].found, 'sock_search');
          await client.query('UPDATE sock SET count = 0');
        } finally {
          await client.end();
        }
      } finally {
        await pod.stop();
      }
      assert.equal(existsSync(scratchDir), false, 'the pod deletes its copy when it stops');
    }
  });
});
