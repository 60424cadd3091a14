/** The emitters: one pure function per target, from the IR to files. Order here is only for readability. */
import type { FileOutput } from '../output/files.js';
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
