/** Validated specs and IRs for tests, built from a YAML string or a file in the repo. */
import { mkdtempSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { validateFile, type Validated } from '../../compiler/front/validate.js';
import { checkPlatform } from '../../compiler/pipeline.js';
import type { PlatformIR } from '../../compiler/resolve/ir.js';
import { repoRoot } from './cli.js';

export function validated(file: string): Validated {
  const r = validateFile(isAbsolute(file) ? file : join(repoRoot, file), file);
  if (!r.validated) throw new Error(`${file} is invalid:\n${r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join('\n')}`);
  return r.validated;
}

/** The IR of a platform file in the repo, through the whole pipeline (capacity and budget checks included). */
export function irOf(file: string): PlatformIR {
  const r = checkPlatform(isAbsolute(file) ? file : join(repoRoot, file), { display: file, compilerVersion: '0.0.0-test' });
  if (!r.ir) throw new Error(`${file} is invalid:\n${r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join('\n')}`);
  return r.ir;
}

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
  const r = checkPlatform(file, { display: 'platform.yaml', compilerVersion: '0.0.0-test' });
  if (!r.ir) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join('\n'));
  return r.ir;
}
