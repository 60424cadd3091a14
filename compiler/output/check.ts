/** Drift check: compares a fresh compile with what is on disk, writing nothing. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { FileOutput } from './files.js';
import { isToolData, listFiles } from './write.js';

export interface Drift {
  readonly changed: readonly string[];
  readonly missing: readonly string[];
  readonly orphaned: readonly string[];
  /** Unified diffs (old on disk -> fresh compile), each cut to maxLines. */
  readonly diffs: readonly { readonly path: string; readonly diff: string }[];
}

export function checkTree(out: string, files: readonly FileOutput[], maxLines = 60): Drift {
  const onDisk = new Set(existsSync(out) ? listFiles(out) : []);
  const changed: string[] = [];
  const missing: string[] = [];
  const diffs: { path: string; diff: string }[] = [];
  for (const file of files) {
    if (!onDisk.has(file.path)) {
      missing.push(file.path);
      continue;
    }
    const old = readFileSync(join(out, file.path), 'utf8');
    if (old !== file.content) {
      changed.push(file.path);
      const patch = createTwoFilesPatch(`a/${file.path}`, `b/${file.path}`, old, file.content, 'on disk', 'fresh compile', { context: 2 }).split('\n').slice(2);
      const cut = patch.length > maxLines ? [...patch.slice(0, maxLines), `... ${patch.length - maxLines} more diff lines`] : patch;
      diffs.push({ path: file.path, diff: cut.join('\n').replace(/\n+$/, '') });
    }
  }
  const produced = new Set(files.map((f) => f.path));
  // Terraform's working data (.terraform/, its lock file, plans) is the user's, not drift (D5).
  const orphaned = [...onDisk].filter((p) => !produced.has(p) && !isToolData(p));
  return { changed, missing, orphaned, diffs };
}

export const hasDrift = (d: Drift) => d.changed.length + d.missing.length + d.orphaned.length > 0;
