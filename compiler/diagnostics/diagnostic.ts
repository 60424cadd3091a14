/** Diagnostics are data: validation returns them, the CLI renders them. */
import { compareCodeUnits } from '../lib/order.js';
import { codes, type DiagnosticCode } from './codes.js';

export type Severity = 'error' | 'warning';

/** One problem, with the exact place it was found. Lines and columns are 1-based. */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
  readonly hint?: string;
  /** The environments a per-environment finding holds in, when not in all of them (the message names them too). */
  readonly environments?: readonly string[];
}

/** A place in a file. */
export interface Span {
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
}

export const startOfFile: Span = { line: 1, col: 1, endLine: 1, endCol: 1 };

/** The placeholder names of a message template: "{a} and {b}" -> "a" | "b". */
type Placeholders<T extends string> = T extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;
/** The arguments a code's message needs, typed from its template. */
export type MessageArgs<C extends DiagnosticCode> = Readonly<Record<Placeholders<(typeof codes)[C]['message']>, string | number>>;

/** A code's message with its placeholders filled. */
export function formatMessage<C extends DiagnosticCode>(code: C, args: MessageArgs<C>): string {
  const values = args as Record<string, string | number>;
  return codes[code].message.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!Object.hasOwn(values, name)) throw new Error(`diagnostic ${code}: no value for {${name}}`);
    return String(values[name]);
  });
}

/** Builds a diagnostic from the catalog; the severity comes from there unless the spec decides it (budget enforcement). */
export function diagnostic<C extends DiagnosticCode>(code: C, args: MessageArgs<C>, file: string, span: Span, hint?: string, severity: Severity = codes[code].severity): Diagnostic {
  return { code, severity, message: formatMessage(code, args), file, ...span, ...(hint ? { hint } : {}) };
}

/** The same problem found in one environment's view of the spec; mergeEnvironments words it. */
export const inEnvironment = (d: Diagnostic, env: string): Diagnostic => ({ ...d, environments: [...(d.environments ?? []), env] });

/**
 * Findings of a check run once per environment: the same finding at the same place in several environments
 * becomes one diagnostic that lists them, and needs no list when every checked environment has it. One that
 * differs per environment (other numbers) therefore always names its environment. Untagged findings pass.
 */
export function mergeEnvironments(list: readonly Diagnostic[], checked: readonly string[]): Diagnostic[] {
  const groups = new Map<string, { first: Diagnostic; envs: Set<string> }>();
  const out: (Diagnostic | string)[] = [];
  for (const d of list) {
    if (!d.environments) {
      out.push(d);
      continue;
    }
    const key = `${d.file}:${d.line}:${d.col}:${d.code}:${d.message}:${d.hint ?? ''}`;
    const group = groups.get(key);
    if (group) d.environments.forEach((e) => group.envs.add(e));
    else groups.set(key, { first: d, envs: new Set(d.environments) }), out.push(key);
  }
  const all = new Set(checked);
  return out.map((entry) => {
    if (typeof entry !== 'string') return entry;
    const { first, envs } = groups.get(entry)!;
    const { environments: _, ...rest } = first;
    if (all.size > 0 && [...all].every((e) => envs.has(e))) return rest;
    const names = [...envs].sort(compareCodeUnits).map((e) => `'${e}'`);
    const listed = names.length === 1 ? `environment ${names[0]}` : `environments ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
    return { ...rest, message: `${first.message} (in ${listed})`, environments: [...envs].sort(compareCodeUnits) };
  });
}

/** Sorts by file, then position, then code: plain code-unit order so output is identical everywhere. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const cmp = compareCodeUnits;
  return dedupeDiagnostics(list).sort((a, b) => cmp(a.file, b.file) || a.line - b.line || a.col - b.col || cmp(a.code, b.code) || cmp(a.message, b.message));
}

/** Drops repeats of the same problem at the same place (a check run once per environment finds them again). */
export function dedupeDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.file}:${d.line}:${d.col}:${d.code}:${d.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

export const hasErrors = (list: readonly Diagnostic[]) => list.some((d) => d.severity === 'error');
