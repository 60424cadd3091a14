/**
 * What AWS, EKS and Helm will really do with the generated Terraform and Helm values: one test per finding of
 * the Terraform and Kubernetes reviews (shared/reviews/*-2026-11.md) this part of the compiler fixes. Each
 * names its finding; each failed on the output before the fix.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHcl } from '../helpers/hcl.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { versions } from '../../compiler/catalog.js';
import { checkPlatform } from '../../compiler/pipeline.js';
import type { PlatformIR } from '../../compiler/resolve/ir.js';
import { hasReference, referenceDir, repoRoot } from '../helpers/cli.js';
import { schemaProblems, type KubeObject } from '../helpers/kube.js';
import { filesOf, irOf, irOfText, writeSpec } from '../helpers/platform.js';

type Json = Record<string, any>;

/** Every generated file of a platform, by path. */
const fileMap = (ir: PlatformIR) => new Map(filesOf(ir).map((f) => [f.path, f.content]));

/** The parsed HCL of every .tf file of one root module, merged per block type. */
async function root(files: Map<string, string>, dir: string): Promise<{ resource: Json; module: Json; data: Json; terraform: Json[] }> {
  const out = { resource: {} as Json, module: {} as Json, data: {} as Json, terraform: [] as Json[] };
  for (const [path, content] of files) {
    if (!path.startsWith(`${dir}/`) || !path.endsWith('.tf') || path.slice(dir.length + 1).includes('/')) continue;
    const h = (await parseHcl(path, content)) as Json;
    for (const [type, byName] of Object.entries((h.resource ?? {}) as Json)) out.resource[type] = { ...(out.resource[type] ?? {}), ...byName };
    Object.assign(out.module, h.module ?? {});
    for (const [type, byName] of Object.entries((h.data ?? {}) as Json)) out.data[type] = { ...(out.data[type] ?? {}), ...byName };
    if (h.terraform) out.terraform.push(...h.terraform);
  }
  return out;
}

const reference = irOf('platform.yaml');
const multiRegion = irOf('examples/multi-region-prod.yaml');
const refFiles = fileMap(reference);
const mrFiles = fileMap(multiRegion);

describe('first apply completes in order (TF #4, #11; K8s #2, #3)', () => {
  it('kube-prometheus-stack installs only after the gp3 StorageClass and the synced Grafana secret', async () => {
    const platform = await root(refFiles, 'terraform/prod/us-east-1/platform');
    // Edges of the dependency graph: depends_on of every resource.
    const edges = new Map<string, string[]>();
    for (const [type, byName] of Object.entries(platform.resource)) {
      for (const [name, [body]] of Object.entries(byName as Record<string, Json[]>)) edges.set(`${type}.${name}`, (body!.depends_on ?? []).map((d: string) => d.replace(/^\$\{|\}$/g, '')));
    }
    const reach = (from: string, seen = new Set<string>()): Set<string> => {
      for (const to of edges.get(from) ?? []) if (!seen.has(to)) reach(to, seen.add(to));
      return seen;
    };
    // (Its namespaces and their NetworkPolicies too: test/emit/controller-namespaces.test.ts.)
    expect([...reach('helm_release.kube_prometheus_stack')].filter((d) => !d.startsWith('kubernetes_')).sort()).toEqual(['helm_release.external_secrets', 'helm_release.platform_prerequisites', 'terraform_data.platform_prerequisites_ready']);
    for (const dependent of ['helm_release.dcgm_exporter', 'helm_release.prometheus_adapter']) expect(reach(dependent).has('terraform_data.platform_prerequisites_ready')).toBe(true);
    // The wait is a real wait for the ExternalSecret's Ready condition, in the context `platformc apply` writes.
    const ready = platform.resource.terraform_data.platform_prerequisites_ready[0];
    expect(ready.provisioner['local-exec'][0].command).toBe('kubectl --context inference-prod-us-east-1 --namespace monitoring wait --for=condition=Ready externalsecret/grafana-admin externalsecret/alertmanager-receiver --timeout=10m');
  });

  it('the prerequisites chart makes what kube-prometheus-stack reads: an encrypted gp3 class and the Grafana admin Secret', () => {
    const templates = [...refFiles].filter(([p]) => p.startsWith('helm/prod/charts/platform-prerequisites/templates/'));
    const objects = templates.flatMap(([, c]) => parseAllDocuments(c.replaceAll('{{ required "region is set by terraform" .Values.region }}', 'us-east-1')).map((d) => d.toJSON() as Json));
    const sc = objects.find((o) => o.kind === 'StorageClass')!;
    expect(sc).toMatchObject({ provisioner: 'ebs.csi.aws.com', parameters: { type: 'gp3', encrypted: 'true' }, volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete' });
    const kps = parseYaml(refFiles.get('helm/prod/kube-prometheus-stack.yaml')!) as Json;
    expect(kps.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName).toBe(sc.metadata.name);
    const secret = objects.find((o) => o.kind === 'ExternalSecret' && o.metadata.name === kps.grafana.admin.existingSecret)!;
    expect(secret.metadata.namespace).toBe('monitoring');
    expect(secret.spec.data.map((d: Json) => d.secretKey).sort()).toEqual([kps.grafana.admin.passwordKey, kps.grafana.admin.userKey].sort());
    expect(objects.find((o) => o.kind === 'ClusterSecretStore')!.spec.provider.aws.region).toBe('us-east-1');
  });

  it.skipIf(!hasReference)('the prerequisites chart validates against the strict StorageClass and External Secrets 2.9.0 schemas', () => {
    for (const files of [refFiles, mrFiles]) {
      for (const [path, content] of files) {
        if (!path.includes('/charts/platform-prerequisites/templates/')) continue;
        for (const doc of parseAllDocuments(content.replaceAll('{{ required "region is set by terraform" .Values.region }}', 'us-east-1'))) {
          const o = doc.toJSON() as KubeObject;
          expect(schemaProblems(o), path).toEqual([]);
        }
      }
    }
  });

  it('the VPC CNI enforces NetworkPolicies (K8s #4)', async () => {
    const eks = (await root(refFiles, 'terraform/prod/us-east-1/infra')).module.eks[0];
    expect(eks.addons['vpc-cni'].configuration_values).toBe('${jsonencode({ enableNetworkPolicy = "true" })}');
  });
});

describe('repeatable plans (TF #16)', () => {
  it('node groups run a pinned AMI release and add-ons pinned versions of the cluster minor; the KMS key has fixed administrators', async () => {
    const pins = versions.kubernetes.pins['1.33']!;
    const eks = (await root(refFiles, 'terraform/prod/us-east-1/infra')).module.eks[0];
    for (const [name, group] of Object.entries(eks.eks_managed_node_groups as Record<string, Json>)) {
      expect([name, group.ami_release_version, group.use_latest_ami_release_version]).toEqual([name, pins.amiReleaseVersion, false]);
    }
    for (const [name, addon] of Object.entries(eks.addons as Record<string, Json>)) {
      expect(addon.most_recent, name).toBeUndefined();
      expect(addon.addon_version, name).toBe(pins.addons[name]);
    }
    // The CI apply role administers the key (the reference platform's CI applies prod), never whoever runs apply.
    expect(eks.kms_key_administrators).toEqual(['${data.aws_iam_role.ci_apply.arn}']);
  });

  it('every root module has a lock file pinning each provider it and its modules use, within its constraints', () => {
    const roots = [...mrFiles.keys()].filter((p) => p.endsWith('/versions.tf')).map((p) => p.replace(/\/versions\.tf$/, ''));
    expect(roots.length).toBeGreaterThan(4);
    for (const dir of roots) {
      const lock = mrFiles.get(`${dir}/.terraform.lock.hcl`);
      expect(lock, dir).toBeDefined();
      const providers = [...lock!.matchAll(/provider "registry\.terraform\.io\/hashicorp\/([a-z]+)" \{\n {2}version {5}= "([\d.]+)"/g)].map((m) => m[1]);
      const want = dir.endsWith('/infra') ? ['aws', 'cloudinit', 'null', 'time', 'tls'] : dir.endsWith('/platform') ? ['aws', 'helm', 'kubernetes'] : ['aws'];
      expect(providers, dir).toEqual(want);
      for (const p of want) {
        const pin = versions.terraform.providers[p]!;
        // ~> X.Y allows X.Y and later minors of X.
        const [major, minor] = pin.version.replace('~> ', '').split('.').map(Number);
        const [lmaj, lmin] = pin.lock.version.split('.').map(Number);
        expect(lmaj! === major! && lmin! >= minor!, `${p} ${pin.lock.version} within ${pin.version}`).toBe(true);
        // zh: hashes of every platform's package, so init verifies on linux_amd64 and darwin_arm64 alike.
        expect(pin.lock.hashes.filter((h) => h.startsWith('zh:')).length, p).toBeGreaterThanOrEqual(12);
      }
    }
  });
});

describe('AWS name limits (TF #13)', () => {
  it("the cluster role has an explicit name within IAM's 64 characters (no name_prefix to overflow) for the longest names validate accepts", async () => {
    const text = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8').replace('name: inference', 'name: gpu-inference-shared').replace(/^ {2}prod:$/m, '  preprod-east:').replace('environments: [dev, prod]', 'environments: [dev, preprod-east]');
    const eks = (await root(fileMap(irOfText(text)), 'terraform/preprod-east/us-east-1/infra')).module.eks[0];
    expect(eks.iam_role_use_name_prefix).toBe(false);
    expect(eks.iam_role_name.length).toBeLessThanOrEqual(64);
    expect(eks.iam_role_name.startsWith('gpu-inference-shared-preprod-east-')).toBe(true);
  });
});

describe('production networking (TF #18, #19, #20, #27)', () => {
  it('node group instances and volumes carry the cost-allocation tags; no redundant autoscaler tags', async () => {
    const infra = await root(refFiles, 'terraform/prod/us-east-1/infra');
    const providers = (await parseHcl('p.tf', refFiles.get('terraform/prod/us-east-1/infra/providers.tf')!)) as Json;
    expect(infra.module.eks[0].tags).toEqual(providers.provider.aws[0].default_tags[0].tags);
    for (const group of Object.values(infra.module.eks[0].eks_managed_node_groups as Record<string, Json>)) expect(group.tags).toBeUndefined();
  });

  it('S3 through a gateway endpoint and ECR, STS and CloudWatch Logs through interface endpoints', async () => {
    const infra = await root(refFiles, 'terraform/prod/us-east-1/infra');
    expect(infra.resource.aws_vpc_endpoint.s3[0]).toMatchObject({ service_name: 'com.amazonaws.us-east-1.s3', vpc_endpoint_type: 'Gateway', route_table_ids: '${module.vpc.private_route_table_ids}' });
    const iface = infra.resource.aws_vpc_endpoint.interface[0];
    expect(iface).toMatchObject({ vpc_endpoint_type: 'Interface', private_dns_enabled: true, for_each: '${toset(["ecr.api", "ecr.dkr", "logs", "sts"])}' });
    expect(infra.resource.aws_vpc_security_group_ingress_rule.vpc_endpoints_https[0]).toMatchObject({ cidr_ipv4: '10.40.0.0/16', from_port: 443, to_port: 443 });
  });

  it("each region's state lives in that region: the standby plans while the primary region is down", async () => {
    const backend = async (dir: string) => (await root(mrFiles, dir)).terraform[0]!.backend.s3[0];
    const primary = await backend('terraform/prod/us-east-1/infra');
    const standby = await backend('terraform/prod/us-west-2/infra');
    expect(primary.region).toBe('us-east-1');
    expect(standby).toMatchObject({ region: 'us-west-2', bucket: `${primary.bucket}-usw2` });
    // The standby's platform module reads the standby's infra state from the same regional bucket.
    const remote = (await root(mrFiles, 'terraform/prod/us-west-2/platform')).data.terraform_remote_state.infra[0];
    expect(remote.config).toMatchObject({ bucket: standby.bucket, region: 'us-west-2' });
  });
});

describe('disaster recovery (TF #10, #28)', () => {
  it('replication needs no KMS key, and only S3 for the source bucket of this account can assume its role', async () => {
    const standby = await root(mrFiles, 'terraform/prod/us-west-2/infra');
    const text = mrFiles.get('terraform/prod/us-west-2/infra/replication.tf')!;
    expect(text).not.toMatch(/kms|replica_kms_key_id|sse_kms_encrypted_objects/);
    const trust = standby.resource.aws_iam_role.replication[0].assume_role_policy as string;
    expect(trust).toContain('"aws:SourceAccount" = "444400000003"');
    expect(trust).toContain('"aws:SourceArn" = "arn:aws:s3:::vision-prod-prod-models-444400000003-use1"');
    for (const dir of ['terraform/prod/us-east-1/infra', 'terraform/prod/us-west-2/infra']) expect(mrFiles.get(`${dir}/storage.tf`)).toContain('sse_algorithm = "AES256"');
  });

  it('old versions of the weights expire after 30 days', async () => {
    const lifecycle = (await root(refFiles, 'terraform/prod/us-east-1/infra')).resource.aws_s3_bucket_lifecycle_configuration.models[0];
    expect(lifecycle.rule[0].noncurrent_version_expiration[0].noncurrent_days).toBe(30);
  });
});

describe('current versions (TF #17, #31; K8s #9, #18)', () => {
  it.skipIf(!hasReference)('every pinned chart is the version the reference holds values for', () => {
    const charts = JSON.parse(readFileSync(join(referenceDir, 'helm-charts/charts.json'), 'utf8')) as Record<string, { version: string }>;
    // Not in the reference: the termination handler (its values are in test/fixtures/charts, from its repository at the
    // pinned version) and Karpenter's CRD chart (released with the karpenter chart, at its version).
    const elsewhere: Record<string, string | undefined> = { 'aws-node-termination-handler': '0.27.6', 'karpenter-crd': charts.karpenter?.version };
    for (const [name, pin] of Object.entries(versions.charts)) expect([name, pin.version]).toEqual([name, charts[name]?.version ?? elsewhere[name]]);
  });

  it('Triton is a 2026 release (latency histograms for non-decoupled models), and every Kubernetes minor has its pins', () => {
    const [year, month] = versions.images.triton!.tag.split(/[.-]/).map(Number);
    expect(year! * 100 + month!).toBeGreaterThanOrEqual(2601);
    for (const minor of versions.kubernetes.versions) {
      const pins = versions.kubernetes.pins[minor]!;
      expect(pins.amiReleaseVersion.startsWith(`${minor}.`), minor).toBe(true);
      expect(pins.clusterAutoscalerTag.startsWith(`v${minor}.`), minor).toBe(true);
      expect(pins.addons['kube-proxy']!.startsWith(`v${minor}.`), minor).toBe(true);
      expect(Object.keys(pins.addons).sort()).toEqual(['aws-ebs-csi-driver', 'coredns', 'kube-proxy', 'metrics-server', 'vpc-cni']);
    }
  });

  it("cluster-autoscaler runs the release of the cluster's minor, and GPU pools carry the label it treats as GPU", async () => {
    for (const version of ['1.32', '1.34']) {
      const ir = irOfText(readFileSync(join(repoRoot, 'platform.yaml'), 'utf8').replace('version: "1.33"', `version: "${version}"`));
      const ca = parseYaml(fileMap(ir).get('helm/prod/cluster-autoscaler.yaml')!) as Json;
      expect(ca.image.tag).toBe(versions.kubernetes.pins[version]!.clusterAutoscalerTag);
    }
    const eks = (await root(refFiles, 'terraform/prod/us-east-1/infra')).module.eks[0];
    expect(eks.eks_managed_node_groups.gpu.labels['k8s.amazonaws.com/accelerator']).toBe('nvidia-t4');
    expect(eks.eks_managed_node_groups.general.labels['k8s.amazonaws.com/accelerator']).toBeUndefined();
    expect(refFiles.get('terraform/prod/us-east-1/infra/eks.tf')).toContain('"k8s.io/cluster-autoscaler/node-template/label/k8s.amazonaws.com/accelerator"');
  });

  it('a pool of several GPU models is refused; a pool of one GPU in several sizes is labelled with it (TF #24, K8s #26)', async () => {
    // The old example (g6, g5, g4dn in one pool) labelled T4 and A10G nodes L4: now a positioned error.
    const mixed = readFileSync(join(repoRoot, 'examples/spot-cost-optimised.yaml'), 'utf8').replace('[g6.xlarge, g6.2xlarge, g6.4xlarge]', '[g6.xlarge, g5.xlarge, g4dn.xlarge]').replaceAll('../models/', 'models/');
    const r = checkPlatform(writeSpec(mixed), { display: 'platform.yaml', compilerVersion: '0.0.0-test' });
    expect(r.ir).toBeUndefined();
    expect(r.diagnostics.filter((d) => d.code === 'pool-mixed-gpus').map((d) => d.message)).toEqual([
      "g5.xlarge has 1 x NVIDIA A10G (22.35 GiB), but 'gpu-spot' starts with g6.xlarge, which has 1 x NVIDIA L4 (22.35 GiB)",
      "g4dn.xlarge has 1 x NVIDIA T4 (16 GiB), but 'gpu-spot' starts with g6.xlarge, which has 1 x NVIDIA L4 (22.35 GiB)",
    ]);
    const ca = irOfText(readFileSync(join(repoRoot, 'platform.yaml'), 'utf8').replace('instanceTypes: [g4dn.xlarge]', 'instanceTypes: [g4dn.xlarge, g4dn.2xlarge]'));
    const groups = (await root(fileMap(ca), 'terraform/prod/us-east-1/infra')).module.eks[0].eks_managed_node_groups;
    expect(groups.gpu.instance_types).toEqual(['g4dn.xlarge', 'g4dn.2xlarge']);
    expect(groups.gpu.labels).toMatchObject({ 'platformc.dev/accelerator': 'T4', 'k8s.amazonaws.com/accelerator': 'nvidia-t4' });
  });
});

describe('observability releases (K8s #11, #12, #25, #29)', () => {
  it('no scrape of control-plane components EKS does not expose; the alerting webhook Secret is mounted; Prometheus claims go with it', () => {
    const kps = parseYaml(mrFiles.get('helm/prod/kube-prometheus-stack.yaml')!) as Json;
    expect([kps.kubeScheduler, kps.kubeControllerManager, kps.kubeEtcd]).toEqual([{ enabled: false }, { enabled: false }, { enabled: false }]);
    expect(kps.alertmanager.alertmanagerSpec.secrets).toEqual(['alertmanager-receiver']);
    expect(mrFiles.get('helm/prod/charts/platform-prerequisites/templates/external-secrets.yaml')).toContain('key: vision-prod/alert-webhook');
    expect(kps.prometheus.prometheusSpec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Delete', whenScaled: 'Retain' });
  });

  it('metrics-server is installed when the HPAs scale on CPU (metrics off)', async () => {
    const ir = irOfText(readFileSync(join(repoRoot, 'platform.yaml'), 'utf8').replace('metrics: { enabled: true,', 'metrics: { enabled: false,'));
    const eks = (await root(fileMap(ir), 'terraform/prod/us-east-1/infra')).module.eks[0];
    expect(eks.addons['metrics-server']).toEqual({ addon_version: versions.kubernetes.pins['1.33']!.addons['metrics-server'] });
    expect((await root(refFiles, 'terraform/prod/us-east-1/infra')).module.eks[0].addons['metrics-server']).toBeUndefined();
  });

  it('EBS volumes the driver creates carry the cluster tag the destroy sweep searches', async () => {
    const eks = (await root(refFiles, 'terraform/prod/us-east-1/infra')).module.eks[0];
    expect(eks.addons['aws-ebs-csi-driver'].configuration_values).toContain('k8sTagClusterId = "inference-prod"');
  });
});
