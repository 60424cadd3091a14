/** What emitters produce and how every generated file is framed. */

/** One generated file: a path under generated/ and its full content. */
export interface FileOutput {
  readonly path: string;
  readonly content: string;
}

export const MANIFEST = 'manifest.json';

// The header is a lib helper: resolve frames config.pbtxt with it to derive the model revision from the exact bytes.
export { headerLines, withHeader } from '../lib/header.js';

/** Determinism rule: LF line endings and exactly one trailing newline. */
export function normalizeText(content: string): string {
  // Most content is already normal: returned as is, rather than copied (a copy of every file is a large share of a big compile's memory).
  if (content.endsWith('\n') && !content.endsWith('\n\n') && !content.includes('\r')) return content;
  return `${trimNewlines(content.replace(/\r\n?/g, '\n'))}\n`;
}

/**
 * text without its trailing newlines. A loop from the end: /\n+$/ tries a match at every newline of the text
 * (a few percent of a large compile).
 */
export function trimNewlines(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 10) end--;
  return end === text.length ? text : text.slice(0, end);
}
