#!/usr/bin/env node
// Bundles every pod entry (each `main.ts` a pod runs) into one file under dist/pods/. A pod then loads
// one file instead of hundreds of modules, which roughly halves its start-up CPU — what matters when
// ten pods start at once on two cores under CPU limits.
//
// The pods are CommonJS bundles run by dist/pods/launch.mjs (scripts/pod-launch.mjs) with V8's code
// cache, which takes about another quarter off; a warm-up at the end starts each of them once so that
// their caches exist before the first `up`. The embedded SQL pod stays an ES module: PGlite dominates
// its start, and it sets a V8 flag at run time, which would make V8 reject any code cache.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const OUT = 'dist/pods';
const ESM_ONLY = ['src/stores/embedded-sql/main.ts'];
const roots = ['src/shop', 'src/stores'];
const entries = roots.flatMap((root) =>
  readdirSync(root)
    .map((name) => join(root, name, 'main.ts'))
    .filter((file) => existsSync(file)),
);
const outName = (file) => file.replace(/^src\//, '').replace(/\.ts$/, '');

const common = {
  outdir: OUT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  sourcemap: 'linked',
  // Licence comments go to a .LEGAL.txt beside each bundle: one of them (a name with an "ä") made the
  // whole bundle non-ASCII, and decoding it as UTF-8 took ~40 ms of every start.
  legalComments: 'external',
  logLevel: 'warning',
  // PGlite finds its WASM and data files next to its own modules; optional native drivers stay optional.
  external: ['@electric-sql/*', 'pg-native', 'cloudflare:sockets'],
};

// pg asks at load whether it runs in a Cloudflare Worker by building a fetch Response, which makes Node
// load its own copy of undici: ~20 ms of CPU at every start of the catalogue, whose 200m limit turns
// that into ~0.1 s. Pods run on Node, so the bundle takes pg's Node stream functions directly.
const PG_STREAM_PROBE = 'const { getStream, getSecureStream } = getStreamFuncs()';
const pgOnNode = {
  name: 'pg-on-node',
  setup(build) {
    build.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      if (!source.includes(PG_STREAM_PROBE)) throw new Error(`${path} changed: review the pg-on-node plugin`);
      return {
        contents: source.replace(
          PG_STREAM_PROBE,
          PG_STREAM_PROBE.replace('getStreamFuncs', 'getNodejsStreamFuncs'),
        ),
        loader: 'js',
      };
    });
  },
};

rmSync(OUT, { recursive: true, force: true }); // no stale chunks or caches of an older build
const cjs = entries.filter((file) => !ESM_ONLY.includes(file));
await build({
  ...common,
  entryPoints: cjs.map((file) => ({ in: file, out: outName(file) })),
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  plugins: [pgOnNode],
  // Dependencies' import() of Node built-ins (the OTLP exporter's http, the MongoDB driver's os) become
  // require(): code compiled by vm.Script, and above all code from a cache, has no import().
  supported: { 'dynamic-import': false },
  // import.meta.url (the project root is found from it) is the bundle's own URL.
  define: { 'import.meta.url': '__bundle_url' },
  banner: { js: "var __bundle_url = require('node:url').pathToFileURL(__filename).href;" },
});
await build({
  ...common,
  entryPoints: ESM_ONLY.map((file) => ({ in: file, out: outName(file) })),
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  // Bundled CommonJS dependencies still call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
copyFileSync('scripts/pod-launch.mjs', join(OUT, 'launch.mjs'));

// The warm-up: each pod alone on loopback (any port, its in-memory stores, no broker it could reach),
// stopped once it listens (or has given up); on its way out the launcher writes the cache.
const WARM_UP_ENV = {
  PATH: process.env.PATH ?? '',
  HOST: '127.0.0.1',
  PORT: '0',
  METRICS_PORT: '0',
  AMQP_PORT: '0',
  MGMT_PORT: '0',
  AMQP_URL: 'amqp://127.0.0.1:1',
  POD_NAME: 'warm-up',
};

function warmUp(bundle) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(OUT, 'launch.mjs'), bundle], {
      env: WARM_UP_ENV,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const stop = () => child.kill('SIGTERM');
    const timers = [setTimeout(stop, 20_000), setTimeout(() => child.kill('SIGKILL'), 30_000)];
    // The pod's own line (`carts listening`, `broker ready`), printed once its SIGTERM handler is set.
    child.stdout.on('data', (chunk) => /"msg":"[\w-]+ (listening|ready)"/.test(String(chunk)) && stop());
    child.once('exit', () => {
      for (const timer of timers) clearTimeout(timer);
      resolve(existsSync(`${bundle}.cache`));
    });
  });
}

const warmed = await Promise.all(cjs.map((file) => warmUp(join(OUT, `${outName(file)}.cjs`))));
console.log(
  `bundled ${entries.length} pod entries into ${OUT}/ (code caches for ${warmed.filter(Boolean).length} of ${cjs.length})`,
);
