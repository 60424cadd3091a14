/** Structural validation: zod issues become positioned diagnostics with "did you mean" hints. */
import * as z from 'zod/mini';
import type { DiagnosticCode } from '../diagnostics/codes.js';
import { dedupeDiagnostics, diagnostic, type Diagnostic, type MessageArgs } from '../diagnostics/diagnostic.js';
import { closest, didYouMean } from '../diagnostics/suggest.js';
import type { Path, Source } from './source.js';

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

/** Validates source.value against a schema; returns the parsed value when there is no error. */
export function checkStructure<T extends AnySchema>(schema: T, source: Source): { value?: z.output<T>; diagnostics: Diagnostic[]; problems: Path[] } {
  const proto = prototypeKeys(source);
  if (proto.length) return { diagnostics: proto, problems: [[]] };
  const result = z.safeParse(schema, source.value, { reportInput: true });
  if (result.success) return { value: result.data as z.output<T>, diagnostics: [], problems: [] };
  /** Where each problem is (an unknown key at the key itself), for the checks that run on the valid parts. */
  const problems = result.error.issues.flatMap((i): Path[] => (i.code === 'unrecognized_keys' ? i.keys.map((k) => [...i.path, k] as Path) : [i.path as Path]));
  // Positions are computed for the first MAX_DIAGNOSTICS problems only; the rest are counted (D7).
  const out: Diagnostic[] = [];
  let more = 0;
  for (const issue of result.error.issues) {
    const total = issue.code === 'unrecognized_keys' ? issue.keys.length : 1;
    const room = MAX_DIAGNOSTICS - out.length;
    if (room <= 0) {
      more += total;
      continue;
    }
    if (issue.code === 'unrecognized_keys' && total > room) {
      out.push(...toDiagnostics({ ...issue, keys: issue.keys.slice(0, room) }, [], schema, source));
      more += total - room;
    } else out.push(...toDiagnostics(issue, [], schema, source));
  }
  const list = dedupeDiagnostics(out);
  if (more > 0) {
    const { endLine, endCol } = list[list.length - 1]!;
    list.push(diagnostic('too-many-errors', { count: more }, source.file, { line: endLine, col: endCol + 1, endLine, endCol: endCol + 1 }, 'fix the problems above and validate again'));
  }
  // A file this broken is not worth a second look: its valid parts would be few and their findings noise.
  return { diagnostics: list, problems: more > 0 ? [[]] : problems };
}

/** Diagnostics listed per file at most; a 100,000-key file would otherwise print 100,000 lines. */
export const MAX_DIAGNOSTICS = 200;

/**
 * `__proto__` as a key: zod drops it from records without a word (an override named `__proto__` was silently
 * ignored), and as a name it would reach prototype lookups (D8). Reported wherever it is written.
 */
function prototypeKeys(source: Source): Diagnostic[] {
  const found: Diagnostic[] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    if (found.length >= MAX_DIAGNOSTICS || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, [...path, i]));
    for (const key of Object.keys(value)) {
      if (key === '__proto__') found.push(diagnostic('invalid-name', { map: path.length ? pathText(path) : 'the document', key: '__proto__', reason: 'cannot be a key' }, source.file, source.keySpan([...path, key]), 'rename it'));
      else walk((value as Record<string, unknown>)[key], [...path, key]);
    }
  };
  walk(source.value, []);
  return found;
}

function toDiagnostics(issue: Issue, prefix: Path, root: AnySchema, source: Source): Diagnostic[] {
  const path = [...prefix, ...(issue.path as (string | number)[])];
  const where = pathText(path);
  const at = <C extends DiagnosticCode>(code: C, args: MessageArgs<C>, hint?: string) => diagnostic(code, args, source.file, source.span(path), hint);
  const inParent = path.length > 1 ? ` in ${pathText(path.slice(0, -1))}` : '';
  const input = (issue as { input?: unknown }).input;

  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = objectKeys(schemaAt(root, path));
      return issue.keys.map((key) =>
        diagnostic('unknown-key', { key, where: where ? ` in ${where}` : '' }, source.file, source.keySpan([...path, key]), didYouMean(key, known) ?? (known.length ? `allowed keys: ${known.join(', ')}` : undefined)),
      );
    }
    case 'invalid_type':
      if (input === undefined) {
        return [at('missing-field', { field: String(path[path.length - 1]), where: inParent }, missingHint(path, root, source))];
      }
      return [at('invalid-type', { where: where || 'the document', expected: article(issue.expected), actual: kindOf(input) }, shapeHint(path, root))];
    case 'invalid_value': {
      const allowed = issue.values.map((v) => String(v));
      const hint = typeof input === 'string' ? didYouMean(input, allowed) : undefined;
      const shown = allowed.length > 12 ? `${allowed.slice(0, 12).join(', ')}, ...` : allowed.join(', ');
      return [at('invalid-value', { where, value: String(input), expected: allowed.length === 1 ? `'${allowed[0]}'` : `one of ${shown}` }, hint)];
    }
    case 'invalid_format':
      return [at('invalid-format', { where, detail: issue.message })];
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = small ? issue.minimum : issue.maximum;
      const inclusive = issue.inclusive !== false;
      const what = issue.origin === 'array' ? 'items' : issue.origin === 'string' ? 'characters' : '';
      const relation = small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
      const custom = issue.message && !/^Too (small|big)/.test(issue.message) ? issue.message : undefined;
      return [at('out-of-range', { where, requirement: custom ?? `must be ${relation} ${String(bound)}${what ? ` ${what}` : ''}`, actual: issue.origin === 'number' || issue.origin === 'int' ? ` (got ${String(input)})` : '' })];
    }
    case 'invalid_key': {
      const key = String(path[path.length - 1]);
      const keySchema = recordKeySchema(schemaAt(root, path.slice(0, -1)));
      const allowed = keySchema ? enumValues(keySchema) : [];
      const first = issue.issues[0];
      const reason = allowed.length ? `is not one of ${allowed.join(', ')}` : `is not a valid name: ${first?.message ?? 'see the schema'}`;
      return [diagnostic('invalid-name', { map: pathText(path.slice(0, -1)), key, reason }, source.file, source.keySpan(path), allowed.length ? didYouMean(key, allowed) : undefined)];
    }
    case 'invalid_union': {
      const branches = issue.errors;
      if (branches.length === 0) {
        // A discriminated union whose discriminator matched nothing; the path ends at the discriminator.
        const { discriminator = 'kind', options = [] } = issue as { discriminator?: string; options?: unknown[] };
        const allowed = options.map(String);
        const value = (input as Record<string, unknown> | undefined)?.[discriminator];
        if (value === undefined) return [diagnostic('missing-field', { field: discriminator, where: ` in ${pathText(path.slice(0, -1))}` }, source.file, source.span(path.slice(0, -1)), `one of ${allowed.join(', ')}`)];
        return [at('invalid-value', { where, value: String(value), expected: `one of ${allowed.join(', ')}` }, typeof value === 'string' ? didYouMean(value, allowed) : undefined)];
      }
      if (input === undefined) {
        return [at('missing-field', { field: String(path[path.length - 1]), where: inParent }, missingHint(path, root, source))];
      }
      // Report the branch that got furthest: the one whose first issue is deepest and not a plain type mismatch at the union itself.
      const score = (list: Issue[]) => Math.max(...list.map((i) => i.path.length * 2 + (i.code === 'invalid_type' ? 0 : 1)));
      const best = [...branches].sort((a, b) => score(b) - score(a))[0]!;
      if (score(best) <= 0) {
        const expected = branches.map((b) => (b[0]?.code === 'invalid_type' ? article(b[0].expected) : b[0]?.code === 'invalid_value' ? `'${b[0].values.join("' or '")}'` : 'another value'));
        return [at('invalid-type', { where, expected: expected.join(' or '), actual: kindOf(input) })];
      }
      return best.flatMap((inner) => toDiagnostics(inner, path, root, source));
    }
    default:
      return [at('invalid-format', { where, detail: issue.message })];
  }
}

/** a.b[0].c */
export function pathText(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function article(type: string): string {
  if (type === 'array') return 'a list';
  if (type === 'object' || type === 'record') return 'a map';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the string '${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`;
  return `${typeof value === 'number' && !Number.isInteger(value) ? 'the number' : typeof value} ${String(value)}`.replace(/^number/, 'the number').replace(/^boolean/, 'the boolean');
}

// --- walking the zod schema (zod 4 internals: _zod.def) ------------------------------------------

interface Def {
  type: string;
  shape?: Record<string, AnySchema>;
  innerType?: AnySchema;
  valueType?: AnySchema;
  keyType?: AnySchema;
  element?: AnySchema;
  options?: AnySchema[];
  in?: AnySchema;
  entries?: Record<string, unknown>;
  values?: unknown[];
}
const defOf = (s: AnySchema | undefined): Def | undefined => (s as unknown as { _zod?: { def: Def } } | undefined)?._zod?.def;

function unwrap(s: AnySchema | undefined): AnySchema | undefined {
  let cur = s;
  for (let def = defOf(cur); def && ['default', 'optional', 'nullable', 'prefault', 'readonly', 'catch', 'pipe'].includes(def.type); def = defOf(cur)) {
    cur = def.type === 'pipe' ? def.in : def.innerType;
  }
  return cur;
}

/** The schema that describes the value at path (through defaults, records, arrays and unions). */
export function schemaAt(root: AnySchema, path: Path): AnySchema | undefined {
  let cur: AnySchema | undefined = unwrap(root);
  for (const segment of path) {
    const def = defOf(cur);
    if (!def) return undefined;
    if (def.type === 'object') cur = def.shape?.[String(segment)];
    else if (def.type === 'record') cur = def.valueType;
    else if (def.type === 'array') cur = def.element;
    else if (def.type === 'union') cur = def.options?.map((o) => schemaAt(o, [segment])).find(Boolean);
    else return undefined;
    cur = unwrap(cur);
  }
  return cur;
}

/** Keys an object schema (or a union of object schemas) allows. */
function objectKeys(s: AnySchema | undefined): string[] {
  const def = defOf(unwrap(s));
  if (def?.type === 'object') return Object.keys(def.shape ?? {});
  if (def?.type === 'record' && def.keyType) return enumValues(def.keyType);
  if (def?.type === 'union') return [...new Set(def.options?.flatMap((o) => objectKeys(o)) ?? [])].sort();
  return [];
}

function recordKeySchema(s: AnySchema | undefined): AnySchema | undefined {
  const def = defOf(unwrap(s));
  return def?.type === 'record' ? def.keyType : undefined;
}

function enumValues(s: AnySchema): string[] {
  const def = defOf(unwrap(s));
  return def?.type === 'enum' ? Object.values(def.entries ?? {}).map(String) : [];
}

/**
 * What to write for a missing field: the key it was probably written as (a typo next to it), or the field
 * with the shape of its value (`budget: { monthlyUsd: <number> }`), rather than its description again.
 */
function missingHint(path: Path, root: AnySchema, source: Source): string | undefined {
  const field = String(path[path.length - 1]);
  const parentPath = path.slice(0, -1);
  const parent = valueAt(source.value, parentPath);
  const allowed = new Set(objectKeys(schemaAt(root, parentPath)));
  const siblings = parent && typeof parent === 'object' && !Array.isArray(parent) ? Object.keys(parent).filter((k) => !allowed.has(k)) : [];
  const typo = closest(field, siblings);
  if (typo !== undefined) return `rename '${typo}' (line ${source.keySpan([...parentPath, typo]).line}) to ${field}`;
  const schema = schemaAt(root, path);
  const example = exampleOf(schema, 0);
  const def = defOf(unwrap(schema));
  const scalar = def && !['object', 'record', 'array'].includes(def.type);
  const description = describeOf(schema);
  return `add ${field}: ${example}${scalar && description ? `; ${description.charAt(0).toLowerCase()}${description.slice(1)}` : ''}`;
}

/** For a map or list written as something else: the shape to write (`nodePools: { <name>: { role: ... } }`). */
function shapeHint(path: Path, root: AnySchema): string | undefined {
  const schema = schemaAt(root, path);
  const type = defOf(unwrap(schema))?.type;
  if (path.length === 0 || !type || !['object', 'record', 'array'].includes(type)) return undefined;
  return `write ${String(path[path.length - 1])}: ${exampleOf(schema, 0)}`;
}

function valueAt(value: unknown, path: Path): unknown {
  let cur = value;
  for (const segment of path) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[String(segment)] : undefined;
  return cur;
}

/** The shape of a value a schema accepts, its required keys filled with placeholders: `{ monthlyUsd: <number> }`. */
function exampleOf(s: AnySchema | undefined, depth: number): string {
  const def = defOf(unwrap(s));
  if (!def) return '<value>';
  switch (def.type) {
    case 'object': {
      if (depth > 1) return '{ ... }';
      const required = Object.entries(def.shape ?? {}).filter(([, v]) => !['optional', 'default', 'prefault'].includes(defOf(v)?.type ?? ''));
      // Nothing required: the first keys it may have, so the hint still shows the shape.
      const shown = required.length ? required : Object.entries(def.shape ?? {}).slice(0, 2);
      const more = required.length ? '' : Object.keys(def.shape ?? {}).length > 2 ? ', ...' : '';
      return shown.length ? `{ ${shown.map(([k, v]) => `${k}: ${exampleOf(v, depth + 1)}`).join(', ')}${more} }` : '{}';
    }
    case 'record':
      return depth > 1 ? '{ ... }' : `{ <name>: ${exampleOf(def.valueType, depth + 1)} }`;
    case 'array':
      return `[${exampleOf(def.element, depth + 1)}]`;
    case 'union':
      return (def.options ?? []).map((o) => exampleOf(o, depth)).join(' or ');
    case 'enum': {
      const values = enumValues(unwrap(s)!);
      return values.length <= 4 ? values.join(' | ') : `<${values.slice(0, 3).join(' | ')} | ...>`;
    }
    case 'literal':
      return (def.values ?? []).map(String).join(' | ');
    case 'boolean':
      return 'true | false';
    case 'number':
      return (def as { format?: string }).format?.includes('int') ? '<whole number>' : '<number>';
    case 'string':
      return '<text>';
    default:
      return '<value>';
  }
}

function describeOf(s: AnySchema | undefined): string | undefined {
  const description = s ? z.globalRegistry.get(s)?.description : undefined;
  return description ? description.replace(/\.$/, '') : undefined;
}
