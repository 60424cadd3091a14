#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/main.cjs by `npm ci` (prepare) or `npm run build`, and run
// through V8's code cache (code-cache.js), which roughly halves the time a command spends before its work.
import { fileURLToPath } from 'node:url';
import { cacheDirectory, loadWithCodeCache } from './code-cache.js';

const argv = process.argv.slice(2);
// A cache per command: each holds the functions its command runs. The commands whose startup is most of
// their time have their own; every other command (help, ops, init, schema) shares one.
const name = ['validate', 'compile', 'diff', 'cost'].includes(argv[0]) ? argv[0] : 'cli';
const { exports } = loadWithCodeCache(fileURLToPath(new URL('../dist/main.cjs', import.meta.url)), { dir: cacheDirectory(), name });
exports.main(argv);
