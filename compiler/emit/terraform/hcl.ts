/**
 * HCL values as `terraform fmt` writes them, with every string escaped: user text (names, tags,
 * descriptions) can never break out of its literal or inject an interpolation.
 * @see https://developer.hashicorp.com/terraform/language/expressions/strings
 */

/** A Terraform expression written as is (a reference, a function call): never user text. */
export class Expr {
  constructor(readonly text: string) {}
}
export const expr = (text: string) => new Expr(text);

export type HclValue = string | number | boolean | null | Expr | readonly HclValue[] | { readonly [key: string]: HclValue | undefined };

/** What quote() escapes: a string without any is written as it is. */
const NEEDS_ESCAPE = /[\\"\n\r\t]|[$%]\{/;

/**
 * A quoted HCL string: escapes, and `${`/`%{` written as `$${`/`%%{` so they stay literal text. The
 * replacements are functions because in a replacement string `$$` means one `$` (that was D2: `${` stayed live).
 */
export function quote(s: string): string {
  // Most strings (names, ARNs, tags) need none.
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  const escaped = s
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{');
  return `"${escaped}"`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const key = (k: string) => (IDENTIFIER.test(k) ? k : quote(k));
const pad = (level: number) => '  '.repeat(level);

/** Renders a value whose first line continues a line at `level`; later lines are indented from `level`. */
export function renderValue(v: HclValue, level = 0): string {
  if (v instanceof Expr) return v.text;
  if (v === null) return 'null';
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    const items = (v as readonly HclValue[]).map((item) => renderValue(item, level + 1));
    if (items.length === 0) return '[]';
    if (items.every((i) => !i.includes('\n')) && !(v as readonly HclValue[]).some(isObject)) return `[${items.join(', ')}]`;
    return `[\n${items.map((i) => `${pad(level + 1)}${i},`).join('\n')}\n${pad(level)}]`;
  }
  const entries = Object.entries(v as Record<string, HclValue | undefined>).filter((e): e is [string, HclValue] => e[1] !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${renderAttributes(entries, level + 1)}\n${pad(level)}}`;
}

const isObject = (v: HclValue) => typeof v === 'object' && v !== null && !(v instanceof Expr) && !Array.isArray(v);

/**
 * `key = value` lines at `level`, aligned as terraform fmt aligns them: runs of single-line attributes
 * share one `=` column; a multi-line value ends the run and is not aligned.
 */
export function renderAttributes(entries: readonly (readonly [string, HclValue])[], level: number): string {
  const rendered = entries.map(([k, v]) => [key(k), renderValue(v, level)] as const);
  const lines: string[] = [];
  let run: (readonly [string, string])[] = [];
  const flush = () => {
    const width = Math.max(0, ...run.map(([k]) => k.length));
    for (const [k, v] of run) lines.push(`${pad(level)}${k.padEnd(width)} = ${v}`);
    run = [];
  };
  for (const [k, v] of rendered) {
    if (v.includes('\n')) {
      flush();
      lines.push(`${pad(level)}${k} = ${v}`);
    } else run.push([k, v]);
  }
  flush();
  return lines.join('\n');
}

/** Attributes of a record, skipping undefined values. */
export function attributes(record: Readonly<Record<string, HclValue | undefined>>, level: number): string {
  return renderAttributes(Object.entries(record).filter((e): e is [string, HclValue] => e[1] !== undefined), level);
}
