/**
 * The invalid-input corpus: every file under test/fixtures/invalid/ must fail validation with exactly the
 * diagnostics in its .expected golden (file:line:col, severity, code, message, hint), exit 1 and never
 * show a stack trace. Refresh goldens with UPDATE_GOLDEN=1 and review the diff.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codes } from '../../compiler/diagnostics/codes.js';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import { renderText } from '../../compiler/diagnostics/render.js';
import { getOrInsert } from '../../compiler/lib/collections.js';
import { checkPlatform } from '../../compiler/pipeline.js';
import { cli, hasStackTrace, repoRoot, run } from '../helpers/cli.js';

const dir = join(repoRoot, 'test/fixtures/invalid');
const cases = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

describe('invalid corpus', () => {
  it('has at least 40 cases', () => expect(cases.length).toBeGreaterThanOrEqual(40));

  // Once per case: the catalog test below reads them all again.
  const diagnosed = new Map<string, readonly Diagnostic[]>();
  const diagnose = (name: string) =>
    getOrInsert(diagnosed, name, () => {
      const file = relative(repoRoot, join(dir, name));
      return checkPlatform(join(repoRoot, file), { display: file, compilerVersion: '0.0.0-test' }).diagnostics;
    });
  for (const name of cases) {
    it(name, () => {
      const diagnostics = diagnose(name);
      expect(diagnostics.some((d) => d.severity === 'error')).toBe(true);
      const text = `${diagnostics.map((d) => renderText(d, { color: false })).join('\n')}\n`;
      const golden = join(dir, name.replace(/\.yaml$/, '.expected'));
      if (process.env.UPDATE_GOLDEN || !existsSync(golden)) writeFileSync(golden, text);
      expect(text).toBe(readFileSync(golden, 'utf8'));
    });
  }

  // Diagnosed here when the cases above have not been (a filter), so it holds whatever order or filter the tests run with.
  it('produces every error code of the catalog except those tested elsewhere', () => {
    const seen = new Set<string>(cases.flatMap((name) => diagnose(name).map((d) => d.code)));
    // not-a-platform: `validate` (which the CLI half of this corpus runs) accepts a model definition on its own;
    // test/cli/cli.test.ts gives one to compile.
    const elsewhere = new Set(['file-unreadable', 'file-too-large', 'not-a-platform']);
    const errors = Object.entries(codes).filter(([code, c]) => c.severity === 'error' && !elsewhere.has(code)).map(([code]) => code);
    expect(errors.filter((code) => !seen.has(code))).toEqual([]);
  });
});

describe('the CLI on the corpus', () => {
  // The CLI prints the same diagnostics on stdout, exits 1, and never a stack trace. Run in this process
  // (one node start per case was most of this file's time); the first case also through a real process,
  // so the built CLI and its exit status are covered too.
  for (const name of cases) {
    it(`${name} exits 1 without a stack trace`, async () => {
      const file = `test/fixtures/invalid/${name}`;
      const r = await run(['validate', file]);
      expect(r.code).toBe(1);
      expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
      expect(r.stdout).toBe(readFileSync(join(dir, name.replace(/\.yaml$/, '.expected')), 'utf8'));
    });
  }

  it(`${cases[0]} through the built CLI in its own process: the same output and exit status 1`, () => {
    const file = `test/fixtures/invalid/${cases[0]}`;
    const r = cli(['validate', file]);
    expect(r.code).toBe(1);
    expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
    expect(r.stdout).toBe(readFileSync(join(dir, cases[0]!.replace(/\.yaml$/, '.expected')), 'utf8'));
  });
});
