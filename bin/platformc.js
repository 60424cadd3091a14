#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (prepare) or `npm run build`.
import module from 'node:module';

// Node 22.1+ keeps the compiled code of dist/ between runs (in the OS temp folder), which shortens every
// start; Node 20 has no such API, and this is a no-op there.
module.enableCompileCache?.();
import('../dist/main.js').then((m) => m.main(process.argv.slice(2)));
