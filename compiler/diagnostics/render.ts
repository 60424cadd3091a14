/** Renders diagnostics for people (text), machines (JSON) and GitHub Actions (workflow commands). */
import type { Diagnostic } from './diagnostic.js';

export interface RenderOptions { readonly color: boolean }

const paint = (on: boolean, code: string, text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

/**
 * Text from platform.yaml made safe for a terminal and a CI log (D9): newlines, tabs, other C0 and C1 control
 * characters (ESC starts terminal sequences), DEL, line separators and bidirectional marks (which reorder what a
 * reader sees) are shown as escapes, never passed through. One diagnostic is always one line plus its hint.
 */
export function escapeTerminal(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** `file:line:col: error code: message`, then an indented hint. */
export function renderText(d: Diagnostic, { color }: RenderOptions): string {
  const severity = d.severity === 'error' ? paint(color, '1;31', 'error') : paint(color, '1;33', 'warning');
  const head = `${paint(color, '1', `${escapeTerminal(d.file)}:${d.line}:${d.col}`)}: ${severity} ${d.code}: ${escapeTerminal(d.message)}`;
  return d.hint ? `${head}\n  ${paint(color, '2', `hint: ${escapeTerminal(d.hint)}`)}` : head;
}

/** GitHub Actions workflow command: shows the problem inline on the pull request. */
export function renderGithub(d: Diagnostic): string {
  const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const escapeProp = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const props = `file=${escapeProp(d.file)},line=${d.line},col=${d.col},endLine=${d.endLine},endColumn=${d.endCol},title=${escapeProp(d.code)}`;
  return `::${d.severity} ${props}::${escapeData(d.message + (d.hint ? ` (hint: ${d.hint})` : ''))}`;
}

export function summarize(list: readonly Diagnostic[]): string {
  const errors = list.filter((d) => d.severity === 'error').length;
  const warnings = list.length - errors;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}
