/** Drift check: compares a fresh compile with what is on disk, writing nothing. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { FileOutput } from './files.js';
import { isToolData, listFiles } from './write.js';

export interface Drift {
  readonly changed: readonly string[];
  readonly missing: readonly string[];
  readonly orphaned: readonly string[];
  /**
   * A git-style patch per file (on disk -> fresh compile), paths under `prefix`: `git apply` turns the folder
   * on disk into the fresh compile. Covers content, new files, deleted files and mode changes.
   */
  readonly diffs: readonly { readonly path: string; readonly diff: string }[];
}

/** platformc writes every file 0644 (umask permitting); an executable bit on disk is drift git would commit (D21). */
const isExecutable = (path: string) => (statSync(path).mode & 0o111) !== 0;

/** A git-style patch of one file (`git apply` takes it); before/after undefined for a new or a deleted file. */
export function patch(prefix: string, path: string, before: string | undefined, after: string | undefined, executable = false): string {
  const p = prefix ? `${prefix}/${path}` : path;
  const head = [`diff --git a/${p} b/${p}`];
  if (before === undefined) head.push('new file mode 100644');
  else if (after === undefined) head.push(`deleted file mode ${executable ? '100755' : '100644'}`);
  else if (executable) head.push('old mode 100755', 'new mode 100644');
  if (before === after) return head.join('\n');
  const body = createTwoFilesPatch(before === undefined ? '/dev/null' : `a/${p}`, after === undefined ? '/dev/null' : `b/${p}`, before ?? '', after ?? '', undefined, undefined, { context: 3 })
    .split('\n')
    .slice(1) // the "=====" line
    .join('\n')
    .replace(/\n+$/, '');
  return `${head.join('\n')}\n${body}`;
}

export function checkTree(out: string, files: readonly FileOutput[], options: { prefix?: string } = {}): Drift {
  const prefix = options.prefix ?? '';
  const onDisk = new Set(existsSync(out) ? listFiles(out) : []);
  const changed: string[] = [];
  const missing: string[] = [];
  const diffs: { path: string; diff: string }[] = [];
  for (const file of files) {
    if (!onDisk.has(file.path)) {
      missing.push(file.path);
      diffs.push({ path: file.path, diff: patch(prefix, file.path, undefined, file.content, false) });
      continue;
    }
    const old = readFileSync(join(out, file.path), 'utf8');
    const executable = isExecutable(join(out, file.path));
    if (old !== file.content || executable) {
      changed.push(file.path);
      diffs.push({ path: file.path, diff: patch(prefix, file.path, old, file.content, executable) });
    }
  }
  const produced = new Set(files.map((f) => f.path));
  // Terraform's working data (.terraform/, its lock file, plans) is the user's, not drift (D5).
  const orphaned = [...onDisk].filter((p) => !produced.has(p) && !isToolData(p));
  for (const path of orphaned) diffs.push({ path, diff: patch(prefix, path, readFileSync(join(out, path), 'utf8'), undefined, isExecutable(join(out, path))) });
  return { changed, missing, orphaned, diffs };
}

export const hasDrift = (d: Drift) => d.changed.length + d.missing.length + d.orphaned.length > 0;
