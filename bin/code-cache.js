// Runs the bundled CLI (a CommonJS file) through V8's code cache, which Node 20 offers only to vm.Script.
//
// A cold start of `platformc validate` spends about as long compiling JavaScript to bytecode as running it;
// with the cache V8 deserialises the bytecode of every function the previous run of the same command
// called instead of parsing and compiling them. The cache is written after the first run of a command (at
// exit, so that it holds the functions compiled lazily during the run) into a per-user folder, under a name
// made of the command, the Node version, the architecture and a hash of the bundle's bytes: a rebuilt or
// reinstalled CLI, or another Node, never reads a cache of another bundle. V8 checks its own version and
// flags too and rejects a cache that does not fit; then the run compiles as without cache and writes a new
// one. Any failure to read or write the cache falls back, silently, to compiling: the cache only saves time.
// PLATFORMC_CODE_CACHE=DIR puts the cache in DIR; PLATFORMC_CODE_CACHE=off turns it off.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** How many cache files the folder keeps (the newest): one per command and build, builds come and go. */
export const KEEP = 24;
/** The name of a cache file (or of one being written): NAME-NODEVERSION-ARCH-HASH.v8[.PID.tmp]. */
const CACHE_FILE = /^[a-z]+-v\d+\.\d+\.\d+-[a-z0-9]+-[0-9a-f]{32}\.v8(\.\d+\.tmp)?$/;

/** The cache folder: PLATFORMC_CODE_CACHE, else the user's cache folder; undefined when turned off. */
export function cacheDirectory(env = process.env) {
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
 * miss (none yet: written at exit) or rejected (V8 refused it: rewritten at exit).
 */
export function loadWithCodeCache(file, { dir, name }) {
  const source = readFileSync(file, 'utf8');
  let cacheFile;
  let cachedData;
  if (dir) {
    const hash = createHash('sha256').update(source).digest('hex').slice(0, 32);
    cacheFile = join(dir, `${name}-${process.version}-${process.arch}-${hash}.v8`);
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  }
  // The function Node wraps every CommonJS module in.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const status = !dir ? 'off' : !cachedData ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';
  const module = { exports: {}, id: file, filename: file, loaded: false };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  module.loaded = true;
  if (status === 'miss' || status === 'rejected') process.once('exit', () => writeCache(script, cacheFile));
  return { exports: module.exports, status };
}

/** Writes the cache atomically (another platformc may read it at the same time), then prunes the folder. */
function writeCache(script, cacheFile) {
  const dir = dirname(cacheFile);
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
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
