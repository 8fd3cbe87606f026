#!/usr/bin/env node
// Runs a pod's one-file CommonJS bundle (see bundle-pods.mjs) with V8's code cache: the bytecode of
// the functions a start of that pod ran, saved beside the bundle. A start then neither parses the
// 3–4 MB bundle nor compiles those functions again, about a quarter of a shop pod's start-up CPU —
// what the lab's limits allow it (catalogue: 200m) while ten pods start on two cores.
//
//   node dist/pods/launch.mjs dist/pods/shop/carts/main.cjs
//
// The build's warm-up writes the caches; a pod writes its own when it exits if it had none that V8
// took (a missing file, another Node version or V8 flags), so the next start has one.
import { isAscii } from 'node:buffer';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { Script } from 'node:vm';

const file = resolve(process.argv[2]);
const cacheFile = `${file}.cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  // none yet
}
const bytes = readFileSync(file);
// An ASCII bundle (the build keeps it so) needs no UTF-8 decoding and becomes a one-byte string.
const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: file,
  cachedData,
});
if (!cachedData || script.cachedDataRejected)
  process.once('exit', () => {
    try {
      const partial = `${cacheFile}.${process.pid}.tmp`; // replicas starting together never read half a cache
      writeFileSync(partial, script.createCachedData());
      renameSync(partial, cacheFile);
    } catch {
      // a read-only install: every start compiles, as without a cache
    }
  });

process.argv.splice(1, 1); // the pod sees its bundle as the script it runs
const module = { exports: {}, filename: file, id: file };
script
  .runInThisContext()
  .call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
