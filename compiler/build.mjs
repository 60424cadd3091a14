// Bundles the CLI into dist/ with esbuild: one file per command chunk, so a command loads only what it
// needs and startup stays close to a bare `node` start. Type checking is `npm run typecheck`.
import { build } from 'esbuild';

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
  // The Kubernetes client is large and only `apply`, `destroy` and `status` need it: left to node_modules.
  external: ['@kubernetes/client-node'],
  // Bundled CommonJS dependencies call require(); give them one.
  banner: { js: "import { createRequire as __platformcRequire } from 'node:module'; const require = __platformcRequire(import.meta.url);" },
  logLevel: 'warning',
});
