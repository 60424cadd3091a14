/** Validated specs and IRs for tests, built from a YAML string or a file in the repo. */
import { mkdtempSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { validateFile, type Validated } from '../../compiler/front/validate.js';
import { writeTree } from '../../compiler/output/write.js';
import { generateFiles } from '../../compiler/generate.js';
import { checkPlatform } from '../../compiler/pipeline.js';
import { compilerVersion } from '../../compiler/version.js';
import type { PlatformIR } from '../../compiler/resolve/ir.js';
import type { FileOutput } from '../../compiler/output/files.js';
import { getOrInsert } from '../../compiler/lib/collections.js';
import { repoRoot } from './cli.js';
// @ts-expect-error bench/synthetic.mjs is plain JavaScript (syntheticSpec(models: number): string)
import { syntheticSpec } from '../../bench/synthetic.mjs';

export function validated(file: string): Validated {
  const r = validateFile(isAbsolute(file) ? file : join(repoRoot, file), file);
  if (!r.validated) throw new Error(`${file} is invalid:\n${r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join('\n')}`);
  return r.validated;
}

/**
 * The IR of a platform file in the repo, through the whole pipeline (capacity and budget checks included). Made
 * once per file in a test worker: the IR is deeply frozen, so every test can share it, and the repo's platform
 * files do not change while the suite runs.
 */
export function irOf(file: string): PlatformIR {
  return getOrInsert(irs, file, () => {
    const r = checkPlatform(isAbsolute(file) ? file : join(repoRoot, file), { display: file, compilerVersion: '0.0.0-test' });
    if (!r.ir) throw new Error(`${file} is invalid:\n${r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join('\n')}`);
    return r.ir;
  });
}
const irs = new Map<string, PlatformIR>();

/** generateFiles(ir), made once per IR in a test worker (the emitters are pure); each caller gets its own list. */
export function filesOf(ir: PlatformIR): FileOutput[] {
  return [...getOrInsert(generated, ir, () => generateFiles(ir))];
}
const generated = new WeakMap<PlatformIR, readonly FileOutput[]>();

/** Writes YAML text as platform.yaml in a temp folder that links the repo's models/; returns its path. */
export function writeSpec(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'platformc-spec-'));
  symlinkSync(join(repoRoot, 'models'), join(dir, 'models'));
  const file = join(dir, 'platform.yaml');
  writeFileSync(file, text);
  return file;
}

/** bench/synthetic.mjs's platform with all its models in one team (team-0), and a DNS zone if given. */
export const oneTeamSpec = (models: number, dnsZone?: string): string =>
  (syntheticSpec(models) as string).replace(/team: team-\d+/g, 'team: team-0').replace('team-0: { gpuQuota: 40 }', `team-0: { gpuQuota: ${4 * models} }`) + (dnsZone ? `dns: { zone: ${dnsZone} }\n` : '');

export function irOfText(text: string): PlatformIR {
  const file = writeSpec(text);
  const r = checkPlatform(file, { display: 'platform.yaml', compilerVersion: '0.0.0-test' });
  if (!r.ir) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join('\n'));
  return r.ir;
}

/**
 * What `platformc compile` does in dir (dir/platform.yaml into dir/generated/, with the CLI's compiler
 * version, so ops commands find generated/ fresh), in this process and synchronously: a workspace without a
 * node start.
 */
export function compileIn(dir: string): void {
  const r = checkPlatform(join(dir, 'platform.yaml'), { display: 'platform.yaml', compilerVersion });
  if (!r.ir) throw new Error(`${dir}/platform.yaml is invalid:\n${r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join('\n')}`);
  writeTree(join(dir, 'generated'), generateFiles(r.ir));
}
