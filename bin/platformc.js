#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/main.cjs by `npm ci` (prepare) or `npm run build`, and run
// through V8's code cache (code-cache.js), which roughly halves the time a command spends before its work.
// CommonJS (bin/package.json), like the bundle: an ES module entry point starts Node's ES module loader,
// ~5 ms of a `validate` that has no other use for it.
'use strict';
const { join } = require('node:path');
const { cacheDirectory, loadWithCodeCache } = require('./code-cache.js');

const argv = process.argv.slice(2);
// A cache per command: each holds the functions its command runs. The commands whose startup is most of
// their time have their own; every other command (help, ops, init, schema) shares one.
const name = ['validate', 'compile', 'diff', 'cost'].includes(argv[0]) ? argv[0] : 'cli';
loadWithCodeCache(join(__dirname, '../dist/main.cjs'), { dir: cacheDirectory(), name }).exports.main(argv);
