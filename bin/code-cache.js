// Runs the bundled CLI (a CommonJS file) through V8's code cache, which Node 20 offers only to vm.Script.
//
// A cold start of `platformc validate` spends about as long compiling JavaScript to bytecode as running it;
// with the cache V8 deserialises the bytecode of every function the previous run of the same command
// called instead of parsing and compiling them. The cache is written after the first run of a command (at
// exit, so that it holds the functions compiled lazily during the run) into a per-user folder, under a name
// made of the command, the Node version, the architecture and a hash of the bundle's path and the node options.
// A cache file is a header line (format, CRC-32 of V8's data), the bundle it was made from and V8's data:
// - the bundle is compared byte for byte before use, so a rebuilt or reinstalled CLI never runs the code of
//   another bundle (V8 checks only the source's length); cheaper than hashing it (node:crypto, then sha256);
// - the CRC, because V8 does not check its data's integrity in release builds: a file damaged on disk (a crash
//   after the rename, a bad block) crashed every run with SIGSEGV or, worse, ran altered bytecode;
// - V8 checks its version and flags and rejects a cache that does not fit.
// A cache that fails a check is not used; the run compiles as without cache and writes a new one. The folder
// is used only when it belongs to the user and only they can write it (the cache is code). Any failure to read
// or write the cache falls back, silently, to compiling: the cache only saves time.
// PLATFORMC_CODE_CACHE=DIR puts the cache in DIR; PLATFORMC_CODE_CACHE=off turns it off.
'use strict';
const { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } = require('node:fs');
const { createRequire } = require('node:module');
const { homedir } = require('node:os');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

/** How many cache files the folder keeps (the newest), and how many bytes at most: builds come and go. */
const KEEP = 24;
const KEEP_BYTES = 128 * 1024 * 1024;
/**
 * The first line of a cache file: the format (bump it when the file's layout or the wrapper below changes) and
 * the CRC-32 of V8's data, 8 hex digits.
 */
const FORMAT = 'platformc-code-cache 1';
const HEADER_BYTES = FORMAT.length + 10;
/** The name of a cache file (or of one being written): NAME-NODEVERSION-ARCH-HASH.v8[.PID-RANDOM.tmp]. */
const CACHE_FILE = /^[a-z0-9]+-v\d+\.\d+\.\d+-[a-z0-9]+-[0-9a-f]{32}\.v8(\.\d+-[0-9a-z]+\.tmp)?$/;

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
 * Whether the folder may hold code this process runs: it does not exist yet (it is then made 0700), or it
 * belongs to this user and nobody else can write it. A shared or group-writable folder (PLATFORMC_CODE_CACHE or
 * XDG_CACHE_HOME may name one) would let another user put code into every run.
 */
function safeFolder(dir) {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return true;
  try {
    const st = statSync(dir);
    return st.isDirectory() && st.uid === process.getuid() && (st.mode & 0o022) === 0;
  } catch (error) {
    return error.code === 'ENOENT' || error.code === 'ENOTDIR'; // not there (yet): writing it makes it 0700, or fails
  }
}

/**
 * Evaluates the CommonJS file `file` as require() would and returns its exports, with the code cache named
 * `name` in `dir` (no cache when dir is undefined or not safe). `status` says what happened to the cache: off,
 * hit, miss (none yet, or of another build: written at exit) or rejected (damaged, or refused by V8: rewritten
 * at exit).
 */
function loadWithCodeCache(file, { dir, name }) {
  const bundle = readFileSync(file);
  const cache = dir && safeFolder(dir) ? join(dir, `${name}-${process.version}-${process.arch}-${optionsHash(file)}.v8`) : undefined;
  let cachedData;
  let damaged = false;
  if (cache) {
    let cached;
    try {
      cached = readFileSync(cache);
    } catch {
      cached = undefined;
    }
    // Only the cache of these very bytes: one made from another build of the bundle at this path is a miss.
    if (cached && cached.length > HEADER_BYTES + bundle.length && bundle.equals(cached.subarray(HEADER_BYTES, HEADER_BYTES + bundle.length))) {
      const data = cached.subarray(HEADER_BYTES + bundle.length);
      try {
        if (cached.subarray(0, HEADER_BYTES).toString('latin1') === header(data)) cachedData = data;
        else damaged = true;
      } catch {
        // no zlib.crc32 (a Node older than the engines field asks for): no cache
      }
    }
  }
  // The function Node wraps every CommonJS module in.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${bundle.toString('utf8')}\n})`, { filename: file, cachedData });
  const status = !cache ? 'off' : damaged || (cachedData && script.cachedDataRejected) ? 'rejected' : cachedData ? 'hit' : 'miss';
  const module = { exports: {}, id: file, filename: file, loaded: false };
  script.runInThisContext().call(module.exports, module.exports, requireBeside(file, cache ? dir : undefined), module, file, dirname(file));
  module.loaded = true;
  if (status === 'miss' || status === 'rejected') process.once('exit', () => writeCache(script, bundle, cache));
  return { exports: module.exports, status };
}

/** The header line of a cache file holding `data`. node:zlib is loaded only when a cache is read or written. */
const header = (data) => `${FORMAT} ${require('node:zlib').crc32(data).toString(16).padStart(8, '0')}\n`;

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
    const vendor = /^\.\/vendor\/([a-z0-9-]+)\.cjs$/.exec(id);
    if (!vendor) return require(id);
    if (!loaded.has(id)) loaded.set(id, loadWithCodeCache(join(dirname(file), id), { dir, name: vendor[1].replace(/-/g, '') }).exports);
    return loaded.get(id);
  };
  return Object.assign(beside, { resolve: require.resolve, cache: require.cache, main: require.main });
}

/**
 * 32 hex digits (four 32-bit FNV-1a with different offsets) from the bundle's path and the options node runs
 * with: only a name, so that each installed CLI keeps its own cache, a rebuild replaces its predecessor's, and
 * runs with other V8 flags (NODE_OPTIONS=--max-old-space-size=...) do not reject each other's cache in turn.
 * A collision costs a recompile, never wrong code: the checks above decide.
 */
function optionsHash(file) {
  const key = `${file}\0${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`;
  let hex = '';
  for (const offset of [0x811c9dc5, 0x050c5d1f, 0x2b2ae9bd, 0x6c62272e]) {
    let h = offset;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    hex += (h >>> 0).toString(16).padStart(8, '0');
  }
  return hex;
}

/**
 * Writes the cache atomically (another platformc may read it at the same time): a temporary file of this
 * process's own (created exclusively: never another writer's file, never through a planted link), flushed to
 * disk before the rename, so a crash leaves the old cache or the new one. Then prunes the folder.
 */
function writeCache(script, bundle, cache) {
  const dir = dirname(cache);
  const temporary = `${cache}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`;
  let fd;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Opened before V8 serialises anything: a folder that cannot be written costs no serialisation.
    fd = openSync(temporary, 'wx', 0o600);
    const data = script.createCachedData();
    for (const part of [Buffer.from(header(data), 'latin1'), bundle, data]) for (let at = 0; at < part.length; ) at += writeSync(fd, part, at);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temporary, cache);
    prune(dir, cache);
  } catch {
    try {
      if (fd !== undefined) closeSync(fd);
      rmSync(temporary, { force: true });
    } catch {
      // nothing more to do: the cache only saves time
    }
  }
}

/** Keeps the newest cache files, at most KEEP and KEEP_BYTES; only files this module writes (PLATFORMC_CODE_CACHE may name a folder that holds others). */
function prune(dir, keep) {
  const files = readdirSync(dir).filter((f) => CACHE_FILE.test(f)).map((f) => {
    const path = join(dir, f);
    const st = statSync(path);
    return { path, mtime: st.mtimeMs, size: st.size };
  });
  files.sort((a, b) => b.mtime - a.mtime);
  let bytes = 0;
  for (const [i, f] of files.entries()) {
    bytes += f.size;
    if ((i >= KEEP || bytes > KEEP_BYTES) && f.path !== keep) rmSync(f.path, { force: true });
  }
}

module.exports = { KEEP, cacheDirectory, loadWithCodeCache };
