/**
 * Results the test workers of a run share: what a real tool or parser made of an input, kept as text in the
 * folder test/global-setup.ts provides, under a key derived from everything the result depends on. Several test
 * files check the same generated files; each worker would otherwise run the tool on them again.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

/** A key for `parts`, each taken whole (a part cannot run into the next). */
export const resultKey = (...parts: string[]): string => {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(`${Buffer.byteLength(p)}\0`).update(p);
  return hash.digest('hex');
};

const path = (key: string) => join(inject('sharedResults'), key);

/** The result stored under `key` by any worker of this run, or undefined. */
export function storedResult(key: string): string | undefined {
  try {
    return readFileSync(path(key), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Stores a result under `key` and returns it: whole or absent for a worker that reads it meanwhile (two may make
 * the same one at once). Sharing only saves time: a result that cannot be stored (a full disk) is still returned.
 */
export function storeResult(key: string, text: string): string {
  const file = path(key);
  try {
    writeFileSync(`${file}.${process.pid}`, text);
    renameSync(`${file}.${process.pid}`, file);
  } catch {
    // not shared; the other workers make it themselves
  }
  return text;
}
