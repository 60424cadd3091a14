/** generated/terraform/<env>/<region>/{infra,platform}: two root modules per environment and region (infra with the ACM certificates of a DNS zone), plus dns in the primary region when a zone is named, plus generated/terraform/<env>/bootstrap. */
import type { FileOutput } from '../../output/files.js';
import type { PlatformIR } from '../../resolve/ir.js';
import { emitCertificates } from './certificates.js';
import { emitDns } from './dns.js';
import { emitBootstrap } from './identity.js';
import { emitInfra } from './infra.js';
import { emitPlatform } from './platform.js';

export function emitTerraform(ir: PlatformIR): FileOutput[] {
  return ir.environments.flatMap((env) => [...env.regions.flatMap((r) => [...emitInfra(ir, env, r), ...emitCertificates(env, r), ...emitPlatform(ir, env, r)]), ...emitDns(ir, env), ...emitBootstrap(ir, env)]);
}
