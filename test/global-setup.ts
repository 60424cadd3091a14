/**
 * Once per `vitest run`: a folder the test workers share for what `kubectl kustomize` renders
 * (test/helpers/kube.ts `kustomizeText`), removed at the end of the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    kustomizeRenders: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'platformc-renders-'));
  project.provide('kustomizeRenders', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
