/** Reading a YAML source file: bytes to a document with positions, or diagnostics. Never throws for bad input. */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, visit, type Document, type Node, type Pair, type Scalar } from 'yaml';
import { diagnostic, startOfFile, type Diagnostic, type Span } from '../diagnostics/diagnostic.js';

export const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** Alias expansion budget: far above any real platform.yaml, far below a "billion laughs" bomb. */
const MAX_ALIAS_COUNT = 200;
/**
 * Nodes that aliases may add on top of those written out. yaml's maxAliasCount counts aliases, not what they
 * expand to, so 190 aliases of a 10,000-key map passed it and made 1.9 M diagnostics (D7).
 */
const MAX_ALIAS_EXPANSION = 10_000;

export type Path = readonly (string | number)[];

/** A parsed YAML file that can say where any path is. */
export interface Source {
  readonly file: string;
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly value: unknown;
  /** Span of the value at path, or of the nearest ancestor that exists. */
  span(path: Path): Span;
  /** Span of the key at path (the last segment), or of the value when there is no key. */
  keySpan(path: Path): Span;
  /** Whether a value exists at the path in the document as written. */
  has(path: Path): boolean;
}

export type LoadResult = { readonly source: Source; readonly diagnostics: readonly Diagnostic[] } | { readonly source?: undefined; readonly diagnostics: readonly Diagnostic[] };

/** Reads and parses a file; `display` is the name diagnostics show. */
export function loadSource(path: string, display = path): LoadResult {
  const unreadable = (problem: string, hint?: string): LoadResult => ({ diagnostics: [diagnostic('file-unreadable', { file: display, problem }, display, startOfFile, hint)] });
  let bytes: Buffer;
  try {
    bytes = readRegularFile(path, display);
  } catch (error) {
    if (error instanceof NotReadable) return { diagnostics: [error.diagnostic] };
    const code = (error as NodeJS.ErrnoException).code;
    return unreadable(code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'unknown error'})`);
  }
  return parseSource(bytes, display);
}

class NotReadable extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

/**
 * Reads a regular file of at most MAX_FILE_BYTES. Devices, FIFOs and sockets are refused before they are read
 * (stat.size is 0 for /dev/zero, which then filled memory; opening a FIFO waited for a writer), and the cap
 * counts the bytes actually read, not what stat says (D7).
 */
function readRegularFile(path: string, display: string): Buffer {
  const notRegular = (st: { isDirectory(): boolean }) =>
    new NotReadable(diagnostic('file-unreadable', { file: display, problem: `is ${st.isDirectory() ? 'a directory' : 'a device, pipe or socket'}, not a regular file` }, display, startOfFile, 'pass the path of a YAML file'));
  const tooLarge = (bytes: string) => new NotReadable(diagnostic('file-too-large', { file: display, problem: `is ${bytes} bytes`, max: `${MAX_FILE_BYTES} bytes` }, display, startOfFile));
  const stat = statSync(path);
  if (!stat.isFile()) throw notRegular(stat);
  // O_NONBLOCK: should the path be swapped for a FIFO after the stat, open does not wait for a writer.
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw notRegular(st);
    if (st.size > MAX_FILE_BYTES) throw tooLarge(String(st.size));
    // Sized by fstat plus one byte, which tells a file that grew since; grown by doubling up to the cap. (A buffer
    // of the cap for every read zero-filled 4 MiB per file: 4 ms of each validate of a 20 kB platform.yaml.)
    let buffer = Buffer.allocUnsafe(st.size + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > MAX_FILE_BYTES) throw tooLarge(`more than ${MAX_FILE_BYTES}`);
        const grown = Buffer.allocUnsafe(Math.min(2 * length, MAX_FILE_BYTES + 1));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) return buffer.subarray(0, length);
      length += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** Parses bytes already in memory (also used for files that are not on disk, such as in tests). */
export function parseSource(bytes: Uint8Array, file: string): LoadResult {
  const encoding = (problem: string, hint?: string): LoadResult => ({ diagnostics: [diagnostic('file-encoding', { file, problem }, file, startOfFile, hint)] });
  if (bytes.includes(0)) return encoding('is binary, not YAML text');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return encoding('is not valid UTF-8', 'save the file as UTF-8');
  }
  // A lone CR is a line break in YAML 1.2, but the parser reads it as a space: a file saved with old Mac
  // line endings was one line and "empty" (D26). Same length, so every offset stays where it was.
  if (text.includes('\r')) text = text.replace(/\r(?!\n)/g, '\n');
  // Parsing costs about a microsecond per byte (100,000 one-line keys took two seconds before anything could be
  // said about them, #19): a file with far more entries than any platform is refused before the parse.
  const crowded = entriesBeyond(text, MAX_ENTRIES);
  if (crowded !== undefined) {
    const line = text.slice(0, crowded).split('\n').length;
    return { diagnostics: [diagnostic('file-too-large', { file, problem: `has more than ${MAX_ENTRIES} lines and comma-separated items`, max: String(MAX_ENTRIES) }, file, { line, col: 1, endLine: line, endCol: 1 }, 'a platform.yaml is a few hundred lines: is this the file you meant?')] };
  }
  const lineCounter = new LineCounter();
  // uniqueKeys off: the parser's own check compares each key with every earlier one (100,000 keys took
  // minutes, D7); duplicates are found below with one set per mapping.
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: false, prettyErrors: false, strict: true });
  // An empty document (a trailing `---`, or one holding only comments) adds nothing: it is not a second document (D26).
  const parsed = Array.isArray(docs) ? docs : [];
  const nonEmpty = parsed.filter((d) => d.errors.length > 0 || !(d.contents === null || (isScalar(d.contents) && d.contents.value === null && d.contents.range?.[0] === d.contents.range?.[1])));
  const docList = nonEmpty.length ? nonEmpty : parsed.slice(0, 1);
  const spanOf = (range: readonly number[] | undefined | null): Span => {
    if (!range) return startOfFile;
    const start = lineCounter.linePos(range[0]!);
    const end = lineCounter.linePos(Math.max(range[0]!, range[1] ?? range[0]!));
    return { line: start.line, col: start.col, endLine: end.line, endCol: end.col };
  };
  const diagnostics: Diagnostic[] = [];
  const linesWithErrors = new Set<number>();
  for (const doc of docList) {
    for (const error of [...doc.errors, ...doc.warnings.filter((w) => w.code !== 'TAG_RESOLVE_FAILED')]) {
      const span = spanOf(error.pos);
      // One syntax error per line: the first explains it, the rest are its echoes.
      if (linesWithErrors.has(span.line)) continue;
      linesWithErrors.add(span.line);
      if (error.code === 'DUPLICATE_KEY') {
        const key = /^[^\s:#]+/.exec(text.slice(error.pos[0]))?.[0] ?? '?';
        diagnostics.push(diagnostic('yaml-duplicate-key', { key }, file, span, 'remove or rename one of the two entries'));
      } else {
        const raw = error.message.replace(/\s+at line \d+, column \d+:?[\s\S]*$/, '').replace(/\n[\s\S]*$/, '');
        // The parser ran out of stack: where it did, and what else it reported after, depends on how deep the
        // caller's stack already was (a second error on another line in a busier process). One finding says it all.
        if (/call stack/i.test(raw)) return { diagnostics: [diagnostic('yaml-syntax', { detail: 'the document is nested too deeply' }, file, span, tabHint(text, error.pos[0]))] };
        diagnostics.push(diagnostic('yaml-syntax', { detail: raw }, file, span, tabHint(text, error.pos[0])));
      }
    }
  }
  if (diagnostics.length === 0) {
    for (const doc of docList) {
      for (const key of duplicateKeys(doc.contents)) {
        const span = spanOf(key.range);
        if (linesWithErrors.has(span.line)) continue;
        linesWithErrors.add(span.line);
        diagnostics.push(diagnostic('yaml-duplicate-key', { key: String(key.value) }, file, span, 'remove or rename one of the two entries'));
      }
    }
  }
  if (diagnostics.length) return { diagnostics };
  if (docList.length > 1) {
    return { diagnostics: [diagnostic('yaml-multiple-documents', { file, count: docList.length }, file, spanOf(docList[1]!.range), "remove the '---' separators")] };
  }
  const doc = docList[0];
  if (!doc || doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    return { diagnostics: [diagnostic('file-empty', { file }, file, startOfFile, 'start from `npx platformc init` or a file in examples/')] };
  }
  let value: unknown;
  try {
    const added = aliasExpansion(doc);
    if (added > MAX_ALIAS_EXPANSION) throw new Error(`they add ${added} nodes; at most ${MAX_ALIAS_EXPANSION}`);
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (error instanceof RangeError) return { diagnostics: [diagnostic('yaml-syntax', { detail: 'the document is nested too deeply' }, file, spanOf(doc.contents?.range))] };
    return {
      diagnostics: [diagnostic('yaml-alias-limit', { detail: (error as Error).message.replace(/\.$/, '') }, file, spanOf(doc.contents?.range), 'write the values out instead of nesting aliases')],
    };
  }

  // Every node by its path, built once on first use: a lookup per diagnostic that scanned each map's items
  // made 100,000 unknown keys take minutes (D7). Aliases are not followed, as before.
  type Entry = { node: Node | undefined; pair: Pair | undefined };
  let index: Map<string, Entry> | undefined;
  const keyOf = (path: Path) => path.map(String).join('\u0000');
  const buildIndex = () => {
    const map = new Map<string, Entry>([['', { node: doc.contents as Node | undefined, pair: undefined }]]);
    const stack: [unknown, string, boolean][] = [[doc.contents, '', true]];
    while (stack.length) {
      const [node, key, root] = stack.pop()!;
      const child = (segment: string | number) => (root ? String(segment) : `${key}\u0000${String(segment)}`);
      if (isMap(node)) {
        for (const item of node.items) {
          if (!isPair(item) || !isScalar(item.key)) continue;
          const k = child(String(item.key.value));
          if (map.has(k)) continue; // the first of duplicate keys, as the parser keeps it
          map.set(k, { node: item.value as Node | undefined, pair: item as Pair });
          stack.push([item.value, k, false]);
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => {
          const k = child(i);
          map.set(k, { node: item as Node, pair: undefined });
          stack.push([item, k, false]);
        });
      }
    }
    return map;
  };
  const nodeAt = (path: Path): { node: Node | undefined; pair: Pair | undefined; depth: number } => {
    index ??= buildIndex();
    for (let depth = path.length; depth >= 0; depth--) {
      const found = index.get(keyOf(path.slice(0, depth)));
      if (found) return { node: found.node, pair: depth === path.length ? found.pair : undefined, depth };
    }
    return { node: doc.contents as Node | undefined, pair: undefined, depth: 0 };
  };

  const source: Source = {
    file,
    text,
    doc,
    value,
    span(path) {
      const { node, pair, depth } = nodeAt(path);
      // A value that is absent (e.g. `key:` with nothing) is reported at its key.
      if (depth === path.length && (!node || node.range === undefined) && pair && isScalar(pair.key)) return spanOf(pair.key.range);
      if (depth < path.length) {
        // The path stops early: point at the key of the deepest existing ancestor.
        const parent = nodeAt(path.slice(0, depth));
        if (parent.pair && isScalar(parent.pair.key)) return spanOf(parent.pair.key.range);
      }
      return spanOf((node as Node | undefined)?.range);
    },
    keySpan(path) {
      const { pair, depth } = nodeAt(path);
      if (depth === path.length && pair && isScalar(pair.key)) return spanOf(pair.key.range);
      return source.span(path);
    },
    has(path) {
      return nodeAt(path).depth === path.length;
    },
  };
  return { source, diagnostics: [] };
}

/** Lines and comma-separated items a file may have: 150 times the reference platform's, and parsed in well under a second. */
export const MAX_ENTRIES = 20_000;

/** The offset at which the file has more than `max` lines and commas (an upper bound of its entries), if it does. */
function entriesBeyond(text: string, max: number): number | undefined {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c === 10 || c === 44) && ++n > max) return i;
  }
  return undefined;
}

/** The second and later occurrences of a scalar key in each mapping of the tree. */
function duplicateKeys(root: unknown): Scalar[] {
  const found: Scalar[] = [];
  const stack: unknown[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const item of node.items) {
        if (!isPair(item)) continue;
        if (isScalar(item.key)) {
          const k = String(item.key.value);
          if (seen.has(k)) found.push(item.key);
          else seen.add(k);
        }
        stack.push(item.value);
      }
    } else if (isSeq(node)) stack.push(...node.items);
  }
  return found.sort((a, b) => (a.range?.[0] ?? 0) - (b.range?.[0] ?? 0));
}

/** Deeper than any platform.yaml (about 8 levels) and far below what the parser's and zod's recursion survive. */
const MAX_DEPTH = 1000;

/**
 * How many nodes the aliases of a document add when expanded: each alias counts its target's expanded size
 * (memoized, so this is linear). Throws RangeError for a document nested deeper than MAX_DEPTH (D26).
 */
function aliasExpansion(doc: Document.Parsed): number {
  // Each alias's target, found in one pass in document order (the last anchor of that name before it, as
  // Alias.resolve finds it): resolve() walks the whole document per alias, which made 190 aliases of a
  // 9,000-key map take seconds just to be refused (#19).
  const targets = new Map<unknown, unknown>();
  const anchors = new Map<string, unknown>();
  visit(doc, {
    Node(_, node) {
      if (isAlias(node)) targets.set(node, anchors.get(node.source));
      else if (node.anchor) anchors.set(node.anchor, node);
    },
  });
  const expanded = new Map<unknown, number>();
  const busy = new Set<unknown>();
  let written = 0;
  const size = (node: unknown, depth: number, viaAlias: boolean): number => {
    if (depth > MAX_DEPTH) throw new RangeError('nested too deeply');
    if (!viaAlias) written++;
    if (isAlias(node)) {
      const target = targets.get(node);
      return target && !busy.has(target) ? size(target, depth + 1, true) : 1;
    }
    const known = expanded.get(node);
    if (known !== undefined && viaAlias) return known;
    busy.add(node);
    let n = 1;
    if (isMap(node)) {
      for (const item of node.items) {
        if (!viaAlias) written++;
        n += 1 + (isPair(item) ? size(item.value, depth + 1, viaAlias) : 0);
      }
    } else if (isSeq(node)) for (const item of node.items) n += size(item, depth + 1, viaAlias);
    busy.delete(node);
    expanded.set(node, n);
    return n;
  };
  return size(doc.contents, 0, false) - written;
}

function tabHint(text: string, offset: number): string | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = text.indexOf('\n', offset);
  const line = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  return /^\s*\t/.test(line) || line.includes('\t') ? 'YAML indents with spaces; this line has a tab' : undefined;
}
