/**
 * `instanceTypes: auto`: the cheapest GPU instance type for a pool, considering the whole fleet its models
 * need at their target throughput (not the cheapest per hour). Ties break by name, so the choice is stable.
 */
import type { ModelDefinition, PlatformSpec } from '../../schema/platform.js';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { environmentSpec } from '../front/environments.js';
import type { Validated } from '../front/validate.js';
import { compareCodeUnits } from '../lib/order.js';
import { GPU_MEMORY_HEADROOM, instanceCatalog } from '../catalog.js';

export interface InstanceChoice {
  readonly type: string;
  readonly nodes: number;
  readonly monthlyUsd: number;
  readonly reason: string;
}

const ranked = new WeakMap<PlatformSpec, Map<string, readonly InstanceChoice[]>>();

/**
 * Candidates ranked cheapest first; empty when no catalog type can hold and serve the pool's models. Ranked
 * once per environment's spec, pool and region: the auto check, resolve and `cost` all ask.
 */
export function rankInstanceTypes(pool: string, spec: PlatformSpec, definitions: ReadonlyMap<string, ModelDefinition>, region: string): readonly InstanceChoice[] {
  let bySpec = ranked.get(spec);
  if (!bySpec) ranked.set(spec, (bySpec = new Map()));
  const key = `${pool}\0${region}`;
  let result = bySpec.get(key);
  if (!result) bySpec.set(key, (result = rank(pool, spec, definitions, region)));
  return result;
}

function rank(pool: string, spec: PlatformSpec, definitions: ReadonlyMap<string, ModelDefinition>, region: string, hoursPerMonth = 730): InstanceChoice[] {
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

/** Positioned errors for `auto` pools that no instance type in the region can serve (checked before resolve). */
export function checkAutoPools(v: Validated): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const env of Object.keys(v.spec.environments).sort(compareCodeUnits)) {
    const spec = environmentSpec(v.source.value as Record<string, unknown>, env);
    const e = spec.environments[env]!;
    for (const region of [e.region, ...(e.standby ? [e.standby.region] : [])]) {
      for (const [poolName, pool] of Object.entries(spec.nodePools)) {
        if (pool.instanceTypes === 'auto' && rankInstanceTypes(poolName, spec, v.models, region).length === 0) {
          out.push(diagnostic('no-instance-fits', { region, pool: poolName }, v.source.file, v.source.span(['nodePools', poolName, 'instanceTypes']), "name instance types explicitly, or lower the models' targets"));
        }
      }
    }
  }
  return out;
}
