/** The resolved model: defaults, environment overrides, standby regions, names. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deriveNames, latencyBuckets, shortRegion } from '../../compiler/resolve/resolve.js';
import { repoRoot } from '../helpers/cli.js';
import { irOf, irOfText } from '../helpers/platform.js';

const base = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');
const env = (ir: ReturnType<typeof irOf>, name: string) => ir.environments.find((e) => e.name === name)!;

describe('defaults', () => {
  const ir = irOf('platform.yaml');
  it('applies schema defaults the file leaves out', () => {
    const prod = env(ir, 'prod');
    expect(prod.regions[0]!.nodePools.find((p) => p.name === 'gpu')!.capacityType).toBe('onDemand');
    expect(ir.models.find((m) => m.name === 'mobilenet')!.gpusPerReplica).toBe(1);
    // No receiver named: none (platform.yaml names Slack; minimal-dev names none).
    expect(irOf('examples/minimal-dev.yaml').environments[0]!.observability.alerting).toEqual({ receiver: { type: 'none' } });
    expect(prod.observability.alerting).toEqual({ receiver: { type: 'slack', channel: '#ml-platform-alerts' }, secret: { name: 'inference/alertmanager-slack', key: 'url' } });
    expect(prod.state).toEqual({ bucket: 'inference-tfstate-222222222222', region: 'us-east-1' });
  });
  it("takes maxBatchSize from the model definition when platform.yaml has none", () => {
    expect(ir.models.find((m) => m.name === 'mobilenet')!.maxBatchSize).toBe(64);
  });
  it('desiredSize defaults to minSize', () => {
    expect(env(ir, 'prod').regions[0]!.nodePools.find((p) => p.name === 'general')!.desiredSize).toBe(2);
  });
  it('GPU pools get the nvidia.com/gpu taint and the labels the device plugin needs', () => {
    const gpu = env(ir, 'prod').regions[0]!.nodePools.find((p) => p.name === 'gpu')!;
    expect(gpu.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }]);
    expect(gpu.labels).toMatchObject({ 'nvidia.com/gpu.present': 'true', 'platformc.dev/accelerator': 'T4', workload: 'inference' });
    expect(gpu.instance).toMatchObject({ type: 'g4dn.xlarge', gpus: 1, gpuMemoryGiB: 16, onDemandUsdPerHour: 0.526 });
  });
});

describe('environment overrides', () => {
  const ir = irOf('platform.yaml');
  it('merge into one environment only', () => {
    const gpuDev = env(ir, 'dev').regions[0]!.nodePools.find((p) => p.name === 'gpu')!;
    const gpuProd = env(ir, 'prod').regions[0]!.nodePools.find((p) => p.name === 'gpu')!;
    expect([gpuDev.minSize, gpuDev.maxSize]).toEqual([0, 2]);
    // prod names only maxSize (7: 3 + 3 replicas and a GPU for a rollout's surge pod); minSize stays the shared 1.
    expect([gpuProd.minSize, gpuProd.maxSize]).toEqual([1, 7]);
    // fields the override does not name keep the shared value
    expect(gpuDev.diskSizeGiB).toBe(100);
    expect(gpuDev.labels.workload).toBe('inference');
  });
  it('replace lists and merge maps', () => {
    const ir2 = irOfText(base.replace("overrides:\n      nodePools:", "overrides:\n      cluster: { logging: [audit] }\n      nodePools:"));
    expect(env(ir2, 'dev').cluster.logging).toEqual(['audit']);
    expect(env(ir2, 'prod').cluster.logging).toEqual(['api', 'audit', 'authenticator']);
  });
  it('merge the budget over the shared one', () => {
    expect(env(ir, 'dev').budget).toEqual({ monthlyUsd: 1800, alertThresholds: [50, 80, 100], notify: ['ml-platform@example.com'], enforcement: 'error' });
    expect(env(ir, 'prod').budget).toEqual({ monthlyUsd: 3500, alertThresholds: [50, 80, 100], notify: ['ml-platform@example.com'], enforcement: 'error' });
  });
  it('model replicas per environment', () => {
    expect(env(ir, 'dev').regions[0]!.deployments.find((d) => d.model === 'resnet50')!.replicas).toEqual({ min: 1, max: 1 });
    expect(env(ir, 'prod').regions[0]!.deployments.find((d) => d.model === 'resnet50')!.replicas).toEqual({ min: 2, max: 3 });
  });
});

describe('standby regions', () => {
  const ir = irOf('examples/multi-region-prod.yaml');
  it('expand an environment over primary then standby, with standby sizes', () => {
    const prod = env(ir, 'prod');
    expect(prod.regions.map((r) => [r.region, r.role])).toEqual([['us-east-1', 'primary'], ['us-west-2', 'standby']]);
    const gpu = (i: number) => prod.regions[i]!.nodePools.find((p) => p.name === 'gpu')!;
    // prod's maxSize 9 (a GPU of surge headroom) holds in both regions; the standby sets only its own minimum.
    expect([gpu(0).minSize, gpu(0).desiredSize, gpu(0).maxSize]).toEqual([2, 2, 9]);
    expect([gpu(1).minSize, gpu(1).desiredSize, gpu(1).maxSize]).toEqual([1, 1, 9]);
    expect(prod.regions[1]!.network.vpcCidr).toBe('10.11.0.0/16');
  });
  it('uses the per-environment network override', () => {
    expect(env(ir, 'dev').regions[0]!.network).toMatchObject({ vpcCidr: '10.20.0.0/16', natGateways: 'single', availabilityZoneCount: 2 });
    expect(env(ir, 'prod').regions[0]!.network.availabilityZoneCount).toBe(3);
  });
  it('plans one public, one internal load-balancer and one private subnet per AZ', () => {
    expect(env(ir, 'prod').regions[0]!.network).toMatchObject({
      publicSubnets: ['10.10.0.0/20', '10.10.32.0/20', '10.10.64.0/20'],
      internalLoadBalancerSubnets: ['10.10.16.0/20', '10.10.48.0/20', '10.10.80.0/20'],
      privateSubnets: ['10.10.96.0/19', '10.10.128.0/19', '10.10.160.0/19'],
    });
  });
  it('trusts the apply role of an environment CI applies only for its GitHub environment, and the plan role only for pull requests', () => {
    expect(env(ir, 'prod').identity.ci!.apply!.subjects).toEqual(['repo:example-org/vision-platform:environment:prod']);
    expect(env(ir, 'prod').identity.ci!.plan!.subjects).toEqual(['repo:example-org/vision-platform:pull_request']);
    expect(env(ir, 'dev').identity.ci!.apply!.subjects).toEqual(['repo:example-org/vision-platform:environment:dev']);
    // An environment not listed under ci.github.environments gets no apply role and no apply job (TF #7: no job asks
    // for a subject nothing trusts; validation warns, ci-environment); its pull requests still plan.
    const teams = irOfText(readFileSync(join(repoRoot, 'examples/multi-model-teams.yaml'), 'utf8').replaceAll('../models/', 'models/').replace('environments: [dev, prod]', 'environments: [prod]'));
    expect(env(teams, 'dev').identity.ci!.apply).toBeUndefined();
    expect(env(teams, 'dev').identity.ci!.plan!.subjects).toEqual(['repo:example-org/shared-ml:pull_request']);
  });
});

describe('names', () => {
  it('are derived once and stay inside AWS limits', () => {
    const n = deriveNames('abcdefghijklmnopqrst', 'productionxyz'.slice(0, 12), 'ap-southeast-2', shortRegion('ap-southeast-2'), '123456789012');
    expect(n.modelBucket.length).toBeLessThanOrEqual(63);
    for (const role of Object.values(n.roles)) expect(role.length).toBeLessThanOrEqual(64);
    expect(n.cluster.length).toBeLessThanOrEqual(100);
  });
  it('keep region codes short and distinct', () => {
    expect(['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'].map(shortRegion)).toEqual(['use1', 'usw2', 'euw1', 'apse2']);
  });
  it('agree between environments and regions of the reference platform', () => {
    const prod = env(irOf('platform.yaml'), 'prod').regions[0]!;
    expect(prod.names).toMatchObject({ cluster: 'inference-prod', modelBucket: 'inference-prod-models-222222222222-use1', stateKeyPrefix: 'inference/prod/us-east-1' });
    expect(prod.names.roles.triton).toBe('inference-prod-use1-triton');
  });
});

describe('the IR', () => {
  it('is frozen', () => {
    const ir = irOf('platform.yaml');
    expect(Object.isFrozen(ir.environments[0]!.regions[0]!.nodePools[0]!.labels)).toBe(true);
  });
  it('latency buckets bracket every objective in whole milliseconds and include the bucket that measures it (Obs m2: Triton observes truncated whole ms)', () => {
    expect(latencyBuckets([50])).toEqual([5, 13, 25, 38, 49, 50, 75, 100, 150, 250, 500]);
    expect(latencyBuckets([50, 120])).toContain(119);
    expect(latencyBuckets([12.34])).toContain(12);
  });
});
