/**
 * A freshly initialised PGlite database takes seconds to create (initdb runs in WASM), but
 * loading a saved one takes well under that. So the first pod on a machine saves its pristine
 * data directory as a tarball in a template directory, and every later pod without a DATA_DIR
 * starts from that tarball (in memory, as before). The file is written under a temporary name
 * and renamed, so pods starting together never read half a template.
 *
 * A template directory may also hold the same database unpacked and cleanly shut down
 * (`UNPACKED_DIR`; store images have one, see ../images.ts). A pod then starts from a private copy
 * of it in tmpfs, which it deletes when it stops, like a container's writable layer over its image:
 * unpacking the tarball into PGlite's in-memory file system in JavaScript cost about 1 CPU-second
 * more than copying the directory (~0.15 s) and opening it where it lies.
 */
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite, type Extensions } from '@electric-sql/pglite';
import { TEMPLATE_FILE, UNPACKED_DIR } from './layout.js';

/**
 * PostgreSQL settings of every embedded pod. PGlite's shared_buffers default, 128 MB, is zeroed at
 * every start (about 0.3 CPU-seconds in WASM) and is far more than a store of the shop needs: the
 * 10,000-sock catalogue with its search index is under 10 MB.
 */
export const START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

/**
 * Where pods keep their private copies of an unpacked template (one directory per pod process): in
 * memory (tmpfs) where the machine has it, as PGlite's own file system was; writing the ~1,000 files
 * to a disk file system costs several times the CPU.
 */
export function scratchRoot(): string {
  return join(canWrite('/dev/shm') ? '/dev/shm' : tmpdir(), 'sockshop-lab-pgdata');
}

function canWrite(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export interface TemplateDb {
  db: PGlite;
  fromTemplate: boolean;
  /** The private copy the database runs on, to delete after `db.close()` (see removeScratch). */
  scratchDir?: string;
}

/**
 * A PGlite started from the template: from a private copy of its unpacked directory when there is
 * one, else in memory from its tarball, creating the tarball first if it is missing.
 */
export async function createFromTemplate(templateDir: string, extensions: Extensions): Promise<TemplateDb> {
  const unpacked = join(templateDir, UNPACKED_DIR);
  if (existsSync(join(unpacked, 'PG_VERSION'))) {
    const scratchDir = copyToScratch(unpacked);
    try {
      const db = await PGlite.create({ dataDir: scratchDir, extensions, startParams: START_PARAMS });
      return { db, fromTemplate: true, scratchDir };
    } catch {
      removeScratch(scratchDir); // an unreadable copy: the tarball below
    }
  }
  const file = join(templateDir, TEMPLATE_FILE);
  const saved = await readFile(file).catch(() => undefined);
  if (saved) {
    try {
      const db = await PGlite.create({
        loadDataDir: new Blob([saved]),
        extensions,
        startParams: START_PARAMS,
      });
      return { db, fromTemplate: true };
    } catch {
      // An unreadable template is rebuilt below.
    }
  }
  const db = await PGlite.create({ extensions, startParams: START_PARAMS });
  const dump = await db.dumpDataDir('gzip');
  await mkdir(templateDir, { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
  await rename(partial, file);
  return { db, fromTemplate: false };
}

export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Copies `source` to a new directory `<scratchRoot>/<pid>-<random>`, first removing the copies of
 * pods that are gone (a pod killed with SIGKILL, e.g. by its memory limit, cannot remove its own).
 */
export function copyToScratch(source: string, root = scratchRoot()): string {
  mkdirSync(root, { recursive: true });
  for (const name of readdirSync(root)) {
    const pid = Number(name.split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid))
      rmSync(join(root, name), { recursive: true, force: true });
  }
  const target = join(root, `${process.pid}-${randomBytes(4).toString('hex')}`);
  copyTree(source, target);
  return target;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Files at least this large are copied sparsely: a WAL segment is 16 MB, mostly zeros. */
const SPARSE_FROM = 1 << 20;
const BLOCK = 64 * 1024;
const ZEROS = Buffer.alloc(BLOCK);

function copyTree(source: string, target: string): void {
  mkdirSync(target, { recursive: true });
  for (const entry of readdirSync(source, { withFileTypes: true })) {
    const from = join(source, entry.name);
    const to = join(target, entry.name);
    if (entry.isDirectory()) copyTree(from, to);
    else if (entry.isFile()) copyFile(from, to);
  }
}

/** Like copyFileSync, but all-zero blocks of a large file become holes (read back as zeros). */
function copyFile(from: string, to: string): void {
  const input = openSync(from, 'r');
  try {
    const size = fstatSync(input).size;
    if (size < SPARSE_FROM) {
      copyFileSync(from, to);
      return;
    }
    const output = openSync(to, 'w');
    try {
      const block = Buffer.alloc(BLOCK);
      for (let offset = 0; offset < size; offset += BLOCK) {
        const n = readSync(input, block, 0, BLOCK, offset);
        if (n === 0) break;
        if (ZEROS.compare(block, 0, n, 0, n) !== 0) writeSync(output, block, 0, n, offset);
      }
      ftruncateSync(output, size);
    } finally {
      closeSync(output);
    }
  } finally {
    closeSync(input);
  }
}
