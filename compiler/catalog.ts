/**
 * The catalog: reference data under specs/ (instance types and prices, regions, pinned versions), read once.
 * Only resolve, the front end's checks and cost read it; emitters get catalog facts through the IR.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the nearest folder above this module that holds package.json (works from source and from dist/). */
export const packageRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('platformc: cannot find its package root');
    dir = up;
  }
  return dir;
})();

export interface PriceFact { readonly usd: number; readonly source: string }
export interface AcceleratorFacts {
  readonly kind: 'nvidia' | 'neuron';
  readonly model: string;
  readonly name: string;
  readonly count: number;
  readonly memoryGiB: number;
}
export interface InstanceFacts {
  readonly vcpu: number;
  readonly memoryGiB: number;
  readonly accelerator: AcceleratorFacts | null;
  readonly factsSource: string;
  readonly onDemand: Readonly<Record<string, { readonly usdPerHour: number; readonly source: string }>>;
}
/** One MIG profile of a GPU split into that profile only: how many instances a GPU holds, and the memory of each. */
export interface MigProfileFacts { readonly instancesPerGpu: number; readonly memoryGiB: number }
export interface InstanceCatalog {
  readonly asOf: string;
  readonly sources: Readonly<Record<string, string>>;
  readonly instances: Readonly<Record<string, InstanceFacts>>;
  /** MIG profiles by GPU model and memory size (GiB); GPUs without MIG are absent. */
  readonly mig: { readonly source: string; readonly gpus: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, MigProfileFacts>>>>>> };
}
export interface RegionFacts {
  readonly name: string;
  readonly availabilityZones: readonly string[];
  readonly prices: Readonly<Record<string, PriceFact>>;
}
export interface RegionCatalog {
  readonly asOf: string;
  readonly hoursPerMonth: number;
  readonly sources: Readonly<Record<string, string>>;
  readonly regions: Readonly<Record<string, RegionFacts>>;
}
export interface ChartPin { readonly chart: string; readonly version: string; readonly appVersion: string; readonly repository: string }
export interface ProviderLock { readonly version: string; readonly hashes: readonly string[]; readonly source: string }
/** What depends on the cluster's Kubernetes minor: node AMI release, EKS add-on versions, cluster-autoscaler image. */
export interface KubernetesPins { readonly amiReleaseVersion: string; readonly clusterAutoscalerTag: string; readonly addons: Readonly<Record<string, string>> }
export interface Versions {
  readonly terraform: {
    readonly requiredVersion: string;
    /** Constraint per provider, and the exact version and package hashes every generated .terraform.lock.hcl records. */
    readonly providers: Readonly<Record<string, { readonly source: string; readonly version: string; readonly lock: ProviderLock }>>;
    readonly modules: Readonly<Record<string, { readonly source: string; readonly version: string }>>;
  };
  readonly kubernetes: { readonly versions: readonly string[]; readonly default: string; readonly pins: Readonly<Record<string, KubernetesPins>> };
  readonly images: Readonly<Record<string, { readonly repository: string; readonly tag: string }>>;
  readonly charts: Readonly<Record<string, ChartPin>>;
}

function readSpec<T>(name: string): T {
  return JSON.parse(readFileSync(join(packageRoot, 'specs', name), 'utf8')) as T;
}

export const instanceCatalog: InstanceCatalog = readSpec('instances.json');
export const regionCatalog: RegionCatalog = readSpec('regions.json');
export const versions: Versions = readSpec('versions.json');

/** The MIG profiles of a GPU (by its model and memory size); undefined when it has no MIG. */
export function migProfiles(acc: Pick<AcceleratorFacts, 'model' | 'memoryGiB'>): Readonly<Record<string, MigProfileFacts>> | undefined {
  const bySize = Object.hasOwn(instanceCatalog.mig.gpus, acc.model) ? instanceCatalog.mig.gpus[acc.model]! : undefined;
  const size = String(Math.round(acc.memoryGiB));
  return bySize && Object.hasOwn(bySize, size) ? bySize[size] : undefined;
}

/** Share of a GPU's memory a model may plan on; the rest is headroom (CUDA context, fragmentation). */
export const GPU_MEMORY_HEADROOM = 0.9;

export interface IamActionGroup { readonly scope: string; readonly what: string; readonly source: string; readonly read: readonly string[]; readonly write: readonly string[] }
/** What the CI roles may call, by group, with sources (specs/iam-actions.json). */
export const iamActions: { readonly sources: Readonly<Record<string, string>>; readonly groups: Readonly<Record<string, IamActionGroup>> } = readSpec('iam-actions.json');
