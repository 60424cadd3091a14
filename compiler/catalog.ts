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
export interface InstanceCatalog {
  readonly asOf: string;
  readonly sources: Readonly<Record<string, string>>;
  readonly instances: Readonly<Record<string, InstanceFacts>>;
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
export interface Versions {
  readonly terraform: {
    readonly requiredVersion: string;
    readonly providers: Readonly<Record<string, { readonly source: string; readonly version: string }>>;
    readonly modules: Readonly<Record<string, { readonly source: string; readonly version: string }>>;
  };
  readonly kubernetes: { readonly versions: readonly string[]; readonly default: string };
  readonly images: Readonly<Record<string, { readonly repository: string; readonly tag: string }>>;
  readonly charts: Readonly<Record<string, ChartPin>>;
}

function readSpec<T>(name: string): T {
  return JSON.parse(readFileSync(join(packageRoot, 'specs', name), 'utf8')) as T;
}

export const instanceCatalog: InstanceCatalog = readSpec('instances.json');
export const regionCatalog: RegionCatalog = readSpec('regions.json');
export const versions: Versions = readSpec('versions.json');

/** Share of a GPU's memory a model may plan on; the rest is headroom (CUDA context, fragmentation). */
export const GPU_MEMORY_HEADROOM = 0.9;

export interface IamActionGroup { readonly scope: string; readonly what: string; readonly source: string; readonly read: readonly string[]; readonly write: readonly string[] }
/** What the CI roles may call, by group, with sources (specs/iam-actions.json). */
export const iamActions: { readonly sources: Readonly<Record<string, string>>; readonly groups: Readonly<Record<string, IamActionGroup>> } = readSpec('iam-actions.json');
