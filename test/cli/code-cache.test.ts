/**
 * bin/code-cache.js: the CLI bundle runs through V8's code cache. The cache may only save time: the same
 * output with and without it, never the code of another bundle, and any broken cache is recompiled.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bin, repoRoot } from '../helpers/cli.js';

const loader = join(repoRoot, 'bin/code-cache.js');
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'platformc-code-cache-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs `file` through the loader in a new process; returns what its export returned and the cache status. */
function load(file: string, env: Record<string, string>) {
  const script = `import { cacheDirectory, loadWithCodeCache } from ${JSON.stringify(loader)};
const { exports, status } = loadWithCodeCache(${JSON.stringify(file)}, { dir: cacheDirectory(), name: 'test' });
process.stdout.write(JSON.stringify({ value: exports.value(), status }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { value: string; status: string };
}

const cacheFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.v8')).sort();

describe('the code cache', () => {
  it('is written by the first run and read by the next; a changed bundle of the same length never runs the old code', () => {
    const work = tmp();
    const cache = join(work, 'cache');
    const file = join(work, 'bundle.cjs');
    writeFileSync(file, "exports.value = function () { return 'first'; };\n");
    expect(load(file, { PLATFORMC_CODE_CACHE: cache })).toEqual({ value: 'first', status: 'miss' });
    const written = cacheFiles(cache);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(new RegExp(`^test-${process.version.replace(/\./g, '\\.')}-${process.arch}-[0-9a-f]{32}\\.v8$`));
    expect(load(file, { PLATFORMC_CODE_CACHE: cache })).toEqual({ value: 'first', status: 'hit' });
    // Same length, other code: V8 alone would take the old cache (it checks only the length of the source).
    writeFileSync(file, "exports.value = function () { return 'other'; };\n");
    expect(load(file, { PLATFORMC_CODE_CACHE: cache })).toEqual({ value: 'other', status: 'miss' });
    // The new build's cache replaces the old one (same path), and is then read.
    expect(cacheFiles(cache)).toEqual(written);
    expect(load(file, { PLATFORMC_CODE_CACHE: cache })).toEqual({ value: 'other', status: 'hit' });
    // Another bundle (another install) has a cache of its own.
    const second = join(work, 'second.cjs');
    writeFileSync(second, "exports.value = function () { return 'first'; };\n");
    expect(load(second, { PLATFORMC_CODE_CACHE: cache })).toEqual({ value: 'first', status: 'miss' });
    expect(load(file, { PLATFORMC_CODE_CACHE: cache })).toEqual({ value: 'other', status: 'hit' });
    expect(cacheFiles(cache)).toHaveLength(2);
  });

  it('runs the bundles beside it (./vendor/*.cjs) through a cache of their own, never another build of one, once per process', () => {
    const work = tmp();
    const cache = join(work, 'cache');
    mkdirSync(join(work, 'vendor'));
    const file = join(work, 'bundle.cjs');
    writeFileSync(file, "exports.value = () => { const a = require('./vendor/big-lib.cjs'); return a === require('./vendor/big-lib.cjs') ? a.name : 'loaded twice'; };\n");
    writeFileSync(join(work, 'vendor/big-lib.cjs'), "exports.name = 'one';\n");
    expect(load(file, { PLATFORMC_CODE_CACHE: cache })).toEqual({ value: 'one', status: 'miss' });
    expect(cacheFiles(cache).map((f) => f.split('-')[0])).toEqual(['biglib', 'test']);
    expect(load(file, { PLATFORMC_CODE_CACHE: cache })).toEqual({ value: 'one', status: 'hit' });
    writeFileSync(join(work, 'vendor/big-lib.cjs'), "exports.name = 'two';\n");
    expect(load(file, { PLATFORMC_CODE_CACHE: cache }).value).toBe('two');
    expect(load(file, { PLATFORMC_CODE_CACHE: 'off' }).value).toBe('two');
  });

  it('recompiles, silently, when the cache is damaged anywhere, and rewrites it', () => {
    const work = tmp();
    const cache = join(work, 'cache');
    const file = join(work, 'bundle.cjs');
    writeFileSync(file, `exports.value = () => 'value';\n${Array.from({ length: 200 }, (_, i) => `exports.f${i} = (x) => x * ${i} + 'f${i}';`).join('\n')}\n`);
    load(file, { PLATFORMC_CODE_CACHE: cache });
    const [name] = cacheFiles(cache);
    const good = readFileSync(join(cache, name!));
    // V8 checks its data's version, flags and length but not its bytes: before the header's CRC, 64 bytes
    // flipped inside them made every run crash (SIGSEGV) or run altered bytecode.
    const damaged = Buffer.from(good);
    for (let i = good.length - 200; i < good.length - 136; i++) damaged[i] = damaged[i]! ^ 0x5a;
    writeFileSync(join(cache, name!), damaged);
    expect(load(file, { PLATFORMC_CODE_CACHE: cache })).toEqual({ value: 'value', status: 'rejected' });
    expect(load(file, { PLATFORMC_CODE_CACHE: cache })).toEqual({ value: 'value', status: 'hit' });
    writeFileSync(join(cache, name!), Buffer.alloc(good.length, 7));
    expect(load(file, { PLATFORMC_CODE_CACHE: cache })).toEqual({ value: 'value', status: 'miss' });
    writeFileSync(join(cache, name!), '');
    expect(load(file, { PLATFORMC_CODE_CACHE: cache }).value).toBe('value');
  });

  it('is not used in a folder that other users can write (the cache is code), and keeps a cache per set of node options', () => {
    const work = tmp();
    const file = join(work, 'bundle.cjs');
    writeFileSync(file, "exports.value = () => 'value';\n");
    const shared = join(work, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    expect(load(file, { PLATFORMC_CODE_CACHE: shared })).toEqual({ value: 'value', status: 'off' });
    expect(readdirSync(shared)).toEqual([]);
    const cache = join(work, 'cache');
    expect(load(file, { PLATFORMC_CODE_CACHE: cache }).status).toBe('miss');
    expect(load(file, { PLATFORMC_CODE_CACHE: cache, NODE_OPTIONS: '--max-old-space-size=512' }).status).toBe('miss');
    expect(load(file, { PLATFORMC_CODE_CACHE: cache }).status).toBe('hit');
    expect(load(file, { PLATFORMC_CODE_CACHE: cache, NODE_OPTIONS: '--max-old-space-size=512' }).status).toBe('hit');
    expect(cacheFiles(cache)).toHaveLength(2);
  });

  it('falls back to compiling when the folder cannot be written, and is off with PLATFORMC_CODE_CACHE=off', () => {
    const work = tmp();
    const file = join(work, 'bundle.cjs');
    writeFileSync(file, "exports.value = () => 'value';\n");
    const blocked = join(work, 'a-file');
    writeFileSync(blocked, '');
    expect(load(file, { PLATFORMC_CODE_CACHE: join(blocked, 'cache') })).toEqual({ value: 'value', status: 'miss' });
    expect(load(file, { PLATFORMC_CODE_CACHE: 'off' })).toEqual({ value: 'value', status: 'off' });
    expect(readdirSync(work).sort()).toEqual(['a-file', 'bundle.cjs']);
  });

  it('keeps the newest cache files and never removes a file it did not write', () => {
    const work = tmp();
    const cache = join(work, 'cache');
    mkdirSync(cache);
    const old = Date.now() / 1000 - 3600;
    for (let i = 0; i < 30; i++) {
      const f = join(cache, `validate-v20.0.0-x64-${i.toString(16).padStart(32, '0')}.v8`);
      writeFileSync(f, 'old');
      utimesSync(f, old + i, old + i);
    }
    writeFileSync(join(cache, 'notes.txt'), 'mine');
    const file = join(work, 'bundle.cjs');
    writeFileSync(file, "exports.value = () => 'value';\n");
    load(file, { PLATFORMC_CODE_CACHE: cache });
    const left = readdirSync(cache);
    expect(left).toContain('notes.txt');
    expect(left.filter((f) => f.endsWith('.v8'))).toHaveLength(24);
    expect(left.some((f) => f.startsWith('test-'))).toBe(true);
    // The oldest went first.
    expect(left).not.toContain(`validate-v20.0.0-x64-${'0'.repeat(32)}.v8`);
  });

  it('changes nothing the CLI prints or writes: validate and compile without, with a new and with a warm cache', () => {
    const cache = join(tmp(), 'cache');
    const runs = ['off', cache, cache].map((setting, i) => {
      const out = join(tmp(), 'generated');
      const env = { ...process.env, PLATFORMC_CODE_CACHE: setting, NO_COLOR: '1', GITHUB_ACTIONS: '' };
      const validate = spawnSync(process.execPath, [bin, 'validate', 'platform.yaml'], { cwd: repoRoot, encoding: 'utf8', env });
      const compile = spawnSync(process.execPath, [bin, 'compile', 'platform.yaml', '--out', out], { cwd: repoRoot, encoding: 'utf8', env });
      expect(compile.status, `run ${i}: ${compile.stderr}`).toBe(0);
      const files = readdirSync(out, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name))
        .sort()
        .map((p) => [p.slice(out.length), readFileSync(p, 'utf8')]);
      return { validate: [validate.status, validate.stdout, validate.stderr], compile: compile.stdout.replace(/\(\d+ ms\)/, ''), files };
    });
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
    expect(cacheFiles(cache).map((f) => f.split('-')[0])).toEqual(['compile', 'validate']);
  });
});
