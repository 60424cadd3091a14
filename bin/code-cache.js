// Runs the bundled CLI (a CommonJS file) through V8's code cache, which Node 20 offers only to vm.Script.
//
// A cold start of `platformc validate` spends about as long compiling JavaScript to bytecode as running it;
// with the cache V8 deserialises the bytecode of every function the previous run of the same command
// called instead of parsing and compiling them. The cache is written after the first run of a command (at
// exit, so that it holds the functions compiled lazily during the run) into a per-user folder, under a name
// made of the command, the Node version, the architecture and the bundle's path. The file starts with the
// bundle it was made from, compared byte for byte before use: a rebuilt or reinstalled CLI never runs the
// code of another bundle (V8 checks only the source's length), and the comparison costs a fraction of a
// millisecond where hashing the bundle cost ~5 (loading node:crypto, then sha256). V8 checks its own version
// and flags too and rejects a cache that does not fit; then the run compiles as without cache and writes a
// new one. Any failure to read or write the cache falls back, silently, to compiling: the cache only saves time.
// PLATFORMC_CODE_CACHE=DIR puts the cache in DIR; PLATFORMC_CODE_CACHE=off turns it off.
'use strict';
const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { homedir } = require('node:os');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

/** How many cache files the folder keeps (the newest): one per command and build, builds come and go. */
const KEEP = 24;
/** The name of a cache file (or of one being written): NAME-NODEVERSION-ARCH-PATHHASH.v8[.PID.tmp]. */
const CACHE_FILE = /^[a-z]+-v\d+\.\d+\.\d+-[a-z0-9]+-[0-9a-f]{32}\.v8(\.\d+\.tmp)?$/;

/** The cache folder: PLATFORMC_CODE_CACHE, else the user's cache folder; undefined when turned off. */
function cacheDirectory(env = process.env) {
  const setting = env.PLATFORMC_CODE_CACHE;
  if (setting === 'off' || setting === '0') return undefined;
  if (setting) return setting;
  try {
    const base =
      env.XDG_CACHE_HOME ||
      (process.platform === 'win32' ? env.LOCALAPPDATA : undefined) ||
      join(homedir(), process.platform === 'darwin' ? 'Library/Caches' : '.cache');
    return join(base, 'platformc', 'code-cache');
  } catch {
    return undefined; // no home folder: no cache
  }
}

/**
 * Evaluates the CommonJS file `file` as require() would and returns its exports, with the code cache named
 * `name` in `dir` (no cache when dir is undefined). `status` says what happened to the cache: off, hit,
 * miss (none yet, or of another build: written at exit) or rejected (V8 refused it: rewritten at exit).
 */
function loadWithCodeCache(file, { dir, name }) {
  const bundle = readFileSync(file);
  let cacheFile;
  let cachedData;
  if (dir) {
    cacheFile = join(dir, `${name}-${process.version}-${process.arch}-${pathHash(file)}.v8`);
    try {
      const cached = readFileSync(cacheFile);
      // Only the cache of these very bytes: a cache made from another build of the bundle at this path is a miss.
      if (cached.length > bundle.length && bundle.equals(cached.subarray(0, bundle.length))) cachedData = cached.subarray(bundle.length);
    } catch {
      cachedData = undefined;
    }
  }
  // The function Node wraps every CommonJS module in.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${bundle.toString('utf8')}\n})`, { filename: file, cachedData });
  const status = !dir ? 'off' : !cachedData ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';
  const module = { exports: {}, id: file, filename: file, loaded: false };
  script.runInThisContext().call(module.exports, module.exports, requireBeside(file, dir), module, file, dirname(file));
  module.loaded = true;
  if (status === 'miss' || status === 'rejected') process.once('exit', () => writeCache(script, bundle, cacheFile));
  return { exports: module.exports, status };
}

/**
 * The require() of a bundle run through the cache: the bundles it requires beside it (`./vendor/NAME.cjs`: the
 * large libraries only the ops commands load) go through the cache too, each under a name of its own.
 * @kubernetes/client-node's 6 MB took ~120 ms to compile on every apply, destroy and status.
 */
function requireBeside(file, dir) {
  const require = createRequire(file);
  if (!dir) return require;
  const loaded = new Map();
  const beside = (id) => {
    const vendor = /^\.\/vendor\/([a-z-]+)\.cjs$/.exec(id);
    if (!vendor) return require(id);
    if (!loaded.has(id)) loaded.set(id, loadWithCodeCache(join(dirname(file), id), { dir, name: vendor[1].replace(/-/g, '') }).exports);
    return loaded.get(id);
  };
  return Object.assign(beside, { resolve: require.resolve, cache: require.cache, main: require.main });
}

/**
 * 32 hex digits from the bundle's path (four 32-bit FNV-1a with different offsets): only a name, so that
 * each installed CLI keeps its own cache and a rebuild replaces its predecessor's. A collision costs a
 * recompile, never wrong code: the content comparison above decides.
 */
function pathHash(path) {
  let hex = '';
  for (const offset of [0x811c9dc5, 0x050c5d1f, 0x2b2ae9bd, 0x6c62272e]) {
    let h = offset;
    for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
    hex += (h >>> 0).toString(16).padStart(8, '0');
  }
  return hex;
}

/** Writes the cache atomically (another platformc may read it at the same time), then prunes the folder. */
function writeCache(script, bundle, cacheFile) {
  const dir = dirname(cacheFile);
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(temporary, Buffer.concat([bundle, script.createCachedData()]), { mode: 0o600 });
    renameSync(temporary, cacheFile);
    // Only files this module writes: PLATFORMC_CODE_CACHE may name a folder that holds other files.
    const files = readdirSync(dir).filter((f) => CACHE_FILE.test(f)).map((f) => {
      const path = join(dir, f);
      return { path, mtime: statSync(path).mtimeMs };
    });
    files.sort((a, b) => b.mtime - a.mtime);
    for (const { path } of files.slice(KEEP)) if (path !== cacheFile) rmSync(path, { force: true });
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // nothing more to do: the cache only saves time
    }
  }
}

module.exports = { KEEP, cacheDirectory, loadWithCodeCache };
