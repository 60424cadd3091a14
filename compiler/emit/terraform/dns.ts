/**
 * The `dns` root module of an environment (in its primary region's folder), when platform.yaml names a DNS
 * zone: Route 53 records for the internet-facing ALB of each region, with health checks on Triton's ready
 * endpoint. With a standby region they are failover records: the primary answers while healthy, the standby
 * behind it. The ALBs are made by the AWS Load Balancer Controller, so this module runs after the Kubernetes
 * objects exist (apply) and is destroyed first (destroy).
 * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-configuring.html
 */
import type { FileOutput } from '../../output/files.js';
import type { EnvironmentIR, PlatformIR, RegionIR } from '../../resolve/ir.js';
import { expr } from './hcl.js';
import { providersTf, versionsTf } from './infra.js';
import { dataBlock, file, resourceBlock } from './templates.js';

export function emitDns(ir: PlatformIR, env: EnvironmentIR): FileOutput[] {
  const dns = env.dns;
  if (!dns) return [];
  const primary = env.regions[0]!;
  const dir = `terraform/${env.name}/${primary.region}/dns`;
  // The ALB of the environment's internet-facing IngressGroup.
  const group = primary.deployments.find((d) => d.ingressScheme === 'internet-facing')!.ingressGroup;
  const alias = (r: RegionIR) => (r.role === 'primary' ? undefined : r.region.replace(/-/g, '_'));
  const provider = (r: RegionIR) => (alias(r) ? expr(`aws.${alias(r)}`) : undefined);
  const id = (r: RegionIR) => r.region.replace(/-/g, '_');
  const failover = env.regions.length > 1;
  const blocks: string[] = [dataBlock('aws_route53_zone', 'zone', { name: dns.zone, private_zone: false })];
  for (const r of env.regions) {
    blocks.push(
      // The ALB the controller made for this environment's internet-facing IngressGroup, found by its tags.
      dataBlock('aws_lb', id(r), { provider: provider(r), tags: { 'elbv2.k8s.aws/cluster': r.names.cluster, 'ingress.k8s.aws/stack': group } }),
      resourceBlock('aws_route53_health_check', id(r), {
        fqdn: expr(`data.aws_lb.${id(r)}.dns_name`),
        type: 'HTTP',
        port: 80,
        resource_path: '/v2/health/ready',
        failure_threshold: 3,
        request_interval: 30,
        tags: { Name: `${dns.name} ${r.region}` },
      }),
      resourceBlock(
        'aws_route53_record',
        id(r),
        {
          zone_id: expr('data.aws_route53_zone.zone.zone_id'),
          name: dns.name,
          type: 'A',
          set_identifier: failover ? `${r.role}-${r.region}` : undefined,
          health_check_id: expr(`aws_route53_health_check.${id(r)}.id`),
        },
        [
          ...(failover ? [{ type: 'failover_routing_policy', body: { type: r.role === 'primary' ? 'PRIMARY' : 'SECONDARY' } }] : []),
          { type: 'alias', body: { name: expr(`data.aws_lb.${id(r)}.dns_name`), zone_id: expr(`data.aws_lb.${id(r)}.zone_id`), evaluate_target_health: true } },
        ],
      ),
    );
  }
  return [
    { path: `${dir}/versions.tf`, content: versionsTf(ir, env, primary, 'dns', ['aws']) },
    { path: `${dir}/providers.tf`, content: providersTf(ir, env, env.regions.map((r) => ({ region: r.region, ...(alias(r) ? { alias: alias(r)! } : {}) }))) },
    { path: `${dir}/records.tf`, content: file(...blocks) },
  ];
}
