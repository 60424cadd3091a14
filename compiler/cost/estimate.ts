/**
 * Monthly cost estimate of a resolved platform: per environment, region and component, at minimum,
 * desired and maximum scale. Every line carries its quantity, unit price, the price's source and the
 * assumption behind it. Prices come from specs/ only. 1 month = 730 hours.
 */
import type { EnvironmentIR, NodePoolIR, PlatformIR, RegionIR } from '../resolve/ir.js';
import type { InstanceChoice } from '../resolve/auto-instance.js';
import { regionCatalog, servicePrices, type PriceFact } from '../catalog.js';
import { hourPrice, nodesFor, replicasOf } from '../resolve/fleet.js';
import { ROUTE53_HEALTH_CHECK } from '../lib/conventions.js';
import { compareCodeUnits } from '../lib/order.js';

export type Scale = 'min' | 'desired' | 'max';
export const SCALES: readonly Scale[] = ['min', 'desired', 'max'];

/** Assumptions the estimate states on every line that uses them. */
export const ASSUMPTIONS = {
  /** Images a node pulls when it starts (Triton, system daemons), and one node replacement a month (AMI updates). */
  imagePullGbPerNodeMonth: 10,
  albLcu: 1,
  modelStorageGbPerModel: 1,
  /** EKS control-plane logs a month per enabled log type (audit is the largest; UNCONFIRMED, measure yours). */
  controlPlaneLogGbPerTypeMonth: 2,
  /** VPC flow log records a month per VPC, at 60-second aggregation (UNCONFIRMED, proportional to flows). */
  flowLogGbPerVpcMonth: 5,
} as const;

export interface CostComponent {
  readonly name: string;
  readonly unit: string;
  /** Quantity per month at each scale. */
  readonly quantity: Readonly<Record<Scale, number>>;
  readonly unitPrice: number;
  readonly priceSource: string;
  readonly assumption?: string;
  /** quantity x unitPrice, rounded to the cent, at each scale. */
  readonly monthly: Readonly<Record<Scale, number>>;
}

export interface CostResource {
  readonly name: string;
  readonly kind: string;
  readonly components: readonly CostComponent[];
}

/** An `instanceTypes: auto` pool: the winner, the runners-up and why each candidate lost. */
export interface AutoChoices {
  readonly pool: string;
  readonly chosen: string;
  readonly candidates: readonly InstanceChoice[];
}

export interface RegionEstimate {
  readonly env: string;
  readonly region: string;
  readonly role: 'primary' | 'standby';
  readonly resources: readonly CostResource[];
  readonly autoChoices?: readonly AutoChoices[];
  readonly monthly: Readonly<Record<Scale, number>>;
}

export interface EnvironmentEstimate {
  readonly env: string;
  readonly budgetUsd: number;
  readonly enforcement: 'error' | 'warning';
  readonly regions: readonly RegionEstimate[];
  readonly monthly: Readonly<Record<Scale, number>>;
}

export interface PlatformEstimate {
  readonly platform: string;
  readonly currency: 'USD';
  readonly hoursPerMonth: number;
  readonly environments: readonly EnvironmentEstimate[];
  readonly monthly: Readonly<Record<Scale, number>>;
}

export const cents = (n: number) => Math.round(n * 100) / 100;
const each = (f: (s: Scale) => number): Record<Scale, number> => ({ min: f('min'), desired: f('desired'), max: f('max') });
const sum = (items: readonly Readonly<Record<Scale, number>>[]) => each((s) => cents(items.reduce((a, x) => a + x[s], 0)));

function component(name: string, unit: string, quantity: Record<Scale, number>, price: PriceFact, assumption?: string): CostComponent {
  return { name, unit, quantity, unitPrice: price.usd, priceSource: price.source, ...(assumption ? { assumption } : {}), monthly: each((s) => cents(quantity[s] * price.usd)) };
}
const flat = (q: number) => each(() => q);

/** Hours a month a GPU pool runs: all of them, or only the environment's working hours. */
export function gpuHoursPerMonth(env: EnvironmentIR, hoursPerMonth: number): number {
  const wh = env.workingHours;
  if (!wh) return hoursPerMonth;
  const [sh, sm] = wh.start.split(':').map(Number) as [number, number];
  const [eh, em] = wh.end.split(':').map(Number) as [number, number];
  const daily = Math.max(0, eh + em / 60 - (sh + sm / 60));
  return Number(((daily * wh.days.length * hoursPerMonth) / 168).toFixed(2));
}

/**
 * Nodes a pool runs at each scale. A GPU pool runs at least the nodes its models' replicas.min force (their GPUs
 * packed onto nodes), whatever its minSize says: the Deployments ask for those replicas, and cluster-autoscaler
 * adds nodes until they schedule, up to maxSize. At max it runs the nodes replicas.max need (the HPA's ceiling;
 * GPU nodes are tainted, so nothing else brings more), never more than maxSize, never fewer than desired.
 */
type PoolNodes = Readonly<Record<Scale, number>> & { readonly forced: number; readonly atMax: number };
/** poolNodes by region and pool, counted once: the IR is frozen, and the estimate asks for each pool many times. */
const poolNodesSeen = new WeakMap<RegionIR, WeakMap<NodePoolIR, PoolNodes>>();

export function poolNodes(pool: NodePoolIR, r: RegionIR): PoolNodes {
  let region = poolNodesSeen.get(r);
  if (!region) poolNodesSeen.set(r, (region = new WeakMap()));
  let nodes = region.get(pool);
  if (!nodes) region.set(pool, (nodes = countPoolNodes(pool, r)));
  return nodes;
}

function countPoolNodes(pool: NodePoolIR, r: RegionIR): PoolNodes {
  const sized = { min: pool.minSize, desired: pool.desiredSize, max: pool.maxSize };
  if (pool.role !== 'gpu' || pool.instance.gpus === 0) return { ...sized, forced: 0, atMax: 0 };
  const on = r.deployments.filter((d) => d.nodePool === pool.name);
  // In units of the pool's GPU resource: a replica of a time-sliced or MIG pool takes one of gpus x perGpu units of
  // a node, so four models of a quarter GPU each share one GPU node (and its price).
  const nodesAt = (count: (d: (typeof on)[number]) => number) => nodesFor(on.flatMap((d) => replicasOf(count(d), d.gpu.count)), pool.instance.gpus * (pool.gpuSharing?.perGpu ?? 1));
  const forced = nodesAt((d) => d.replicas.min);
  const reach = (n: number) => Math.min(pool.maxSize, n);
  const min = reach(Math.max(pool.minSize, forced));
  const desired = reach(Math.max(pool.desiredSize, forced));
  const atMax = nodesAt((d) => d.replicas.max);
  return { min, desired, max: Math.max(desired, reach(atMax)), forced, atMax };
}

/** The spot line's assumption: the region's own spot price, how far below on-demand it is, and that it moves. */
export function spotAssumption(spotUsd: number, onDemandUsd: number, region: string): string {
  const below = Math.round((1 - spotUsd / onDemandUsd) * 100);
  return `spot at the ${region} spot price $${spotUsd}/h, ${below > 0 ? `${below}% below` : 'no cheaper than'} on-demand $${onDemandUsd}/h (a snapshot: spot prices move hourly and differ per availability zone)`;
}

function poolResource(env: EnvironmentIR, r: RegionIR, pool: NodePoolIR, hoursPerMonth: number): CostResource {
  const nodes = poolNodes(pool, r);
  const size = (s: Scale) => nodes[s];
  const hours = pool.role === 'gpu' ? gpuHoursPerMonth(env, hoursPerMonth) : hoursPerMonth;
  // Outside working hours every model is at zero replicas, and the provisioner keeps only the pool's minSize nodes.
  const nightNodes = (s: Scale) => (hours === hoursPerMonth ? 0 : Math.min(pool.minSize, size(s)));
  const hour = hourPrice(pool.instance.type, r.region, pool.capacityType)!;
  const spot = pool.capacityType === 'spot';
  const price: PriceFact = { usd: hour.usd, source: hour.source };
  const assumptions = [
    spot ? spotAssumption(hour.usd, hour.onDemandUsd, r.region) : '',
    hours !== hoursPerMonth
      ? `models run ${hours} h/month (working hours ${env.workingHours!.days.join(',')} ${env.workingHours!.start}-${env.workingHours!.end} ${env.workingHours!.timeZone}), scaled to zero outside them${pool.minSize > 0 ? `; the pool's minSize ${pool.minSize} nodes stay up the other ${cents(hoursPerMonth - hours)} h` : ''}`
      : '',
    pool.gpuSharing?.mode === 'timeSlicing' ? `${pool.gpuSharing.perGpu} time-sliced replicas per GPU: a replica costs 1/${pool.gpuSharing.perGpu} of a GPU` : '',
    pool.gpuSharing?.mode === 'mig' ? `every GPU split into ${pool.gpuSharing.perGpu} MIG ${pool.gpuSharing.profile} instances: a replica costs 1/${pool.gpuSharing.perGpu} of a GPU` : '',
    pool.role === 'gpu' && (nodes.min !== pool.minSize || nodes.desired !== pool.desiredSize || nodes.max !== pool.maxSize)
      ? `${nodes.min}/${nodes.desired}/${nodes.max} nodes at min/desired/max (pool sizes ${pool.minSize}/${pool.desiredSize}/${pool.maxSize}): the models' replicas.min force ${nodes.forced}, their replicas.max need ${nodes.atMax}${nodes.atMax > pool.maxSize ? `, capped at maxSize ${pool.maxSize} (replicas beyond it stay pending)` : ''}`
      : '',
  ].filter(Boolean).join('; ');
  const gp3 = servicePrices(r.region).gp3GBMonth!;
  return {
    name: `node pool ${pool.name}`,
    kind: 'aws_eks_node_group',
    components: [
      component(`Instance usage (Linux/UNIX, ${spot ? 'spot' : 'on-demand'}, ${pool.instance.type})`, 'hours', each((s) => cents(size(s) * hours + nightNodes(s) * (hoursPerMonth - hours))), price, assumptions || undefined),
      component('Root volume (gp3)', 'GB-months', each((s) => size(s) * pool.diskSizeGiB), gp3),
    ],
  };
}

function regionEstimate(ir: PlatformIR, env: EnvironmentIR, r: RegionIR, hoursPerMonth: number): RegionEstimate {
  const p = servicePrices(r.region);
  const price = (k: string) => p[k]!;
  const obs = env.observability;
  const controlPlaneGb = env.cluster.logging.length * ASSUMPTIONS.controlPlaneLogGbPerTypeMonth;
  const modelGb = ir.models.length * ASSUMPTIONS.modelStorageGbPerModel;
  const nat = r.network.natGateways === 'perAz' ? r.network.availabilityZoneCount : 1;
  const nodes = (sc: Scale) => r.nodePools.reduce((a, pool) => a + poolNodes(pool, r)[sc], 0);
  const retained = (gb: number) => cents((gb * Math.min(obs.logs.retentionDays, 3653)) / 30);
  // One ALB per IngressGroup (a team's models of one scheme share it).
  const albs = new Set(r.deployments.map((d) => d.ingressGroup)).size;
  const resources: CostResource[] = [
    {
      name: `EKS cluster ${r.names.cluster}`,
      kind: 'aws_eks_cluster',
      components: [
        component('EKS cluster', 'hours', flat(hoursPerMonth), price('eksClusterHour')),
        ...(env.cluster.logging.length > 0
          ? [
              component('Control plane logs ingested', 'GB', flat(controlPlaneGb), price('cwLogsIngestPerGB'), `${ASSUMPTIONS.controlPlaneLogGbPerTypeMonth} GB a month per log type (${env.cluster.logging.join(', ')})`),
              component('Control plane logs stored', 'GB-months', flat(retained(controlPlaneGb)), price('cwLogsStorageGBMonth'), `steady state: a month's logs x ${env.observability.logs.retentionDays} days retention / 30`),
            ]
          : []),
        ...(env.cluster.secretsEncryption ? [component('KMS key (Kubernetes secrets encryption)', 'keys', flat(1), price('kmsKeyMonth'), 'one customer managed key; each yearly rotation adds $1 a month up to the second, requests within the free tier')] : []),
        component('KMS key (CloudWatch Logs encryption)', 'keys', flat(1), price('kmsKeyMonth'), 'one customer managed key per region for the control-plane, container and flow log groups; CloudWatch Logs caches data keys, requests assumed within the free tier (UNCONFIRMED)'),
      ],
    },
    ...r.nodePools.map((pool) => poolResource(env, r, pool, hoursPerMonth)),
    {
      name: `NAT gateways (${r.network.natGateways})`,
      kind: 'aws_nat_gateway',
      components: [
        component('NAT gateway', 'hours', flat(nat * hoursPerMonth), price('natGatewayHour')),
        // Model downloads go through the S3 gateway endpoint (free) and ECR pulls through its interface endpoints; the
        // images of nvcr.io (Triton, DCGM, device plugin), quay.io and registry.k8s.io still cross NAT.
        component('Data processed: image pulls', 'GB', each((sc) => nodes(sc) * ASSUMPTIONS.imagePullGbPerNodeMonth), price('natGatewayPerGB'), `${ASSUMPTIONS.imagePullGbPerNodeMonth} GB of images per node a month from registries outside AWS (Triton and system images at node start, one replacement a month); models come through the S3 gateway endpoint, free`),
        component('Public IPv4 address (NAT EIP)', 'hours', flat(nat * hoursPerMonth), price('publicIpv4Hour')),
      ],
    },
    {
      name: `VPC interface endpoints (${r.network.interfaceEndpoints.join(', ')})`,
      kind: 'aws_vpc_endpoint',
      components: [
        component('Endpoint hours (one per service and AZ)', 'hours', flat(r.network.interfaceEndpoints.length * r.network.availabilityZoneCount * hoursPerMonth), price('vpcInterfaceEndpointHour'), 'the data they process (ECR layers, STS, logs) is a few GB a month at $0.01/GB: left out'),
      ],
    },
  ];
  if (albs > 0) {
    resources.push({
      name: `Application load balancers (${albs}, one per team and scheme, shared by its models)`,
      kind: 'aws_lb',
      components: [
        component('Application load balancer', 'hours', flat(albs * hoursPerMonth), price('albHour')),
        component('Load balancer capacity units', 'LCU-hours', flat(albs * ASSUMPTIONS.albLcu * hoursPerMonth), price('albLcuHour'), `${ASSUMPTIONS.albLcu} LCU on average per load balancer`),
      ],
    });
  }
  resources.push({
    name: `VPC flow logs ${r.names.cluster}`,
    kind: 'aws_flow_log',
    components: [
      component('Delivered to CloudWatch Logs (vended)', 'GB', flat(ASSUMPTIONS.flowLogGbPerVpcMonth), price('vendedLogsPerGB'), `${ASSUMPTIONS.flowLogGbPerVpcMonth} GB of flow log records a month for the VPC`),
      component('Archival storage', 'GB-months', flat(retained(ASSUMPTIONS.flowLogGbPerVpcMonth)), price('cwLogsStorageGBMonth'), `steady state: a month's records x ${obs.logs.retentionDays} days retention / 30`),
    ],
  });
  if (env.dns) {
    // What the dns root module creates in this region: per record of a host here, one endpoint check per probed model
    // and, when there is one, a calculated check over them (DnsHostIR.records).
    const probed = env.dns.hosts.flatMap((h) => h.records.filter((x) => x.region === r.region && x.probedModels.length > 0).map((x) => x.probedModels.length));
    const endpointChecks = probed.reduce((a, n) => a + n, 0);
    // Widened: the optional features AWS bills for, whichever settings the constant has.
    const hc: { readonly type: string; readonly requestIntervalSeconds: number; readonly measureLatency: boolean } = ROUTE53_HEALTH_CHECK;
    const features = [hc.type.startsWith('HTTPS') ? 'HTTPS' : '', hc.requestIntervalSeconds === 10 ? '10 s interval' : '', hc.type.endsWith('STR_MATCH') ? 'string matching' : '', hc.measureLatency ? 'latency measurement' : ''].filter(Boolean);
    const free = 'the first 50 AWS-endpoint checks of an account are free: not subtracted, other checks of the account may use them';
    const components = [
      ...(r.role === 'primary' ? [component('Hosted zone', 'zones', flat(1), price('route53HostedZoneMonth'), `${env.dns.name}, the environment's own zone (delegated from dns.zone to its account), which the dns and certificate modules read`)] : []),
      ...(endpointChecks
        ? [
            component(`Health checks (AWS endpoint, ${hc.type}, ${hc.requestIntervalSeconds} s)`, 'checks', flat(endpointChecks), price('route53HealthCheckMonth'), `one per internet-facing model that answers an anonymous probe (no Cognito, no allowedCidrs), per host in this region; ${free}`),
            ...(features.length ? [component(`Health check optional features (${features.join(', ')})`, 'features', flat(endpointChecks * features.length), price('route53HealthCheckOptionMonth'), `${features.length} a check`)] : []),
            component('Calculated health checks', 'checks', flat(probed.length), price('route53HealthCheckMonth'), `one per host in this region over its model checks; UNCONFIRMED: priced as a basic AWS-endpoint check, as infracost prices every aws_route53_health_check; ${free}`),
          ]
        : []),
    ];
    if (components.length) resources.push({ name: `Route 53 ${ir.dnsZone}`, kind: 'aws_route53_health_check', components });
  }
  if (obs.logs.enabled) {
    const storedGb = retained(obs.logs.ingestGiBPerMonth);
    resources.push({
      name: `CloudWatch Logs ${r.names.logGroup}`,
      kind: 'aws_cloudwatch_log_group',
      components: [
        component('Data ingested', 'GB', flat(obs.logs.ingestGiBPerMonth), price('cwLogsIngestPerGB'), `${obs.logs.ingestGiBPerMonth} GB of container logs a month (observability.logs.ingestGiBPerMonth)`),
        component('Archival storage', 'GB-months', flat(storedGb), price('cwLogsStorageGBMonth'), `steady state: a month's logs x ${obs.logs.retentionDays} days retention / 30`),
      ],
    });
  }
  if (obs.metrics.enabled) {
    resources.push({ name: 'Prometheus volume', kind: 'aws_ebs_volume', components: [component('Storage (gp3)', 'GB-months', flat(obs.metrics.storageGiB), price('gp3GBMonth'))] });
  }
  resources.push({
    name: `S3 model bucket ${r.names.modelBucket}`,
    kind: 'aws_s3_bucket',
    components: [
      component('Storage (standard)', 'GB-months', flat(modelGb), price('s3StandardGBMonth'), `${ASSUMPTIONS.modelStorageGbPerModel} GB of weights and versions per model`),
      ...(r.role === 'standby' ? [component('Cross-region replication transfer', 'GB', flat(modelGb), servicePrices(env.regions[0]!.region).interRegionPerGB!, `S3 replication from ${env.regions[0]!.region}: every model's weights (${ASSUMPTIONS.modelStorageGbPerModel} GB) replicated once a month, billed by the source region`)] : []),
    ],
  });
  const monthly = sum(resources.flatMap((x) => x.components.map((c) => c.monthly)));
  const autoChoices = r.nodePools.flatMap((p): AutoChoices[] => (p.auto ? [{ pool: p.name, chosen: p.instance.type, candidates: p.auto.ranked }] : []));
  return { env: env.name, region: r.region, role: r.role, resources, monthly, ...(autoChoices.length ? { autoChoices } : {}) };
}

export function estimatePlatform(ir: PlatformIR): PlatformEstimate {
  const hoursPerMonth = regionCatalog.hoursPerMonth;
  const environments = ir.environments.map((env): EnvironmentEstimate => {
    const regions = env.regions.map((r) => regionEstimate(ir, env, r, hoursPerMonth));
    return { env: env.name, budgetUsd: env.budget.monthlyUsd, enforcement: env.budget.enforcement, regions, monthly: sum(regions.map((r) => r.monthly)) };
  });
  return { platform: ir.name, currency: 'USD', hoursPerMonth, environments, monthly: sum(environments.map((e) => e.monthly)) };
}

/** The largest cost lines of an environment at a scale, for "where does the money go". */
export function topCostDrivers(env: EnvironmentEstimate, scale: Scale, n = 3): { name: string; monthly: number }[] {
  return env.regions
    .flatMap((r) => r.resources.map((res) => ({ name: `${res.name} (${r.region})`, monthly: cents(res.components.reduce((a, c) => a + c.monthly[scale], 0)) })))
    .sort((a, b) => b.monthly - a.monthly || compareCodeUnits(a.name, b.name))
    .slice(0, n);
}
