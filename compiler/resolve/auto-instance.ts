/**
 * `instanceTypes: auto`: the cheapest GPU instance type for a pool, considering the whole fleet its models
 * need at their target throughput (not the cheapest per hour). Ties break by name, so the choice is stable.
 */
import type { ModelDefinition, PlatformSpec } from '../../schema/platform.js';
import { GPU_MEMORY_HEADROOM } from '../front/semantic.js';
import { compareCodeUnits } from '../output/order.js';
import { instanceCatalog } from '../specs.js';

export interface InstanceChoice {
  readonly type: string;
  readonly nodes: number;
  readonly monthlyUsd: number;
  readonly reason: string;
}

/** Candidates ranked cheapest first; empty when no catalog type can hold and serve the pool's models. */
export function rankInstanceTypes(pool: string, spec: PlatformSpec, definitions: ReadonlyMap<string, ModelDefinition>, region: string, hoursPerMonth = 730): InstanceChoice[] {
  const models = Object.values(spec.models).filter((m) => m.nodePool === pool);
  const choices: InstanceChoice[] = [];
  for (const [type, facts] of Object.entries(instanceCatalog.instances)) {
    const acc = facts.accelerator;
    const price = facts.onDemand[region];
    if (!acc || acc.kind !== 'nvidia' || !price) continue;
    let gpus = 0;
    let feasible = true;
    for (const m of models) {
      const def = definitions.get(m.definition);
      const perGpu = def?.throughput.perGpu[acc.model];
      if (!def || !perGpu || m.gpusPerReplica > acc.count || def.memory.gpuGiB > acc.memoryGiB * GPU_MEMORY_HEADROOM * m.gpusPerReplica) {
        feasible = false;
        break;
      }
      const replicas = Math.max(m.replicas.min, Math.ceil(m.slo.targetRps / (perGpu * def.throughput.derate * m.gpusPerReplica)));
      gpus += replicas * m.gpusPerReplica;
    }
    if (!feasible) continue;
    const nodes = Math.max(1, Math.ceil(gpus / acc.count));
    const monthlyUsd = Math.round(nodes * price.usdPerHour * hoursPerMonth * 100) / 100;
    choices.push({ type, nodes, monthlyUsd, reason: `${nodes} x ${type} (${acc.count} x ${acc.model}) for ${gpus} GPU(s) at $${price.usdPerHour}/h` });
  }
  return choices.sort((a, b) => a.monthlyUsd - b.monthlyUsd || compareCodeUnits(a.type, b.type));
}

export function chooseInstanceType(pool: string, spec: PlatformSpec, definitions: ReadonlyMap<string, ModelDefinition>, region: string): InstanceChoice {
  const [best] = rankInstanceTypes(pool, spec, definitions, region);
  if (!best) throw new Error(`no instance type can serve the models of pool '${pool}' in ${region}`);
  return best;
}
