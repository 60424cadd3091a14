/**
 * Hostile and odd inputs (D7, D8, D14, D26): each ends in a positioned diagnostic or a one-line error, never a
 * hang, an internal error or a silent acceptance. The assertions are on behaviour; the timings are in the report.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTROLLERS } from '../../compiler/lib/conventions.js';
import { RESERVED_NAMESPACES } from '../../compiler/front/semantic.js';
import { validateFile } from '../../compiler/front/validate.js';
import { checkPlatform } from '../../compiler/pipeline.js';
import { MAX_DIAGNOSTICS } from '../../compiler/front/structure.js';
import { MAX_ENTRIES, MAX_FILE_BYTES } from '../../compiler/front/source.js';
import { cli, hasStackTrace, repoRoot, run } from '../helpers/cli.js';
import { filesOf } from '../helpers/platform.js';

const reference = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');

/** A project folder holding the given platform.yaml text (models/ copied). */
function project(text: string | Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'platformc-hostile-'));
  cpSync(join(repoRoot, 'models'), join(dir, 'models'), { recursive: true });
  writeFileSync(join(dir, 'platform.yaml'), text);
  return dir;
}
const validate = (text: string | Buffer) => validateFile(join(project(text), 'platform.yaml'), 'platform.yaml');
const codes = (text: string | Buffer) => validate(text).diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);

describe('encodings and line endings (D26)', () => {
  it('a BOM, CRLF and CR-only line endings all validate like the plain file', () => {
    expect(codes(`\uFEFF${reference}`)).toEqual([]);
    expect(codes(reference.replace(/\n/g, '\r\n'))).toEqual([]);
    expect(codes(reference.replace(/\n/g, '\r'))).toEqual([]);
  });
  it('positions in a CR-only file are the same as in the LF file', () => {
    const broken = reference.replace('role: gpu', 'role: gpus');
    const lf = validate(broken).diagnostics[0]!;
    const cr = validate(broken.replace(/\n/g, '\r')).diagnostics[0]!;
    expect([cr.line, cr.col, cr.code]).toEqual([lf.line, lf.col, lf.code]);
  });
  it('a trailing --- (an empty second document) is not a second document; a real one is', () => {
    expect(codes(`${reference}---\n`)).toEqual([]);
    expect(codes(`${reference}---\n# only a comment\n`)).toEqual([]);
    expect(codes(`${reference}---\na: 1\n`)).toEqual(['yaml-multiple-documents']);
  });
  it('NUL bytes are binary, not YAML', () => {
    expect(codes(Buffer.concat([Buffer.from(reference), Buffer.from([0])]))).toEqual(['file-encoding']);
  });
});

describe('size and shape limits (D7)', () => {
  it('100,000 unknown keys: refused before the parse (which alone took 2 s), at the line past the limit', () => {
    const lines = reference.split('\n').length - 1;
    const started = process.cpuUsage();
    const { diagnostics } = validate(reference + Array.from({ length: 100_000 }, (_, i) => `k${i}: 1\n`).join(''));
    const cpuMs = (process.cpuUsage(started).user + process.cpuUsage(started).system) / 1000;
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['file-too-large', `platform.yaml has more than ${MAX_ENTRIES} lines and comma-separated items; platformc reads at most ${MAX_ENTRIES}`],
    ]);
    // At the line where the count passes the limit (the reference's flow lists have commas too).
    expect(diagnostics[0]!.line).toBeGreaterThan(MAX_ENTRIES - lines * 5);
    expect(diagnostics[0]!.line).toBeLessThanOrEqual(MAX_ENTRIES + 1);
    expect(lines).toBeLessThan(MAX_ENTRIES / 100);
    expect(cpuMs).toBeLessThan(1000);
  });
  it('15,000 unknown keys (under that limit): the first 200 are listed, then a count', () => {
    const { diagnostics } = validate(reference + Array.from({ length: 15_000 }, (_, i) => `k${i}: 1\n`).join(''));
    expect(diagnostics).toHaveLength(MAX_DIAGNOSTICS + 1);
    expect(diagnostics.filter((d) => d.code === 'unknown-key')).toHaveLength(MAX_DIAGNOSTICS);
    expect(diagnostics.find((d) => d.code === 'too-many-errors')?.message).toBe('and 14800 more problems not listed');
    // Positions are real, not all start-of-file.
    expect(diagnostics[0]!.line).toBeGreaterThan(100);
  }, 30_000);
  it('5,000-deep nesting is "nested too deeply" at a position', () => {
    const { diagnostics } = validate(`a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([['yaml-syntax', 'the document is nested too deeply']]);
    const block = validate(Array.from({ length: 1500 }, (_, i) => `${'  '.repeat(i)}k:`).join('\n') + ' 1\n').diagnostics;
    expect(block.map((d) => [d.code, d.message])).toEqual([['yaml-syntax', 'the document is nested too deeply']]);
    // However deep the caller's stack already is (a shared test worker, a busy CLI): still one finding.
    const nest = (n: number): typeof block => (n === 0 ? validate(Array.from({ length: 1500 }, (_, i) => `${'  '.repeat(i)}k:`).join('\n') + ' 1\n').diagnostics : nest(n - 1));
    for (const depth of [0, 500, 1000, 2000, 3000, 4000, 5000, 6000, 7000]) expect(nest(depth).map((d) => d.code)).toEqual(['yaml-syntax']);
  });
  it('aliases that expand a big map many times are refused before expansion', () => {
    const map = `x: &a {${Array.from({ length: 10_000 }, (_, i) => `k${i}: 1`).join(', ')}}\n`;
    const { diagnostics } = validate(`${map}y: [${Array(190).fill('*a').join(', ')}]\n`);
    expect(diagnostics.map((d) => d.code)).toEqual(['yaml-alias-limit']);
    expect(diagnostics[0]!.message).toContain('they add');
    // Block style, 190 aliases of a 9,000-key map: each alias was resolved by a walk of the whole document (1.6 s).
    const started = process.cpuUsage();
    const block = validate(`base: &b\n${Array.from({ length: 9000 }, (_, i) => `  x${i}: 1\n`).join('')}${Array.from({ length: 190 }, (_, i) => `a${i}: *b\n`).join('')}`);
    const cpuMs = (process.cpuUsage(started).user + process.cpuUsage(started).system) / 1000;
    expect(block.diagnostics.map((d) => [d.code, d.line])).toEqual([['yaml-alias-limit', 1]]);
    // Measured here: about 320 ms of CPU now (the parse), over 1,000 ms before.
    expect(cpuMs).toBeLessThan(700);
  });
  it('a 1 MiB instance type gets no did-you-mean (and no hang)', () => {
    const { diagnostics } = validate(reference.replace('[m6i.xlarge]', `[${'m'.repeat(1 << 20)}]`));
    expect(diagnostics.some((d) => d.severity === 'error')).toBe(true);
    expect(diagnostics.every((d) => !d.hint?.startsWith('did you mean'))).toBe(true);
  });
  it('merge keys work; duplicate keys are still found (without the parser\'s quadratic check)', () => {
    expect(codes(reference.replace('  general:\n    role: general', '  general:\n    role: general\n    role: gpu'))).toEqual(['yaml-duplicate-key']);
  });
});

describe('files that are not regular files (D7)', () => {
  it('/dev/zero, /dev/urandom and a FIFO as platform.yaml: a one-line error, no read', () => {
    for (const device of ['/dev/zero', '/dev/urandom']) {
      const { diagnostics } = validateFile(device);
      expect(diagnostics.map((d) => d.message)).toEqual([`${device} is a device, pipe or socket, not a regular file`]);
    }
    const dir = mkdtempSync(join(tmpdir(), 'platformc-fifo-'));
    execFileSync('mkfifo', [join(dir, 'platform.yaml')]);
    const r = cli(['validate', join(dir, 'platform.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('is a device, pipe or socket, not a regular file');
  });
  it('a model definition that is a symlink to /dev/zero is reported at its reference', () => {
    const dir = project(reference);
    symlinkSync('/dev/zero', join(dir, 'models/zero.yaml'));
    writeFileSync(join(dir, 'platform.yaml'), reference.replace('definition: models/resnet50.yaml', 'definition: models/zero.yaml'));
    const { diagnostics } = validateFile(join(dir, 'platform.yaml'), 'platform.yaml');
    expect(diagnostics.map((d) => d.code)).toContain('model-definition');
    expect(diagnostics.find((d) => d.code === 'model-definition')!.message).toContain('not a regular file');
  });
  it('a 50 MB file is too large, read no further than the cap', async () => {
    const r = await run(['validate', join(project(`a: ${'x'.repeat(50_000_000)}\n`), 'platform.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/error file-too-large: .* is 50000004 bytes; platformc reads at most 4194304/);
    expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
  });
  it('a regular file longer than its stat size (a /proc file says 0 bytes) is read whole', () => {
    expect(statSync('/proc/self/status').size).toBe(0);
    const keys = validateFile('/proc/self/status').diagnostics.filter((d) => d.code === 'unknown-key').map((d) => /'(.+)'/.exec(d.message)![1]);
    // Its first and last lines (Name: and nonvoluntary_ctxt_switches: on Linux), past the buffer of stat size + 1.
    expect(keys[0]).toBe('Name');
    expect(keys.at(-1)).toBe(/^(\w+):/m.exec(readFileSync('/proc/self/status', 'utf8').trimEnd().split('\n').at(-1)!)![1]);
  });
  it('a file of exactly the cap is read; a byte more is too large', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'platformc-cap-')), 'platform.yaml');
    writeFileSync(file, `a: ${'x'.repeat(MAX_FILE_BYTES - 4)}\n`);
    expect(validateFile(file).diagnostics.map((d) => d.code)).not.toContain('file-too-large');
    appendFileSync(file, 'x');
    expect(validateFile(file).diagnostics.map((d) => d.message)).toEqual([`${file} is ${MAX_FILE_BYTES + 1} bytes; platformc reads at most ${MAX_FILE_BYTES} bytes`]);
  });
  it.skipIf(!existsSync('/proc/kallsyms'))('a file that outgrows its stat size past the cap is too large (/proc/kallsyms: stat size 0, megabytes long)', () => {
    expect(statSync('/proc/kallsyms').size).toBe(0);
    expect(readFileSync('/proc/kallsyms').length).toBeGreaterThan(MAX_FILE_BYTES);
    expect(validateFile('/proc/kallsyms').diagnostics.map((d) => d.message)).toEqual([`/proc/kallsyms is more than ${MAX_FILE_BYTES} bytes; platformc reads at most ${MAX_FILE_BYTES} bytes`]);
  });
});

describe('prototype names (D8)', () => {
  it('constructor as a team, pool and model name that exists works like any name', () => {
    const renamed = reference
      .replace('teams:\n  vision:', 'teams:\n  constructor:')
      .replaceAll('team: vision', 'team: constructor')
      .replace('  gpu:\n    role: gpu', '  constructor:\n    role: gpu')
      .replaceAll('nodePool: gpu', 'nodePool: constructor')
      // the pool's overrides in dev and prod
      .replace(/^ {8}gpu: \{/gm, '        constructor: {');
    expect(codes(renamed)).toEqual([]);
    const { ir } = checkPlatform(join(project(renamed), 'platform.yaml'), { display: 'platform.yaml', compilerVersion: '0.0.0-test' });
    const files = filesOf(ir!);
    expect(files.some((f) => f.content.includes('namespace: constructor'))).toBe(true);
  });
  it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty'])('%s in overrides and standby is an unknown name, positioned', (name) => {
    const text = reference.replace('        gpu: { minSize: 0', `        ${name}: { minSize: 0`);
    const line = text.split('\n').findIndex((l) => l.startsWith(`        ${name}: { minSize: 0`)) + 1;
    const { diagnostics } = validate(text);
    expect(diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.line])).toEqual([['unknown-reference', line]]);
  });
});

describe('reserved namespaces (D14)', () => {
  it('every controller namespace is reserved for teams', () => {
    for (const c of Object.values(CONTROLLERS)) expect(RESERVED_NAMESPACES).toContain(c.namespace);
  });
});
