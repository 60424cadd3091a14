/** Builds the frozen IR from a validated spec. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_VERSION, type PlatformSpec } from '../../schema/platform.js';
import type { Validated } from '../front/validate.js';
import { instanceCatalog, instancePrice, versions } from '../catalog.js';
import { formatCidr, isPrivate, parseCidr, planSubnets } from '../lib/cidr.js';
import { environmentSpec } from '../front/environments.js';
import { rankInstanceTypes } from './auto-instance.js';
import { busyWindowUtc, poolSharing, unitsPerReplica } from './fleet.js';
import { ACCELERATOR_LABEL, ALERTMANAGER_SECRET, CA_GPU_LABEL, DAEMONSET_RESERVE, DEVICE_PLUGIN_CONFIG_LABEL, GPU_RESOURCE, GRAFANA_ADMIN_SECRET, GPU_TAINT, isProduction, LATENCY_OBJECTIVE, POOL_LABEL, QUEUE_TIME_METRIC, STACK_TAG, workloadName } from '../lib/conventions.js';
import { byKey, compareCodeUnits, sortedEntries } from '../lib/order.js';
import { resolveIdentity } from './identity.js';
import { configSha256, type TritonConfigModel } from './triton-config.js';
import type { AlertingIR, DeploymentIR, DnsHostIR, EnvironmentIR, ModelIR, NamesIR, NodePoolIR, PlatformIR, RegionIR, TeamIR } from './ir.js';
import { getOrInsert } from '../lib/collections.js';

export interface ResolveOptions {
  readonly compilerVersion: string;
}

/** The IR of a validated platform. Pure apart from hashing the input files it names. */
export function resolvePlatform(validated: Validated, options: ResolveOptions): PlatformIR {
  const { spec, source, root } = validated;
  const raw = source.value as Record<string, unknown>;
  const envNames = Object.keys(spec.environments).sort();
  const envSpecs = new Map(envNames.map((env) => [env, environmentSpec(raw, env)]));

  const sourceFile = source.file.split(/[\\/]/).pop()!;
  const groups = kustomizeGroups(sortedEntries(spec.models).map(([name, m]) => ({ name, namespace: m.team })));
  const models: ModelIR[] = sortedEntries(spec.models).map(([name, m]) => {
    const definition = validated.models.get(m.definition)!;
    const objectives = [...new Set(envNames.map((env) => envSpecs.get(env)!.models[name]!.slo.latencyP99Ms))];
    const model: TritonConfigModel = {
      name,
      workload: workloadName(name),
      team: m.team,
      namespace: m.team,
      definitionPath: m.definition,
      definition,
      gpusPerReplica: m.gpusPerReplica,
      ...(m.gpu ? { gpuSharing: m.gpu } : {}),
      maxBatchSize: m.batching.maxBatchSize ?? definition.maxBatchSize,
      preferredBatchSizes: [...m.batching.preferredBatchSizes].sort((a, b) => a - b),
      maxQueueDelayMicroseconds: m.batching.maxQueueDelayMicroseconds,
      latencyBucketsMs: latencyBuckets(objectives),
      weightsSha256: definition.weights.sha256,
    };
    return { ...model, ...modelRevision(model, sourceFile), kustomizeGroup: groups.get(name)! };
  });

  const teamList = sortedEntries(spec.teams).map(([name, t]) => ({
    name,
    namespace: name,
    gpuQuota: t.gpuQuota,
    principals: [...t.principals].sort(),
    models: models.filter((m) => m.team === name).map((m) => m.name),
  }));

  const environments = envNames.map((env) => resolveEnvironment(spec.metadata.name, env, envSpecs.get(env)!, validated, teamList, models));
  // The quota lives in the base every environment shares: each shared resource gets the most units gpuQuota GPUs
  // give in any environment (MIG instances per GPU can differ between the GPUs of two environments).
  const teams: TeamIR[] = teamList.map((t) => {
    const hard: Record<string, number> = { [GPU_RESOURCE]: t.gpuQuota };
    for (const d of environments.flatMap((e) => e.regions.flatMap((r) => r.deployments)).filter((d) => d.namespace === t.namespace && d.gpu.resource !== GPU_RESOURCE)) {
      hard[d.gpu.resource] = Math.max(hard[d.gpu.resource] ?? 0, Math.round((t.gpuQuota * d.gpu.count) / d.gpu.gpus));
    }
    return { ...t, gpuQuotaHard: byKey(hard) };
  });

  const ir: PlatformIR = {
    apiVersion: API_VERSION,
    name: spec.metadata.name,
    owner: spec.metadata.owner,
    tags: byKey(spec.metadata.tags),
    sourceFile,
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

/**
 * At most this many models in one kustomization (RegionKustomizeIR): `kubectl kustomize` of 25 models (300 objects)
 * takes 0.8 s, of 100 models 5 to 6 s, of 300 models 61 s.
 */
const MODELS_PER_KUSTOMIZATION = 25;

/** Each model's kustomization: its namespace, or the n-th 25 of the namespace's models in name order where it has more. */
function kustomizeGroups(models: readonly { readonly name: string; readonly namespace: string }[]): Map<string, string> {
  const byNamespace = new Map<string, string[]>();
  for (const m of models) getOrInsert(byNamespace, m.namespace, () => []).push(m.name);
  const groups = new Map<string, string>();
  for (const [namespace, names] of byNamespace) {
    names.sort(compareCodeUnits).forEach((name, i) => groups.set(name, names.length <= MODELS_PER_KUSTOMIZATION ? namespace : `${namespace}/${Math.floor(i / MODELS_PER_KUSTOMIZATION) + 1}`));
  }
  return groups;
}

/** The part number of a group (<namespace>/<n>), 0 for a whole namespace. */
const partOf = (group: string) => Number(group.split('/')[1] ?? 0);

function resolveEnvironment(platform: string, env: string, spec: PlatformSpec, validated: Validated, teams: readonly Omit<TeamIR, 'gpuQuotaHard'>[], models: readonly ModelIR[]): EnvironmentIR {
  const e = spec.environments[env]!;
  const envPrefix = `${platform}-${env}`;
  const budget = spec.budget; // environment budget fields are already merged in
  const regions: RegionIR[] = [e.region, ...(e.standby ? [e.standby.region] : [])].map((region, i) =>
    resolveRegion(platform, env, region, i === 0 ? 'primary' : 'standby', spec, validated, models),
  );
  const alerting = resolveAlerting(spec.observability.alerting.receiver);
  // Written into a security group rule and the endpoint's CIDRs: one spelling each (validation parsed them).
  const runnerCidrs = [...new Set(spec.cluster.endpoint.ciRunnerCidrs.map((c) => formatCidr(parseCidr(c)!)))].sort();
  return {
    name: env,
    production: isProduction(env),
    account: e.account,
    tags: Object.fromEntries(sortedEntries({ ...spec.metadata.tags, owner: spec.metadata.owner, platform, environment: env, 'managed-by': 'platformc', [STACK_TAG]: envPrefix })),
    budget: {
      monthlyUsd: budget.monthlyUsd,
      // AWS Budgets rejects two notifications alike: each threshold once.
      alertThresholds: [...new Set(budget.alertThresholds)].sort((a, b) => a - b),
      notify: [...budget.notify].sort(),
      enforcement: budget.enforcement,
      // Cost Explorer names user-defined tags user:<key>; a TagKeyValue filter value is user:<key>$<value>.
      ...(budget.scope === 'environment' ? { costFilter: { name: 'TagKeyValue' as const, values: [`user:${STACK_TAG}$${envPrefix}`] } } : {}),
      ...(budget.activateTag ? { activateTag: STACK_TAG } : {}),
    },
    ...(e.workingHours
      ? { workingHours: { ...e.workingHours, cron: { start: cronAt(e.workingHours.start, e.workingHours.days), stop: cronAt(e.workingHours.end, e.workingHours.days) } }, busyWindowUtc: busyWindowUtc(e.workingHours) }
      : {}),
    // Karpenter drains its own nodes; the managed node groups that remain on spot need the termination handler.
    nodeTerminationHandler: Object.values(spec.nodePools).some((p) => p.capacityType === 'spot' && (spec.cluster.provisioner === 'cluster-autoscaler' || p.role === 'general')),
    cluster: {
      version: spec.cluster.version,
      publicAccess: spec.cluster.endpoint.publicAccess,
      // A public endpoint admits the CI runners' public addresses too (private ones reach the private endpoint).
      publicAccessCidrs: [
        ...new Set([...spec.cluster.endpoint.publicAccessCidrs, ...(spec.cluster.endpoint.publicAccess ? runnerCidrs.filter((c) => !isPrivate(parseCidr(c)!)) : [])]),
      ].sort(),
      logging: [...spec.cluster.logging].sort(),
      secretsEncryption: spec.cluster.secretsEncryption,
      provisioner: spec.cluster.provisioner,
      // The release date of the pinned AMI release (1.33.13-20260714 -> al2023@v20260714).
      amiAlias: `al2023@v${versions.kubernetes.pins[spec.cluster.version]!.amiReleaseVersion.split('-').pop()}`,
      deletionProtection: spec.cluster.deletionProtection ?? isProduction(env),
      ciRunnerCidrs: runnerCidrs,
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

function resolveRegion(platform: string, env: string, region: string, role: 'primary' | 'standby', spec: PlatformSpec, validated: Validated, models: readonly ModelIR[]): RegionIR {
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
  const karpenter = spec.cluster.provisioner === 'karpenter';
  type Sizes = { minSize?: number; desiredSize?: number; maxSize?: number };
  const standbySizes: Record<string, Sizes> = role === 'standby' ? ((e.standby?.nodePools ?? {}) as Record<string, Sizes>) : {};
  const nodePools: NodePoolIR[] = sortedEntries(spec.nodePools).map(([name, pool]) => {
    const standby = standbySizes[name] ?? {};
    // Feasibility of auto pools is checked before resolve (checkAutoPools), so the ranking is never empty here.
    const ranked = pool.instanceTypes === 'auto' ? rankInstanceTypes(name, spec, validated.models, region, { minSize: standby.minSize ?? pool.minSize, maxSize: standby.maxSize ?? pool.maxSize }) : undefined;
    const instanceTypes = ranked ? [ranked[0]!.type] : [...(pool.instanceTypes as string[])];
    const facts = instanceCatalog.instances[instanceTypes[0]!]!;
    const all = instanceTypes.map((t) => instanceCatalog.instances[t]!);
    const price = instancePrice(instanceTypes[0]!, region, 'onDemand')!;
    // A Karpenter NodePool keeps no node: nodes come for pending pods (the models' replicas.min), so its minimum is 0.
    const nodePool = karpenter && pool.role === 'gpu';
    const minSize = nodePool ? 0 : standby.minSize ?? pool.minSize;
    const sharing = pool.role === 'gpu' && facts.accelerator ? poolSharing(sortedEntries(spec.models).filter(([, m]) => m.nodePool === name).map(([, m]) => m.gpu), facts.accelerator) : undefined;
    return {
      name,
      role: pool.role,
      instanceTypes,
      capacityType: pool.capacityType,
      minSize,
      desiredSize: nodePool ? 0 : standby.desiredSize ?? (standby.minSize !== undefined ? minSize : pool.desiredSize ?? minSize),
      maxSize: standby.maxSize ?? pool.maxSize,
      diskSizeGiB: pool.diskSizeGiB,
      ...(ranked ? { auto: { ranked } } : {}),
      // One node more than maxSize: a drift or interruption replacement is launched before the node it replaces is
      // gone, and Karpenter counts both against the limit (at maximum scale it would otherwise wait for the deletion).
      ...(nodePool ? { karpenter: { gpuLimit: ((standby.maxSize ?? pool.maxSize) + 1) * (facts.accelerator?.count ?? 0) } } : {}),
      labels: byKey({ ...pool.labels, [POOL_LABEL]: name, ...(pool.role === 'gpu' ? gpuLabels(instanceTypes, !karpenter && sharing?.mode === 'exclusive') : {}), ...(sharing && sharing.mode !== 'exclusive' ? { [DEVICE_PLUGIN_CONFIG_LABEL]: sharing.config } : {}) }),
      ...(sharing ? { gpuSharing: sharing } : {}),
      taints: [...(pool.role === 'gpu' ? [GPU_TAINT] : []), ...pool.taints.filter((t) => !(pool.role === 'gpu' && t.key === GPU_TAINT.key))],
      instance: {
        type: instanceTypes[0]!,
        vcpu: Math.min(...all.map((f) => f.vcpu)),
        memoryGiB: Math.min(...all.map((f) => f.memoryGiB)),
        gpus: facts.accelerator?.count ?? 0,
        ...(facts.accelerator ? { gpuModel: facts.accelerator.model, gpuMemoryGiB: facts.accelerator.memoryGiB } : {}),
        onDemandUsdPerHour: price.usd,
        priceSource: price.source,
      },
    };
  });
  const gpuPools = new Map(nodePools.map((p) => [p.name, p]));
  // What a replica requests (units of its pool's GPU resource) and how many GPUs' worth of hardware that is.
  const replicaGpu = (m: PlatformSpec['models'][string]) => {
    const sharing = gpuPools.get(m.nodePool)!.gpuSharing!;
    const count = unitsPerReplica(m.gpu, m.gpusPerReplica);
    return { resource: sharing.resource, count, gpus: count / sharing.perGpu };
  };
  // GPUs' worth every team takes and units every pool serves at the models' maximum, summed once (not once per model: 500 models).
  const teamGpuSum = new Map<string, number>();
  const poolUnitSum = new Map<string, number>();
  for (const [, x] of sortedEntries(spec.models)) {
    const g = replicaGpu(x);
    teamGpuSum.set(x.team, (teamGpuSum.get(x.team) ?? 0) + x.replicas.max * g.gpus);
    poolUnitSum.set(x.nodePool, (poolUnitSum.get(x.nodePool) ?? 0) + x.replicas.max * g.count);
  }
  const teamGpus = (team: string) => teamGpuSum.get(team) ?? 0;
  const poolUnits = (pool: string) => poolUnitSum.get(pool) ?? 0;
  const deployments: DeploymentIR[] = sortedEntries(spec.models).map(([name, m]) => {
    const pool = gpuPools.get(m.nodePool)!;
    const gpu = replicaGpu(m);
    // GPUs left for a surge pod when every model is at its maximum: in the pool at maxSize (units of its GPU resource
    // in GPUs' worth), and in the team's quota.
    const spareGpus = { pool: (pool.maxSize * pool.instance.gpus * pool.gpuSharing!.perGpu - poolUnits(m.nodePool)) / pool.gpuSharing!.perGpu, quota: spec.teams[m.team]!.gpuQuota - teamGpus(m.team) };
    const spare = Math.min(spareGpus.pool, spareGpus.quota);
    const scheme = m.ingress.scheme;
    const group = limitName(`${platform}-${env}-${m.team}-${scheme === 'internet-facing' ? 'public' : 'internal'}`, 63);
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
      gpu,
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
        albSubnets: (scheme === 'internet-facing' ? plan.public : plan.internalLoadBalancer).map(formatCidr),
      },
      serviceAccount: workloadName(name),
      roleName: role,
      roleArn: roleArn(e.account, role),
      // One ALB per team namespace and scheme: a team can never add rules to another team's ALB (LBC IngressGroups).
      ingressGroup: group,
      // Named as its group: one class per group, which only the team's namespace may use.
      ingressClass: group,
      resources: replicaResources(pool, gpu.gpus),
      ...(spec.observability.metrics.enabled ? { autoscaling: { metric: QUEUE_TIME_METRIC, targetMs: Math.max(1, Math.round(m.slo.latencyP99Ms / 5)) } } : {}),
      rollout: spare >= gpu.gpus - 1e-9 ? { maxSurge: 1, maxUnavailable: 0, spareGpus } : { maxSurge: 0, maxUnavailable: 1, spareGpus },
    };
  });
  const workloadRoles = sortedEntries(spec.identity.workloads).map(([workload]) => ({ workload, roleName: limitName(`${names.regionalPrefix}-${workload}`, 64) }));
  const overlay = `kustomize/overlays/${env}/${region}`;
  const groups = new Map<string, { group: string; namespace: string; models: string[]; dir: string }>();
  const modelsByName = new Map(models.map((m) => [m.name, m]));
  for (const d of deployments) {
    const m = modelsByName.get(d.model)!;
    getOrInsert(groups, m.kustomizeGroup, () => ({ group: m.kustomizeGroup, namespace: m.namespace, models: [], dir: `${overlay}/models/${m.kustomizeGroup}` })).models.push(m.name);
  }
  return {
    env,
    region,
    shortRegion: short,
    role,
    network: {
      vpcCidr: network.vpcCidr,
      availabilityZoneCount: network.availabilityZones,
      publicSubnets: plan.public.map(formatCidr),
      internalLoadBalancerSubnets: plan.internalLoadBalancer.map(formatCidr),
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
    // By namespace, then part by number (team-0/2 before team-0/10).
    kustomize: { overlay, platform: `${overlay}/platform`, models: [...groups.values()].sort((a, b) => compareCodeUnits(a.namespace, b.namespace) || partOf(a.group) - partOf(b.group)) },
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
      const h = getOrInsert(hosts, d.ingress.host!, () => ({ group: d.ingressGroup, team: d.namespace, scheme: d.ingressScheme, models: new Set<string>(), managed: new Set<string>() }));
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
    // Internal hosts answer with the primary region's internal ALB only: the standby's addresses are in another VPC
    // that callers of the primary cannot route to, so failing over to them would turn a partial outage into a total one.
    records: (h.scheme === 'internal' ? regions.slice(0, 1) : regions).map((r) => ({
      region: r.region,
      probedModels:
        h.scheme === 'internet-facing'
          ? r.deployments.filter((d) => h.models.has(d.model) && d.ingress.authentication === 'none' && d.ingress.allowedCidrs.length === 0).map((d) => d.model)
          : [],
    })),
  }));
}

/**
 * Labels every node of a GPU pool gets. A pool's labels are static, so validation requires one GPU model, count and
 * memory per pool (pool-mixed-gpus: a g6/g5/g4dn pool would label T4 nodes L4, review K8s #26, TF #24); the model
 * is left out only if that check was bypassed. cluster-autoscaler reads its GPU label before the device plugin
 * advertises the GPUs, and only on pools of whole GPUs; Karpenter knows the GPUs of each instance type and needs none.
 */
function gpuLabels(instanceTypes: readonly string[], caGpuLabel: boolean): Record<string, string> {
  const models = [...new Set(instanceTypes.map((t) => instanceCatalog.instances[t]?.accelerator?.model ?? 'none'))];
  const model = models.length === 1 ? models[0]! : undefined;
  return {
    'nvidia.com/gpu.present': 'true',
    ...(model ? { [ACCELERATOR_LABEL]: model } : {}),
    // cluster-autoscaler holds a node with this label unready until it has allocatable nvidia.com/gpu
    // (FilterOutNodesWithUnreadyResources); time-sliced and MIG nodes advertise other resources and never would.
    ...(caGpuLabel ? { [CA_GPU_LABEL]: model ? `nvidia-${model.toLowerCase()}` : 'nvidia' } : {}),
  };
}

/** Whether platform.yaml writes natGateways for a region, at the top level or in the environment's overrides. */
const natWritten = (validated: Validated, env: string, region: string) =>
  validated.source.has(['regions', region, 'natGateways']) || validated.source.has(['environments', env, 'overrides', 'network', region, 'natGateways']);

const CRON_DAYS: Readonly<Record<string, number>> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
/** A cron schedule (minute hour * * days) at HH:MM on the given days, in the order of the week. */
export function cronAt(time: string, days: readonly string[]): string {
  const [h, m] = time.split(':').map(Number) as [number, number];
  return `${m} ${h} * * ${[...new Set(days.map((d) => CRON_DAYS[d]!))].sort((a, b) => a - b).join(',')}`;
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
      karpenter: `${regionalPrefix}-karpenter`,
      nodeTerminationHandler: limitName(`${regionalPrefix}-node-termination-handler`, 64),
    },
    // SQS names are at most 80 characters; EventBridge rule prefixes at most 18 here (see NamesIR.interruption).
    interruption: { karpenterQueue: `${regionalPrefix}-karpenter`, nthQueue: `${regionalPrefix}-node-termination`, rulePrefix: `${limitName(regionalPrefix, 17)}-` },
    discoveryTag: envPrefix,
    // Named explicitly (no name_prefix): under the environment's prefix the CI apply role manages, within IAM's
    // 64 characters, and distinct per region (IAM is global).
    iam: {
      clusterRole: limitName(`${regionalPrefix}-eks-cluster`, 64),
      nodeGroupRoles: Object.fromEntries(pools.map((p) => [p, limitName(`${regionalPrefix}-node-${p}`, 64)])),
      // A pool may be called 'karpenter': its role would be ...-node-karpenter, so Karpenter's is ...-karpenter-node.
      karpenterNodeRole: limitName(`${regionalPrefix}-karpenter-node`, 64),
      karpenterPolicy: limitName(`${regionalPrefix}-karpenter`, 128),
      flowLogRole: limitName(`${regionalPrefix}-vpc-flow-log`, 64),
      flowLogPolicy: limitName(`${regionalPrefix}-vpc-flow-log`, 128),
    },
  };
}

/**
 * The bucket that holds the requests within a latency bound. Triton observes its latency histogram in whole
 * milliseconds, truncated (`(now_ns - infer_start_ns_) / NANOS_PER_MILLIS`: a 50.9 ms request is observed as
 * 50), so the bucket `le=k` holds the requests faster than k + 1 ms. Bucket floor(bound) - 1 is the largest k
 * with k + 1 <= bound: it never counts a request slower than the bound as within it (for 12.34 ms, `le=12`
 * would count a 12.9 ms request as good); it may count one within the last millisecond as outside (the SLO
 * errs on the strict side, by less than 1 ms, instead of the lenient one).
 * @see https://github.com/triton-inference-server/core/blob/main/src/infer_response.cc (UpdateResponseMetrics)
 */
export const measuredBoundMs = (boundMs: number) => Math.max(0, Math.floor(boundMs) - 1);

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
/**
 * The revision of a model: a content address of the two files Triton loads (the weights, by their declared sha256,
 * and config.pbtxt, by the sha256 of its generated bytes), and where it lives in the model bucket.
 */
function modelRevision(m: TritonConfigModel, sourceFile: string): Pick<ModelIR, 'configSha256' | 'revision' | 'repository'> {
  const config = configSha256(m, sourceFile);
  const revision = createHash('sha256').update(`weights ${m.weightsSha256}\nconfig ${config}\n`).digest('hex').slice(0, 16);
  const prefix = `${m.name}/${revision}`;
  return { configSha256: config, revision, repository: { prefix, configKey: `${prefix}/${m.name}/config.pbtxt`, weightsKey: `${prefix}/${m.name}/1/model.onnx` } };
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
  // gpusPerReplica may be a fraction (a time slice or MIG instance): the replica gets that share of the node.
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
