/**
 * D2: quote() must keep every user string a literal. Round trip through the HCL parser (@cdktf/hcl2json):
 * the parsed value, in Terraform's JSON syntax, is the input with only JSON syntax's own template escapes
 * (`${` -> `$${`, `%{` -> `%%{`). A live interpolation would come back unescaped, and broken quoting would not parse.
 */
import { parse } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';
import { quote } from '../../compiler/emit/terraform/hcl.js';

const jsonSyntaxTemplate = (s: string) => s.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');

const HOSTILE = [
  'plain',
  '${upper(path.cwd)}',
  '${file("/etc/passwd")}',
  '$${PWNED}',
  '$$${x}',
  '%{ if true }x%{ endif }',
  '%%{y}',
  '${{ github.token }}',
  '${aws:username}/',
  'say "hi"',
  'two\nlines\r\n',
  'tab\there',
  'back\\slash\\',
  '\\${x}',
  '\\"',
  '$',
  '%',
  '${',
  'unicode ünïcødé \u202e',
];

describe('quote (HCL string literal)', () => {
  it.each(HOSTILE)('keeps %j literal through the HCL parser', async (s) => {
    const parsed = (await parse('t.tf', `locals {\n  v = ${quote(s)}\n}\n`)) as { locals: { v: string }[] };
    expect(parsed.locals[0]!.v).toBe(jsonSyntaxTemplate(s));
  });

  it('writes ${ as $${ (the old escaper left it live)', () => {
    expect(quote('${x}')).toBe('"$${x}"');
    expect(quote('%{x}')).toBe('"%%{x}"');
  });
});
