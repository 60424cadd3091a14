/**
 * Fleet arithmetic shared by the `auto` instance choice (resolve) and the estimate (cost): how many nodes a
 * set of model replicas occupies, and what an instance hour costs at a pool's capacity type. One definition,
 * so the figure `auto` ranks by and the figure the estimate charges never disagree.
 */
import { instanceCatalog, migProfiles, type AcceleratorFacts } from '../catalog.js';
import { DEVICE_PLUGIN_DEFAULT_CONFIG, GPU_RESOURCE, migResource, SHARED_GPU_RESOURCE } from '../lib/conventions.js';
import type { GpuSharingIR } from './ir.js';

/** Assumed spot discount below on-demand (observed GPU spot discounts are 43-66%). */
export const SPOT_DISCOUNT = 0.5;

export interface HourPrice {
  /** USD per instance hour at the capacity type. */
  readonly usd: number;
  readonly onDemandUsd: number;
  readonly source: string;
}

/** The hourly price of `type` in `region` at a capacity type; undefined when the catalog has no price there. */
export function hourPrice(type: string, region: string, capacityType: 'onDemand' | 'spot'): HourPrice | undefined {
  const od = instanceCatalog.instances[type]?.onDemand[region];
  if (!od) return undefined;
  const usd = capacityType === 'spot' ? Math.round(od.usdPerHour * (1 - SPOT_DISCOUNT) * 1e6) / 1e6 : od.usdPerHour;
  return { usd, onDemandUsd: od.usdPerHour, source: od.source };
}

/**
 * Nodes of `gpusPerNode` GPUs that hold replicas needing `replicaGpus[i]` GPUs each: a replica's GPUs are on one
 * node (the device plugin hands out whole GPUs of the node the pod runs on). First-fit decreasing; with every
 * replica the same size, or sizes that divide the node's GPU count (1, 2, 4, 8 on 1-, 4- and 8-GPU nodes), this
 * is the exact minimum, ceil(sum / gpusPerNode). Infinity when a replica is larger than a node.
 */
export function nodesFor(replicaGpus: readonly number[], gpusPerNode: number): number {
  if (replicaGpus.length === 0) return 0;
  if (gpusPerNode <= 0 || replicaGpus.some((g) => g > gpusPerNode)) return Infinity;
  const sizes = [...replicaGpus].sort((a, b) => b - a);
  if (sizes[0] === sizes[sizes.length - 1]) return Math.ceil(sizes.length / Math.floor(gpusPerNode / sizes[0]!));
  const free: number[] = [];
  for (const g of sizes) {
    const i = free.findIndex((f) => f >= g);
    if (i >= 0) free[i]! -= g;
    else free.push(gpusPerNode - g);
  }
  return free.length;
}

/** `count` replicas of `gpus` GPUs each, as nodesFor takes them. */
export const replicasOf = (count: number, gpus: number): number[] => Array.from({ length: count }, () => gpus);

/** What a model asks of its pool's GPUs: a time slice, a MIG instance, or (undefined) whole GPUs. */
export type GpuAsk = { readonly share: number } | { readonly mig: string } | undefined;

/**
 * How the device plugin advertises a pool's GPUs, from what its models ask (validation makes them agree: the
 * device plugin splits every GPU of a node one way) and the pool's GPU. Undefined for a MIG profile the GPU
 * does not have (validation reports it).
 * @see https://github.com/NVIDIA/k8s-device-plugin/blob/main/docs/customizing.md (time-slicing, MIG strategies)
 */
export function poolSharing(asks: readonly GpuAsk[], acc: Pick<AcceleratorFacts, 'model' | 'memoryGiB'>): GpuSharingIR | undefined {
  const ask = asks.find((a) => a !== undefined);
  if (!ask) return { mode: 'exclusive', resource: GPU_RESOURCE, perGpu: 1, config: DEVICE_PLUGIN_DEFAULT_CONFIG, unitMemoryGiB: acc.memoryGiB };
  if ('share' in ask) return { mode: 'timeSlicing', resource: SHARED_GPU_RESOURCE, perGpu: ask.share, config: `time-slicing-${ask.share}`, unitMemoryGiB: acc.memoryGiB };
  const profile = migProfiles(acc)?.[ask.mig];
  if (!profile || !Object.hasOwn(migProfiles(acc)!, ask.mig)) return undefined;
  return { mode: 'mig', resource: migResource(ask.mig), perGpu: profile.instancesPerGpu, config: `mig-${ask.mig}`, profile: ask.mig, unitMemoryGiB: profile.memoryGiB };
}

/** Units of the pool's GPU resource one replica requests: one slice or instance when shared, else its whole GPUs. */
export const unitsPerReplica = (ask: GpuAsk, gpusPerReplica: number): number => (ask ? 1 : gpusPerReplica);
