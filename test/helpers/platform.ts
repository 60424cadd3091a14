/** Validated specs and IRs for tests, built from a YAML string or a file in the repo. */
import { mkdtempSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { validateFile, type Validated } from '../../compiler/front/validate.js';
import { resolvePlatform } from '../../compiler/resolve/resolve.js';
import type { PlatformIR } from '../../compiler/resolve/ir.js';
import { repoRoot } from './cli.js';

export function validated(file: string): Validated {
  const r = validateFile(isAbsolute(file) ? file : join(repoRoot, file), file);
  if (!r.validated) throw new Error(`${file} is invalid:\n${r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join('\n')}`);
  return r.validated;
}

export const irOf = (file: string): PlatformIR => resolvePlatform(validated(file), { compilerVersion: '0.0.0-test' });

/** Writes YAML text as platform.yaml in a temp folder that links the repo's models/; returns its path. */
export function writeSpec(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'platformc-spec-'));
  symlinkSync(join(repoRoot, 'models'), join(dir, 'models'));
  const file = join(dir, 'platform.yaml');
  writeFileSync(file, text);
  return file;
}

export function irOfText(text: string): PlatformIR {
  const file = writeSpec(text);
  const r = validateFile(file, 'platform.yaml');
  if (!r.validated) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join('\n'));
  return resolvePlatform(r.validated, { compilerVersion: '0.0.0-test' });
}
