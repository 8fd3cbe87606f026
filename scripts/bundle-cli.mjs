#!/usr/bin/env node
// Bundles the CLI (src/cli/main.ts) into dist/bundle/cli.mjs, which dist/cli/index.js runs when it
// is there: one module instead of ~250 (zod alone is ~100) cut `up`'s start-up CPU before its first
// pod by about half. Commands load as chunks, as their modules did.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true }); // no stale chunks of an older build
await build({
  entryPoints: [{ in: 'src/cli/main.ts', out: 'cli' }],
  outdir: 'dist/bundle',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  sourcemap: 'linked',
  legalComments: 'external', // keeps the bundle ASCII, which Node reads much faster (see bundle-pods.mjs)
  logLevel: 'warning',
  // PGlite finds its WASM next to its modules; playwright drives a browser from its own files;
  // optional native drivers stay optional.
  external: ['@electric-sql/*', 'playwright-core', 'pg-native', 'cloudflare:sockets'],
  // Bundled CommonJS dependencies still call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
console.log('bundled the CLI into dist/bundle/');
