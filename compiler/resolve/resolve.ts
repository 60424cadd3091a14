/** Builds the frozen IR from a validated spec. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_VERSION, type PlatformSpec } from '../../schema/platform.js';
import type { Validated } from '../front/validate.js';
import { durationSeconds } from '../lib/durations.js';
import { instanceCatalog, regionCatalog, versions } from '../catalog.js';
import { formatCidr, parseCidr, planSubnets } from '../front/cidr.js';
import { environmentSpec } from '../front/environments.js';
import { rankInstanceTypes } from './auto-instance.js';
import { ACCELERATOR_LABEL, GPU_TAINT, POOL_LABEL, workloadName } from './conventions.js';
import { byKey, sortedEntries } from '../lib/order.js';
import type { DeploymentIR, EnvironmentIR, ModelIR, NamesIR, NodePoolIR, PlatformIR, RegionIR, TeamIR } from './ir.js';

export interface ResolveOptions {
  readonly compilerVersion: string;
}

/** The IR of a validated platform. Pure apart from hashing the input files it names. */
export function resolvePlatform(validated: Validated, options: ResolveOptions): PlatformIR {
  const { spec, source, root } = validated;
  const raw = source.value as Record<string, unknown>;
  const envNames = Object.keys(spec.environments).sort();
  const envSpecs = new Map(envNames.map((env) => [env, environmentSpec(raw, env)]));

  const models: ModelIR[] = sortedEntries(spec.models).map(([name, m]) => {
    const definition = validated.models.get(m.definition)!;
    const objectives = [...new Set(envNames.map((env) => envSpecs.get(env)!.models[name]!.slo.latencyP99Ms))];
    return {
      name,
      workload: workloadName(name),
      team: m.team,
      namespace: m.team,
      definitionPath: m.definition,
      definition,
      gpusPerReplica: m.gpusPerReplica,
      maxBatchSize: m.batching.maxBatchSize ?? definition.maxBatchSize,
      preferredBatchSizes: [...m.batching.preferredBatchSizes].sort((a, b) => a - b),
      maxQueueDelayMicroseconds: m.batching.maxQueueDelayMicroseconds,
      latencyBucketsMs: latencyBuckets(objectives),
    };
  });

  const teams: TeamIR[] = sortedEntries(spec.teams).map(([name, t]) => ({
    name,
    namespace: name,
    gpuQuota: t.gpuQuota,
    principals: [...t.principals].sort(),
    models: models.filter((m) => m.team === name).map((m) => m.name),
  }));

  const environments = envNames.map((env) => resolveEnvironment(spec.metadata.name, env, envSpecs.get(env)!, validated));

  const ir: PlatformIR = {
    apiVersion: API_VERSION,
    name: spec.metadata.name,
    owner: spec.metadata.owner,
    tags: byKey(spec.metadata.tags),
    sourceFile: source.file.split(/[\\/]/).pop()!,
    compilerVersion: options.compilerVersion,
    inputHash: inputHash(source.text, [...validated.models.keys()].sort().map((p) => [p, readFileSync(join(root, p))])),
    teams,
    models,
    environments,
    ...(spec.dns ? { dnsZone: spec.dns.zone } : {}),
    versions,
  };
  return deepFreeze(ir);
}

function resolveEnvironment(platform: string, env: string, spec: PlatformSpec, validated: Validated): EnvironmentIR {
  const e = spec.environments[env]!;
  const envPrefix = `${platform}-${env}`;
  const budget = spec.budget; // environment budget fields are already merged in
  const regions: RegionIR[] = [e.region, ...(e.standby ? [e.standby.region] : [])].map((region, i) =>
    resolveRegion(platform, env, region, i === 0 ? 'primary' : 'standby', spec, validated),
  );
  const github = spec.identity.ci?.github;
  const internetFacing = regions[0]!.deployments.some((d) => d.ingressScheme === 'internet-facing');
  return {
    name: env,
    account: e.account,
    budget: {
      monthlyUsd: budget.monthlyUsd,
      alertThresholds: [...budget.alertThresholds].sort((a, b) => a - b),
      notify: [...budget.notify].sort(),
      enforcement: budget.enforcement,
    },
    ...(e.workingHours ? { workingHours: e.workingHours } : {}),
    cluster: {
      version: spec.cluster.version,
      publicAccess: spec.cluster.endpoint.publicAccess,
      publicAccessCidrs: [...spec.cluster.endpoint.publicAccessCidrs].sort(),
      logging: [...spec.cluster.logging].sort(),
      secretsEncryption: spec.cluster.secretsEncryption,
    },
    identity: {
      operators: sortedEntries(spec.identity.operators).map(([name, op]) => ({
        name,
        roleName: `${envPrefix}-operator-${name}`,
        principals: [...op.principals].sort(),
        requireMfa: op.requireMfa,
        maxSessionSeconds: durationSeconds(op.maxSessionDuration),
        clusterAccess: op.clusterAccess,
      })),
      ...(github
        ? {
            ci: {
              roleName: `${envPrefix}-github-ci`,
              roleArn: roleArn(e.account, `${envPrefix}-github-ci`),
              repository: github.repository,
              subjects: [
                ...github.branches.map((b) => `repo:${github.repository}:ref:refs/heads/${b}`),
                ...github.environments.filter((g) => g === env || github.environments.length === 0).map((g) => `repo:${github.repository}:environment:${g}`),
                ...(github.pullRequests ? [`repo:${github.repository}:pull_request`] : []),
              ].sort(),
            },
          }
        : {}),
      workloads: sortedEntries(spec.identity.workloads).map(([name, w]) => ({ name, namespace: w.namespace, serviceAccount: w.serviceAccount, access: w.access })),
    },
    observability: spec.observability,
    state: { bucket: e.state.bucket, region: e.state.region ?? e.region },
    regions,
    ...(spec.dns && internetFacing ? { dns: { zone: spec.dns.zone, name: `${env}.${spec.dns.zone}` } } : {}),
  };
}

function resolveRegion(platform: string, env: string, region: string, role: 'primary' | 'standby', spec: PlatformSpec, validated: Validated): RegionIR {
  const e = spec.environments[env]!;
  const network = spec.regions[region]!;
  const vpc = parseCidr(network.vpcCidr)!;
  const plan = planSubnets(vpc, network.availabilityZones)!;
  const short = shortRegion(region);
  const names = deriveNames(platform, env, region, short, e.account);
  type Sizes = { minSize?: number; desiredSize?: number; maxSize?: number };
  const standbySizes: Record<string, Sizes> = role === 'standby' ? ((e.standby?.nodePools ?? {}) as Record<string, Sizes>) : {};
  const nodePools: NodePoolIR[] = sortedEntries(spec.nodePools).map(([name, pool]) => {
    const standby = standbySizes[name] ?? {};
    // Feasibility of auto pools is checked before resolve (checkAutoPools), so the ranking is never empty here.
    const ranked = pool.instanceTypes === 'auto' ? rankInstanceTypes(name, spec, validated.models, region) : undefined;
    const instanceTypes = ranked ? [ranked[0]!.type] : [...(pool.instanceTypes as string[])];
    const facts = instanceCatalog.instances[instanceTypes[0]!]!;
    const price = facts.onDemand[region]!;
    const minSize = standby.minSize ?? pool.minSize;
    return {
      name,
      role: pool.role,
      instanceTypes,
      capacityType: pool.capacityType,
      minSize,
      desiredSize: standby.desiredSize ?? (standby.minSize !== undefined ? minSize : pool.desiredSize ?? minSize),
      maxSize: standby.maxSize ?? pool.maxSize,
      diskSizeGiB: pool.diskSizeGiB,
      ...(ranked ? { auto: { ranked } } : {}),
      labels: byKey({ ...pool.labels, [POOL_LABEL]: name, ...(pool.role === 'gpu' ? { 'nvidia.com/gpu.present': 'true', [ACCELERATOR_LABEL]: facts.accelerator?.model ?? 'none' } : {}) }),
      taints: [...(pool.role === 'gpu' ? [GPU_TAINT] : []), ...pool.taints.filter((t) => !(pool.role === 'gpu' && t.key === GPU_TAINT.key))],
      instance: {
        type: instanceTypes[0]!,
        vcpu: facts.vcpu,
        memoryGiB: facts.memoryGiB,
        gpus: facts.accelerator?.count ?? 0,
        ...(facts.accelerator ? { gpuModel: facts.accelerator.model, gpuMemoryGiB: facts.accelerator.memoryGiB } : {}),
        onDemandUsdPerHour: price.usdPerHour,
        priceSource: price.source,
      },
    };
  });
  const deployments: DeploymentIR[] = sortedEntries(spec.models).map(([name, m]) => ({
    model: name,
    workload: workloadName(name),
    namespace: m.team,
    nodePool: m.nodePool,
    gpusPerReplica: m.gpusPerReplica,
    replicas: { min: m.replicas.min, max: m.replicas.max },
    slo: m.slo,
    ingressScheme: m.ingress.scheme,
    serviceAccount: workloadName(name),
    roleName: limitName(`${names.regionalPrefix}-triton-${name}`, 64),
    roleArn: roleArn(e.account, limitName(`${names.regionalPrefix}-triton-${name}`, 64)),
    ingressGroup: `${platform}-${env}-${m.ingress.scheme}`,
  }));
  const azNames = regionCatalog.regions[region]!.availabilityZones.slice(0, network.availabilityZones);
  return {
    env,
    region,
    shortRegion: short,
    role,
    network: {
      vpcCidr: network.vpcCidr,
      availabilityZones: azNames,
      publicSubnets: plan.public.map(formatCidr),
      privateSubnets: plan.private.map(formatCidr),
      natGateways: network.natGateways,
    },
    names,
    nodePools,
    deployments,
  };
}

/** A name cut to an AWS length limit, with a short hash of the whole so cut names stay distinct. */
export function limitName(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 6);
  return `${name.slice(0, max - 7).replace(/-+$/, '')}-${hash}`;
}

/** ARN of an IAM role of the account. */
export const roleArn = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;

/** us-east-1 -> use1, eu-west-1 -> euw1, ap-southeast-2 -> apse2. */
export function shortRegion(region: string): string {
  const [area = '', direction = '', number = ''] = region.split('-');
  const dir: Record<string, string> = { north: 'n', south: 's', east: 'e', west: 'w', central: 'c', northeast: 'ne', southeast: 'se', northwest: 'nw', southwest: 'sw' };
  return `${area}${dir[direction] ?? direction.slice(0, 2)}${number}`;
}

/** Every derived name, in one place. Lengths stay inside AWS limits given the schema's name limits. */
export function deriveNames(platform: string, env: string, region: string, short: string, account: string): NamesIR {
  const envPrefix = `${platform}-${env}`;
  const regionalPrefix = `${envPrefix}-${short}`;
  return {
    envPrefix,
    regionalPrefix,
    cluster: envPrefix,
    vpc: regionalPrefix,
    modelBucket: `${envPrefix}-models-${account}-${short}`,
    logGroup: `/platformc/${envPrefix}/containers`,
    stateKeyPrefix: `${platform}/${env}/${region}`,
    kubeContext: `${platform}-${env}-${region}`,
    roles: {
      albController: `${regionalPrefix}-alb-controller`,
      triton: `${regionalPrefix}-triton`,
      logShipping: `${regionalPrefix}-fluent-bit`,
      externalSecrets: `${regionalPrefix}-external-secrets`,
      clusterAutoscaler: `${regionalPrefix}-cluster-autoscaler`,
      ebsCsi: `${regionalPrefix}-ebs-csi`,
    },
  };
}

/**
 * Histogram bounds (ms) for a model's latency: a log-spaced ladder around the tightest objective, plus every
 * objective itself, so "share of requests within the SLO" is read off a bucket boundary exactly.
 */
export function latencyBuckets(objectivesMs: readonly number[]): number[] {
  const tightest = Math.min(...objectivesMs);
  const ladder = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10].map((f) => round3(tightest * f));
  return [...new Set([...ladder, ...objectivesMs.map(round3)])].sort((a, b) => a - b);
}

const round3 = (n: number) => Number(n.toPrecision(3));

/** sha256 over platform.yaml and the model definitions, each framed by its name and length. */
export function inputHash(platformText: string, files: readonly (readonly [string, Uint8Array])[]): string {
  const h = createHash('sha256');
  for (const [name, bytes] of [['platform.yaml', Buffer.from(platformText)] as const, ...files]) {
    h.update(`${name}\0${bytes.length}\0`);
    h.update(bytes);
  }
  return h.digest('hex');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
