/**
 * The schema is written with zod/mini (issue #16: building classic zod schemas was a fifth of a validate's
 * time over a bare node start). Classic zod did two things on its own that mini leaves to the caller, and
 * one import of classic zod anywhere would put it back into the bundle every run loads.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPlatform } from '../../compiler/pipeline.js';
import { repoRoot } from '../helpers/cli.js';

const reference = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');

function diagnostics(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'platformc-mini-'));
  cpSync(join(repoRoot, 'models'), join(dir, 'models'), { recursive: true });
  writeFileSync(join(dir, 'platform.yaml'), text);
  return checkPlatform(join(dir, 'platform.yaml'), { display: 'platform.yaml', compilerVersion: '0.0.0-test' }).diagnostics.filter((d) => d.severity === 'error');
}

describe('zod/mini behaves as classic zod did', () => {
  it("zod's own messages are English (classic zod installed the locale, mini does not: 'Invalid input' otherwise)", () => {
    expect(reference).toContain('notify: [ml-platform@example.com]');
    const found = diagnostics(reference.replace('notify: [ml-platform@example.com]', 'notify: [ml-platform.example.com]'));
    expect(found.map((d) => [d.code, d.message])).toEqual([['invalid-format', 'budget.notify[0]: Invalid email address']]);
  });
});

describe('classic zod stays out of the CLI bundle', () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : /\.(ts|mjs)$/.test(e.name) ? [join(dir, e.name)] : []));
  const zodImports = (text: string) => [...text.matchAll(/(?:from|import)\s*\(?\s*'(zod(?:\/[^']*)?)'/g)].map((m) => m[1]!);
  const allowed = (spec: string) => spec === 'zod/mini' || spec.startsWith('zod/v4/locales/');

  it('compiler/ and schema/ import zod only as zod/mini (and its English locale)', () => {
    const found = [...sources(join(repoRoot, 'compiler')), ...sources(join(repoRoot, 'schema'))].flatMap((file) =>
      zodImports(readFileSync(file, 'utf8')).map((spec) => `${relative(repoRoot, file)}: ${spec}`),
    );
    expect(found.length).toBeGreaterThan(2);
    expect(found.filter((f) => !allowed(f.split(': ')[1]!))).toEqual([]);
  });

  it('the check sees classic imports', () => {
    expect(zodImports("import * as z from 'zod';\nimport type { z as t } from 'zod/v4';\nimport * as m from 'zod/mini';").filter((s) => !allowed(s))).toEqual(['zod', 'zod/v4']);
  });
});
