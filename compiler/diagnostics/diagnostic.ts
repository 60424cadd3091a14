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
}

/** A place in a file. */
export interface Span {
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
}

export const startOfFile: Span = { line: 1, col: 1, endLine: 1, endCol: 1 };

/** Builds a diagnostic; the severity comes from the code catalog unless the spec decides it (budget enforcement). */
export function diagnostic(code: DiagnosticCode, message: string, file: string, span: Span, hint?: string, severity: Severity = codes[code].severity): Diagnostic {
  return { code, severity, message, file, ...span, ...(hint ? { hint } : {}) };
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
