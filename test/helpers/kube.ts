/** Strict offline Kubernetes schemas (../shared/reference/kubernetes) and kubectl kustomize, for tests. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { getOrInsert } from '../../compiler/lib/collections.js';
import type { FileOutput } from '../../compiler/output/files.js';
import { writeTree } from '../../compiler/output/write.js';
import { hasReference, referenceDir } from './cli.js';
import { resultKey, storedResult, storeResult } from './shared-results.js';

const reference = join(referenceDir, 'kubernetes');
const schemaDir = join(reference, 'schemas/v1.31.0-standalone-strict');
/**
 * Without ajv's optimisation of the code it generates: a strict schema holds every definition it uses inlined,
 * and optimising that code doubled the time to compile one (Deployment, Service and eight more: 340 -> 166 ms),
 * more than the tests' few hundred objects take to validate.
 */
export const AJV_FOR_LARGE_SCHEMAS = { code: { optimize: false } } as const;
const ajv = new Ajv({ allErrors: true, strictTypes: false, strict: false, validateFormats: false, ...AJV_FOR_LARGE_SCHEMAS });
const builtin = (hasReference ? JSON.parse(readFileSync(join(schemaDir, 'index.json'), 'utf8')) : {}) as Record<string, string>;
const crds = (hasReference ? JSON.parse(readFileSync(join(reference, 'crd-schemas/index.json'), 'utf8')) : {}) as Record<string, string>;
const validators = new Map<string, ValidateFunction>();

/** The strict schema validator of a kind, or undefined when the reference has no schema for it. */
export function strictValidator(apiVersion: string, kind: string): ValidateFunction | undefined {
  const key = `${apiVersion}/${kind}`;
  if (!validators.has(key)) {
    const file = builtin[key] ? join(schemaDir, builtin[key]!) : crds[key] ? join(reference, 'crd-schemas', crds[key]!) : undefined;
    if (!file) return undefined;
    validators.set(key, ajv.compile(JSON.parse(readFileSync(file, 'utf8'))));
  }
  return validators.get(key);
}

export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } } & Record<string, unknown>;

/** `kubectl kustomize DIR`, as text; throws with kubectl's message when the build fails. */
export function kustomizeRun(dir: string): string {
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${r.stderr}`);
  return r.stdout;
}

const parsed = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as KubeObject);

/** `kubectl kustomize DIR`, parsed; throws with kubectl's message when the build fails. */
export const kustomizeBuild = (dir: string): KubeObject[] => parsed(kustomizeRun(dir));

/** A digest of a generated tree's paths and contents, once per list (callers render several directories of one list and never change it). */
const digestOf = (files: readonly FileOutput[]): string => getOrInsert(digests, files, () => resultKey(...files.flatMap((f) => [f.path, f.content])));
const digests = new WeakMap<readonly FileOutput[], string>();

/** Trees written to disk in this worker, by digest. */
const trees = new Map<string, string>();
const renders = new Map<string, { readonly text: string; objects?: readonly KubeObject[] }>();

/**
 * What real `kubectl kustomize` renders from `dir` (relative) of the generated tree of `files`. Several test
 * files check the same overlays of the repo's platforms: kubectl runs once per tree and directory in the whole
 * run, its output shared by the workers (test/helpers/shared-results.ts), keyed by the tree's digest and the
 * directory; a worker writes the tree only when it has to run kubectl itself.
 */
function render(files: readonly FileOutput[], dir: string): { readonly text: string; objects?: readonly KubeObject[] } {
  const digest = digestOf(files);
  const key = resultKey('kubectl kustomize', digest, dir);
  return getOrInsert(renders, key, () => {
    const stored = storedResult(key);
    if (stored !== undefined) return { text: stored };
    const out = getOrInsert(trees, digest, () => {
      const tree = join(mkdtempSync(join(tmpdir(), 'platformc-tree-')), 'generated');
      writeTree(tree, files);
      return tree;
    });
    return { text: storeResult(key, kustomizeRun(join(out, dir))) };
  });
}

/** What real `kubectl kustomize` renders from `dir` of the generated tree of `files`, as text. */
export const kubectlKustomizeText = (files: readonly FileOutput[], dir: string): string => render(files, dir).text;

/**
 * What real `kubectl kustomize` renders from `dir` of the generated tree of `files`, parsed once per worker:
 * each call gets copies of its own (callers may change them; a copy costs a tenth of a parse). Not to be
 * confused with test/helpers/kustomize.ts, which builds the objects in-process without labels or generators.
 */
export function kubectlKustomize(files: readonly FileOutput[], dir: string): KubeObject[] {
  const r = render(files, dir);
  r.objects ??= parsed(r.text);
  return structuredClone(r.objects as KubeObject[]);
}

/** Problems of an object against its strict schema ('no schema' when the reference lacks the kind). */
export function schemaProblems(o: KubeObject): string[] {
  const validate = strictValidator(o.apiVersion, o.kind);
  if (!validate) return [`${o.apiVersion}/${o.kind}: no schema`];
  const what = `${o.kind}/${o.metadata.name}`;
  if (validate(o)) return [];
  return (validate.errors ?? []).map((e) => `${what}${e.instancePath}: ${e.message}`);
}
