/** Renders diagnostics for people (text), machines (JSON) and GitHub Actions (workflow commands). */
import type { Diagnostic } from './diagnostic.js';

export interface RenderOptions { readonly color: boolean }

const paint = (on: boolean, code: string, text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

/** `file:line:col: error code: message`, then an indented hint. */
export function renderText(d: Diagnostic, { color }: RenderOptions): string {
  const severity = d.severity === 'error' ? paint(color, '1;31', 'error') : paint(color, '1;33', 'warning');
  const head = `${paint(color, '1', `${d.file}:${d.line}:${d.col}`)}: ${severity} ${d.code}: ${d.message}`;
  return d.hint ? `${head}\n  ${paint(color, '2', `hint: ${d.hint}`)}` : head;
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
