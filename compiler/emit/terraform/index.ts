/** generated/terraform/<env>/<region>/{infra,platform}: two root modules per environment and region. */
import type { FileOutput } from '../../output/files.js';
import type { PlatformIR } from '../../resolve/ir.js';
import { emitInfra } from './infra.js';
import { emitPlatform } from './platform.js';

export function emitTerraform(ir: PlatformIR): FileOutput[] {
  return ir.environments.flatMap((env) => env.regions.flatMap((r) => [...emitInfra(ir, env, r), ...emitPlatform(ir, env, r)]));
}
