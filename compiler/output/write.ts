/**
 * Atomic replacement of generated/, removing only what platformc wrote.
 *
 * Ownership: a folder is written into only if it is empty or holds a platformc manifest.json; the files that
 * manifest lists are the only ones that may be replaced or removed. Everything else in the folder (terraform's
 * `.terraform/`, `.terraform.lock.hcl`, plan files, anything a person put there) is kept.
 *
 * Atomicity: the new tree is built in a unique staging folder next to the output (files kept from the old
 * tree are hard-linked in, so they exist in both), then swapped in by two renames under a lock file. A failure
 * or a kill at any moment leaves the old tree or the new one, never a mix; if a kill lands between the two
 * renames, the next run (of any command that reads the folder) puts the old tree back first.
 */
import { existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, parse as parsePath, resolve, sep } from 'node:path';
import { MANIFEST, type FileOutput } from './files.js';
import { acquireLock, OutputError } from './lock.js';
import { compareCodeUnits } from '../lib/order.js';

export { OutputError } from './lock.js';

export interface WriteSummary {
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
  readonly removed: readonly string[];
  /** Files in the folder that platformc did not write: left as they are. */
  readonly kept: readonly string[];
}

/** Test hook: called before each file is written, so a test can inject a fault mid-write. */
export interface WriteHooks { readonly beforeFile?: (path: string) => void }

const siblings = (out: string) => ({
  stagingPrefix: `.${basename(out)}.new-`,
  backup: join(dirname(out), `.${basename(out)}.old`),
  lock: join(dirname(out), `.${basename(out)}.lock`),
});

/**
 * Terraform's own working data, created inside generated/ by `terraform -chdir=...`: never drift, never
 * removed (D5). Provider caches and saved plans belong to the user's run; a dependency lock file is the user's
 * too unless platformc generates it (it does for its root modules, which terraform then keeps read-only).
 */
export const isToolData = (path: string): boolean =>
  path.split('/').some((segment) => segment === '.terraform') || /(^|\/)\.terraform\.lock\.hcl$/.test(path) || /\.tfplan$/.test(path) || /(^|\/)terraform\.tfstate(\.backup)?$/.test(path);

const staleStaging = (out: string): string[] => {
  const { stagingPrefix } = siblings(out);
  try {
    return readdirSync(dirname(out)).filter((n) => n.startsWith(stagingPrefix)).map((n) => join(dirname(out), n));
  } catch {
    return [];
  }
};

/** Puts back a tree that an interrupted swap left aside and removes staging left by a killed run. Call it under the lock. */
export function recoverInterruptedWrite(out: string): void {
  const { backup } = siblings(out);
  if (!existsSync(out) && existsSync(backup)) renameSync(backup, out);
  for (const staging of staleStaging(out)) rmSync(staging, { recursive: true, force: true });
  // After a completed swap every file of the backup is also in out (kept files are hard links): safe to drop.
  rmSync(backup, { recursive: true, force: true });
}

const busy = (out: string) => (pid: number) => `${out} is being written by another platformc (pid ${pid || 'unknown'}); wait for it to finish, or remove ${siblings(out).lock} if no platformc is running`;

/**
 * For commands that only read the folder (--check, apply, status): finish an interrupted swap first (D20),
 * so a kill between the two renames never looks like a missing generated/. Does nothing when there is
 * nothing to recover, so a read-only checkout stays read-only.
 */
export function recoverBeforeRead(out: string): void {
  const { backup } = siblings(out);
  if (!existsSync(backup) && staleStaging(out).length === 0) return;
  const lock = acquireLock(siblings(out).lock, busy(out));
  try {
    recoverInterruptedWrite(out);
  } finally {
    lock.release();
  }
}

/** Every file under dir, relative, sorted (symlinks and other non-directories count as files). */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else out.push(path);
    }
  };
  walk('');
  return out.sort(compareCodeUnits);
}

const within = (inner: string, outer: string) => inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);

/** The real path of p, resolving symlinks of the part that exists. */
function realish(p: string): string {
  const abs = resolve(p);
  let existing = abs;
  const rest: string[] = [];
  while (!existsSync(existing) && dirname(existing) !== existing) {
    rest.unshift(basename(existing));
    existing = dirname(existing);
  }
  try {
    return join(realpathSync(existing), ...rest);
  } catch {
    return abs;
  }
}

/**
 * Refuses output folders that cannot be platformc's (D1, D22): empty, a file, the folder of platform.yaml or
 * one above it, a repository root, the home folder or above it, or `/`. Returns the reason, or undefined.
 */
export function unsafeOutDir(out: string, sourceFile: string): string | undefined {
  if (out.trim() === '') return '--out is empty; name a folder such as generated';
  const shown = out;
  let stat;
  try {
    stat = statSync(out);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return `--out ${shown} is inside a file, not a folder`;
    if (code !== 'ENOENT') return `cannot use --out ${shown} (${code})`;
  }
  if (stat && !stat.isDirectory()) return `--out ${shown} is a file, not a folder`;
  const real = realish(out);
  const sourceDir = realish(dirname(resolve(sourceFile)));
  if (real === parsePath(real).root) return `--out ${shown} is the root folder`;
  const home = realish(homedir());
  if (within(home, real)) return `--out ${shown} is ${real === home ? 'the home folder' : 'above the home folder'}`;
  if (within(sourceDir, real)) return `--out ${shown} is ${real === sourceDir ? 'the folder' : 'a folder above the folder'} of ${sourceFile}; platformc replaces its output folder, so it must be a folder of its own such as generated`;
  if (existsSync(join(real, '.git'))) return `--out ${shown} is the root of a git repository`;
  return undefined;
}

/** The files a platformc manifest in dir lists (itself included), or the reason the folder is not platformc's. */
function ownedFiles(out: string, present: readonly string[]): Set<string> | string {
  if (present.length === 0) return new Set();
  const notOurs = `${out} is not empty and holds no platformc ${MANIFEST}, so platformc did not write it; it replaces only folders it wrote. Pass an empty or new folder to --out`;
  let manifest: unknown;
  try {
    if (!lstatSync(join(out, MANIFEST)).isFile()) return notOurs;
    manifest = JSON.parse(readFileSync(join(out, MANIFEST), 'utf8'));
  } catch {
    return notOurs;
  }
  const m = manifest as { generator?: unknown; files?: unknown };
  if (m?.generator !== 'platformc' || !Array.isArray(m.files)) return notOurs;
  const owned = new Set<string>([MANIFEST]);
  for (const f of m.files as { path?: unknown }[]) {
    const p = f?.path;
    // A hand-edited manifest cannot make platformc remove anything outside the folder.
    if (typeof p === 'string' && p !== '' && !p.startsWith('/') && !p.split('/').some((s) => s === '..' || s === '.' || s === '')) owned.add(p);
  }
  return owned;
}

/** Recreates a file or symlink of the old tree in the staging tree as a hard link (same inode: nothing copied, nothing lost). */
function keep(from: string, to: string, path: string): void {
  mkdirSync(dirname(to), { recursive: true });
  const st = lstatSync(from);
  if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
  else if (st.isFile()) linkSync(from, to);
  else throw new OutputError(`cannot keep ${path} in the output folder: it is not a regular file (move it elsewhere and rerun)`);
}

export function writeTree(out: string, files: readonly FileOutput[], hooks: WriteHooks = {}): WriteSummary {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new OutputError(`${out} is a file, not a folder`);
  mkdirSync(dirname(resolve(out)), { recursive: true });
  const lock = acquireLock(siblings(out).lock, busy(out));
  try {
    recoverInterruptedWrite(out);
    return swapIn(out, files, hooks);
  } finally {
    lock.release();
  }
}

function swapIn(out: string, files: readonly FileOutput[], hooks: WriteHooks): WriteSummary {
  const { stagingPrefix, backup } = siblings(out);
  const present = listFiles(out);
  const onDisk = new Set(present);
  const owned = ownedFiles(out, present);
  if (typeof owned === 'string') throw new OutputError(owned);
  const produced = new Set(files.map((f) => f.path));
  const kept = present.filter((p) => !owned.has(p));
  // A produced path on top of a file platformc did not write would replace it: only if it is the same bytes.
  const byPath = new Map(files.map((f) => [f.path, f]));
  for (const p of kept) {
    const file = byPath.get(p);
    if (file && !(lstatSync(join(out, p)).isFile() && readFileSync(join(out, p), 'utf8') === file.content)) {
      throw new OutputError(`${out}/${p} exists and platformc did not write it (it is not in ${MANIFEST}); move it away and rerun`);
    }
  }
  const same = (file: FileOutput) => {
    const old = join(out, file.path);
    return onDisk.has(file.path) && lstatSync(old).isFile() && readFileSync(old, 'utf8') === file.content;
  };
  // Nothing changed (the usual rerun): every produced file, the manifest included, is on disk with the same
  // bytes. The same manifest means the same file list, so nothing is to be removed either: leave the folder
  // as it is instead of rebuilding it by hard links and swapping it (a quarter of a large rerun).
  const sameCount = files.findIndex((f) => !same(f));
  if (sameCount === -1) return { written: [], unchanged: files.map((f) => f.path), removed: [], kept };
  const written: string[] = [];
  const unchanged: string[] = [];
  const staging = mkdtempSync(join(dirname(out), stagingPrefix));
  const made = new Set<string>();
  try {
    for (const [i, file] of files.entries()) {
      hooks.beforeFile?.(file.path);
      const target = join(staging, file.path);
      const folder = dirname(target);
      if (!made.has(folder)) {
        mkdirSync(folder, { recursive: true });
        made.add(folder);
      }
      const old = join(out, file.path);
      // The files before the first difference were compared above.
      if (i < sameCount || (i > sameCount && same(file))) {
        // Unchanged files keep their bytes and their inode (and so their mtime).
        linkSync(old, target);
        unchanged.push(file.path);
      } else {
        writeFileSync(target, file.content);
        written.push(file.path);
      }
    }
    for (const p of kept) if (!produced.has(p)) keep(join(out, p), join(staging, p), p);
    // Empty folders of the old tree that are not ours (e.g. a fresh .terraform/plugins) are kept too.
    keepEmptyDirs(out, staging, owned);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  try {
    if (existsSync(out)) renameSync(out, backup);
    renameSync(staging, out);
  } catch (error) {
    if (!existsSync(out) && existsSync(backup)) renameSync(backup, out);
    rmSync(staging, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EBUSY' || code === 'EXDEV' || code === 'EACCES' || code === 'EPERM') {
      throw new OutputError(`cannot replace ${out} (${code}${code === 'EBUSY' ? ': is it a mount point? mount its parent folder instead' : ''}); nothing was changed`);
    }
    throw error;
  }
  rmSync(backup, { recursive: true, force: true });
  return { written, unchanged, removed: present.filter((p) => owned.has(p) && !produced.has(p)), kept: kept.filter((p) => !produced.has(p)) };
}

function keepEmptyDirs(out: string, staging: string, owned: Set<string>): void {
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(out, rel), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (readdirSync(join(out, path)).length === 0 && ![...owned].some((p) => p.startsWith(`${path}/`))) mkdirSync(join(staging, path), { recursive: true });
      else walk(path);
    }
  };
  if (existsSync(out)) walk('');
}
