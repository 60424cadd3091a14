/** generated/helm/<env>/<release>.yaml: the values files the Terraform Helm releases read. */
import type { FileOutput } from '../../output/files.js';
import { toYaml } from '../../output/serialize.js';
import type { PlatformIR } from '../../resolve/ir.js';
import { releases } from '../shared/releases.js';

export function emitHelmValues(ir: PlatformIR): FileOutput[] {
  return ir.environments.flatMap((env) =>
    releases(ir, env).map((r) => ({
      path: `helm/${env.name}/${r.name}.yaml`,
      content: `# Chart ${r.chart.chart} ${r.chart.version} (${r.chart.repository}); values set per region by terraform/${env.name}/<region>/platform.\n${toYaml(r.values)}`,
    })),
  );
}
