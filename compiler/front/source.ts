/** Reading a YAML source file: bytes to a document with positions, or diagnostics. Never throws for bad input. */
import { readFileSync, statSync } from 'node:fs';
import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node, type Pair } from 'yaml';
import { diagnostic, startOfFile, type Diagnostic, type Span } from '../diagnostics/diagnostic.js';

export const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** Alias expansion budget: far above any real platform.yaml, far below a "billion laughs" bomb. */
const MAX_ALIAS_COUNT = 200;

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
    const stat = statSync(path);
    if (stat.isDirectory()) return unreadable('is a directory, not a file', 'pass the path of platform.yaml');
    if (stat.size > MAX_FILE_BYTES) return { diagnostics: [diagnostic('file-too-large', { file: display, bytes: stat.size, max: MAX_FILE_BYTES }, display, startOfFile)] };
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return unreadable(code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'unknown error'})`);
  }
  return parseSource(bytes, display);
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
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const docList = Array.isArray(docs) ? docs : [];
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
        const message = error.message.replace(/\s+at line \d+, column \d+:?[\s\S]*$/, '').replace(/\n[\s\S]*$/, '');
        diagnostics.push(diagnostic('yaml-syntax', { detail: message }, file, span, tabHint(text, error.pos[0])));
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
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return {
      diagnostics: [diagnostic('yaml-alias-limit', { detail: (error as Error).message.replace(/\.$/, '') }, file, spanOf(doc.contents?.range), 'write the values out instead of nesting aliases')],
    };
  }

  const nodeAt = (path: Path): { node: Node | undefined; pair: Pair | undefined; depth: number } => {
    let node: unknown = doc.contents;
    let pair: Pair | undefined;
    let depth = 0;
    for (const segment of path) {
      if (isMap(node)) {
        const found = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
        if (!found) break;
        pair = found as Pair;
        node = found.value;
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
        pair = undefined;
        node = node.items[segment];
      } else break;
      depth++;
    }
    return { node: node as Node | undefined, pair: depth === path.length ? pair : undefined, depth };
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

function tabHint(text: string, offset: number): string | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = text.indexOf('\n', offset);
  const line = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  return /^\s*\t/.test(line) || line.includes('\t') ? 'YAML indents with spaces; this line has a tab' : undefined;
}
