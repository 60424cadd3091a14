/**
 * Partial validity: when platform.yaml has structural errors, the semantic checks still run on every part that is
 * structurally valid, so one run reports everything (a typo in one model no longer hides a capacity problem of
 * another pool). The unit of validity is an item of a named map (a model, a node pool, an environment, an
 * operator, ...) or, for the other sections, the section. Invalid units are cut out of the document and the rest
 * is parsed again; checks then skip what reads or points at a cut unit, so a broken part causes no echoes.
 */
import { API_VERSION, PlatformSchema, type PlatformSpec } from '../../schema/platform.js';
import { isPlainObject } from './merge.js';
import type { Path } from './source.js';

/** Top-level maps whose items are named and checked one by one. */
const NAMED_SECTIONS = new Set(['regions', 'nodePools', 'teams', 'models', 'environments']);
/** identity.<section> maps whose items are named. */
const NAMED_IDENTITY = new Set(['operators', 'workloads']);

/**
 * Stand-ins for required sections that are invalid, so the rest can be parsed. Nothing is checked or reported
 * inside a cut unit, so these values are never seen by the user.
 */
const STAND_INS: Readonly<Record<string, unknown>> = {
  apiVersion: API_VERSION,
  kind: 'Platform',
  metadata: { name: 'invalid', owner: 'invalid' },
  budget: { monthlyUsd: 1 },
};

/** The unit of validity a problem at `path` invalidates; [] means the whole document. */
export function unitOf(path: Path): Path {
  const [section, name] = path;
  if (section === undefined) return [];
  if (NAMED_SECTIONS.has(String(section))) return path.slice(0, 2);
  if (section === 'identity' && NAMED_IDENTITY.has(String(name))) return path.slice(0, 3);
  if (section === 'identity') return path.slice(0, 2);
  return path.slice(0, 1);
}

/** What was cut out of the document. */
export class InvalidParts {
  /** The cut units, outermost only (a unit inside another is cut with it). */
  readonly list: readonly Path[];
  private readonly keys: ReadonlySet<string>;
  constructor(units: readonly Path[]) {
    const byKey = new Map(units.map((u) => [keyOf(u), u]));
    const sorted = [...byKey.values()].sort((a, b) => a.length - b.length);
    const kept = new Set<string>();
    const list: Path[] = [];
    for (const u of sorted) {
      if (u.some((_, i) => kept.has(keyOf(u.slice(0, i + 1))))) continue;
      kept.add(keyOf(u));
      list.push(u);
    }
    this.list = list;
    this.keys = kept;
  }
  get empty(): boolean {
    return this.list.length === 0;
  }
  /** Whether the value at path is (inside) a cut unit: diagnostics about it would echo its structural error. */
  covers(path: Path): boolean {
    return path.some((_, i) => this.keys.has(keyOf(path.slice(0, i + 1))));
  }
  /**
   * Whether a name of a named map was cut (or the whole map): a reference to it is not "unknown", it points at
   * something already reported.
   */
  hasName(section: Path, name: string): boolean {
    return this.covers([...section, name]);
  }
  /** Whether anything at or inside `path` was cut: a check over all of it (e.g. "is there a gpu pool") cannot tell. */
  touches(path: Path): boolean {
    return this.covers(path) || this.list.some((u) => isPrefix(path, u));
  }
}

export const NO_INVALID_PARTS = new InvalidParts([]);

const keyOf = (path: Path) => path.map(String).join('\u0000');
const isPrefix = (prefix: Path, path: Path) => prefix.length <= path.length && prefix.every((p, i) => String(p) === String(path[i]));

export interface ValidParts {
  /** The document as written, without the invalid units (what per-environment views are merged from). */
  readonly raw: Record<string, unknown>;
  readonly spec: PlatformSpec;
  readonly invalid: InvalidParts;
}

/**
 * The document without its invalid units, parsed; undefined when the problems are at the top (the document
 * is not a map) or what is left still does not parse.
 */
export function validParts(raw: unknown, problems: readonly Path[]): ValidParts | undefined {
  if (!isPlainObject(raw)) return undefined;
  const units = problems.map(unitOf);
  if (units.some((u) => u.length === 0)) return undefined;
  const invalid = new InvalidParts(units);
  const doc = structuredClone(raw);
  const envs = () => Object.values(isPlainObject(doc.environments) ? doc.environments : {}).filter(isPlainObject);
  for (const unit of invalid.list) {
    const [section, name] = unit.map(String);
    if (unit.length === 1) {
      if (NAMED_SECTIONS.has(section!)) doc[section!] = {};
      else if (Object.hasOwn(STAND_INS, section!)) doc[section!] = STAND_INS[section!];
      else delete doc[section!];
      continue;
    }
    remove(doc, unit);
    // An override of a cut item would be all that is left of it, and fail as incomplete: cut it too.
    for (const env of envs()) {
      if (section === 'models') remove(env, ['overrides', 'models', name!]);
      if (section === 'nodePools') remove(env, ['overrides', 'nodePools', name!]), remove(env, ['standby', 'nodePools', name!]);
      if (section === 'regions') remove(env, ['overrides', 'network', name!]);
    }
  }
  // A name missing from a map that lost an item may be that item under another spelling (a model key
  // `ResNet_50` that overrides call `resnet50`): its overrides go too, instead of echoing "no model named".
  const names = (section: string) => (isPlainObject(doc[section]) ? (doc[section] as Record<string, unknown>) : {});
  for (const env of envs()) {
    for (const [section, at] of [['models', ['overrides', 'models']], ['nodePools', ['overrides', 'nodePools']], ['nodePools', ['standby', 'nodePools']], ['regions', ['overrides', 'network']]] as const) {
      if (!invalid.touches([section])) continue;
      let map: unknown = env;
      for (const key of at) map = isPlainObject(map) ? map[key] : undefined;
      if (isPlainObject(map)) for (const name of Object.keys(map)) if (!Object.hasOwn(names(section), name)) delete map[name];
    }
  }
  const parsed = PlatformSchema.safeParse(doc);
  return parsed.success ? { raw: doc, spec: parsed.data, invalid } : undefined;
}

function remove(root: Record<string, unknown>, path: Path) {
  let cur: unknown = root;
  for (const segment of path.slice(0, -1)) cur = isPlainObject(cur) ? cur[String(segment)] : undefined;
  if (isPlainObject(cur)) delete cur[String(path[path.length - 1])];
}
