/**
 * Generated HCL read back with the real parser (@cdktf/hcl2json: HashiCorp's hclsyntax compiled to WebAssembly),
 * once per distinct text in a test run. A dozen test files read the same files (the reference platform's and
 * the examples' roots) and the parser was the slowest thing most of them did (~6 s of the suite's CPU); a text
 * parsed in one worker is read as JSON by the others (test/helpers/shared-results.ts: with two workers, 114 of
 * 631 parses were the other's repeats). Each caller gets a copy of its own; a text that fails to parse is not
 * remembered, so its error names the caller's file.
 */
import { parse } from '@cdktf/hcl2json';
import { resultKey, storedResult, storeResult } from './shared-results.js';

type Json = Record<string, any>;

const parsed = new Map<string, Promise<string>>();

export function parseHcl(file: string, content: string): Promise<Json> {
  let json = parsed.get(content);
  if (!json) {
    // The parser's output depends on the text alone (the file name appears only in errors).
    const key = resultKey('hcl2json', content);
    const stored = storedResult(key);
    json = stored !== undefined ? Promise.resolve(stored) : parse(file, content).then((value) => storeResult(key, JSON.stringify(value)));
    parsed.set(content, json);
    json.catch(() => parsed.delete(content));
  }
  return json.then((text) => JSON.parse(text) as Json);
}
