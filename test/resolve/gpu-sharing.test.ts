/**
 * GPU sharing (issue #17 item 3): time-slicing and MIG as the NVIDIA device plugin and the cluster will see them:
 * the device plugin's per-pool configuration, the resource a replica requests, the team quota on that resource,
 * the autoscaler's node template, MIG partitions made at boot; and the capacity check and the estimate counting
 * a shared replica as its fraction of a GPU.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHcl } from '../helpers/hcl.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { estimatePlatform } from '../../compiler/cost/estimate.js';
import { gpuNodesNotReady } from '../../compiler/ops/kube.js';
import { checkPlatform } from '../../compiler/pipeline.js';
import { replicaResources } from '../../compiler/resolve/resolve.js';
import { writeTree } from '../../compiler/output/write.js';
import { hasReference, hasTool, referenceDir, repoRoot } from '../helpers/cli.js';
import { kubectlKustomize, schemaProblems } from '../helpers/kube.js';
import { environmentModelObjects } from '../helpers/kustomize.js';
import { filesOf, irOfText, validated, writeSpec } from '../helpers/platform.js';
import type { FileOutput } from '../../compiler/output/files.js';
import { rankInstanceTypes } from '../../compiler/resolve/auto-instance.js';

type Json = Record<string, any>;
const reference = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');

/** platform.yaml with both models asking for `gpu` (and other edits). */
function withGpu(gpu: string, edit: (s: string) => string = (s) => s): string {
  const s = reference.replace('    nodePool: gpu\n    gpusPerReplica: 1\n', `    nodePool: gpu\n    gpu: ${gpu}\n`).replace('    nodePool: gpu\n    replicas: { min: 1, max: 2 }\n    batching:\n      preferredBatchSizes: [16, 32, 64]', `    nodePool: gpu\n    gpu: ${gpu}\n    replicas: { min: 1, max: 2 }\n    batching:\n      preferredBatchSizes: [16, 32, 64]`);
  expect(s.split(`gpu: ${gpu}`).length).toBe(3);
  return edit(s);
}
const docs = (files: FileOutput[], path: string) => files.find((f) => f.path === path)!.content.split('\n---\n').map((x) => parse(x) as Json);
/** A model's objects as prod runs them (the shared model files with prod's patches). */
const prodModel = (files: FileOutput[], model: string) => environmentModelObjects(files, 'prod').filter((o) => o.metadata.labels?.['app.kubernetes.io/instance'] === model);
const gpuLine = (ir: ReturnType<typeof irOfText>, env: string) =>
  estimatePlatform(ir).environments.find((e) => e.env === env)!.regions[0]!.resources.find((r) => r.name === 'node pool gpu')!.components[0]!;
/** The prod overlay of the files as kubectl kustomize builds it: its objects' strict-schema problems. */
function overlayProblems(files: FileOutput[]): string[] {
  return kubectlKustomize(files, 'kustomize/overlays/prod/us-east-1').flatMap(schemaProblems);
}
const kubectl = hasTool('kubectl', ['version', '--client']);
const diagnose = (text: string) => checkPlatform(writeSpec(text), { display: 'platform.yaml', compilerVersion: '0.0.0-test' }).diagnostics;

describe('time-slicing (gpu: {share: 4})', () => {
  const ir = irOfText(withGpu('{ share: 4 }'));
  const files = filesOf(ir);
  const prod = ir.environments.find((e) => e.name === 'prod')!.regions[0]!;
  const pool = prod.nodePools.find((p) => p.name === 'gpu')!;

  it('configures the pool\'s nodes for 4 slices per GPU, advertised as nvidia.com/gpu.shared', () => {
    expect(pool.gpuSharing).toMatchObject({ mode: 'timeSlicing', resource: 'nvidia.com/gpu.shared', perGpu: 4, config: 'time-slicing-4' });
    expect(pool.labels['nvidia.com/device-plugin.config']).toBe('time-slicing-4');
    // cluster-autoscaler would hold a node with its GPU label unready until it advertises nvidia.com/gpu, which it never does.
    expect(pool.labels['k8s.amazonaws.com/accelerator']).toBeUndefined();
    const values = parse(files.find((f) => f.path === 'helm/prod/nvidia-device-plugin.yaml')!.content) as Json;
    expect(values.config.default).toBe('default');
    expect(parse(values.config.map.default)).toEqual({ version: 'v1', flags: { migStrategy: 'none' } });
    expect(parse(values.config.map['time-slicing-4'])).toEqual({
      version: 'v1',
      flags: { migStrategy: 'none' },
      sharing: { timeSlicing: { renameByDefault: true, failRequestsGreaterThanOne: true, resources: [{ name: 'nvidia.com/gpu', replicas: 4 }] } },
    });
    const eks = files.find((f) => f.path === 'terraform/prod/us-east-1/infra/eks.tf')!.content;
    expect(eks).toMatch(/pool\s+= "gpu"\n\s+key\s+= "k8s.io\/cluster-autoscaler\/node-template\/resources\/nvidia.com\/gpu.shared"\n\s+value = "4"/);
  });

  it.skipIf(!hasReference)('sets only values the device plugin chart has', () => {
    const chart = parse(readFileSync(join(referenceDir, 'helm-charts/nvidia-device-plugin-0.20.0.values.yaml'), 'utf8')) as Json;
    expect(Object.keys(chart.config)).toEqual(expect.arrayContaining(['map', 'default']));
  });

  it('requests one slice per replica, with a quarter of the node\'s CPU and memory, within a quota in slices', () => {
    for (const model of ['resnet50', 'mobilenet']) {
      const dep = prodModel(files, model).find((o) => o.kind === 'Deployment')!;
      const { requests, limits } = dep.spec.template.spec.containers[0].resources;
      expect(requests['nvidia.com/gpu.shared']).toBe('1');
      expect(requests['nvidia.com/gpu']).toBeUndefined();
      expect(limits).toEqual(requests);
      const whole = replicaResources(pool, 1);
      expect(requests.cpu).toBe(`${Math.max(500, Math.floor(whole.cpuMillis / 4 / 100) * 100)}m`);
    }
    const quota = docs(files, 'kustomize/base/quotas.yaml').find((o) => o.kind === 'ResourceQuota')!;
    // gpuQuota 7 GPUs = 7 x 4 = 28 slices.
    expect(quota.spec.hard).toEqual({ 'requests.nvidia.com/gpu': '7', 'requests.nvidia.com/gpu.shared': '28' });
  });

  it.skipIf(!kubectl || !hasReference)('builds with kustomize into objects valid against the strict schemas', () => expect(overlayProblems(files)).toEqual([]));

  it('costs a quarter GPU per replica: six replicas at max share two g4dn.xlarge nodes instead of six', () => {
    // prod at max: resnet50 3 + mobilenet 3 replicas = 6 slices = ceil(6 / 4) = 2 nodes; 2 x 730 h x $0.526 = $767.96.
    expect(gpuLine(ir, 'prod').monthly.max).toBe(767.96);
    // whole GPUs: 6 nodes x 730 h x $0.526 = $2,303.88.
    expect(gpuLine(irOfText(reference), 'prod').monthly.max).toBe(2303.88);
    expect(gpuLine(ir, 'prod').assumption).toContain('4 time-sliced replicas per GPU: a replica costs 1/4 of a GPU');
  });

  it('counts a slice as a quarter of the GPU\'s throughput in the capacity check', () => {
    // resnet50 on a T4: 5563/s x 0.25 derate = 1390.75/s per GPU; 2000/s needs 2 whole GPUs, or 6 quarter slices.
    const fast = (s: string) => s.replace('      targetRps: 200\n', '      targetRps: 2000\n');
    // (dev caps resnet50 at one replica, which fails either way; prod allows 3)
    expect(diagnose(fast(reference)).filter((d) => d.code === 'slo-capacity' && d.message.endsWith("(in environment 'prod')"))).toEqual([]);
    const found = diagnose(withGpu('{ share: 4 }', fast)).filter((d) => d.code === 'slo-capacity');
    expect(found.map((d) => d.message)).toContain("'resnet50' needs 6 replicas on g4dn.xlarge to serve 2000 requests/s (5563/s per T4 x 0.25 derate), but replicas.max is 3 (in environment 'prod')");
  });
});

describe('MIG (gpu: {mig: 1g.5gb} on p4d.24xlarge, A100 40GB)', () => {
  const onA100 = (s: string) => s.replace('instanceTypes: [g4dn.xlarge]', 'instanceTypes: [p4d.24xlarge]').replace(/monthlyUsd: \d+/g, 'monthlyUsd: 900000');
  const ir = irOfText(withGpu('{ mig: 1g.5gb }', onA100));
  const files = filesOf(ir);
  const pool = ir.environments.find((e) => e.name === 'prod')!.regions[0]!.nodePools.find((p) => p.name === 'gpu')!;

  it('splits each of the 8 GPUs into 7 instances at boot and advertises them under the mixed strategy', () => {
    expect(pool.gpuSharing).toMatchObject({ mode: 'mig', resource: 'nvidia.com/mig-1g.5gb', perGpu: 7, profile: '1g.5gb', unitMemoryGiB: 5 });
    const values = parse(files.find((f) => f.path === 'helm/prod/nvidia-device-plugin.yaml')!.content) as Json;
    expect(parse(values.config.map['mig-1g.5gb'])).toEqual({ version: 'v1', flags: { migStrategy: 'mixed' } });
    const eks = files.find((f) => f.path === 'terraform/prod/us-east-1/infra/eks.tf')!.content;
    expect(eks).toContain('cloudinit_pre_nodeadm');
    expect(eks).toContain(`nvidia-smi mig -i \\"$gpu\\" -cgi ${Array(7).fill('1g.5gb').join(',')} -C`);
    expect(eks).toContain('node-template/resources/nvidia.com/mig-1g.5gb');
    // The mode change is refused while the persistence daemon or the fabric manager hold the GPUs (NVML IN_USE), and
    // a mode left pending must fail the boot script rather than let a node join without partitions.
    const at = (text: string) => eks.indexOf(text);
    expect(at('systemctl stop nvidia-persistenced nvidia-fabricmanager')).toBeGreaterThan(-1);
    expect(at('systemctl stop nvidia-persistenced')).toBeLessThan(at('nvidia-smi -mig 1'));
    expect(at('nvidia-smi -mig 1')).toBeLessThan(at('mig.mode.current'));
    expect(at('mig.mode.current')).toBeLessThan(at('-cgi'));
  });

  it('hands the boot script to the node group as a cloud-init part the EKS module takes, valid shell, formatted HCL', async () => {
    const path = 'terraform/prod/us-east-1/infra/eks.tf';
    const hcl = (await parseHcl(path, files.find((f) => f.path === path)!.content)) as Json;
    const part = hcl.module.eks[0].eks_managed_node_groups.gpu.cloudinit_pre_nodeadm;
    expect(part).toEqual([{ content_type: 'text/x-shellscript', content: expect.stringMatching(/^#!\/bin\/bash\n/) }]);
    expect(spawnSync('bash', ['-n', '-c', part[0].content]).status).toBe(0);
    expect(hcl.module.eks[0].eks_managed_node_groups.general.cloudinit_pre_nodeadm).toBeUndefined();
    if (hasReference) {
      const module = JSON.parse(readFileSync(join(referenceDir, 'terraform-modules/eks-aws-eks-managed-node-group-v21.19.0.json'), 'utf8')) as Json;
      expect(module.variables.cloudinit_pre_nodeadm.type).toContain('content_type = optional(string)');
    }
    if (hasTool('terraform')) {
      const out = join(mkdtempSync(join(tmpdir(), 'platformc-mig-')), 'generated');
      writeTree(out, files);
      const r = spawnSync('terraform', ['fmt', '-check', '-diff', join(out, 'terraform/prod/us-east-1/infra')], { encoding: 'utf8', env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' } });
      expect(r.stdout + r.stderr).toBe('');
    }
  });

  it.skipIf(!kubectl || !hasReference)('builds with kustomize into objects valid against the strict schemas', () => expect(overlayProblems(files)).toEqual([]));

  it('requests one MIG instance per replica and quotas the team at gpuQuota GPUs of instances', () => {
    const dep = prodModel(files, 'resnet50').find((o) => o.kind === 'Deployment')!;
    expect(dep.spec.template.spec.containers[0].resources.requests['nvidia.com/mig-1g.5gb']).toBe('1');
    const quota = docs(files, 'kustomize/base/quotas.yaml').find((o) => o.kind === 'ResourceQuota')!;
    // gpuQuota 7 GPUs x 7 1g.5gb instances = 49.
    expect(quota.spec.hard['requests.nvidia.com/mig-1g.5gb']).toBe('49');
  });

  it('refuses a profile the GPU does not have, and MIG on a GPU without it, at the profile', () => {
    const wrong = diagnose(withGpu('{ mig: 1g.20gb }', onA100)).filter((d) => d.code === 'mig-profile');
    expect(wrong.map((d) => d.message)).toContain("'resnet50' asks for MIG 1g.20gb, but NVIDIA A100 (40GB) offers 1g.5gb, 1g.10gb, 2g.10gb, 3g.20gb, 4g.20gb, 7g.40gb");
    const t4 = diagnose(withGpu('{ mig: 1g.5gb }')).filter((d) => d.code === 'mig-profile');
    expect(t4).toHaveLength(2);
    const line = reference.split('\n').findIndex((l) => l.startsWith('  resnet50:')) + 5; // the gpu line of resnet50
    expect([t4.find((d) => d.message.startsWith("'resnet50'"))!.line, t4[0]!.message]).toEqual([line, expect.stringContaining('g4dn.xlarge has NVIDIA T4, which has no MIG')]);
  });
});

describe('apply waits for the resource a shared pool advertises', () => {
  const node = (pool: string, allocatable: Record<string, string>) => ({ metadata: { name: `n-${pool}`, labels: { 'platformc.dev/pool': pool } }, status: { allocatable } });
  it('reads nvidia.com/gpu.shared on a time-sliced pool, nvidia.com/gpu elsewhere', () => {
    expect(gpuNodesNotReady([node('gpu', { 'nvidia.com/gpu.shared': '4' })], ['gpu'], { gpu: 'nvidia.com/gpu.shared' })).toEqual([]);
    expect(gpuNodesNotReady([node('gpu', { 'nvidia.com/gpu.shared': '4' })], ['gpu'])).toEqual(['n-gpu: no allocatable nvidia.com/gpu']);
  });
});

describe('instanceTypes: auto with shared GPUs', () => {
  const auto = (s: string) => s.replace('instanceTypes: [g4dn.xlarge]', 'instanceTypes: auto').replace(/monthlyUsd: \d+/g, 'monthlyUsd: 900000');
  it('counts slices: four quarter replicas fit one 1-GPU node', () => {
    const pool = irOfText(withGpu('{ share: 4 }', auto)).environments.find((e) => e.name === 'prod')!.regions[0]!.nodePools.find((p) => p.name === 'gpu')!;
    expect(pool.auto!.ranked[0]).toMatchObject({ type: 'g4dn.xlarge', nodes: 1 });
    // prod's minimum: resnet50 2 + mobilenet 2 quarter slices = 1 GPU.
    expect(pool.auto!.ranked[0]!.reason).toContain('for 1 GPU(s): mobilenet 2, resnet50 2');
  });
  it('rules out GPUs without the MIG profile, saying so', () => {
    const v = validated(writeSpec(withGpu('{ mig: 1g.10gb }', auto)));
    const ranked = rankInstanceTypes('gpu', v.spec, v.models, 'us-east-1');
    expect(ranked.find((c) => c.type === 'g4dn.xlarge')!.lost).toEqual({ criterion: 'accelerator', detail: 'NVIDIA T4 has no MIG profile 1g.10gb (no MIG at all)' });
    // The A100 has the profile; it loses only because MobileNet has no A100 throughput figure.
    expect(ranked.find((c) => c.type === 'p4d.24xlarge')!.lost!.criterion).toBe('throughput-data');
  });
});
