// Bundles the CLI into dist/ with esbuild: one file per command chunk, so a command loads only what it
// needs and startup stays close to a bare `node` start. Type checking is `npm run typecheck`.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// A clean dist/: chunk names carry content hashes, and a stale chunk would otherwise be packed and published.
rmSync('dist', { recursive: true, force: true });

await build({
  entryPoints: ['compiler/cli/main.ts'],
  outdir: 'dist',
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  // Everything is bundled, the Kubernetes client too (in its own chunk, loaded by `apply`, `destroy` and
  // `status` only): the published package has no runtime dependencies, so a platform repository installs it
  // from one tarball, offline or from a mirror. Optional native add-ons of ws stay optional.
  external: ['bufferutil', 'utf-8-validate'],
  // Bundled CommonJS dependencies call require(); give them one.
  banner: { js: "import { createRequire as __platformcRequire } from 'node:module'; const require = __platformcRequire(import.meta.url);" },
  logLevel: 'warning',
});
