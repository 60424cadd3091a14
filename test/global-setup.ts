/**
 * Once per `vitest run`, before the workers start:
 * - TMPDIR becomes a folder of this run, removed at its end (PLATFORMC_KEEP_TEST_TMP=1 keeps it, and says
 *   where): the workers and every process they start inherit it, so the temporary trees, specs and
 *   workspaces the tests make (a few hundred a run) go with the run. They were left in /tmp, 43 GB of them
 *   here after some hundred runs, and writeTree's look for stale staging beside a tree in /tmp read a
 *   folder of 117,000 entries.
 * - A folder inside it that the workers share for what `kubectl kustomize` renders (test/helpers/kube.ts `render`).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    kustomizeRenders: string;
  }
}

export default function setup(project: TestProject): () => void {
  const before = process.env.TMPDIR;
  const run = mkdtempSync(join(tmpdir(), 'platformc-test-'));
  const renders = join(run, 'kustomize-renders');
  mkdirSync(renders);
  process.env.TMPDIR = run;
  project.provide('kustomizeRenders', renders);
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    if (process.env.PLATFORMC_KEEP_TEST_TMP === '1') console.log(`\ntest files kept in ${run}`);
    else rmSync(run, { recursive: true, force: true });
  };
}
