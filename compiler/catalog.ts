/**
 * The catalog: reference data under specs/ (instance types and prices, regions, pinned versions), read once.
 * Only resolve, the front end's checks and cost read it; emitters get catalog facts through the IR.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareCodeUnits } from './lib/order.js';

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
  /** The regions that offer the type (each has an on-demand and a spot price in specs/prices.json). */
  readonly regions: readonly string[];
  readonly regionsSource: string;
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
  readonly azSource: string;
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

/** Whether `region` offers instance type `type` (specs/instances.json). */
export const offeredIn = (type: string, region: string): boolean => Object.hasOwn(instanceCatalog.instances, type) && instanceCatalog.instances[type]!.regions.includes(region);

/** Service prices the estimate uses, by key: eksClusterHour, natGatewayHour, natGatewayPerGB, gp3GBMonth, ... */
export type ServicePrices = Readonly<Record<string, PriceFact>>;
export interface PriceCatalog {
  readonly asOf: string;
  readonly sources: Readonly<Record<string, string>>;
  readonly services: Readonly<Record<string, ServicePrices>>;
  /** USD per instance hour, Linux, by type and region. */
  readonly onDemand: Readonly<Record<string, Readonly<Record<string, PriceFact>>>>;
  readonly spot: Readonly<Record<string, Readonly<Record<string, PriceFact>>>>;
}

let priceTables: PriceCatalog | undefined;
/**
 * The price tables (specs/prices.json), parsed on first use: they are most of the catalog's bytes and only the
 * `auto` instance choice and the estimate read them, so `validate` of a platform without either never pays for them.
 */
export function priceCatalog(): PriceCatalog {
  return (priceTables ??= readSpec<PriceCatalog>('prices.json'));
}
/** The on-demand or spot price of an instance hour of `type` in `region`; undefined where the region does not offer it. */
export function instancePrice(type: string, region: string, capacityType: 'onDemand' | 'spot'): PriceFact | undefined {
  if (!offeredIn(type, region)) return undefined;
  return priceCatalog()[capacityType][type]?.[region];
}
/** The service prices of a region in the catalog. */
export const servicePrices = (region: string): ServicePrices => priceCatalog().services[region]!;
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

/** us-east-1 -> ['us', 'us-east']: a region's continent and area, for "nearest region" suggestions. */
const areaOf = (region: string): [string, string] => [region.split('-')[0]!, region.replace(/-\d+$/, '')];

/**
 * What to suggest when `region` does not offer `type`: up to three types the region offers that are closest to it
 * (same accelerator model, else the same accelerator kind and count; nearest vCPU count first), and the regions that
 * offer `type`, nearest first (same area such as eu-west, then same continent, then the rest).
 */
export function alternativesTo(type: string, region: string): { readonly types: readonly string[]; readonly regions: readonly string[] } {
  const facts = instanceCatalog.instances[type];
  if (!facts) return { types: [], regions: [] };
  const acc = facts.accelerator;
  const offered = Object.entries(instanceCatalog.instances).filter(([t, f]) => t !== type && f.regions.includes(region));
  const sameModel = offered.filter(([, f]) => (acc ? f.accelerator?.model === acc.model : !f.accelerator));
  const similar = sameModel.length > 0 ? sameModel : offered.filter(([, f]) => f.accelerator?.kind === acc?.kind && (f.accelerator?.count ?? 0) === (acc?.count ?? 0));
  const types = similar
    .sort(([a, fa], [b, fb]) => Math.abs(fa.vcpu - facts.vcpu) - Math.abs(fb.vcpu - facts.vcpu) || compareCodeUnits(a, b))
    .slice(0, 3)
    .map(([t]) => t);
  const [continent, area] = areaOf(region);
  const rank = (r: string) => (areaOf(r)[1] === area ? 0 : areaOf(r)[0] === continent ? 1 : 2);
  const regions = [...facts.regions].sort((a, b) => rank(a) - rank(b) || compareCodeUnits(a, b));
  return { types, regions };
}

/** The hint of an instance type a region does not offer: the closest types it does offer, and where the type is. */
export function notOfferedHint(type: string, region: string): string {
  const alt = alternativesTo(type, region);
  const near = alt.regions.slice(0, 3);
  const more = alt.regions.length - near.length;
  const where = near.length === 0 ? `no region in the catalog offers ${type}` : `${type} is offered in ${near.join(', ')}${more > 0 ? ` and ${more} other region${more > 1 ? 's' : ''}` : ''}`;
  return `${alt.types.length ? `did you mean ${alt.types.map((t) => `'${t}'`).join(' or ')} (offered in ${region})? ` : ''}${where} (specs/instances.json)`;
}
