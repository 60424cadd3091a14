/**
 * The objects a generated kustomization builds, in-process: its resources (files, and directories with a
 * kustomization.yaml), recursively, with each level's JSON patches applied as kustomize applies them (a target
 * matches by group, version, kind, namespace, `name` as a whole-name regular expression, and `labelSelector`
 * of key=value pairs). Labels and generators (Grafana's ConfigMaps) are left out: tests that need what kubectl
 * kustomize renders exactly run it (kustomize.test.ts, written-once.test.ts).
 */
import { posix } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { getOrInsert } from '../../compiler/lib/collections.js';
import type { FileOutput } from '../../compiler/output/files.js';
import { applyJsonPatch } from './json-patch.js';

type Json = Record<string, any>;

/** What an environment's models are before any region's labels and patches: each kustomize/overlays/<env>/models/<group>/ built (a group: a namespace, or <namespace>/<n>). */
export function environmentModelObjects(files: readonly FileOutput[], env: string): Json[] {
  const group = new RegExp(`^(kustomize/overlays/${env}/models/.+)/kustomization\\.yaml$`);
  return files.map((f) => group.exec(f.path)?.[1]).filter((d) => d !== undefined).sort().flatMap((d) => kustomizeObjects(files, d));
}

export function kustomizeObjects(files: readonly FileOutput[], dir: string): Json[] {
  const byPath = new Map(files.map((f) => [f.path, f.content]));
  const build = (d: string): Json[] => {
    const k = byPath.get(`${d}/kustomization.yaml`);
    if (k === undefined) throw new Error(`no kustomization in ${d}`);
    const body = parse(k) as Json;
    const objects = ((body.resources ?? []) as string[]).flatMap((r) => {
      const path = posix.normalize(posix.join(d, r));
      const content = byPath.get(path);
      return content === undefined ? build(path) : documents(content);
    });
    for (const p of (body.patches ?? []) as Json[]) {
      const ops = parse(p.patch);
      for (const o of objects.filter((x) => matches(p.target, x))) applyJsonPatch(o, ops);
    }
    return objects;
  };
  return build(dir);
}

/**
 * The objects of a resource file, parsed once per text in a worker (tests build every overlay of the same trees,
 * and each overlay the shared models/ base again): copies, as patches change them in place.
 */
const documents = (content: string): Json[] =>
  structuredClone(getOrInsert(parsedFiles, content, () => parseAllDocuments(content).map((doc) => doc.toJS() as Json).filter(Boolean)));
const parsedFiles = new Map<string, Json[]>();

function matches(t: Json, o: Json): boolean {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  if (t.group !== undefined && t.group !== group) return false;
  if (t.version !== undefined && t.version !== version) return false;
  if (t.kind !== undefined && t.kind !== o.kind) return false;
  if (t.namespace !== undefined && t.namespace !== o.metadata.namespace) return false;
  if (t.name !== undefined && !new RegExp(`^(?:${t.name})$`).test(o.metadata.name)) return false;
  if (t.labelSelector !== undefined) {
    for (const pair of (t.labelSelector as string).split(',')) {
      const [key, value] = pair.split('=');
      if (o.metadata.labels?.[key!] !== value) return false;
    }
  }
  return true;
}

/** What an environment's region runs (its overlay), or, without a region, what its primary region runs of the models. */
export function overlayObjects(files: readonly FileOutput[], env: string, region?: string): Json[] {
  return kustomizeObjects(files, region ? `kustomize/overlays/${env}/${region}` : `kustomize/overlays/${env}/models`);
}
