/**
 * Checks that need the resolved platform: capacity (can the replicas meet each model's target throughput?)
 * and the budget gate (does the estimate at maximum scale fit each environment's budget?).
 */
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Validated } from '../front/validate.js';
import { environmentSpec, overridePath } from '../resolve/environments.js';
import { rankInstanceTypes } from '../resolve/auto-instance.js';
import { resolvePlatform } from '../resolve/resolve.js';
import { instanceCatalog } from '../specs.js';
import { estimatePlatform, topCostDrivers } from './estimate.js';
import { usd } from './formats.js';

/** Replicas a model needs for its target rate: ceil(rps / (per-GPU throughput x derate x GPUs per replica)). */
export function replicasNeeded(targetRps: number, perGpu: number, derate: number, gpusPerReplica: number): number {
  return Math.ceil(targetRps / (perGpu * derate * gpusPerReplica));
}

export function checkCostAndCapacity(v: Validated): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { source } = v;
  const raw = source.value as Record<string, unknown>;
  const at = (env: string, path: (string | number)[]) => {
    const o = overridePath(env, path);
    return o && source.has(o) ? o : path;
  };

  for (const env of Object.keys(v.spec.environments).sort()) {
    const spec = environmentSpec(raw, env);
    const region = spec.environments[env]!.region;
    for (const [poolName, pool] of Object.entries(spec.nodePools)) {
      if (pool.instanceTypes === 'auto' && rankInstanceTypes(poolName, spec, v.models, region).length === 0) {
        out.push(diagnostic('no-instance-fits', `no GPU instance type offered in ${region} can hold and serve the models of pool '${poolName}'`, source.file, source.span(['nodePools', poolName, 'instanceTypes']), 'name instance types explicitly, or lower the models\' targets'));
      }
    }
    for (const [name, model] of Object.entries(spec.models)) {
      const pool = spec.nodePools[model.nodePool];
      const def = v.models.get(model.definition);
      if (!pool || !def) continue;
      const type = pool.instanceTypes === 'auto' ? rankInstanceTypes(model.nodePool, spec, v.models, region)[0]?.type : pool.instanceTypes[0];
      const acc = type ? instanceCatalog.instances[type]?.accelerator : undefined;
      if (!acc) continue;
      const perGpu = def.throughput.perGpu[acc.model];
      if (!perGpu) {
        out.push(diagnostic('no-throughput-data', `${model.definition} has no throughput figure for ${acc.model} (${type}), so the capacity for ${model.slo.targetRps} requests/s cannot be checked`, source.file, source.span(['models', name, 'nodePool']), `add throughput.perGpu.${acc.model} to ${model.definition} from a measurement (perf_analyzer)`));
        continue;
      }
      const needed = replicasNeeded(model.slo.targetRps, perGpu, def.throughput.derate, model.gpusPerReplica);
      if (needed > model.replicas.max) {
        const path = at(env, ['models', name, 'replicas', 'max']);
        out.push(
          diagnostic('slo-capacity', `'${name}' needs ${needed} replicas on ${type} to serve ${model.slo.targetRps} requests/s (${perGpu}/s per ${acc.model} x ${def.throughput.derate} derate), but replicas.max is ${model.replicas.max}${path[0] === 'environments' ? ` (in environment '${env}')` : ''}`, source.file, source.span(path), `raise replicas.max to ${needed} (and the pool's maxSize), pick a faster GPU, or lower slo.targetRps`),
        );
      }
    }
  }
  if (out.some((d) => d.severity === 'error')) return out;

  const estimate = estimatePlatform(resolvePlatform(v, { compilerVersion: '0' }));
  for (const env of estimate.environments) {
    const max = env.monthly.max;
    if (max <= env.budgetUsd) continue;
    const drivers = topCostDrivers(env, 'max').map((d) => `${d.name} ${usd(d.monthly)}`).join(', ');
    const path = source.has(['environments', env.env, 'budget', 'monthlyUsd']) ? ['environments', env.env, 'budget', 'monthlyUsd'] : ['budget', 'monthlyUsd'];
    out.push(
      diagnostic(
        'over-budget',
        `${env.env} costs up to ${usd(max)} a month at maximum scale, over its budget of ${usd(env.budgetUsd)}; largest: ${drivers}`,
        source.file,
        source.span(path),
        `lower the maxSize of the largest pools or raise the budget; \`npx platformc cost --env ${env.env}\` shows every line`,
        env.enforcement,
      ),
    );
  }
  return out;
}
