/** The cost estimate against figures computed by hand, the budget gate, capacity and the JSON shape (`auto`: test/resolve/auto-instance.test.ts). */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { priceCatalog } from '../../compiler/catalog.js';
import { estimatePlatform, type PlatformEstimate } from '../../compiler/cost/estimate.js';
import { costTable, infracostJson } from '../../compiler/cost/formats.js';
import { listFiles } from '../../compiler/output/write.js';
import { cli, repoRoot, run } from '../helpers/cli.js';
import { filesOf, irOf, irOfText, writeSpec } from '../helpers/platform.js';

/** Component costs of one environment and region as name -> [min, desired, max]. */
function lines(e: PlatformEstimate, env: string, region: string): Record<string, [number, number, number]> {
  const r = e.environments.find((x) => x.env === env)!.regions.find((x) => x.region === region)!;
  return Object.fromEntries(r.resources.flatMap((res) => res.components.map((c) => [`${res.name}: ${c.name}`, [c.monthly.min, c.monthly.desired, c.monthly.max]])));
}

describe('estimates equal the figures computed by hand', () => {
  it('platform.yaml, dev and prod in us-east-1', () => {
    const e = estimatePlatform(irOf('platform.yaml'));
    // 730 h x $0.10 = 73.00; m6i.xlarge $0.192 x 730 = 140.16 per node; g4dn.xlarge $0.526 x 730 = 383.98 per node;
    // gp3 $0.08/GB; one NAT 730 x 0.045 = 32.85, 100 GB x 0.045 = 4.50, EIP 730 x 0.005 = 3.65; one ALB 730 x 0.0225 = 16.425 -> 16.43,
    // 1 LCU 730 x 0.008 = 5.84; logs 50 GB x 0.50 = 25.00, stored 50 GB x 0.03 = 1.50; Prometheus 50 GB x 0.08 = 4.00; S3 2 GB x 0.023 = 0.046 -> 0.05.
    // Control plane: 3 log types x 2 GB = 6 GB x 0.50 = 3.00, stored 6 GB x 30 days / 30 x 0.03 = 0.18; one KMS key $1.00;
    // flow logs 5 GB x 0.50 = 2.50, stored 5 GB x 0.03 = 0.15. Through NAT at $0.045/GB: 10 GB of images per node (models come
    // through the free S3 gateway endpoint). Interface endpoints: 4 services x 2 AZs x 730 h x $0.01 = 58.40.
    const common = {
      'EKS cluster inference-ENV: EKS cluster': [73, 73, 73],
      'EKS cluster inference-ENV: Control plane logs ingested': [3, 3, 3],
      'EKS cluster inference-ENV: Control plane logs stored': [0.18, 0.18, 0.18],
      'EKS cluster inference-ENV: KMS key (Kubernetes secrets encryption)': [1, 1, 1],
      'EKS cluster inference-ENV: KMS key (CloudWatch Logs encryption)': [1, 1, 1],
      'VPC flow logs inference-ENV: Delivered to CloudWatch Logs (vended)': [2.5, 2.5, 2.5],
      'VPC flow logs inference-ENV: Archival storage': [0.15, 0.15, 0.15],
      'VPC interface endpoints (ecr.api, ecr.dkr, logs, sts): Endpoint hours (one per service and AZ)': [58.4, 58.4, 58.4],
      'Application load balancers (1, one per team and scheme, shared by its models): Application load balancer': [16.43, 16.43, 16.43],
      'Application load balancers (1, one per team and scheme, shared by its models): Load balancer capacity units': [5.84, 5.84, 5.84],
      'CloudWatch Logs /platformc/inference-ENV/containers: Data ingested': [25, 25, 25],
      'CloudWatch Logs /platformc/inference-ENV/containers: Archival storage': [1.5, 1.5, 1.5],
      'Prometheus volume: Storage (gp3)': [4, 4, 4],
    };
    const withEnv = (env: string, extra: Record<string, number[]>) => ({ ...Object.fromEntries(Object.entries(common).map(([k, v]) => [k.replace('ENV', env), v])), ...extra });
    // dev has one NAT gateway; prod one per AZ (two).
    const nat = (kind: string, n: number) => ({
      [`NAT gateways (${kind}): NAT gateway`]: [32.85 * n, 32.85 * n, 32.85 * n],
      [`NAT gateways (${kind}): Public IPv4 address (NAT EIP)`]: [3.65 * n, 3.65 * n, 3.65 * n],
    });
    expect(lines(e, 'prod', 'us-east-1')).toEqual(withEnv('prod', {
      ...nat('perAz', 2),
      'node pool general: Instance usage (Linux/UNIX, on-demand, m6i.xlarge)': [280.32, 280.32, 560.64],
      'node pool general: Root volume (gp3)': [8, 8, 16],
      // minSize 1, but resnet50 and mobilenet each keep 2 replicas of 1 GPU in prod: 4 nodes at min (4 x 383.98);
      // replicas.max 3 + 3 = 6 nodes (6 x 383.98 = 2303.88). maxSize 7 leaves the seventh for a rollout's surge pod, not costed.
      'node pool gpu: Instance usage (Linux/UNIX, on-demand, g4dn.xlarge)': [1535.92, 1535.92, 2303.88],
      'node pool gpu: Root volume (gp3)': [32, 32, 48],
      // nodes 2 + 4 = 6 (60 GB -> 2.70) up to 4 + 6 = 10 (100 GB -> 4.50)
      'NAT gateways (perAz): Data processed: image pulls': [2.7, 2.7, 4.5],
      'S3 model bucket inference-prod-models-222222222222-use1: Storage (standard)': [0.05, 0.05, 0.05],
    }));
    expect(lines(e, 'dev', 'us-east-1')).toEqual(withEnv('dev', {
      ...nat('single', 1),
      'node pool general: Instance usage (Linux/UNIX, on-demand, m6i.xlarge)': [280.32, 280.32, 560.64],
      'node pool general: Root volume (gp3)': [8, 8, 16],
      // minSize 0 in dev, yet the two models' replicas.min (1 + 1) hold 2 nodes at every scale; maxSize is 2.
      'node pool gpu: Instance usage (Linux/UNIX, on-demand, g4dn.xlarge)': [767.96, 767.96, 767.96],
      'node pool gpu: Root volume (gp3)': [16, 16, 16],
      // nodes 2 + 2 = 4 (40 GB -> 1.80) up to 4 + 2 = 6 (60 GB -> 2.70)
      'NAT gateways (single): Data processed: image pulls': [1.8, 1.8, 2.7],
      'S3 model bucket inference-dev-models-111111111111-use1: Storage (standard)': [0.05, 0.05, 0.05],
    }));
    // dev min: the two GPU nodes the models force (767.96 + 16) and their image pulls (0.90) over 458.46 without them,
    // then + 58.40 endpoints - 0.09 model downloads through NAT (now the S3 gateway) = 1301.63; max 1532.54 + 58.40 - 0.09.
    // prod: the same, plus a second NAT gateway and its address (32.85 + 3.65; perAz in prod): 1243.32 + 58.40 - 0.09 + 36.50;
    // max 2317.49 + 58.40 - 0.18 + 36.50 = 2412.21. Each + 1.00: the key of the CloudWatch log groups (TF #28): dev 1302.63 /
    // 1591.85, prod (with one replica of each model and 4 GPU nodes at most) 1339.13 / 2413.21. Prod's two replicas at least
    // and three at most add two GPU nodes at every scale: + 2 x 383.98 + 2 x 8.00 (root volumes) + 20 GB x 0.045 (image
    // pulls) = + 784.86: 2123.99 at min and desired, 3198.07 at max.
    expect(e.environments.map((x) => [x.env, x.monthly.min, x.monthly.desired, x.monthly.max])).toEqual([['dev', 1302.63, 1302.63, 1591.85], ['prod', 2123.99, 2123.99, 3198.07]]);
  });

  it('examples/minimal-dev.yaml: spot at the us-west-2 spot price', () => {
    const e = estimatePlatform(irOf('examples/minimal-dev.yaml'));
    const l = lines(e, 'dev', 'us-west-2');
    // t3.large $0.0832 x 730 = 60.736 -> 60.74 per node; g4dn.xlarge spot in us-west-2 $0.249667 (V-SPOT) x 730 = 182.26.
    expect(l['node pool system: Instance usage (Linux/UNIX, on-demand, t3.large)']).toEqual([60.74, 60.74, 121.47]);
    // minSize 0, but mobilenet's replicas.min 1 keeps one node (with its 100 GB root volume, $8.00) at every scale.
    expect(l['node pool gpu: Instance usage (Linux/UNIX, spot, g4dn.xlarge)']).toEqual([182.26, 182.26, 182.26]);
    expect(l['node pool gpu: Root volume (gp3)']).toEqual([8, 8, 8]);
    expect(Object.keys(l).some((k) => k.startsWith('CloudWatch'))).toBe(false); // logs are off
    // Control plane logs 3.00 + 0.18, KMS 1.00, flow logs 2.50 + 0.15; the GPU node the model forces (spot 182.26 + 8);
    // NAT: 1 system + 1 GPU node (0.90) up to 2 + 1 (1.35), 1 replica (0.05).
    expect(l['NAT gateways (single): Data processed: image pulls']).toEqual([0.9, 0.9, 1.35]);
    // + 58.40 interface endpoints (4 x 2 AZs x 730 h x $0.01) - 0.05 model downloads (the S3 gateway endpoint is free);
    // + 1.00 the log groups' KMS key.
    // (465.05 / 528.63 at a flat 50% spot discount: 191.99 became 182.26.)
    expect(e.environments[0]!.monthly).toEqual({ min: 456.32, desired: 456.32, max: 519.9 });
  });

  it('a platform in ap-northeast-1 is priced at Tokyo prices, spot at the Tokyo spot price', () => {
    const text = readFileSync(join(repoRoot, 'examples/minimal-dev.yaml'), 'utf8').replaceAll('us-west-2', 'ap-northeast-1').replaceAll('../models/', 'models/');
    const e = estimatePlatform(irOfText(text));
    const l = lines(e, 'dev', 'ap-northeast-1');
    // specs/prices.json, ap-northeast-1: g4dn.xlarge spot $0.262167 (V-SPOT) x 730 = 191.38; on-demand there is $0.71 (V).
    expect(l['node pool gpu: Instance usage (Linux/UNIX, spot, g4dn.xlarge)']).toEqual([191.38, 191.38, 191.38]);
    // t3.large $0.1088 (SKY-LIN: t3.2xlarge 0.4352 / 4) x 730 = 79.424 a node; 2 nodes at max = 158.85.
    expect(l['node pool system: Instance usage (Linux/UNIX, on-demand, t3.large)']).toEqual([79.42, 79.42, 158.85]);
    // gp3 $0.1033 a GB-month x 100 GB; NAT gateway $0.0581 x 730 h = 42.41.
    expect(l['node pool gpu: Root volume (gp3)']).toEqual([10.33, 10.33, 10.33]);
    expect(l['NAT gateways (single): NAT gateway']).toEqual([42.41, 42.41, 42.41]);
    const gpu = e.environments[0]!.regions[0]!.resources.find((r) => r.name === 'node pool gpu')!.components[0]!;
    expect(gpu).toMatchObject({ unitPrice: 0.262167, priceSource: 'V-SPOT' });
    expect(gpu.assumption).toContain('spot at the ap-northeast-1 spot price $0.262167/h, 63% below on-demand $0.71/h');
    // Every line's source names an entry of the price table's sources.
    for (const c of e.environments[0]!.regions[0]!.resources.flatMap((r) => r.components)) expect(priceCatalog().sources[c.priceSource], c.priceSource).toBeDefined();
  });

  it('examples/spot-cost-optimised.yaml: dev GPUs run only in working hours', () => {
    const e = estimatePlatform(irOf('examples/spot-cost-optimised.yaml'));
    const dev = lines(e, 'dev', 'us-east-1');
    // 12 h x 5 days = 60 h a week; 60 x 730 / 168 = 260.71 h a month; g6.xlarge spot in us-east-1 $0.35575 (V-SPOT); 2 nodes x 260.71 x 0.35575 = 185.50.
    // Two models at replicas.min 1 hold both nodes (maxSize 2 in dev) at every scale, in working hours only.
    expect(dev['node pool gpu-spot: Instance usage (Linux/UNIX, spot, g6.xlarge)']).toEqual([185.5, 185.5, 185.5]);
    expect(dev['node pool gpu-spot: Root volume (gp3)']).toEqual([16, 16, 16]);
    // prod, all month, on Karpenter (no minimum of its own): replicas.min 2 + 2 force 4 nodes x 730 x 0.35575 = 1038.79;
    // max: resnet50 3 + mobilenet 2 = 5 nodes = 1298.49.
    const prod = lines(e, 'prod', 'us-east-1');
    expect(prod['node pool gpu-spot: Instance usage (Linux/UNIX, spot, g6.xlarge)']).toEqual([1038.79, 1038.79, 1298.49]);
    expect(prod['node pool gpu-spot: Root volume (gp3)']).toEqual([32, 32, 40]);
    // The general pool is on demand (Karpenter's controller runs there): m6i.large $0.096 x 730 = 70.08 a node, 2 / 3 nodes.
    expect(prod['node pool general: Instance usage (Linux/UNIX, on-demand, m6i.large)']).toEqual([140.16, 140.16, 210.24]);
    // At a flat 50% spot discount on Karpenter the totals were dev 576.05 / 648.98 and prod 1558.14 / 1933.27 (GPU lines 209.82 in
    // dev, 1175.01 / 1468.76 in prod). At us-east-1's own g6.xlarge spot price: dev - (209.82 - 185.50) = 551.73, max 624.66;
    // prod - (1175.01 - 1038.79) = 1421.92, max - (1468.76 - 1298.49) = 1763.00;
    // + 1.00 the log groups' KMS key in each.
    expect(e.environments.map((x) => [x.env, x.monthly.min, x.monthly.desired, x.monthly.max])).toEqual([['dev', 552.73, 552.73, 625.66], ['prod', 1422.92, 1422.92, 1764]]);
  });

  it('examples/multi-region-prod.yaml: the standby region pays for replication, per-AZ NAT costs three gateways', () => {
    const e = estimatePlatform(irOf('examples/multi-region-prod.yaml'));
    expect(lines(e, 'prod', 'us-west-2')['S3 model bucket vision-prod-prod-models-444400000003-usw2: Cross-region replication transfer']).toEqual([0.04, 0.04, 0.04]);
    expect(lines(e, 'prod', 'us-east-1')['NAT gateways (perAz): NAT gateway']).toEqual([98.55, 98.55, 98.55]);
    // g5.xlarge $1.006 x 730 = 734.38 a node; 150 GB root volume x $0.08 = $12.00 a node.
    // The standby's own gpu minSize is 1, but it runs the same Deployments: resnet50 2 + mobilenet 2 replicas (prod keeps two of
    // each) hold 4 nodes, 4 x 734.38 = 2937.52 (was 3 with mobilenet at 1: 2203.14, root volumes 36); max: 6 + 2 = 8 replicas
    // = 8 nodes; maxSize 9 leaves the ninth for a rollout's surge pod, not costed.
    const pool = (env: string, region: string) => [lines(e, env, region)['node pool gpu: Instance usage (Linux/UNIX, on-demand, g5.xlarge)'], lines(e, env, region)['node pool gpu: Root volume (gp3)']];
    expect(pool('prod', 'us-west-2')).toEqual([[2937.52, 2937.52, 5875.04], [48, 48, 96]]);
    // Primary: minSize 2 < the 4 nodes replicas.min force.
    expect(pool('prod', 'us-east-1')).toEqual([[2937.52, 2937.52, 5875.04], [48, 48, 96]]);
    // staging: minSize 1, resnet50 1..2 + mobilenet 1..2 -> 2 nodes at min, 4 at max; dev: minSize 0, 1 + 1 -> 2 nodes (maxSize 2).
    expect(pool('staging', 'us-east-1')).toEqual([[1468.76, 1468.76, 2937.52], [24, 24, 48]]);
    expect(pool('dev', 'us-east-1')).toEqual([[1468.76, 1468.76, 1468.76], [24, 24, 24]]);
    // Was 588.90 / 1565.44 / 3729.14 at min: + 1468.76 + 24 (dev); + 734.38 + 12 (staging); + 734.38 + 12 and + 1468.76 + 24 (prod).
    // With the new lines (logs, KMS, flow logs, Route 53, NAT per node and replica) of each environment; + 1.00 a region for
    // the log groups' KMS key (two in prod). Route 53 health checks as the dns module creates them (was one $0.50 check a
    // region, 2149.21 / 2297.82, 6144.63 / 14653.20, 2400.02 / 4339.51): dev probes resnet50 (authentication none) in us-east-1,
    // an HTTPS check 0.50 + its HTTPS feature 1.00 + the host's calculated check 0.50 = 2.00, + 1.50; staging and prod put
    // resnet50 behind Cognito (no probe) and mobilenet is internal: no check, - 0.50 in staging, - 1.00 in prod (two regions).
    // prod's second mobilenet replica (6143.63 before): one more node in each region, 734.38 + its root volume 12.00 + its image
    // pulls 10 GB x 0.045 = 0.45, = 746.83 a region, + 1493.66 at min; max unchanged (mobilenet's replicas.max is still 2).
    expect(e.environments.map((x) => [x.env, x.monthly.min, x.monthly.max])).toEqual([['dev', 2150.71, 2299.32], ['prod', 7637.29, 14652.2], ['staging', 2399.52, 4339.01]]);
    // dns.zone: the primary region pays for the zone ($0.50); no health check in prod (see above).
    expect(lines(e, 'prod', 'us-east-1')['Route 53 ml.example.com: Hosted zone']).toEqual([0.5, 0.5, 0.5]);
    expect(Object.keys(lines(e, 'prod', 'us-east-1')).filter((k) => /health check/i.test(k))).toEqual([]);
    expect(Object.keys(lines(e, 'prod', 'us-west-2')).filter((k) => k.startsWith('Route 53'))).toEqual([]);
    expect(Object.fromEntries(Object.entries(lines(e, 'dev', 'us-east-1')).filter(([k]) => k.startsWith('Route 53')))).toEqual({
      'Route 53 ml.example.com: Hosted zone': [0.5, 0.5, 0.5],
      'Route 53 ml.example.com: Health checks (AWS endpoint, HTTPS, 30 s)': [0.5, 0.5, 0.5],
      'Route 53 ml.example.com: Health check optional features (HTTPS)': [1, 1, 1],
      'Route 53 ml.example.com: Calculated health checks': [0.5, 0.5, 0.5],
    });
    // Five control-plane log types x 2 GB = 10 GB x 0.50 = 5.00 in each region's cluster.
    expect(lines(e, 'prod', 'us-west-2')['EKS cluster vision-prod-prod: Control plane logs ingested']).toEqual([5, 5, 5]);
  });

  it('Route 53 health checks: per region, the checks and optional features the dns module creates, none for Cognito, allowedCidrs or internal hosts', () => {
    // multi-region-prod with resnet50 without Cognito and mobilenet internet-facing too (one host, vision.<env>.ml.example.com);
    // dev keeps mobilenet to allowedCidrs (not probed: the checkers' addresses never get in).
    const base = readFileSync(join(repoRoot, 'examples/multi-region-prod.yaml'), 'utf8').replaceAll('../models/', 'models/');
    const text = base
      .replace(/      # Callers authenticate against[\s\S]*?userPoolDomain: vision-prod\n/, '      authentication: none\n')
      .replace('    slo: { latencyP99Ms: 20, availability: 99.9, targetRps: 300 }\n', '    slo: { latencyP99Ms: 20, availability: 99.9, targetRps: 300 }\n    ingress: { scheme: internet-facing, authentication: none }\n')
      .replace('        mobilenet: { replicas: { min: 1, max: 1 } }\n  staging:', '        mobilenet: { replicas: { min: 1, max: 1 }, ingress: { allowedCidrs: [198.51.100.0/24] } }\n  staging:');
    expect(text).not.toBe(base);
    const ir = irOfText(text);
    const e = estimatePlatform(ir);
    const files = filesOf(ir);
    // The checks in the generated Terraform, by region (the resource names end in the region) and type.
    const created = (env: string, region: string) => {
      const tf = files.find((f) => f.path === `terraform/${env}/us-east-1/dns/records.tf`)!.content;
      const blocks = [...tf.matchAll(/resource "aws_route53_health_check" "(\w+)" \{([\s\S]*?)\n\}/g)].filter((m) => m[1]!.includes(region.replace(/-/g, '_')));
      const type = (t: string) => blocks.filter((m) => new RegExp(`\\btype\\s+= "${t}"`).test(m[2]!)).length;
      expect(blocks.every((m) => /request_interval\s+= 30/.test(m[2]!) || /CALCULATED/.test(m[2]!)), 'standard 30 s interval').toBe(true);
      return { https: type('HTTPS'), calculated: type('CALCULATED'), other: blocks.length - type('HTTPS') - type('CALCULATED') };
    };
    const estimated = (env: string, region: string) => {
      const l = lines(e, env, region);
      const q = (name: string) => (l[`Route 53 ml.example.com: ${name}`]?.[0] ?? 0);
      // Quantities from the prices: endpoint checks and calculated checks at $0.50, one HTTPS feature a check at $1.00.
      return { https: q('Health checks (AWS endpoint, HTTPS, 30 s)') / 0.5, calculated: q('Calculated health checks') / 0.5, other: 0, features: q('Health check optional features (HTTPS)') / 1 };
    };
    // dev: resnet50 only (mobilenet behind allowedCidrs); staging: both models; prod: both, in each region of the failover pair.
    const expected = { dev: { 'us-east-1': 1 }, staging: { 'us-east-1': 2 }, prod: { 'us-east-1': 2, 'us-west-2': 2 } } as Record<string, Record<string, number>>;
    for (const [env, regions] of Object.entries(expected)) {
      for (const [region, models] of Object.entries(regions)) {
        expect(created(env, region), `${env} ${region}`).toEqual({ https: models, calculated: 1, other: 0 });
        expect(estimated(env, region), `${env} ${region}`).toEqual({ https: models, calculated: 1, other: 0, features: models });
      }
    }
    // prod us-west-2: 2 x 0.50 + 2 x 1.00 + 0.50 = 3.50, and no hosted zone (the primary pays for it).
    expect(Object.entries(lines(e, 'prod', 'us-west-2')).filter(([k]) => k.startsWith('Route 53')).reduce((a, [, v]) => a + v[0], 0)).toBe(3.5);
  });

  it('examples/multi-model-teams.yaml: every GPU pool at the nodes its models force and need', () => {
    const e = estimatePlatform(irOf('examples/multi-model-teams.yaml'));
    const pools = (env: string) => {
      const l = lines(e, env, 'us-east-1');
      return Object.fromEntries(Object.entries(l).filter(([k]) => /^node pool (t4|l4|l40s): Instance/.test(k)));
    };
    // g4dn.xlarge 0.526 x 730 = 383.98; g6.xlarge 0.8048 x 730 = 587.504; g6e.xlarge 1.861 x 730 = 1358.53.
    // dev: t4 (min 0, max 3): resnet50-batch 1..2 + image-embeddings 1..1 -> 2 nodes, 3 at max;
    //      l4 (min 0, max 3): resnet50-realtime 1..1 + ad-safety 1..1 -> 2 nodes, 2 at max (maxSize 3 is never reached);
    //      l40s (max 1): ad-classifier 1..1 -> 1 node.
    expect(pools('dev')).toEqual({
      'node pool l4: Instance usage (Linux/UNIX, on-demand, g6.xlarge)': [1175.01, 1175.01, 1175.01],
      'node pool l40s: Instance usage (Linux/UNIX, on-demand, g6e.xlarge)': [1358.53, 1358.53, 1358.53],
      'node pool t4: Instance usage (Linux/UNIX, on-demand, g4dn.xlarge)': [767.96, 767.96, 1151.94],
    });
    // prod keeps two replicas of every model (replicas.min 2) and a GPU of surge headroom per pool (maxSize 7/7/3, not costed):
    //       t4 (min 1, max 7): 2 + 2 -> 4 nodes (4 x 383.98 = 1535.92), 2 + 4 = 6 at max;
    //       l4 (min 1, max 7): 2 + 2 -> 4 (4 x 587.504 = 2350.016), 4 + 2 = 6 (6 x 587.504 = 3525.024);
    //       l40s (min 0, max 3): 2 (2717.06), 2 at max.
    expect(pools('prod')).toEqual({
      'node pool l4: Instance usage (Linux/UNIX, on-demand, g6.xlarge)': [2350.02, 2350.02, 3525.02],
      'node pool l40s: Instance usage (Linux/UNIX, on-demand, g6e.xlarge)': [2717.06, 2717.06, 2717.06],
      'node pool t4: Instance usage (Linux/UNIX, on-demand, g4dn.xlarge)': [1535.92, 1535.92, 2303.88],
    });
    // dev max fell by one l4 node, its root volume and its image pulls; each of the three teams has its own internal ALB
    // (one IngressGroup per team): two more than one shared ALB, 2 x (16.43 + 5.84) = 44.53 at every scale; + 1.00 the log groups' key.
    // prod min was 4585.41 with one replica each: + 5 GPU nodes (t4 2 x 383.98 = 767.96, l4 2 x 587.504 = 1175.01, l40s 1358.53),
    // their root volumes 5 x 100 GB x 0.08 = 40.00 and image pulls 5 x 10 GB x 0.045 = 2.25: + 3343.75 = 7929.16. Max unchanged.
    expect(e.environments.map((x) => [x.env, x.monthly.min, x.monthly.max])).toEqual([['dev', 4483.21, 5741.95], ['prod', 7929.16, 10772.23]]);
  });

  it('replicas share multi-GPU nodes: the forced nodes are the GPUs packed, not one node a replica', () => {
    const text = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8')
      .replace('instanceTypes: [g4dn.xlarge]', 'instanceTypes: [g4dn.12xlarge]')
      .replace('  monthlyUsd: 3000', '  monthlyUsd: 100000')
      .replace('budget: { monthlyUsd: 1800 }', 'budget: { monthlyUsd: 100000 }')
      .replace('budget: { monthlyUsd: 3500 }', 'budget: { monthlyUsd: 100000 }');
    const e = estimatePlatform(irOfText(text));
    // g4dn.12xlarge has 4 T4: dev's 2 replicas fit one node, $3.912 x 730 = 2855.76; prod's replicas.min 2 + 2 = 4 GPUs also
    // fit one, its replicas.max 3 + 3 = 6 GPUs take two (5711.52), not six.
    expect(lines(e, 'dev', 'us-east-1')['node pool gpu: Instance usage (Linux/UNIX, on-demand, g4dn.12xlarge)']).toEqual([2855.76, 2855.76, 2855.76]);
    expect(lines(e, 'prod', 'us-east-1')['node pool gpu: Instance usage (Linux/UNIX, on-demand, g4dn.12xlarge)']).toEqual([2855.76, 2855.76, 5711.52]);
  });

  it('forced nodes stop at maxSize (the autoscaler adds no more; the replicas beyond stay pending), and the line says so', () => {
    const text = readFileSync(join(repoRoot, 'examples/multi-region-prod.yaml'), 'utf8')
      .replaceAll('../models/', 'models/')
      .replace('gpu: { minSize: 1, desiredSize: 1 }', 'gpu: { minSize: 1, desiredSize: 1, maxSize: 2 }');
    const r = estimatePlatform(irOfText(text)).environments.find((x) => x.env === 'prod')!.regions.find((x) => x.region === 'us-west-2')!;
    const c = r.resources.find((x) => x.name === 'node pool gpu')!.components[0]!;
    // replicas.min 2 + 2 (prod keeps two mobilenet) would need 4 nodes; the standby's maxSize is 2: 2 x 734.38 = 1468.76 at every scale.
    expect(c.monthly).toEqual({ min: 1468.76, desired: 1468.76, max: 1468.76 });
    expect(c.assumption).toBe("2/2/2 nodes at min/desired/max (pool sizes 1/1/2): the models' replicas.min force 4, their replicas.max need 8, capped at maxSize 2 (replicas beyond it stay pending)");
  });

  it('a budget that only warns says so', () => {
    const e = estimatePlatform(irOf('examples/minimal-dev.yaml'));
    expect(costTable(e).split('\n')[0]).toBe('dev: $456.32 (min) / $456.32 (desired) / $519.90 (max) a month; budget $800.00 (warning only)');
  });

  it('every line states its price source, and totals add up from the lines', () => {
    const e = estimatePlatform(irOf('examples/multi-model-teams.yaml'));
    for (const env of e.environments) {
      for (const r of env.regions) {
        const total = r.resources.flatMap((x) => x.components).reduce((a, c) => a + c.monthly.max, 0);
        expect(r.monthly.max).toBeCloseTo(total, 2);
        for (const c of r.resources.flatMap((x) => x.components)) expect(priceCatalog().sources[c.priceSource], c.priceSource).toBeDefined();
      }
    }
  });
});

describe('platformc cost', () => {
  it('--format json validates against the Infracost-shaped schema kept in schema/', () => {
    const r = cli(['cost', 'examples/multi-region-prod.yaml', '--format', 'json']);
    expect(r.code).toBe(0);
    const ajv = new Ajv({ strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'schema/cost-estimate.schema.json'), 'utf8')));
    const json = JSON.parse(r.stdout);
    expect(validate(json), ajv.errorsText(validate.errors)).toBe(true);
    expect(json.projects.map((p: { name: string }) => p.name)).toContain('vision-prod/prod/us-west-2');
  });
  it('the JSON totals are the estimate at maximum scale', () => {
    const e = estimatePlatform(irOf('platform.yaml'));
    // dev 1591.85 + prod 3198.07 at max.
    expect(infracostJson(e).totalMonthlyCost).toBe('4789.92');
  });
  it('prints a table for one environment, and markdown for a pull request', async () => {
    expect((await run(['cost', '--env', 'dev'])).stdout).toMatch(/^dev: \$1,302\.63 \(min\) \/ \$1,302\.63 \(desired\) \/ \$1,591\.85 \(max\) a month; budget \$1,800\.00 \(enforced: validate and compile fail when max exceeds it\)$/m);
    expect((await run(['cost', '--format', 'markdown'])).stdout).toContain('| prod | $2,123.99 | $2,123.99 | $3,198.07 | $3,500.00 | within budget |');
    expect((await run(['cost', '--env', 'qa'])).code).toBe(2);
  });
});

describe('budget gate', () => {
  const base = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');
  it('an over-budget spec fails compile at the budget line and leaves generated/ untouched', async () => {
    const file = writeSpec(base.replace('budget: { monthlyUsd: 1800 }', 'budget: { monthlyUsd: 1000 }'));
    const dir = join(file, '..');
    const r = await run(['compile', 'platform.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    const line = base.split('\n').findIndex((l) => l.includes('budget: { monthlyUsd: 1800 }')) + 1;
    expect(r.stdout).toContain(`platform.yaml:${line}:27: error over-budget: dev costs up to $1,591.85 a month at maximum scale, over its budget of $1,000.00; largest: node pool gpu (us-east-1) $783.96`);
    expect(listFiles(join(dir, 'generated'))).toEqual([]);
  });
  it('with warning enforcement it compiles and warns', async () => {
    const file = writeSpec(base.replace('budget: { monthlyUsd: 1800 }', 'budget: { monthlyUsd: 1000, enforcement: warning }'));
    const r = await run(['compile', 'platform.yaml'], { cwd: join(file, '..') });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('warning over-budget: dev costs up to $1,591.85');
  });
});

describe('compile --check shows the monthly cost delta', () => {
  it('before and after, per environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'platformc-delta-'));
    for (const f of ['platform.yaml', 'models', 'generated']) cpSync(join(repoRoot, f), join(dir, f), { recursive: true });
    writeFileSync(join(dir, 'platform.yaml'), readFileSync(join(dir, 'platform.yaml'), 'utf8').replace('    minSize: 1\n    maxSize: 4\n    diskSizeGiB: 100', '    minSize: 5\n    maxSize: 5\n    diskSizeGiB: 100'));
    const r = await run(['compile', 'platform.yaml', '--check'], { cwd: dir });
    expect(r.code).toBe(3);
    // The models' replicas.min already hold 4 nodes in prod (2 + 2): minSize 5 adds one g4dn.xlarge (383.98), its 100 GB
    // root volume (8.00) and its image pulls through NAT (10 GB x 0.045 = 0.45); dev overrides minSize (0) and maxSize (2).
    expect(r.stdout).toContain('prod       $2,123.99 -> $2,516.42 (+$392.43 a month)');
    expect(r.stdout).toContain('dev        $1,302.63 -> $1,302.63 (±$0.00 a month)');
  });
});

describe('capacity', () => {
  it('fails when the replicas cannot serve the target rate', async () => {
    const base = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');
    // T4: 5563/s x 0.25 derate = 1390.75/s per replica: 5000/s needs 4 replicas, max is 2.
    const r = await run(['validate', writeSpec(base.replace('targetRps: 200', 'targetRps: 5000'))]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/error slo-capacity: 'resnet50' needs 4 replicas on g4dn\.xlarge to serve 5000 requests\/s/);
  });
});
