/**
 * Monthly cost estimate of a resolved platform: per environment, region and component, at minimum,
 * desired and maximum scale. Every line carries its quantity, unit price, the price's source and the
 * assumption behind it. Prices come from specs/ only. 1 month = 730 hours.
 */
import type { EnvironmentIR, NodePoolIR, PlatformIR, RegionIR } from '../resolve/ir.js';
import { instanceCatalog, regionCatalog, type PriceFact } from '../catalog.js';

export type Scale = 'min' | 'desired' | 'max';
export const SCALES: readonly Scale[] = ['min', 'desired', 'max'];

/** Assumptions the estimate states on every line that uses them. */
export const ASSUMPTIONS = {
  spotDiscount: 0.5,
  natDataGbPerGatewayMonth: 100,
  albLcu: 1,
  modelStorageGbPerModel: 1,
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

export interface RegionEstimate {
  readonly env: string;
  readonly region: string;
  readonly role: 'primary' | 'standby';
  readonly resources: readonly CostResource[];
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

function poolResource(env: EnvironmentIR, r: RegionIR, pool: NodePoolIR, hoursPerMonth: number): CostResource {
  const size = (s: Scale) => (s === 'min' ? pool.minSize : s === 'desired' ? pool.desiredSize : pool.maxSize);
  const hours = pool.role === 'gpu' ? gpuHoursPerMonth(env, hoursPerMonth) : hoursPerMonth;
  const onDemand = instanceCatalog.instances[pool.instance.type]!.onDemand[r.region]!;
  const spot = pool.capacityType === 'spot';
  const price: PriceFact = { usd: spot ? Math.round(onDemand.usdPerHour * (1 - ASSUMPTIONS.spotDiscount) * 1e6) / 1e6 : onDemand.usdPerHour, source: onDemand.source };
  const assumptions = [
    spot ? `spot at ${ASSUMPTIONS.spotDiscount * 100}% below on-demand $${onDemand.usdPerHour}/h (observed GPU spot discounts are 43-66%)` : '',
    hours !== hoursPerMonth ? `runs ${hours} h/month (working hours ${env.workingHours!.days.join(',')} ${env.workingHours!.start}-${env.workingHours!.end})` : '',
  ].filter(Boolean).join('; ');
  const gp3 = regionCatalog.regions[r.region]!.prices.gp3GBMonth!;
  return {
    name: `node pool ${pool.name}`,
    kind: 'aws_eks_node_group',
    components: [
      component(`Instance usage (Linux/UNIX, ${spot ? 'spot' : 'on-demand'}, ${pool.instance.type})`, 'hours', each((s) => size(s) * hours), price, assumptions || undefined),
      component('Root volume (gp3)', 'GB-months', each((s) => size(s) * pool.diskSizeGiB), gp3),
    ],
  };
}

function regionEstimate(ir: PlatformIR, env: EnvironmentIR, r: RegionIR, hoursPerMonth: number): RegionEstimate {
  const p = regionCatalog.regions[r.region]!.prices;
  const price = (k: string) => p[k]!;
  const nat = r.network.natGateways === 'perAz' ? r.network.availabilityZones.length : 1;
  const schemes = new Set(r.deployments.map((d) => d.ingressScheme)).size;
  const obs = env.observability;
  const resources: CostResource[] = [
    { name: `EKS cluster ${r.names.cluster}`, kind: 'aws_eks_cluster', components: [component('EKS cluster', 'hours', flat(hoursPerMonth), price('eksClusterHour'))] },
    ...r.nodePools.map((pool) => poolResource(env, r, pool, hoursPerMonth)),
    {
      name: `NAT gateways (${r.network.natGateways})`,
      kind: 'aws_nat_gateway',
      components: [
        component('NAT gateway', 'hours', flat(nat * hoursPerMonth), price('natGatewayHour')),
        component('Data processed', 'GB', flat(nat * ASSUMPTIONS.natDataGbPerGatewayMonth), price('natGatewayPerGB'), `${ASSUMPTIONS.natDataGbPerGatewayMonth} GB a month through each NAT gateway (images, S3 model downloads go through it)`),
        component('Public IPv4 address (NAT EIP)', 'hours', flat(nat * hoursPerMonth), price('publicIpv4Hour')),
      ],
    },
  ];
  if (schemes > 0) {
    resources.push({
      name: `Application load balancers (${schemes}, one per scheme, shared by the models)`,
      kind: 'aws_lb',
      components: [
        component('Application load balancer', 'hours', flat(schemes * hoursPerMonth), price('albHour')),
        component('Load balancer capacity units', 'LCU-hours', flat(schemes * ASSUMPTIONS.albLcu * hoursPerMonth), price('albLcuHour'), `${ASSUMPTIONS.albLcu} LCU on average per load balancer`),
      ],
    });
  }
  if (obs.logs.enabled) {
    const storedGb = cents(obs.logs.ingestGiBPerMonth * Math.min(obs.logs.retentionDays, 3653) / 30);
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
  const modelGb = ir.models.length * ASSUMPTIONS.modelStorageGbPerModel;
  resources.push({
    name: `S3 model bucket ${r.names.modelBucket}`,
    kind: 'aws_s3_bucket',
    components: [
      component('Storage (standard)', 'GB-months', flat(modelGb), price('s3StandardGBMonth'), `${ASSUMPTIONS.modelStorageGbPerModel} GB of weights and versions per model`),
      ...(r.role === 'standby' ? [component('Cross-region replication transfer', 'GB', flat(modelGb), price('interRegionPerGB'), 'the model bucket replicated once a month')] : []),
    ],
  });
  const monthly = sum(resources.flatMap((x) => x.components.map((c) => c.monthly)));
  return { env: env.name, region: r.region, role: r.role, resources, monthly };
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
    .sort((a, b) => b.monthly - a.monthly || (a.name < b.name ? -1 : 1))
    .slice(0, n);
}
