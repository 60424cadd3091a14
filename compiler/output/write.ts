/**
 * Atomic replacement of generated/: the new tree is written into a temporary sibling, then swapped in by
 * two renames. A failure or a kill at any moment leaves the old tree or the new one, never a mix; if a kill
 * lands between the two renames, the next run restores the old tree before doing anything else.
 */
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { FileOutput } from './files.js';
import { compareCodeUnits } from '../lib/order.js';

export interface WriteSummary {
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
  readonly removed: readonly string[];
}

/** Test hook: called before each file is written, so a test can inject a fault mid-write. */
export interface WriteHooks { readonly beforeFile?: (path: string) => void }

const siblings = (out: string) => ({ staging: join(dirname(out), `.${basename(out)}.new`), backup: join(dirname(out), `.${basename(out)}.old`) });

/** Puts back a tree that an interrupted swap left aside. */
export function recoverInterruptedWrite(out: string): void {
  const { staging, backup } = siblings(out);
  if (!existsSync(out) && existsSync(backup)) renameSync(backup, out);
  rmSync(staging, { recursive: true, force: true });
  rmSync(backup, { recursive: true, force: true });
}

/** Every file under dir, relative, sorted. */
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

export function writeTree(out: string, files: readonly FileOutput[], hooks: WriteHooks = {}): WriteSummary {
  recoverInterruptedWrite(out);
  const { staging, backup } = siblings(out);
  const before = new Set(listFiles(out));
  const written: string[] = [];
  const unchanged: string[] = [];
  mkdirSync(staging, { recursive: true });
  try {
    for (const file of files) {
      hooks.beforeFile?.(file.path);
      const target = join(staging, file.path);
      mkdirSync(dirname(target), { recursive: true });
      const old = join(out, file.path);
      if (before.has(file.path) && readFileSync(old, 'utf8') === file.content) {
        // Unchanged files keep their bytes and their inode (and so their mtime).
        linkSync(old, target);
        unchanged.push(file.path);
      } else {
        writeFileSync(target, file.content);
        written.push(file.path);
      }
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  if (existsSync(out)) renameSync(out, backup);
  renameSync(staging, out);
  rmSync(backup, { recursive: true, force: true });
  const produced = new Set(files.map((f) => f.path));
  return { written, unchanged, removed: [...before].filter((p) => !produced.has(p)) };
}
