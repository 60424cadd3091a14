/** The cost estimate against figures computed by hand, the budget gate, capacity, `auto` and the JSON shape. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { estimatePlatform, type PlatformEstimate } from '../../compiler/cost/estimate.js';
import { infracostJson } from '../../compiler/cost/formats.js';
import { rankInstanceTypes } from '../../compiler/resolve/auto-instance.js';
import { environmentSpec } from '../../compiler/front/environments.js';
import { instanceCatalog } from '../../compiler/catalog.js';
import { listFiles } from '../../compiler/output/write.js';
import { cli, repoRoot } from '../helpers/cli.js';
import { irOf, validated, writeSpec } from '../helpers/platform.js';

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
    const common = {
      'EKS cluster inference-ENV: EKS cluster': [73, 73, 73],
      'NAT gateways (single): NAT gateway': [32.85, 32.85, 32.85],
      'NAT gateways (single): Data processed': [4.5, 4.5, 4.5],
      'NAT gateways (single): Public IPv4 address (NAT EIP)': [3.65, 3.65, 3.65],
      'Application load balancers (1, one per scheme, shared by the models): Application load balancer': [16.43, 16.43, 16.43],
      'Application load balancers (1, one per scheme, shared by the models): Load balancer capacity units': [5.84, 5.84, 5.84],
      'CloudWatch Logs /platformc/inference-ENV/containers: Data ingested': [25, 25, 25],
      'CloudWatch Logs /platformc/inference-ENV/containers: Archival storage': [1.5, 1.5, 1.5],
      'Prometheus volume: Storage (gp3)': [4, 4, 4],
    };
    const withEnv = (env: string, extra: Record<string, number[]>) => ({ ...Object.fromEntries(Object.entries(common).map(([k, v]) => [k.replace('ENV', env), v])), ...extra });
    expect(lines(e, 'prod', 'us-east-1')).toEqual(withEnv('prod', {
      'node pool general: Instance usage (Linux/UNIX, on-demand, m6i.xlarge)': [280.32, 280.32, 560.64],
      'node pool general: Root volume (gp3)': [8, 8, 16],
      'node pool gpu: Instance usage (Linux/UNIX, on-demand, g4dn.xlarge)': [383.98, 383.98, 1535.92],
      'node pool gpu: Root volume (gp3)': [8, 8, 32],
      'S3 model bucket inference-prod-models-222222222222-use1: Storage (standard)': [0.05, 0.05, 0.05],
    }));
    expect(lines(e, 'dev', 'us-east-1')).toEqual(withEnv('dev', {
      'node pool general: Instance usage (Linux/UNIX, on-demand, m6i.xlarge)': [280.32, 280.32, 560.64],
      'node pool general: Root volume (gp3)': [8, 8, 16],
      'node pool gpu: Instance usage (Linux/UNIX, on-demand, g4dn.xlarge)': [0, 0, 767.96],
      'node pool gpu: Root volume (gp3)': [0, 0, 16],
      'S3 model bucket inference-dev-models-111111111111-use1: Storage (standard)': [0.05, 0.05, 0.05],
    }));
    expect(e.environments.map((x) => [x.env, x.monthly.min, x.monthly.max])).toEqual([['dev', 455.14, 1527.42], ['prod', 847.12, 2311.38]]);
  });

  it('examples/minimal-dev.yaml: spot at half the on-demand price, us-west-2', () => {
    const e = estimatePlatform(irOf('examples/minimal-dev.yaml'));
    const l = lines(e, 'dev', 'us-west-2');
    // t3.large $0.0832 x 730 = 60.736 -> 60.74 per node; g4dn.xlarge spot $0.526 x 0.5 = $0.263 x 730 = 191.99.
    expect(l['node pool system: Instance usage (Linux/UNIX, on-demand, t3.large)']).toEqual([60.74, 60.74, 121.47]);
    expect(l['node pool gpu: Instance usage (Linux/UNIX, spot, g4dn.xlarge)']).toEqual([0, 0, 191.99]);
    expect(Object.keys(l).some((k) => k.startsWith('CloudWatch'))).toBe(false); // logs are off
    expect(e.environments[0]!.monthly).toEqual({ min: 203.43, desired: 203.43, max: 466.55 });
  });

  it('examples/spot-cost-optimised.yaml: dev GPUs run only in working hours', () => {
    const l = lines(estimatePlatform(irOf('examples/spot-cost-optimised.yaml')), 'dev', 'us-east-1');
    // 12 h x 5 days = 60 h a week; 60 x 730 / 168 = 260.71 h a month; g6.xlarge spot $0.8048 x 0.5 = $0.4024; 2 nodes x 260.71 x 0.4024 = 209.82.
    expect(l['node pool gpu-spot: Instance usage (Linux/UNIX, spot, g6.xlarge)']).toEqual([0, 0, 209.82]);
  });

  it('examples/multi-region-prod.yaml: the standby region pays for replication, per-AZ NAT costs three gateways', () => {
    const e = estimatePlatform(irOf('examples/multi-region-prod.yaml'));
    expect(lines(e, 'prod', 'us-west-2')['S3 model bucket vision-prod-prod-models-444400000003-usw2: Cross-region replication transfer']).toEqual([0.04, 0.04, 0.04]);
    expect(lines(e, 'prod', 'us-east-1')['NAT gateways (perAz): NAT gateway']).toEqual([98.55, 98.55, 98.55]);
    // Standby at its own sizes: gpu min 1 (g5.xlarge $1.006 x 730 = 734.38).
    expect(lines(e, 'prod', 'us-west-2')['node pool gpu: Instance usage (Linux/UNIX, on-demand, g5.xlarge)']![0]).toBe(734.38);
  });

  it('every line states its price source, and totals add up from the lines', () => {
    const e = estimatePlatform(irOf('examples/multi-model-teams.yaml'));
    for (const env of e.environments) {
      for (const r of env.regions) {
        const total = r.resources.flatMap((x) => x.components).reduce((a, c) => a + c.monthly.max, 0);
        expect(r.monthly.max).toBeCloseTo(total, 2);
        for (const c of r.resources.flatMap((x) => x.components)) expect(c.priceSource).toMatch(/^(K|K-2026-01|V|US-EQ|EU-MEM|IC|S3|EU-NAT)$/);
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
    expect(infracostJson(e).totalMonthlyCost).toBe('3838.8');
  });
  it('prints a table for one environment, and markdown for a pull request', () => {
    expect(cli(['cost', '--env', 'dev']).stdout).toMatch(/^dev: \$455\.14 \(min\)/);
    expect(cli(['cost', '--format', 'markdown']).stdout).toContain('| prod | $847.12 | $847.12 | $2,311.38 | $3,000.00 | within budget |');
    expect(cli(['cost', '--env', 'qa']).code).toBe(2);
  });
});

describe('budget gate', () => {
  const base = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');
  it('an over-budget spec fails compile at the budget line and leaves generated/ untouched', () => {
    const file = writeSpec(base.replace('budget: { monthlyUsd: 1800 }', 'budget: { monthlyUsd: 1000 }'));
    const dir = join(file, '..');
    const r = cli(['compile', 'platform.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    const line = base.split('\n').findIndex((l) => l.includes('budget: { monthlyUsd: 1800 }')) + 1;
    expect(r.stdout).toContain(`platform.yaml:${line}:27: error over-budget: dev costs up to $1,527.42 a month at maximum scale, over its budget of $1,000.00; largest: node pool gpu (us-east-1) $783.96`);
    expect(listFiles(join(dir, 'generated'))).toEqual([]);
  });
  it('with warning enforcement it compiles and warns', () => {
    const file = writeSpec(base.replace('budget: { monthlyUsd: 1800 }', 'budget: { monthlyUsd: 1000, enforcement: warning }'));
    const r = cli(['compile', 'platform.yaml'], { cwd: join(file, '..') });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('warning over-budget: dev costs up to $1,527.42');
  });
});

describe('compile --check shows the monthly cost delta', () => {
  it('before and after, per environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'platformc-delta-'));
    for (const f of ['platform.yaml', 'models', 'generated']) cpSync(join(repoRoot, f), join(dir, f), { recursive: true });
    writeFileSync(join(dir, 'platform.yaml'), readFileSync(join(dir, 'platform.yaml'), 'utf8').replace('    minSize: 1\n    maxSize: 4\n    diskSizeGiB: 100', '    minSize: 2\n    maxSize: 4\n    diskSizeGiB: 100'));
    const r = cli(['compile', 'platform.yaml', '--check'], { cwd: dir });
    expect(r.code).toBe(3);
    // One more g4dn.xlarge (383.98) and its 100 GB root volume (8.00) in prod.
    expect(r.stdout).toContain('prod       $847.12 -> $1,239.10 (+$391.98 a month)');
    expect(r.stdout).toContain('dev        $455.14 -> $455.14 (±$0.00 a month)');
  });
});

describe('capacity', () => {
  it('fails when the replicas cannot serve the target rate', () => {
    const base = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');
    // T4: 5563/s x 0.25 derate = 1390.75/s per replica: 5000/s needs 4 replicas, max is 2.
    const r = cli(['validate', writeSpec(base.replace('targetRps: 200', 'targetRps: 5000'))]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/error slo-capacity: 'resnet50' needs 4 replicas on g4dn\.xlarge to serve 5000 requests\/s/);
  });
});

describe('auto instance choice', () => {
  /** An independent exhaustive search: every catalog type, the whole fleet's monthly cost, ties by name. */
  function exhaustive(spec: ReturnType<typeof environmentSpec>, models: ReturnType<typeof validated>['models'], pool: string, region: string): string {
    let best: [number, string] | undefined;
    for (const [type, f] of Object.entries(instanceCatalog.instances)) {
      const acc = f.accelerator;
      if (!acc || acc.kind !== 'nvidia' || !f.onDemand[region]) continue;
      let gpus = 0;
      let ok = true;
      for (const m of Object.values(spec.models).filter((x) => x.nodePool === pool)) {
        const def = models.get(m.definition)!;
        const per = def.throughput.perGpu[acc.model];
        if (!per || m.gpusPerReplica > acc.count || def.memory.gpuGiB > acc.memoryGiB * 0.9 * m.gpusPerReplica) ok = false;
        else gpus += Math.max(m.replicas.min, Math.ceil(m.slo.targetRps / (per * def.throughput.derate * m.gpusPerReplica))) * m.gpusPerReplica;
      }
      if (!ok) continue;
      const cost = Math.max(1, Math.ceil(gpus / acc.count)) * f.onDemand[region]!.usdPerHour;
      if (!best || cost < best[0] - 1e-9 || (Math.abs(cost - best[0]) < 1e-9 && type < best[1])) best = [cost, type];
    }
    return best![1];
  }

  // The reference platform with ResNet50 alone on an `auto` GPU pool (MobileNet has T4 figures only).
  const base = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8')
    .replace('instanceTypes: [g4dn.xlarge]', 'instanceTypes: auto')
    .replace(/    minSize: 1\n    maxSize: 4\n    diskSizeGiB: 100/, '    minSize: 1\n    maxSize: 40\n    diskSizeGiB: 100')
    .replace(/\n  mobilenet:\n    definition[\s\S]*?targetRps: 400\n/, '\n')
    .replace(/\n\s+mobilenet: \{ replicas: \{ min: 1, max: 1 \} \}/, '')
    .replace('gpuQuota: 4', 'gpuQuota: 40')
    .replace('  monthlyUsd: 3000', '  monthlyUsd: 100000')
    .replace('budget: { monthlyUsd: 1800 }', 'budget: { monthlyUsd: 100000 }');
  const cases: [string, string][] = [
    ['light load: the cheapest single T4 wins', base],
    ['heavy load: L4 beats the cheaper-per-hour T4 on the fleet', base.replace('targetRps: 200', 'targetRps: 20000').replace('replicas: { min: 1, max: 2 }', 'replicas: { min: 1, max: 30 }').replace('resnet50: { replicas: { min: 1, max: 1 } }', 'resnet50: { replicas: { min: 1, max: 30 } }')],
    ['a strict latency budget at moderate load', base.replace('targetRps: 200', 'targetRps: 3000').replace('replicas: { min: 1, max: 2 }', 'replicas: { min: 2, max: 10 }').replace('resnet50: { replicas: { min: 1, max: 1 } }', 'resnet50: { replicas: { min: 1, max: 10 } }')],
  ];
  for (const [name, text] of cases) {
    it(name, () => {
      const v = validated(writeSpec(text));
      const spec = environmentSpec(v.source.value as Record<string, unknown>, 'prod');
      const ranked = rankInstanceTypes('gpu', spec, v.models, 'us-east-1');
      expect(ranked[0]!.type).toBe(exhaustive(spec, v.models, 'gpu', 'us-east-1'));
      if (name.startsWith('heavy')) {
        expect(ranked[0]!.type).toBe('g6.xlarge');
        const perHour = Object.entries(instanceCatalog.instances).filter(([, f]) => f.accelerator?.kind === 'nvidia').sort((a, b) => a[1].onDemand['us-east-1']!.usdPerHour - b[1].onDemand['us-east-1']!.usdPerHour)[0]![0];
        expect(perHour).toBe('g4dn.xlarge');
      }
    });
  }
});
