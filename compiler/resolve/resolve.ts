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
import { ACCELERATOR_LABEL, ALERTMANAGER_SECRET, CA_GPU_LABEL, DAEMONSET_RESERVE, GRAFANA_ADMIN_SECRET, GPU_TAINT, isProduction, LATENCY_OBJECTIVE, POOL_LABEL, QUEUE_TIME_METRIC, workloadName } from '../lib/conventions.js';
import { byKey, compareCodeUnits, sortedEntries } from '../lib/order.js';
import { resolveIdentity } from './identity.js';
import type { AlertingIR, DeploymentIR, DnsHostIR, EnvironmentIR, ModelIR, NamesIR, NodePoolIR, PlatformIR, RegionIR, TeamIR } from './ir.js';

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
      weightsSha256: definition.weights.sha256,
      revision: modelRevision(definition, m, objectives),
    };
  });

  const teams: TeamIR[] = sortedEntries(spec.teams).map(([name, t]) => ({
    name,
    namespace: name,
    gpuQuota: t.gpuQuota,
    principals: [...t.principals].sort(),
    models: models.filter((m) => m.team === name).map((m) => m.name),
  }));

  const environments = envNames.map((env) => resolveEnvironment(spec.metadata.name, env, envSpecs.get(env)!, validated, teams, models));

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

function resolveEnvironment(platform: string, env: string, spec: PlatformSpec, validated: Validated, teams: readonly TeamIR[], models: readonly ModelIR[]): EnvironmentIR {
  const e = spec.environments[env]!;
  const envPrefix = `${platform}-${env}`;
  const budget = spec.budget; // environment budget fields are already merged in
  const regions: RegionIR[] = [e.region, ...(e.standby ? [e.standby.region] : [])].map((region, i) =>
    resolveRegion(platform, env, region, i === 0 ? 'primary' : 'standby', spec, validated),
  );
  const alerting = resolveAlerting(spec.observability.alerting.receiver);
  return {
    name: env,
    production: isProduction(env),
    account: e.account,
    budget: {
      monthlyUsd: budget.monthlyUsd,
      // AWS Budgets rejects two notifications alike: each threshold once.
      alertThresholds: [...new Set(budget.alertThresholds)].sort((a, b) => a - b),
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
      pins: versions.kubernetes.pins[spec.cluster.version]!,
    },
    identity: resolveIdentity({
      platform,
      env,
      account: e.account,
      spec,
      teams,
      models,
      regions: regions.map((r) => ({ region: r.region, short: r.shortRegion, stateBucket: r.names.stateBucket })),
    }),
    observability: { ...spec.observability, alerting },
    // Grafana's admin credentials and the Alertmanager receiver's secret, when kube-prometheus-stack runs.
    releaseSecrets: spec.observability.metrics.enabled
      ? [
          ...(spec.observability.dashboards.enabled ? [{ name: GRAFANA_ADMIN_SECRET, awsSecret: spec.observability.dashboards.adminSecret, keys: [{ secretKey: 'admin-user', property: 'username' }, { secretKey: 'admin-password', property: 'password' }] }] : []),
          ...(alerting.secret ? [{ name: ALERTMANAGER_SECRET, awsSecret: alerting.secret.name, keys: [{ secretKey: alerting.secret.key, property: alerting.secret.key }] }] : []),
        ]
      : [],
    state: { bucket: e.state.bucket, region: e.state.region ?? e.region },
    regions,
    ...(spec.dns && regions[0]!.deployments.length ? { dns: { zone: spec.dns.zone, name: envDomain(env, spec.dns.zone), hosts: dnsHosts(regions) } } : {}),
  };
}

function resolveRegion(platform: string, env: string, region: string, role: 'primary' | 'standby', spec: PlatformSpec, validated: Validated): RegionIR {
  const e = spec.environments[env]!;
  const network = spec.regions[region]!;
  const vpc = parseCidr(network.vpcCidr)!;
  const plan = planSubnets(vpc, network.availabilityZones)!;
  const short = shortRegion(region);
  const primaryState = { bucket: e.state.bucket, region: e.state.region ?? e.region };
  // Each region keeps its roots' state in a bucket of its own region: a standby can be planned and applied while
  // the primary region is down (the bootstrap root makes these buckets).
  const stateBucket = role === 'primary' || region === primaryState.region ? primaryState : { bucket: limitName(`${e.state.bucket}-${short}`, 63), region };
  const names = { ...deriveNames(platform, env, region, short, e.account, Object.keys(spec.nodePools).sort()), stateBucket };
  type Sizes = { minSize?: number; desiredSize?: number; maxSize?: number };
  const standbySizes: Record<string, Sizes> = role === 'standby' ? ((e.standby?.nodePools ?? {}) as Record<string, Sizes>) : {};
  const nodePools: NodePoolIR[] = sortedEntries(spec.nodePools).map(([name, pool]) => {
    const standby = standbySizes[name] ?? {};
    // Feasibility of auto pools is checked before resolve (checkAutoPools), so the ranking is never empty here.
    const ranked = pool.instanceTypes === 'auto' ? rankInstanceTypes(name, spec, validated.models, region, { minSize: standby.minSize ?? pool.minSize, maxSize: standby.maxSize ?? pool.maxSize }) : undefined;
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
      labels: byKey({ ...pool.labels, [POOL_LABEL]: name, ...(pool.role === 'gpu' ? gpuLabels(instanceTypes) : {}) }),
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
  const gpuPools = new Map(nodePools.map((p) => [p.name, p]));
  const teamGpus = (team: string) => sortedEntries(spec.models).filter(([, x]) => x.team === team).reduce((n, [, x]) => n + x.replicas.max * x.gpusPerReplica, 0);
  const poolGpus = (pool: string) => sortedEntries(spec.models).filter(([, x]) => x.nodePool === pool).reduce((n, [, x]) => n + x.replicas.max * x.gpusPerReplica, 0);
  const deployments: DeploymentIR[] = sortedEntries(spec.models).map(([name, m]) => {
    const pool = gpuPools.get(m.nodePool)!;
    // GPUs left for a surge pod when every model is at its maximum: in the pool at maxSize, and in the team's quota.
    const spareGpus = { pool: pool.maxSize * pool.instance.gpus - poolGpus(m.nodePool), quota: spec.teams[m.team]!.gpuQuota - teamGpus(m.team) };
    const spare = Math.min(spareGpus.pool, spareGpus.quota);
    const scheme = m.ingress.scheme;
    const role = limitName(`${names.regionalPrefix}-triton-${name}`, 64);
    // ACM certificates are regional and per account: the ALB of this region can only use this region's.
    const certificateArns = m.ingress.certificateArns.filter((arn) => arn.split(':')[3] === region && arn.split(':')[4] === e.account).sort();
    const host = spec.dns ? hostName(m.team, scheme, envDomain(env, spec.dns.zone)) : undefined;
    return {
      model: name,
      workload: workloadName(name),
      namespace: m.team,
      nodePool: m.nodePool,
      gpusPerReplica: m.gpusPerReplica,
      replicas: { min: m.replicas.min, max: m.replicas.max },
      slo: m.slo,
      latency: { boundMs: m.slo.latencyP99Ms, le: exporterFloat(measuredBoundMs(m.slo.latencyP99Ms)), objective: LATENCY_OBJECTIVE },
      ingressScheme: scheme,
      ingress: {
        scheme,
        certificateArns,
        ...(host ? { host } : {}),
        tls: certificateArns.length > 0 || host !== undefined,
        authentication: m.ingress.authentication ?? 'none',
        allowedCidrs: [...m.ingress.allowedCidrs].sort(),
        albSubnets: (scheme === 'internet-facing' ? plan.public : plan.private).map(formatCidr),
      },
      serviceAccount: workloadName(name),
      roleName: role,
      roleArn: roleArn(e.account, role),
      // One ALB per team namespace and scheme: a team can never add rules to another team's ALB (LBC IngressGroups).
      ingressGroup: limitName(`${platform}-${env}-${m.team}-${scheme === 'internet-facing' ? 'public' : 'internal'}`, 63),
      resources: replicaResources(pool, m.gpusPerReplica),
      ...(spec.observability.metrics.enabled ? { autoscaling: { metric: QUEUE_TIME_METRIC, targetMs: Math.max(1, Math.round(m.slo.latencyP99Ms / 5)) } } : {}),
      rollout: spare >= m.gpusPerReplica ? { maxSurge: 1, maxUnavailable: 0, spareGpus } : { maxSurge: 0, maxUnavailable: 1, spareGpus },
    };
  });
  const workloadRoles = sortedEntries(spec.identity.workloads).map(([workload]) => ({ workload, roleName: limitName(`${names.regionalPrefix}-${workload}`, 64) }));
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
      // Production gets a NAT gateway per AZ unless platform.yaml chooses otherwise (one NAT is one AZ's outage away
      // from cutting all egress); written choices stand (validate warns about single in prod).
      natGateways: isProduction(env) && !natWritten(validated, env, region) ? 'perAz' : network.natGateways,
      // Image pulls from ECR, IRSA's STS calls and log shipping stay inside the VPC, off the NAT gateways.
      interfaceEndpoints: ['ecr.api', 'ecr.dkr', 'logs', 'sts'],
    },
    names,
    nodePools,
    deployments,
    workloadRoles,
  };
}

/** <env>.<zone>: the environment's part of the zone. */
const envDomain = (env: string, zone: string) => `${env}.${zone}`;
/** An IngressGroup's DNS name: <team>.<env>.<zone>, or <team>.internal.<env>.<zone> for the team's internal ALB. */
const hostName = (team: string, scheme: 'internal' | 'internet-facing', domain: string) => `${team}.${scheme === 'internal' ? 'internal.' : ''}${domain}`;

/** One host per IngressGroup of the environment, with the regions where the platform requests its certificate. */
function dnsHosts(regions: readonly RegionIR[]): DnsHostIR[] {
  const hosts = new Map<string, { group: string; team: string; scheme: DnsHostIR['scheme']; models: Set<string>; managed: Set<string> }>();
  for (const r of regions) {
    for (const d of r.deployments) {
      const h = hosts.get(d.ingress.host!) ?? hosts.set(d.ingress.host!, { group: d.ingressGroup, team: d.namespace, scheme: d.ingressScheme, models: new Set(), managed: new Set() }).get(d.ingress.host!)!;
      h.models.add(d.model);
      if (d.ingress.certificateArns.length === 0) h.managed.add(r.region);
    }
  }
  return [...hosts.entries()].sort(([a], [b]) => compareCodeUnits(a, b)).map(([name, h]) => ({
    name,
    group: h.group,
    team: h.team,
    scheme: h.scheme,
    models: [...h.models].sort(compareCodeUnits),
    managedCertificateRegions: regions.map((r) => r.region).filter((x) => h.managed.has(x)),
  }));
}

/**
 * Labels every node of a GPU pool gets. A node group's labels are static, so the GPU model is a label only when
 * every instance type of the pool has the same one (a g6/g5/g4dn pool would otherwise label T4 nodes L4);
 * cluster-autoscaler only needs its GPU label to be present.
 */
function gpuLabels(instanceTypes: readonly string[]): Record<string, string> {
  const models = [...new Set(instanceTypes.map((t) => instanceCatalog.instances[t]?.accelerator?.model ?? 'none'))];
  const model = models.length === 1 ? models[0]! : undefined;
  return {
    'nvidia.com/gpu.present': 'true',
    ...(model ? { [ACCELERATOR_LABEL]: model } : {}),
    [CA_GPU_LABEL]: model ? `nvidia-${model.toLowerCase()}` : 'nvidia',
  };
}

/** Whether platform.yaml writes natGateways for a region, at the top level or in the environment's overrides. */
const natWritten = (validated: Validated, env: string, region: string) =>
  validated.source.has(['regions', region, 'natGateways']) || validated.source.has(['environments', env, 'overrides', 'network', region, 'natGateways']);

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
export function deriveNames(platform: string, env: string, region: string, short: string, account: string, pools: readonly string[] = []): Omit<NamesIR, 'stateBucket'> {
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
    // Named explicitly (no name_prefix): under the environment's prefix the CI apply role manages, within IAM's
    // 64 characters, and distinct per region (IAM is global).
    iam: {
      clusterRole: limitName(`${regionalPrefix}-eks-cluster`, 64),
      nodeGroupRoles: Object.fromEntries(pools.map((p) => [p, limitName(`${regionalPrefix}-node-${p}`, 64)])),
      flowLogRole: limitName(`${regionalPrefix}-vpc-flow-log`, 64),
      flowLogPolicy: limitName(`${regionalPrefix}-vpc-flow-log`, 128),
    },
  };
}

/**
 * The bucket that holds the requests within a latency bound. Triton observes its latency histogram in whole
 * milliseconds, truncated (`(now_ns - infer_start_ns_) / NANOS_PER_MILLIS`: a 50.9 ms request is observed as
 * 50), so the bucket `le=k` holds the requests faster than k + 1 ms. Bucket ceil(bound) - 1 never counts a
 * request slower than the bound as within it; it may count one within the last millisecond as outside (the
 * SLO errs on the strict side, by less than 1 ms, instead of the lenient one).
 * @see https://github.com/triton-inference-server/core/blob/main/src/infer_response.cc (UpdateResponseMetrics)
 */
export const measuredBoundMs = (boundMs: number) => Math.max(0, Math.ceil(boundMs) - 1);

/**
 * Histogram bounds (ms) for a model's latency: a log-spaced ladder around the tightest objective, in whole
 * milliseconds (what Triton observes: a fractional bound would act as its floor), plus the measured bound of
 * every objective, so "share of requests within the SLO" is read off a bucket boundary.
 */
export function latencyBuckets(objectivesMs: readonly number[]): number[] {
  const tightest = Math.min(...objectivesMs);
  const ladder = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10].map((f) => Math.max(1, Math.round(tightest * f)));
  return [...new Set([...ladder, ...objectivesMs.map(measuredBoundMs)])].sort((a, b) => a - b);
}

/**
 * A bucket bound as Triton's exporter writes it in the `le` label: prometheus-cpp (>= 0.13) streams doubles
 * with precision max_digits10 - 1 = 16 in the default float format, i.e. printf("%.16g") (trailing zeros
 * dropped, no ".0"). Bounds here are whole milliseconds, so %g never switches to exponent form below 10^16.
 * @see https://github.com/jupp0r/prometheus-cpp/blob/v1.2.4/core/src/text_serializer.cc
 */
export function exporterFloat(n: number): string {
  return String(Number(n.toPrecision(16)));
}

/** Short hash of what Triton loads for a model: its configuration inputs and the weights checksum. */
function modelRevision(definition: ModelIR['definition'], m: PlatformSpec['models'][string], objectives: readonly number[]): string {
  const inputs = { definition, gpusPerReplica: m.gpusPerReplica, batching: m.batching, buckets: latencyBuckets(objectives) };
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
}

/**
 * Requests of one replica: its share (by GPUs) of what the node can give pods. EKS AMIs reserve for the
 * kubelet 255Mi + 11Mi per pod (max pods 110, or 250 above 30 vCPUs) and a CPU ladder (6% of core 1, 1% of
 * core 2, 0.5% of cores 3-4, 0.25% beyond), plus the 100Mi hard-eviction threshold; the kernel keeps about
 * 5% of the nominal memory; the DaemonSets on every GPU node (aws-node, kube-proxy, EBS CSI node, device
 * plugin, DCGM exporter, node exporter, fluent-bit) get DAEMONSET_RESERVE.
 * @see https://github.com/awslabs/amazon-eks-ami/blob/main/templates/al2023/runtime/bootstrap.go
 */
export function replicaResources(pool: NodePoolIR, gpusPerReplica: number): { cpuMillis: number; memoryMiB: number } {
  const { vcpu, memoryGiB, gpus } = pool.instance;
  const maxPods = vcpu > 30 ? 250 : 110;
  const cores = [...Array(vcpu).keys()];
  const kubeCpu = cores.reduce((sum, i) => sum + 1000 * (i === 0 ? 0.06 : i === 1 ? 0.01 : i < 4 ? 0.005 : 0.0025), 0);
  const allocCpu = vcpu * 1000 - Math.ceil(kubeCpu) - DAEMONSET_RESERVE.cpuMillis;
  const allocMem = Math.floor(memoryGiB * 1024 * 0.95) - (255 + 11 * maxPods) - 100 - DAEMONSET_RESERVE.memoryMiB;
  const share = gpusPerReplica / Math.max(1, gpus);
  return { cpuMillis: Math.max(500, Math.floor((allocCpu * share) / 100) * 100), memoryMiB: Math.max(2048, Math.floor((allocMem * share) / 256) * 256) };
}

/** The alert receiver of an environment; the secret it reads is named, never copied. */
function resolveAlerting(receiver: PlatformSpec['observability']['alerting']['receiver']): AlertingIR {
  if (!receiver || receiver === 'none') return { receiver: { type: 'none' } };
  if ('slack' in receiver) return { receiver: { type: 'slack', ...(receiver.slack.channel ? { channel: receiver.slack.channel } : {}) }, secret: { name: receiver.slack.webhookSecret, key: 'url' } };
  if ('pagerduty' in receiver) return { receiver: { type: 'pagerduty' }, secret: { name: receiver.pagerduty.routingKeySecret, key: 'routingKey' } };
  const { to, from, smarthost, username, passwordSecret } = receiver.email;
  return {
    receiver: { type: 'email', to: [...to].sort(), from, smarthost, ...(username ? { username } : {}) },
    ...(passwordSecret ? { secret: { name: passwordSecret, key: 'password' as const } } : {}),
  };
}

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
