/**
 * Fleet arithmetic shared by the `auto` instance choice (resolve) and the estimate (cost): how many nodes a
 * set of model replicas occupies, and what an instance hour costs at a pool's capacity type. One definition,
 * so the figure `auto` ranks by and the figure the estimate charges never disagree.
 */
import { instancePrice } from '../catalog.js';

export interface HourPrice {
  /** USD per instance hour at the capacity type. */
  readonly usd: number;
  readonly onDemandUsd: number;
  /** Source key of `usd` (specs/prices.json sources): the spot price's own source for spot. */
  readonly source: string;
}

/**
 * The hourly price of `type` in `region` at a capacity type, from the region's own on-demand or spot price
 * (specs/prices.json); undefined when the region does not offer the type.
 */
export function hourPrice(type: string, region: string, capacityType: 'onDemand' | 'spot'): HourPrice | undefined {
  const od = instancePrice(type, region, 'onDemand');
  const at = capacityType === 'spot' ? instancePrice(type, region, 'spot') : od;
  if (!od || !at) return undefined;
  return { usd: at.usd, onDemandUsd: od.usd, source: at.source };
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
