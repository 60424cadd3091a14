/** One environment's view of the spec: the top level with that environment's overrides merged in. */
import { PlatformSchema, type PlatformSpec } from '../../schema/platform.js';
import { deepMerge, isPlainObject } from './merge.js';

/** Where each overridable top-level section lives inside environments.<env>. */
export const OVERRIDE_SECTIONS: Readonly<Record<string, readonly string[]>> = {
  cluster: ['overrides', 'cluster'],
  regions: ['overrides', 'network'],
  nodePools: ['overrides', 'nodePools'],
  models: ['overrides', 'models'],
  observability: ['overrides', 'observability'],
  budget: ['budget'],
};

/** The path inside environments.<env> that overrides a top-level path, if that section can be overridden. */
export function overridePath(env: string, path: readonly (string | number)[]): (string | number)[] | undefined {
  const section = OVERRIDE_SECTIONS[String(path[0])];
  return section ? ['environments', env, ...section, ...path.slice(1)] : undefined;
}

/** The raw platform.yaml value with one environment's overrides merged over it (defaults not yet applied). */
export function mergeEnvironmentInput(raw: Record<string, unknown>, env: string): Record<string, unknown> {
  const environments = isPlainObject(raw.environments) ? raw.environments : {};
  const e = isPlainObject(environments[env]) ? environments[env] : {};
  let merged: Record<string, unknown> = { ...raw };
  for (const [section, path] of Object.entries(OVERRIDE_SECTIONS)) {
    let value: unknown = e;
    for (const key of path) value = isPlainObject(value) ? value[key] : undefined;
    if (value !== undefined) merged = { ...merged, [section]: deepMerge(merged[section], value) };
  }
  return merged;
}

const parsed = new WeakMap<object, Map<string, PlatformSpec>>();

/**
 * The parsed spec as one environment sees it. Throws only if the merged spec is invalid (validation reports
 * why). Parsed once per document and environment: semantic checks, capacity, cost and resolve all ask.
 */
export function environmentSpec(raw: Record<string, unknown>, env: string): PlatformSpec {
  let byEnv = parsed.get(raw);
  if (!byEnv) parsed.set(raw, (byEnv = new Map()));
  let spec = byEnv.get(env);
  if (!spec) byEnv.set(env, (spec = PlatformSchema.parse(mergeEnvironmentInput(raw, env))));
  return spec;
}
