/**
 * Canonical serialisation: one place, fixed options, so the same data always gives the same bytes.
 *
 * YAML is written by a small emitter for the JSON-like data the emitters build (plain objects, arrays,
 * strings, finite numbers, booleans, null). It produces the bytes the `yaml` library's `stringify` produces
 * with the options below (test/output/serialize.test.ts compares the two and parses the result back), at a
 * fraction of the cost: the library builds a document model of every value first, which was two thirds of a
 * large compile. Anything outside that shape (a Date, a Map, a map whose values are all null, a key over
 * 1024 characters) goes to the library itself.
 */
import { Document, isScalar, stringify, visit } from 'yaml';

const LIBRARY_OPTIONS = { indent: 2, lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, singleQuote: false, sortMapEntries: false } as const;

/**
 * Determinism rule: YAML with 2-space indent, no line folding, plain keys in the order the emitter built
 * them (emitters sort maps that come from user input), no anchors or aliases.
 */
export function toYaml(value: unknown): string {
  if (value !== null && typeof value === 'object' && (Array.isArray(value) || isPlainObject(value))) {
    try {
      return `${collection(value, '')}\n`;
    } catch (error) {
      if (error !== UNSUPPORTED) throw error;
    }
  }
  return stringify(value, LIBRARY_OPTIONS);
}

/**
 * The same YAML, with a trailing comment after every string scalar that has one in `comments` (e.g. the
 * release tag after an action pinned by commit SHA).
 */
export function toYamlWithComments(value: unknown, comments: Readonly<Record<string, string>>): string {
  const doc = new Document(value, { aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && Object.hasOwn(comments, node.value)) node.comment = ` ${comments[node.value]}`;
    },
  });
  return doc.toString({ indent: 2, lineWidth: 0, minContentWidth: 0, singleQuote: false });
}

/** Several YAML documents in one file, separated by ---. */
export function toYamlDocuments(values: readonly unknown[]): string {
  return values.map(toYaml).join('---\n');
}

/** Determinism rule: JSON with 2-space indent and a trailing newline. Numbers print as JavaScript prints them. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Thrown inside the emitter for a value it does not handle; toYaml then asks the library. */
const UNSUPPORTED = Symbol('unsupported');

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A block collection whose items sit at `indent` (the library's ctx.indent); empty ones are flow: {} and [].
 * Lines are gathered in one array and joined once: a flat string, not a tree of concatenations.
 */
function collection(value: object, indent: string): string {
  if (isEmpty(value)) return Array.isArray(value) ? '[]' : '{}';
  const lines: string[] = [];
  block(value, indent, lines);
  return lines.join('\n');
}

/** Pushes the lines of a non-empty collection; the first line without its indent (it follows a `- ` or sits at the start). */
function block(value: object, indent: string, lines: string[]): void {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const prefix = i ? `${indent}- ` : '- ';
      if (item !== null && typeof item === 'object' && !isEmpty(item)) {
        const at = lines.length;
        block(item, inner, lines);
        lines[at] = prefix + lines[at];
      } else lines.push(prefix + (item !== null && typeof item === 'object' ? (Array.isArray(item) ? '[]' : '{}') : scalar(item, inner)));
    }
    return;
  }
  if (!isPlainObject(value)) throw UNSUPPORTED;
  const first = lines.length;
  let allNull = true;
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue; // the library drops undefined values, as JSON.stringify does
    if (v !== null) allNull = false;
    const k = PLAIN_KEYS.has(key) ? key : keyString(key, inner);
    const lead = lines.length === first ? '' : indent;
    if (v !== null && typeof v === 'object') {
      if (isEmpty(v)) lines.push(`${lead}${k}: ${Array.isArray(v) ? '[]' : '{}'}`);
      else {
        lines.push(`${lead}${k}:`);
        const at = lines.length;
        block(v, inner, lines);
        lines[at] = inner + lines[at];
      }
    } else lines.push(`${lead}${k}: ${scalar(v, inner)}`);
  }
  // The library writes a map whose values are all null as a set of explicit keys (`? key`).
  if (allNull) throw UNSUPPORTED;
}

/**
 * Keys known to be written plain, as they are: a few hundred distinct keys make up most of a large compile's
 * keys, and a set lookup is cheaper than the regular expressions of scalarString (whose answer for a plain
 * key does not depend on the indent).
 */
const PLAIN_KEYS = new Set<string>();

function keyString(key: string, indent: string): string {
  const k = scalarString(key, indent, true);
  if (k.length > 1024) throw UNSUPPORTED; // the library writes such a key as an explicit `? key`
  if (k === key && SURELY_PLAIN.test(key)) PLAIN_KEYS.add(key);
  return k;
}

/** An empty array, or a plain object without a defined value: written in flow style, [] or {}. */
function isEmpty(value: object): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (!isPlainObject(value)) throw UNSUPPORTED;
  for (const key in value) if ((value as Record<string, unknown>)[key] !== undefined && Object.hasOwn(value, key)) return false;
  return true;
}

function scalar(value: unknown, indent: string): string {
  switch (typeof value) {
    case 'string':
      return scalarString(value, indent, false);
    case 'number':
      if (!Number.isFinite(value)) return Number.isNaN(value) ? '.nan' : value < 0 ? '-.inf' : '.inf';
      return Object.is(value, -0) ? '-0' : JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined': // an undefined array item, as the library writes it
      return 'null';
    default:
      if (value === null) return 'null';
      throw UNSUPPORTED;
  }
}

// YAML 1.2 core schema: a plain scalar matching this reads back as null, a boolean or a number (the library's
// tests of the core tags, in one expression): null, ~ and the empty string; true/false in three cases; octal
// 0o..., decimal and hexadecimal integers; .inf and .nan; floats with and without an exponent.
const CORE_NON_STRING = /^(?:~|[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE|0o[0-7]+|[-+]?[0-9]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*))?$/;
// Characters that force double quotes: control characters and unpaired surrogates.
const FORCE_DOUBLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
// Where a plain scalar is not allowed: an indicator first, `: ` or ` #` inside, a space or colon last, ...
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;
// Plain for sure: a letter, `_` or `/` first, then only word characters, `/`, `.` and `-` (no number starts
// with a letter; no indicator, `: `, ` #` or trailing colon), and not null, true or false. Most strings are.
const SURELY_PLAIN = /^[A-Za-z_/][\w/.-]*$/;
const RESERVED = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE']);

/** A string scalar: plain where YAML reads it back as this string, else double-quoted, or a literal block if multi-line. */
function scalarString(value: string, indent: string, implicitKey: boolean): string {
  if (SURELY_PLAIN.test(value) && !RESERVED.has(value)) return value;
  if (FORCE_DOUBLE.test(value)) return doubleQuoted(value, indent, implicitKey);
  const multiLine = value.includes('\n');
  if (implicitKey && multiLine) return doubleQuoted(value, indent, implicitKey);
  if (NOT_PLAIN.test(value)) return implicitKey || !multiLine ? doubleQuoted(value, indent, implicitKey) : literalBlock(value, indent);
  if (!implicitKey && multiLine) return literalBlock(value, indent);
  // Our indent is never empty (the root is always a collection), so only a root-level key needs this.
  if (implicitKey && indent === '  ' && DOCUMENT_MARKER.test(value)) return doubleQuoted(value, indent, implicitKey);
  if (CORE_NON_STRING.test(value)) return doubleQuoted(value, indent, implicitKey);
  return value;
}

/** The library's literal block scalar (`|`, `|-`, `|+`, with an indentation indicator when it starts with a space). */
function literalBlock(input: string, indent: string): string {
  // A block cannot end in whitespace after its last line break: the library writes that double-quoted. Nor
  // can a block of only blanks and line breaks have a line that starts with a space: the library writes
  // ' \n' as a block that reads back as '\n' (the one place this emitter departs from the library's bytes).
  if (/\n[\t ]+$/.test(input) || (/^[\t\n ]*$/.test(input) && /(?:^|\n) /.test(input))) return doubleQuoted(input, indent, false);
  let value = input;
  let endStart = value.length;
  while (endStart > 0) {
    const ch = value[endStart - 1];
    if (ch !== '\n' && ch !== '\t' && ch !== ' ') break;
    endStart--;
  }
  let end = value.substring(endStart);
  const endNl = end.indexOf('\n');
  const chomp = endNl === -1 ? '-' : value === end || endNl !== end.length - 1 ? '+' : '';
  if (end) {
    value = value.slice(0, -end.length);
    if (end.endsWith('\n')) end = end.slice(0, -1);
    end = end.replace(/(^|(?<!\n))\n+(?!\n|$)/g, `$&${indent}`);
  }
  let startWithSpace = false;
  let startEnd = 0;
  let startNl = -1;
  for (; startEnd < value.length; startEnd++) {
    const ch = value[startEnd];
    if (ch === ' ') startWithSpace = true;
    else if (ch === '\n') startNl = startEnd;
    else break;
  }
  let start = value.substring(0, startNl < startEnd ? startNl + 1 : startEnd);
  if (start) {
    value = value.substring(start.length);
    start = start.replace(/\n+/g, `$&${indent}`);
  }
  const header = (startWithSpace ? '2' : '') + chomp;
  return `|${header}\n${indent}${start}${value.replace(/\n+/g, `$&${indent}`)}${end}`;
}

/** The library's double-quoted style: JSON escapes, YAML's short escapes, long multi-line values broken at \n. */
function doubleQuoted(value: string, indent: string, implicitKey: boolean): string {
  const json = JSON.stringify(value);
  let str = '';
  let start = 0;
  for (let i = 0, ch = json[i]; ch; ch = json[++i]) {
    if (ch === ' ' && json[i + 1] === '\\' && json[i + 2] === 'n') {
      // A space before a line break is escaped so that folding keeps it.
      str += `${json.slice(start, i)}\\ `;
      i += 1;
      start = i;
      ch = '\\';
    }
    if (ch !== '\\') continue;
    const next = json[i + 1];
    if (next === 'u') {
      str += json.slice(start, i);
      const code = json.substr(i + 2, 4);
      str += SHORT_ESCAPES[code] ?? (code.startsWith('00') ? `\\x${code.substr(2)}` : json.substr(i, 6));
      i += 5;
      start = i + 1;
    } else if (next === 'n') {
      if (implicitKey || json[i + 2] === '"' || json.length < 40) i += 1;
      else {
        // Written as real line breaks: folding eats the first one, so it is doubled.
        str += `${json.slice(start, i)}\n\n`;
        while (json[i + 2] === '\\' && json[i + 3] === 'n' && json[i + 4] !== '"') {
          str += '\n';
          i += 2;
        }
        str += indent;
        if (json[i + 2] === ' ') str += '\\';
        i += 1;
        start = i + 1;
      }
    } else i += 1;
  }
  return start ? str + json.slice(start) : json;
}

const SHORT_ESCAPES: Record<string, string> = { '0000': '\\0', '0007': '\\a', '000b': '\\v', '001b': '\\e', '0085': '\\N', '00a0': '\\_', '2028': '\\L', '2029': '\\P' };
