/**
 * Triton model configuration (config.pbtxt), one per model. The text is rendered in resolve
 * (compiler/resolve/triton-config.ts): the model revision is derived from its exact bytes.
 * @see https://github.com/triton-inference-server/server/blob/main/docs/user_guide/model_configuration.md
 */
import type { FileOutput } from '../../output/files.js';
import { modelConfig, tritonConfigPath } from '../../resolve/triton-config.js';
import type { PlatformIR } from '../../resolve/ir.js';

export { modelConfig };

export function emitTritonConfigs(ir: PlatformIR): FileOutput[] {
  return ir.models.map((m) => ({ path: tritonConfigPath(m.name), content: modelConfig(m) }));
}
