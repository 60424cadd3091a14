/**
 * The `dns` root module of an environment (in its primary region's folder), when platform.yaml names a DNS
 * zone: one record per IngressGroup host (<team>.<env>.<zone>, <team>.internal.<env>.<zone>), an alias of the
 * group's ALB in each region. With a standby region they are failover records: the primary answers while
 * healthy, the standby behind it. Internet-facing hosts are health-checked over HTTPS on each model's routed
 * path (/v2/models/<model>/ready: the ALB routes only its Ingresses' paths, anything else gets its fixed 404);
 * internal hosts point at the primary region's internal ALB only (no failover into a VPC callers cannot reach).
 * Records live in the environment's own zone <env>.<zone>, delegated from <zone> to the environment's account.
 * The ALBs are made by the AWS Load Balancer Controller, so this module runs after the Kubernetes objects
 * exist and the ALBs are provisioned (apply) and is destroyed first (destroy).
 * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-configuring.html
 */
import type { FileOutput } from '../../output/files.js';
import type { DnsHostIR, EnvironmentIR, PlatformIR, RegionIR } from '../../resolve/ir.js';
import { ROUTE53_HEALTH_CHECK } from '../../lib/conventions.js';
import { hostId } from './certificates.js';
import { expr } from './hcl.js';
import { lockFile, providersTf, ROOT_PROVIDERS, versionsTf } from './infra.js';
import { dataBlock, file, resourceBlock } from './templates.js';

export function emitDns(ir: PlatformIR, env: EnvironmentIR): FileOutput[] {
  const dns = env.dns;
  if (!dns) return [];
  const primary = env.regions[0]!;
  const dir = `terraform/${env.name}/${primary.region}/dns`;
  const alias = (r: RegionIR) => (r.role === 'primary' ? undefined : r.region.replace(/-/g, '_'));
  const provider = (r: RegionIR) => (alias(r) ? expr(`aws.${alias(r)}`) : undefined);
  // The environment's own zone, <env>.<zone>, in its own account: a domain is delegated to one hosted zone, so
  // environments in separate accounts cannot each hold <zone> (the parent delegates <env>.<zone> to each account).
  const blocks: string[] = [dataBlock('aws_route53_zone', 'zone', { name: dns.name, private_zone: false })];
  // The regions of each host's records (internal: the primary only) and the models probed there come from resolve.
  for (const h of dns.hosts) {
    for (const rec of h.records) {
      const r = env.regions.find((x) => x.region === rec.region)!;
      blocks.push(...hostBlocks(env, h, r, rec.probedModels, provider(r)));
    }
  }
  return [
    { path: `${dir}/versions.tf`, content: versionsTf(ir, env, primary, 'dns', ['aws']) },
    { path: `${dir}/.terraform.lock.hcl`, content: lockFile(ir, ROOT_PROVIDERS.dns) },
    { path: `${dir}/providers.tf`, content: providersTf(ir, env, env.regions.map((r) => ({ region: r.region, ...(alias(r) ? { alias: alias(r)! } : {}) }))) },
    { path: `${dir}/records.tf`, content: file(...blocks) },
  ];
}

/**
 * The ALB lookup, health checks and record of one host in one region. The probed models answer an anonymous probe
 * (DnsHostIR.records); the others are left to the alias's target health.
 */
function hostBlocks(env: EnvironmentIR, h: DnsHostIR, r: RegionIR, probed: readonly string[], provider: ReturnType<typeof expr> | undefined): string[] {
  const id = `${hostId(h.name)}_${r.region.replace(/-/g, '_')}`;
  const failover = env.regions.length > 1 && h.scheme === 'internet-facing';
  const lb = `data.aws_lb.${id}`;
  const check = (model: string) => `${id}_${model.replace(/-/g, '_')}`;
  return [
    // The ALB the controller made for this IngressGroup, found by its tags.
    dataBlock('aws_lb', id, { provider, tags: { 'elbv2.k8s.aws/cluster': r.names.cluster, 'ingress.k8s.aws/stack': h.group } }),
    // Route 53 does not validate the certificate, so the ALB's own DNS name can be probed (its rules match any Host).
    ...probed.map((model) =>
      resourceBlock('aws_route53_health_check', check(model), {
        fqdn: expr(`${lb}.dns_name`),
        type: ROUTE53_HEALTH_CHECK.type,
        port: ROUTE53_HEALTH_CHECK.port,
        enable_sni: true,
        resource_path: `/v2/models/${model}/ready`,
        failure_threshold: ROUTE53_HEALTH_CHECK.failureThreshold,
        request_interval: ROUTE53_HEALTH_CHECK.requestIntervalSeconds,
        measure_latency: ROUTE53_HEALTH_CHECK.measureLatency || undefined,
        tags: { Name: `${h.name} ${r.region} ${model}` },
      }),
    ),
    // Healthy only when every probed model of the group is.
    ...(probed.length
      ? [
          resourceBlock('aws_route53_health_check', id, {
            type: 'CALCULATED',
            child_health_threshold: probed.length,
            child_healthchecks: probed.map((model) => expr(`aws_route53_health_check.${check(model)}.id`)),
            tags: { Name: `${h.name} ${r.region}` },
          }),
        ]
      : []),
    resourceBlock(
      'aws_route53_record',
      id,
      {
        zone_id: expr('data.aws_route53_zone.zone.zone_id'),
        name: h.name,
        type: 'A',
        set_identifier: failover ? `${r.role}-${r.region}` : undefined,
        health_check_id: probed.length ? expr(`aws_route53_health_check.${id}.id`) : undefined,
      },
      [
        ...(failover ? [{ type: 'failover_routing_policy', body: { type: r.role === 'primary' ? 'PRIMARY' : 'SECONDARY' } }] : []),
        { type: 'alias', body: { name: expr(`${lb}.dns_name`), zone_id: expr(`${lb}.zone_id`), evaluate_target_health: true } },
      ],
    ),
  ];
}
