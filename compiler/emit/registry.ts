/** The emitters: one pure function per target, from the IR to files. Order here is only for readability. */
import { MANIFEST, type FileOutput } from '../output/files.js';
import type { PlatformIR } from '../resolve/ir.js';
import { emitCi } from './ci.js';
import { emitCost } from './cost.js';
import { emitHelmValues } from './helm/values.js';
import { emitKustomize } from './kubernetes/kustomize.js';
import { emitObservability } from './observability/index.js';
import { emitReadme } from './readme.js';
import { emitTerraform } from './terraform/index.js';
import { emitTritonConfigs } from './triton/model-config.js';

export type Emitter = (ir: PlatformIR) => readonly FileOutput[];

export const emitters: Readonly<Record<string, Emitter>> = {
  readme: emitReadme,
  triton: emitTritonConfigs,
  terraform: emitTerraform,
  helm: emitHelmValues,
  kustomize: emitKustomize,
  observability: emitObservability,
  cost: emitCost,
  ci: emitCi,
};

/** Every emitter's files. Throws on two emitters writing one path or a path outside generated/ (bugs, not input errors). */
export function emitAll(ir: PlatformIR): FileOutput[] {
  const files = new Map<string, FileOutput>();
  for (const [name, emit] of Object.entries(emitters)) {
    for (const file of emit(ir)) {
      if (files.has(file.path) || file.path === MANIFEST) throw new Error(`emitter '${name}' writes ${file.path}, which another emitter already wrote`);
      if (file.path.startsWith('/') || file.path.split('/').includes('..')) throw new Error(`emitter '${name}' writes outside generated/: ${file.path}`);
      files.set(file.path, file);
    }
  }
  return [...files.values()];
}
