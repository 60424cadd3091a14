/** Strict offline Kubernetes schemas (../shared/reference/kubernetes) and kubectl kustomize, for tests. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { hasReference, referenceDir } from './cli.js';

const reference = join(referenceDir, 'kubernetes');
const schemaDir = join(reference, 'schemas/v1.31.0-standalone-strict');
const ajv = new Ajv({ allErrors: true, strictTypes: false, strict: false, validateFormats: false });
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

export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } & Record<string, unknown>;

/** `kubectl kustomize DIR`, parsed; throws with kubectl's message when the build fails. */
export function kustomizeBuild(dir: string): KubeObject[] {
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${r.stderr}`);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as KubeObject);
}

/** Problems of an object against its strict schema ('no schema' when the reference lacks the kind). */
export function schemaProblems(o: KubeObject): string[] {
  const validate = strictValidator(o.apiVersion, o.kind);
  if (!validate) return [`${o.apiVersion}/${o.kind}: no schema`];
  const what = `${o.kind}/${o.metadata.name}`;
  if (validate(o)) return [];
  return (validate.errors ?? []).map((e) => `${what}${e.instancePath}: ${e.message}`);
}
