/**
 * The canonical YAML emitter against the `yaml` library: the same bytes as the library's stringify with our
 * options, and every output parses back (YAML 1.2 core schema) to the value written. Tricky strings first,
 * then a few thousand generated documents from a fixed seed.
 */
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { toYaml, toYamlDocuments } from '../../compiler/output/serialize.js';

const LIBRARY = { indent: 2, lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, singleQuote: false, sortMapEntries: false } as const;

const TRICKY = [
  '', ' ', '  ', 'yes', 'no', 'on', 'off', 'y', 'n', 'Y', 'N', '~', 'null', 'Null', 'NULL', 'nULL', 'true', 'True', 'TRUE', 'tRUE', 'false', 'False',
  '1e3', '1E3', '-1e-3', '.5', '5.', '+1', '-1', '0', '012', '0o17', '0o8', '0x1', '0xFF', '0xg', '1_000', '1:20', '.inf', '-.Inf', '.nan', '.NaN', 'inf', 'nan',
  ':', '::', 'a:', 'a: b', 'a:b', 'http://x', '- x', '-', '-x', '--', '---', '--- x', '...', '... x', '%x', 'a\n---\nb', '?', '? x', '?x',
  '#', '# x', 'a #b', 'a#b', 'a # b', ' lead', 'trail ', ' both ', '\ttab', 'tab\t', 'x\ty',
  '[', ']', '{', '}', '[a]', '{a: 1}', ',', 'a,b', '&a', '*a', '!a', '!!str', '|', '>', "'", '"', "it's", 'say "hi"', '%', '@x', '`x`',
  'line1\nline2', 'line1\nline2\n', 'line1\nline2\n\n', '\nlead', '\n\nlead', ' indented\nnext', 'a\n\n\nb', 'a\n ', 'a \nb', 'a\n b', 'end\n', '\n', '\n\n',
  'x'.repeat(60) + '\n' + 'y'.repeat(60), 'x\u0000y', 'bell\u0007', 'esc\u001b', 'nel\u0085', 'nbsp\u00a0', 'ls\u2028', 'ps\u2029', 'del\u007f', 'lone\ud800', 'a\r\nb', 'cr\r',
  'ünïcödé', '日本語', 'emoji 🚀', 'ç:', 'é #', 'sum by (le) (rate(x{model="a"}[5m]))', '{{model}}', '${datasource}', '$x', 'a\\b', 'C:\\path',
  `long ${'w '.repeat(600)}`, 'a'.repeat(1100),
];

/** Our bytes are the library's, except where the library's own output does not read back as the value. */
function check(value: unknown): void {
  const ours = toYaml(value);
  const expected = JSON.parse(JSON.stringify(value));
  expect(parse(ours), ours).toEqual(expected);
  const library = stringify(value, LIBRARY);
  if (ours !== library) expect(parse(library), `we depart from the library only where it does not round-trip: ${JSON.stringify(value)}`).not.toEqual(expected);
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('canonical YAML', () => {
  it('writes every tricky string as the library does, as a value, a key and a sequence item, at several depths', () => {
    for (const s of TRICKY) {
      check({ v: s });
      check({ [s]: 1 });
      check([s]);
      check({ a: { b: [{ [s]: s, c: [s, [s]] }] } });
      check([[{ k: s }]]);
    }
  });

  it('writes numbers, booleans, null, empty collections and undefined as the library does', () => {
    check({ a: 1, b: 0, c: 1.5, d: 1e21, e: 1e-7, f: true, g: false, h: null, i: [], j: {}, k: [[]], l: [{}], m: { n: { o: [] } }, p: [null, 0] });
    check({ a: undefined, b: 1 });
    expect(toYaml({ a: -0 })).toBe('a: -0\n');
    expect(toYaml([undefined, 1])).toBe(stringify([undefined, 1], LIBRARY));
    expect(toYaml({ a: 1, b: { c: undefined } })).toBe(stringify({ a: 1, b: { c: undefined } }, LIBRARY));
    expect(toYaml({ a: Number.NaN, b: Infinity, c: -Infinity })).toBe(stringify({ a: Number.NaN, b: Infinity, c: -Infinity }, LIBRARY));
  });

  it('hands what it does not model to the library: all-null maps, long keys, dates, maps, scalars at the root', () => {
    for (const value of [{ a: null }, { a: null, b: null }, { ['k'.repeat(1100)]: 1 }, { d: new Date(0) }, { m: new Map([['a', 1]]) }, 'text', 3, null, [{ a: null }]]) {
      expect(toYaml(value)).toBe(stringify(value, LIBRARY));
    }
  });

  it('agrees with the library on thousands of generated documents, and each parses back to its value', () => {
    const rnd = random(20261128);
    const pieces = ['a', 'Z', '0', '1', '.', '-', ':', ' ', '#', '\n', '\t', "'", '"', '{', '[', ',', '|', '>', '%', '@', '!', '&', '*', '?', '~', 'e', 'x', 'é', '\u0085', 'true', 'null', 'yes', '---', '0x', '\\'];
    const str = () => Array.from({ length: Math.floor(rnd() * 6) }, () => pieces[Math.floor(rnd() * pieces.length)]).join('');
    const value = (depth: number): unknown => {
      const r = rnd();
      if (depth > 3 || r < 0.45) return r < 0.3 ? str() : r < 0.35 ? Math.round((rnd() - 0.5) * 1e6) / 100 : r < 0.4 ? rnd() < 0.5 : r < 0.42 ? null : str();
      if (r < 0.7) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 4) }, () => [str(), value(depth + 1)]));
    };
    let checked = 0;
    for (let i = 0; i < 3000; i++) {
      const v = value(0);
      if (v === null || typeof v !== 'object') continue;
      check(v);
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('writes blanks and line breaks with a line starting with a space double-quoted, where the library writes a block that loses a blank', () => {
    for (const s of [' \n', '\n \n', '  \n\n', ' \t\n', ' \n\n']) {
      expect(toYaml({ v: s })).toMatch(/^v: "/);
      check({ v: s });
    }
    expect(parse(stringify({ v: ' \n' }, LIBRARY))).not.toEqual({ v: ' \n' });
  });

  it('joins documents with ---, and the file parses as those documents', () => {
    const docs = [{ a: 'x\ny' }, ['---'], { b: '...' }];
    const text = toYamlDocuments(docs);
    expect(parseAllDocuments(text).map((d) => d.toJS())).toEqual(docs);
  });
});
