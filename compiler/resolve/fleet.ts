/**
 * Fleet arithmetic shared by the `auto` instance choice (resolve) and the estimate (cost): how many nodes a
 * set of model replicas occupies, and what an instance hour costs at a pool's capacity type. One definition,
 * so the figure `auto` ranks by and the figure the estimate charges never disagree.
 */
import { instancePrice, migProfiles, type AcceleratorFacts } from '../catalog.js';
import { DEVICE_PLUGIN_DEFAULT_CONFIG, GPU_RESOURCE, migResource, SHARED_GPU_RESOURCE } from '../lib/conventions.js';
import type { GpuSharingIR } from './ir.js';

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

const DAY_NUMBERS: Readonly<Record<string, number>> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

/** Minutes a time zone (its formatter: building one costs more than formatting with it) is ahead of UTC at an instant. */
function offsetMinutes(zone: Intl.DateTimeFormat, at: Date): number {
  const parts = Object.fromEntries(zone.formatToParts(at).map((p) => [p.type, Number(p.value)]));
  const local = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!);
  return Math.round((local - at.getTime()) / 60000);
}

/**
 * Working hours as one weekly UTC window (Karpenter's disruption budget schedules are UTC cron): it opens at the
 * earliest UTC time the local start falls on in any season and lasts until the latest local end, so the window
 * covers the working day under standard and daylight-saving time alike (Europe/Berlin 08:00-20:00 is 06:00 UTC for
 * 13h). Offsets are sampled on the 1st and 15th of every month of a fixed year (changes fall between samples at most
 * once a fortnight, and every zone's offsets appear). A working day that ends before it starts runs over midnight.
 */
export function busyWindowUtc(wh: { readonly days: readonly string[]; readonly start: string; readonly end: string; readonly timeZone: string }): { schedule: string; duration: string } {
  const zone = new Intl.DateTimeFormat('en-US', { timeZone: wh.timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
  const offsets = Array.from({ length: 24 }, (_, i) => offsetMinutes(zone, new Date(Date.UTC(2026, Math.floor(i / 2), i % 2 ? 15 : 1, 12))));
  const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  const start = minutes(wh.start);
  const length = (minutes(wh.end) - start + 1440) % 1440 || 1440;
  const utcStart = start - Math.max(...offsets);
  const duration = length + Math.max(...offsets) - Math.min(...offsets);
  const shift = Math.floor(utcStart / 1440);
  const at = utcStart - shift * 1440;
  const days = [...new Set(wh.days.map((d) => (DAY_NUMBERS[d]! + shift + 7) % 7))].sort((a, b) => a - b);
  const h = Math.floor(duration / 60);
  const m = duration % 60;
  return { schedule: `${at % 60} ${Math.floor(at / 60)} * * ${days.join(',')}`, duration: `${h ? `${h}h` : ''}${m ? `${m}m` : ''}` };
}

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
