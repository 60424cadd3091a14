/**
 * `instanceTypes: auto`: the cheapest fleet of one GPU instance type, at the pool's capacity type, that serves
 * every model on the pool at its target rate within everything platform.yaml and the catalog say:
 *  - the type is offered in the region (specs/instances.json) and carries an NVIDIA GPU
 *    (Triton's image needs CUDA);
 *  - each replica's GPUs fit one node, and the model fits their memory (less headroom);
 *  - the model definition has a throughput figure for the GPU, and the replicas the target rate needs on it
 *    stay within replicas.max (otherwise the capacity check would fail on the type `auto` chose);
 *  - the nodes those replicas occupy stay within the pool's maxSize;
 *  - each team's GPUs stay within its gpuQuota (its models on other pools count at replicas.min, the GPUs
 *    they always request).
 * The fleet is then priced for a whole month (730 h) and the cheapest wins; ties break by name, so the choice is
 * stable. Every other candidate says why it lost.
 *
 * The latency SLO is not a criterion: the only per-GPU latency evidence in the catalog is MLPerf's server
 * scenario, whose p99 bound (15 ms ResNet-50, 10 ms MobileNet) every GPU with a throughput figure met by
 * construction, under TensorRT INT8; platformc serves ONNX Runtime FP32 at a derated rate, whose latency no
 * source measures. Such a criterion could not tell candidates apart, so it would only look like one.
 */
import type { ModelDefinition, PlatformSpec } from '../../schema/platform.js';
import { diagnostic, inEnvironment, mergeEnvironments, type Diagnostic } from '../diagnostics/diagnostic.js';
import { environmentSpec } from '../front/environments.js';
import type { Validated } from '../front/validate.js';
import { compareCodeUnits } from '../lib/order.js';
import { GPU_MEMORY_HEADROOM, instanceCatalog, instancePrice, migProfiles } from '../catalog.js';
import { worstCaseSharedGiB } from '../lib/sharing.js';
import { hourPrice, nodesFor, poolSharing, replicasOf, unitsPerReplica } from './fleet.js';

/** Why a candidate lost, in the order the checks run. */
export type LossCriterion = 'accelerator' | 'region' | 'gpus-per-replica' | 'memory' | 'throughput-data' | 'replicas-max' | 'max-size' | 'quota' | 'cost';

export interface InstanceChoice {
  readonly type: string;
  /** Accelerator model (T4, A10G, L4, ...). */
  readonly gpu: string;
  readonly capacityType: 'onDemand' | 'spot';
  /** The fleet at the models' target rates, when the type can serve them. */
  readonly nodes?: number;
  readonly usdPerHour?: number;
  readonly monthlyUsd?: number;
  /** How the fleet is made up, or what the type lacks. */
  readonly reason: string;
  /** Why the type is not the choice; absent on the winner. */
  readonly lost?: { readonly criterion: LossCriterion; readonly detail: string };
}

/** Sizes the pool has in the region being ranked (a standby region may override them). */
export interface PoolSizes {
  readonly minSize: number;
  readonly maxSize: number;
}

const HOURS_PER_MONTH = 730;
const ranked = new WeakMap<PlatformSpec, Map<string, readonly InstanceChoice[]>>();

/**
 * Every GPU instance type in the catalog as a candidate for the pool: those that can serve it first, cheapest
 * first (the first is the choice), then those that cannot, by name. Ranked once per environment's spec, pool,
 * region and sizes: the auto check, resolve and `cost` all ask.
 */
export function rankInstanceTypes(pool: string, spec: PlatformSpec, definitions: ReadonlyMap<string, ModelDefinition>, region: string, sizes?: PoolSizes): readonly InstanceChoice[] {
  const p = spec.nodePools[pool]!;
  const s = sizes ?? { minSize: p.minSize, maxSize: p.maxSize };
  let bySpec = ranked.get(spec);
  if (!bySpec) ranked.set(spec, (bySpec = new Map()));
  const key = `${pool}\0${region}\0${s.minSize}\0${s.maxSize}`;
  let result = bySpec.get(key);
  if (!result) bySpec.set(key, (result = rank(pool, spec, definitions, region, s)));
  return result;
}

/** The winner, if any type can serve the pool. */
export const autoWinner = (choices: readonly InstanceChoice[]): InstanceChoice | undefined => (choices[0] && !choices[0].lost ? choices[0] : undefined);

const money = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const cents = (n: number) => Math.round(n * 100) / 100;

type Verdict = { fits: true; nodes: number; usdPerHour: number; monthlyUsd: number; reason: string } | { fits: false; criterion: LossCriterion; detail: string };

function judge(type: string, pool: string, spec: PlatformSpec, definitions: ReadonlyMap<string, ModelDefinition>, region: string, sizes: PoolSizes): Verdict {
  const acc = instanceCatalog.instances[type]!.accelerator!;
  const capacityType = spec.nodePools[pool]!.capacityType;
  if (acc.kind !== 'nvidia') return { fits: false, criterion: 'accelerator', detail: `${acc.name} is not an NVIDIA GPU, and the Triton image platformc deploys needs CUDA` };
  const price = hourPrice(type, region, capacityType);
  if (!price) return { fits: false, criterion: 'region', detail: `not offered in ${region} (specs/instances.json)` };

  const models = Object.entries(spec.models).filter(([, m]) => m.nodePool === pool).sort(([a], [b]) => compareCodeUnits(a, b));
  const sharing = poolSharing(models.map(([, m]) => m.gpu), acc);
  if (!sharing) {
    const mig = models.map(([, m]) => m.gpu).find((g) => g && 'mig' in g) as { mig: string };
    return { fits: false, criterion: 'accelerator', detail: `${acc.name} has no MIG profile ${mig.mig}${migProfiles(acc) ? '' : ' (no MIG at all)'}` };
  }
  // Units of the pool's GPU resource: whole GPUs, time slices or MIG instances (sharing.perGpu of them per GPU).
  const replicas: { name: string; team: string; count: number; gpus: number }[] = [];
  const slicesGiB: number[] = [];
  for (const [name, m] of models) {
    const def = definitions.get(m.definition);
    if (!def) return { fits: false, criterion: 'throughput-data', detail: `no definition ${m.definition} for '${name}'` };
    if (m.gpusPerReplica > acc.count) return { fits: false, criterion: 'gpus-per-replica', detail: `a '${name}' replica needs ${m.gpusPerReplica} GPUs on one node; ${type} has ${acc.count}` };
    const units = unitsPerReplica(m.gpu, m.gpusPerReplica);
    const usable = sharing.unitMemoryGiB * GPU_MEMORY_HEADROOM * units;
    const what = sharing.mode === 'mig' ? `a MIG ${sharing.profile} instance of ${acc.model}` : `${units} x ${acc.model}`;
    if (def.memory.gpuGiB > usable) return { fits: false, criterion: 'memory', detail: `'${name}' needs ${def.memory.gpuGiB} GiB of GPU memory; ${what} leaves ${cents(usable)} GiB usable` };
    const perGpu = def.throughput.perGpu[acc.model];
    if (!perGpu) return { fits: false, criterion: 'throughput-data', detail: `${m.definition} has no throughput figure for ${acc.model}, so the capacity of '${name}' on it is unknown` };
    // A time slice or MIG instance serves its fraction of the GPU.
    const perReplica = (perGpu * def.throughput.derate * units) / sharing.perGpu;
    const needed = Math.ceil(m.slo.targetRps / perReplica);
    if (needed > m.replicas.max) {
      return { fits: false, criterion: 'replicas-max', detail: `'${name}' needs ${needed} replicas for ${m.slo.targetRps}/s at ${cents(perReplica)}/s each on ${acc.model}; replicas.max is ${m.replicas.max}` };
    }
    replicas.push({ name, team: m.team, count: Math.max(m.replicas.min, needed), gpus: units });
    if (sharing.mode === 'timeSlicing') slicesGiB.push(...replicasOf(m.replicas.max, def.memory.gpuGiB));
  }
  if (sharing.mode === 'timeSlicing') {
    const together = worstCaseSharedGiB(slicesGiB, sharing.perGpu);
    const usable = cents(acc.memoryGiB * GPU_MEMORY_HEADROOM);
    if (together > usable) return { fits: false, criterion: 'memory', detail: `${sharing.perGpu} time-sliced replicas on one ${acc.model} can need ${together} GiB together; it has ${usable} GiB usable` };
  }

  const gpus = cents(replicas.reduce((a, r) => a + r.count * r.gpus, 0) / sharing.perGpu);
  const packed = nodesFor(replicas.flatMap((r) => replicasOf(r.count, r.gpus)), acc.count * sharing.perGpu);
  if (packed > sizes.maxSize) return { fits: false, criterion: 'max-size', detail: `${gpus} GPUs for the target rates take ${packed} x ${type}; the pool's maxSize is ${sizes.maxSize}` };

  for (const team of [...new Set(replicas.map((r) => r.team))].sort(compareCodeUnits)) {
    const quota = spec.teams[team]?.gpuQuota;
    if (quota === undefined) continue;
    const here = cents(replicas.filter((r) => r.team === team).reduce((a, r) => a + r.count * r.gpus, 0) / sharing.perGpu);
    // Other pools' shared replicas count as a whole GPU each (their GPU, and so their MIG split, may not be known here).
    const elsewhere = Object.values(spec.models).filter((m) => m.team === team && m.nodePool !== pool).reduce((a, m) => a + m.replicas.min * (m.gpu && 'share' in m.gpu ? 1 / m.gpu.share : m.gpusPerReplica), 0);
    if (here + elsewhere > quota) {
      return { fits: false, criterion: 'quota', detail: `team '${team}' would request ${here + elsewhere} GPUs (${here} on this pool${elsewhere ? `, ${elsewhere} elsewhere at replicas.min` : ''}); its gpuQuota is ${quota}` };
    }
  }

  const nodes = Math.max(1, sizes.minSize, packed);
  const monthlyUsd = cents(nodes * price.usd * HOURS_PER_MONTH);
  const split = replicas.map((r) => `${r.name} ${r.count}${r.gpus > 1 ? ` x ${r.gpus} GPUs` : ''}`).join(', ');
  const at = capacityType === 'spot' ? `spot $${price.usd}/h` : `$${price.usd}/h`;
  return { fits: true, nodes, usdPerHour: price.usd, monthlyUsd, reason: `${nodes} x ${type} (${acc.count} x ${acc.model}, ${at}) for ${gpus} GPU(s): ${split || 'no models'}` };
}

function rank(pool: string, spec: PlatformSpec, definitions: ReadonlyMap<string, ModelDefinition>, region: string, sizes: PoolSizes): InstanceChoice[] {
  const capacityType = spec.nodePools[pool]!.capacityType;
  const fit: InstanceChoice[] = [];
  const unfit: InstanceChoice[] = [];
  for (const [type, facts] of Object.entries(instanceCatalog.instances)) {
    if (!facts.accelerator) continue;
    const v = judge(type, pool, spec, definitions, region, sizes);
    const base = { type, gpu: facts.accelerator.model, capacityType };
    if (v.fits) fit.push({ ...base, nodes: v.nodes, usdPerHour: v.usdPerHour, monthlyUsd: v.monthlyUsd, reason: v.reason });
    else unfit.push({ ...base, reason: v.detail, lost: { criterion: v.criterion, detail: v.detail } });
  }
  fit.sort((a, b) => a.monthlyUsd! - b.monthlyUsd! || compareCodeUnits(a.type, b.type));
  unfit.sort((a, b) => compareCodeUnits(a.type, b.type));
  const [win] = fit;
  const runnersUp = fit.slice(1).map((c): InstanceChoice => {
    const more = cents(c.monthlyUsd! - win!.monthlyUsd!);
    return { ...c, lost: { criterion: 'cost', detail: more > 0 ? `${money(more)} a month more than ${win!.type}` : `costs the same as ${win!.type}, which sorts first by name` } };
  });
  return [...(win ? [win] : []), ...runnersUp, ...unfit];
}

/** Why no type fits, one line per GPU model: the cheapest-per-hour type of each GPU offered in the region. */
function whyNone(choices: readonly InstanceChoice[], region: string): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  const byPrice = [...choices].filter((c) => c.lost && c.lost.criterion !== 'region' && c.lost.criterion !== 'accelerator')
    .sort((a, b) => (instancePrice(a.type, region, 'onDemand')!.usd - instancePrice(b.type, region, 'onDemand')!.usd) || compareCodeUnits(a.type, b.type));
  for (const c of byPrice) {
    if (seen.has(c.gpu)) continue;
    seen.add(c.gpu);
    parts.push(`${c.type}: ${c.lost!.detail}`);
  }
  return parts.join('; ');
}

/** Positioned errors for `auto` pools that no instance type in the region can serve (checked before resolve). */
export function checkAutoPools(v: Validated): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const env of Object.keys(v.spec.environments).sort(compareCodeUnits)) {
    const spec = environmentSpec(v.source.value as Record<string, unknown>, env);
    const e = spec.environments[env]!;
    const regions: [string, Record<string, Partial<PoolSizes>>][] = [[e.region, {}], ...(e.standby ? [[e.standby.region, (e.standby.nodePools ?? {}) as Record<string, Partial<PoolSizes>>] as [string, Record<string, Partial<PoolSizes>>]] : [])];
    for (const [region, overrides] of regions) {
      for (const [poolName, pool] of Object.entries(spec.nodePools)) {
        if (pool.instanceTypes !== 'auto') continue;
        const o = overrides[poolName] ?? {};
        const choices = rankInstanceTypes(poolName, spec, v.models, region, { minSize: o.minSize ?? pool.minSize, maxSize: o.maxSize ?? pool.maxSize });
        if (autoWinner(choices)) continue;
        const why = whyNone(choices, region);
        out.push(inEnvironment(diagnostic('no-instance-fits', { region, pool: poolName }, v.source.file, v.source.span(['nodePools', poolName, 'instanceTypes']), `${why ? `${why}. ` : ''}Name instance types explicitly, or lower the models' targets`), env));
      }
    }
  }
  // Overrides make the choice differ per environment: the same finding everywhere is said once, others name theirs.
  return mergeEnvironments(out, Object.keys(v.spec.environments));
}
