/**
 * Karpenter and spot interruption handling, checked against what AWS and Karpenter will do with them: the
 * NodePools and EC2NodeClasses against Karpenter's strict CRD schemas (built with kubectl kustomize), the
 * labels and taints the model Deployments rely on, GPU limits, disruption budgets in UTC around the working hours,
 * the Terraform that makes Karpenter's IAM and queue (the names each side uses agree), and the Node Termination
 * Handler's queue, rules and permissions for spot managed node groups.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHcl } from '../helpers/hcl.js';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { busyWindowUtc } from '../../compiler/resolve/fleet.js';
import { writeTree } from '../../compiler/output/write.js';
import { POOL_LABEL } from '../../compiler/lib/conventions.js';
import type { PlatformIR } from '../../compiler/resolve/ir.js';
import { hasReference, hasTool, repoRoot } from '../helpers/cli.js';
import { kubectlKustomize, schemaProblems, type KubeObject } from '../helpers/kube.js';
import { filesOf, irOf, writeSpec } from '../helpers/platform.js';

type Json = Record<string, any>;
const kubectl = hasTool('kubectl', ['version', '--client']);
const SPOT = 'examples/spot-cost-optimised.yaml';
const example = (edit: (text: string) => string = (t) => t) => irOf(writeSpec(edit(readFileSync(join(repoRoot, SPOT), 'utf8')).replaceAll('../models/', 'models/')));

/** The generated files of a platform, by path. */
const filesByPath = (ir: PlatformIR) => new Map(filesOf(ir).map((f) => [f.path, f.content]));
const hcl = async (files: Map<string, string>, path: string) => (await parseHcl(path, files.get(path)!)) as Json;

describe('busy hours as a UTC window (Karpenter budget schedules are UTC cron)', () => {
  it('covers the working day in both seasons, and moves the days when UTC is on the day before', () => {
    // Berlin 08:00-20:00 is 06:00-18:00 UTC in summer and 07:00-19:00 in winter.
    expect(busyWindowUtc({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '20:00', timeZone: 'Europe/Berlin' })).toEqual({ schedule: '0 6 * * 1,2,3,4,5', duration: '13h' });
    // Tokyo (UTC+9, no DST) 08:00 Monday is 23:00 UTC Sunday.
    expect(busyWindowUtc({ days: ['mon', 'fri'], start: '08:00', end: '18:00', timeZone: 'Asia/Tokyo' })).toEqual({ schedule: '0 23 * * 0,4', duration: '10h' });
    // New York 09:30-17:00 is 13:30-21:00 UTC in summer, 14:30-22:00 in winter.
    expect(busyWindowUtc({ days: ['mon'], start: '09:30', end: '17:00', timeZone: 'America/New_York' })).toEqual({ schedule: '30 13 * * 1', duration: '8h30m' });
    // A night shift runs over midnight.
    expect(busyWindowUtc({ days: ['sun'], start: '22:00', end: '06:00', timeZone: 'UTC' })).toEqual({ schedule: '0 22 * * 0', duration: '8h' });
  });
});

describe.skipIf(!kubectl)(`Karpenter objects of ${SPOT}`, () => {
  const ir = irOf(SPOT);
  const generated = filesOf(ir);
  const files = filesByPath(ir);
  const built = new Map<string, KubeObject[]>(ir.environments.flatMap((e) => e.regions.map((r) => [`${e.name}/${r.region}`, kubectlKustomize(generated, `kustomize/overlays/${e.name}/${r.region}/karpenter`)] as const)));
  const of = (key: string, kind: string) => built.get(key)!.filter((o) => o.kind === kind) as (KubeObject & Json)[];

  it.skipIf(!hasReference)("validate against Karpenter's strict CRD schemas (NodePool karpenter.sh/v1, EC2NodeClass karpenter.k8s.aws/v1)", () => {
    const all = [...built.values()].flat();
    expect(all.map((o) => `${o.apiVersion}/${o.kind}`).sort()).toEqual(['karpenter.k8s.aws/v1/EC2NodeClass', 'karpenter.k8s.aws/v1/EC2NodeClass', 'karpenter.sh/v1/NodePool', 'karpenter.sh/v1/NodePool']);
    expect(all.flatMap(schemaProblems)).toEqual([]);
    // The schemas bite: a duration Karpenter cannot parse and an unknown field are refused.
    const pool = structuredClone(of('dev/us-east-1', 'NodePool')[0]!);
    pool.spec.disruption.budgets[1].duration = '13 hours';
    pool.spec.template.spec.expireAfterr = 'Never';
    expect(schemaProblems(pool).join('\n')).toMatch(/duration[\s\S]*additional properties|additional properties[\s\S]*duration/);
  });

  it('give the nodes the labels the model Deployments select and the taints they tolerate', () => {
    for (const env of ir.environments) {
      const r = env.regions[0]!;
      const overlay = kubectlKustomize(generated, `kustomize/overlays/${env.name}/${r.region}`);
      const pools = new Map(of(`${env.name}/${r.region}`, 'NodePool').map((p) => [p.metadata.name, p]));
      for (const d of overlay.filter((o) => o.kind === 'Deployment') as Json[]) {
        const pod = d.spec.template.spec;
        const pool = pools.get(pod.nodeSelector[POOL_LABEL])!;
        expect(pool, d.metadata.name).toBeDefined();
        expect(pool.spec.template.metadata.labels).toMatchObject(pod.nodeSelector);
        for (const t of pool.spec.template.spec.taints) expect(pod.tolerations).toContainEqual({ key: t.key, operator: 'Equal', value: t.value, effect: t.effect });
      }
    }
  });

  it('limit each pool to maxSize nodes of GPUs and one node for a replacement, from every listed type, at the capacity type, never expiring serving nodes', () => {
    const dev = of('dev/us-east-1', 'NodePool')[0]!.spec;
    const prod = of('prod/us-east-1', 'NodePool')[0]!.spec;
    // dev maxSize 2, prod 5, one GPU a node: a replacement (drift, interruption) is launched before the node it
    // replaces is gone and counts against the limit, so at maximum scale the limit leaves room for one more node.
    expect([dev.limits, prod.limits]).toEqual([{ 'nvidia.com/gpu': '3' }, { 'nvidia.com/gpu': '6' }]);
    expect(prod.template.spec.requirements).toContainEqual({ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['g6.xlarge', 'g6.2xlarge', 'g6.4xlarge'], minValues: 2 });
    expect(prod.template.spec.requirements).toContainEqual({ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] });
    expect(prod.template.metadata.labels).toMatchObject({ 'platformc.dev/accelerator': 'L4', 'nvidia.com/gpu.present': 'true' });
    // Expiry is forceful (budgets do not hold it back): serving nodes are replaced through drift instead.
    expect(prod.template.spec.expireAfter).toBe('Never');
  });

  it('never consolidate serving nodes during working hours (dev) or at all while they serve (prod, no working hours)', () => {
    const dev = of('dev/us-east-1', 'NodePool')[0]!.spec.disruption;
    expect(dev.budgets).toEqual([{ nodes: '1' }, { nodes: '0', reasons: ['Underutilized', 'Drifted'], schedule: '0 6 * * 1,2,3,4,5', duration: '13h' }]);
    const prod = of('prod/us-east-1', 'NodePool')[0]!.spec.disruption;
    expect(prod.budgets).toEqual([{ nodes: '1' }, { nodes: '0', reasons: ['Underutilized'] }]);
  });

  it("launch nodes with IMDSv2 at one hop, an encrypted gp3 root volume, the pinned NVIDIA AMI release, into the subnets and security group the infra root tags, as the submodule's node role", async () => {
    for (const env of ir.environments) {
      const r = env.regions[0]!;
      const cls = of(`${env.name}/${r.region}`, 'EC2NodeClass')[0]!.spec;
      expect(cls.metadataOptions).toMatchObject({ httpTokens: 'required', httpPutResponseHopLimit: 1 });
      expect(cls.blockDeviceMappings).toEqual([{ deviceName: '/dev/xvda', rootVolume: true, ebs: { volumeSize: '100Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true } }]);
      expect(cls.amiSelectorTerms).toEqual([{ alias: `al2023@v${env.cluster.pins.amiReleaseVersion.split('-')[1]}` }]);
      expect(cls.tags).toMatchObject({ environment: env.name, platform: 'frugal', 'cost-center': 'ml-lab' });
      const dir = `terraform/${env.name}/${r.region}/infra`;
      const karpenter = (await hcl(files, `${dir}/karpenter.tf`)).module.karpenter[0];
      const network = (await hcl(files, `${dir}/network.tf`)).module.vpc[0];
      const eks = (await hcl(files, `${dir}/eks.tf`)).module.eks[0];
      expect(cls.role).toBe(karpenter.node_iam_role_name);
      const tag = cls.subnetSelectorTerms[0].tags;
      expect(cls.securityGroupSelectorTerms).toEqual([{ tags: tag }]);
      expect(network.private_subnet_tags).toMatchObject(tag);
      expect(network.public_subnet_tags).not.toHaveProperty('karpenter.sh/discovery');
      expect(eks.node_security_group_tags).toEqual(tag);
    }
  });
});

describe(`Karpenter's infra and platform roots of ${SPOT}`, () => {
  const ir = irOf(SPOT);
  const files = filesByPath(ir);

  it('make no GPU node group and no scheduled ASG actions; the general pool stays a node group that cluster-autoscaler scales', async () => {
    for (const env of ir.environments) {
      const dir = `terraform/${env.name}/us-east-1`;
      const eks = (await hcl(files, `${dir}/infra/eks.tf`)).module.eks[0];
      expect(Object.keys(eks.eks_managed_node_groups)).toEqual(['general']);
      expect(files.get(`${dir}/infra/eks.tf`)).not.toContain('aws_autoscaling_group_tag');
      expect(files.has(`${dir}/infra/working-hours.tf`)).toBe(false);
      // Nothing else would scale the general node group between its minSize and maxSize (a review finding): the
      // autoscaler discovers managed node groups by the tags EKS gives their Auto Scaling groups, and there is only it.
      const general = eks.eks_managed_node_groups.general;
      expect(general.min_size).toBeLessThan(general.max_size);
      expect(files.get(`${dir}/infra/irsa.tf`)).toContain('module "irsa_cluster_autoscaler"');
      expect(files.has(`helm/${env.name}/cluster-autoscaler.yaml`)).toBe(true);
      // An on-demand general pool: Karpenter's queue is the only interruption handling.
      expect(files.has(`${dir}/infra/termination-handler.tf`)).toBe(false);
    }
  });

  it('give the controller an IRSA role and its queue under the environment prefix, with the boundary, and the queue name the Helm release reads', async () => {
    const env = ir.environments.find((e) => e.name === 'prod')!;
    const r = env.regions[0]!;
    const infra = await hcl(files, 'terraform/prod/us-east-1/infra/karpenter.tf');
    const m = infra.module.karpenter[0];
    expect(m).toMatchObject({
      source: 'terraform-aws-modules/eks/aws//modules/karpenter',
      iam_role_name: 'frugal-prod-use1-karpenter',
      iam_role_use_name_prefix: false,
      iam_role_permissions_boundary_arn: env.identity.boundary.arn,
      node_iam_role_name: 'frugal-prod-use1-karpenter-node',
      node_iam_role_use_name_prefix: false,
      node_iam_role_permissions_boundary: env.identity.boundary.arn,
      iam_policy_use_name_prefix: false,
      create_pod_identity_association: false,
      enable_spot_termination: true,
      queue_name: 'frugal-prod-use1-karpenter',
    });
    // EventBridge names are at most 64 characters: prefix + the module's longest rule name + '-' + 26 random characters.
    expect(m.rule_name_prefix.length + 'InstanceStateChange-'.length + 26).toBeLessThanOrEqual(64);
    for (const name of [m.iam_role_name, m.node_iam_role_name]) expect(name.startsWith(env.identity.iamPrefix)).toBe(true);
    // IRSA for kube-system:karpenter only.
    expect(m.iam_role_source_assume_policy_documents[0]).toContain('system:serviceaccount:kube-system:karpenter');
    expect(m.iam_role_source_assume_policy_documents[0]).toContain('module.eks.oidc_provider_arn');
    const releases = (await hcl(files, 'terraform/prod/us-east-1/platform/releases.tf')).resource.helm_release;
    const k = releases.karpenter[0];
    expect([k.repository, k.chart, k.version]).toEqual(['oci://public.ecr.aws/karpenter', 'karpenter', ir.versions.charts.karpenter!.version]);
    expect(k.set).toEqual(expect.arrayContaining([
      { name: 'settings.interruptionQueue', value: '${local.infra.karpenter.queue_name}' },
      { name: 'settings.clusterName', value: '${local.infra.cluster_name}' },
      { name: 'serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn', value: '${local.infra.karpenter.role_arn}' },
    ]));
    // The CRDs from their own release, so an upgrade of the pin upgrades them (Helm never upgrades a chart's crds/).
    expect([k.skip_crds, k.depends_on]).toEqual([true, ['${helm_release.karpenter_crd}']]);
    expect([releases.karpenter_crd[0].chart, releases.karpenter_crd[0].version]).toEqual(['karpenter-crd', k.version]);
    expect(infra.output.karpenter[0].value).toMatchObject({ queue_name: '${module.karpenter.queue_name}', role_arn: '${module.karpenter.iam_role_arn}' });
    expect(releases.cluster_autoscaler[0].set).toContainEqual({ name: 'rbac.serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn', value: '${local.infra.role_arns.cluster_autoscaler}' });
    // The controller runs on the general pool, never on a node it launched.
    const values = parseYaml(files.get('helm/prod/karpenter.yaml')!);
    expect(values.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', [POOL_LABEL]: 'general' });
    // minValues 2 on spot: with Strict (the chart's default) a spot shortage of one type fails the launch altogether.
    expect(values.settings).toEqual({ minValuesPolicy: 'BestEffort' });
    // EC2 Spot's service-linked role, which CreateFleet makes on first use only when its caller may.
    expect(m.iam_policy_statements).toEqual([
      {
        sid: 'SpotServiceLinkedRole',
        actions: ['iam:CreateServiceLinkedRole'],
        resources: [`arn:aws:iam::${env.account}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`],
        condition: [{ test: 'StringEquals', variable: 'iam:AWSServiceName', values: ['spot.amazonaws.com'] }],
      },
    ]);
    expect(r.nodePools.find((p) => p.name === 'general')!.karpenter).toBeUndefined();
  });
});

describe('the Node Termination Handler for spot managed node groups', () => {
  it('comes with cluster-autoscaler and a spot pool, or a spot general pool beside Karpenter; not with on-demand node groups', () => {
    expect(irOf('examples/minimal-dev.yaml').environments.map((e) => e.nodeTerminationHandler)).toEqual([true]);
    expect(irOf('platform.yaml').environments.map((e) => e.nodeTerminationHandler)).toEqual([false, false]);
    expect(irOf(SPOT).environments.map((e) => e.nodeTerminationHandler)).toEqual([false, false]);
    const spotGeneral = example((t) => t.replace('    instanceTypes: [m6i.large]\n', '    instanceTypes: [m6i.large]\n    capacityType: spot\n'));
    expect(spotGeneral.environments.map((e) => e.nodeTerminationHandler)).toEqual([true, true]);
  });

  it('reads its own queue, which only its rules may write to (over TLS), fed with interruption warnings, health events and state changes', async () => {
    const ir = irOf('examples/minimal-dev.yaml');
    const env = ir.environments[0]!;
    const r = env.regions[0]!;
    const files = filesByPath(ir);
    const tf = await hcl(files, 'terraform/dev/us-west-2/infra/termination-handler.tf');
    expect(tf.resource.aws_sqs_queue.node_termination[0]).toMatchObject({ name: r.names.interruption.nthQueue, sqs_managed_sse_enabled: true, message_retention_seconds: 300 });
    const rules = tf.resource.aws_cloudwatch_event_rule as Record<string, Json[]>;
    const patterns = Object.fromEntries(Object.values(rules).map(([x]) => [x!.name, x!.event_pattern]));
    expect(Object.keys(patterns).sort()).toEqual(['nth-scheduled-change', 'nth-spot-interruption', 'nth-state-change'].map((n) => `${r.names.interruption.rulePrefix}${n}`));
    expect(Object.values(patterns).join('\n')).toContain('EC2 Spot Instance Interruption Warning');
    for (const name of Object.keys(patterns)) expect(name.length).toBeLessThanOrEqual(64);
    // Every rule targets the queue, and the queue policy names exactly those rules.
    const targets = Object.values(tf.resource.aws_cloudwatch_event_target as Record<string, Json[]>).map(([t]) => t!.arn);
    expect(new Set(targets)).toEqual(new Set(['${aws_sqs_queue.node_termination.arn}']));
    const policy = files.get('terraform/dev/us-west-2/infra/termination-handler.tf')!;
    for (const name of Object.keys(patterns)) expect(policy).toContain(`"arn:aws:events:us-west-2:${env.account}:rule/${name}"`);
    expect(policy).toContain('"aws:SecureTransport" = "false"');
    // IRSA: receive and delete on its queue; the Describe calls (which take no resource) to find the node.
    const irsa = tf.module.irsa_node_termination_handler[0];
    expect(irsa.name).toBe(r.names.roles.nodeTerminationHandler);
    expect(irsa.permissions).toEqual({
      Queue: { actions: ['sqs:DeleteMessage', 'sqs:ReceiveMessage'], resources: ['${aws_sqs_queue.node_termination.arn}'] },
      Describe: { actions: ['autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeTags', 'ec2:DescribeInstances'], resources: ['*'] },
    });
    expect(irsa.oidc_providers.this.namespace_service_accounts).toEqual(['kube-system:aws-node-termination-handler']);
    const releases = (await hcl(files, 'terraform/dev/us-west-2/platform/releases.tf')).resource.helm_release;
    const nth = releases.aws_node_termination_handler[0];
    expect(nth.version).toBe(ir.versions.charts['aws-node-termination-handler']!.version);
    expect(nth.set).toContainEqual({ name: 'queueURL', value: '${local.infra.node_termination_handler.queue_url}' });
    const values = parseYaml(files.get('helm/dev/aws-node-termination-handler.yaml')!);
    // Queue mode; managed node groups' instances carry no NTH tag, so it acts on this cluster's nodes by lookup.
    expect(values).toMatchObject({ enableSqsTerminationDraining: true, checkTagBeforeDraining: false, deleteSqsMsgIfNodeNotFound: true, nodeSelector: { [POOL_LABEL]: 'system' } });
  });

  it.skipIf(!hasTool('terraform', ['version']))('is formatted as terraform fmt writes it', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'platformc-karpenter-')), 'generated');
    writeTree(out, filesOf(irOf('examples/minimal-dev.yaml')));
    const r = spawnSync('terraform', ['fmt', '-check', '-recursive', '-diff', join(out, 'terraform')], { encoding: 'utf8', env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' } });
    expect(r.stdout + r.stderr).toBe('');
  });
});

describe('cluster-autoscaler pools of one GPU in several sizes (review K8s #26, TF #24)', () => {
  it('label and template every node with the GPU all its types have', async () => {
    const ir = example((t) => t.replace('provisioner: karpenter', 'provisioner: cluster-autoscaler'));
    const files = filesByPath(ir);
    const eks = await hcl(files, 'terraform/prod/us-east-1/infra/eks.tf');
    const group = eks.module.eks[0].eks_managed_node_groups['gpu-spot'];
    expect(group.instance_types).toEqual(['g6.xlarge', 'g6.2xlarge', 'g6.4xlarge']);
    expect(group.labels).toMatchObject({ 'platformc.dev/accelerator': 'L4', 'k8s.amazonaws.com/accelerator': 'nvidia-l4' });
    const tags = Object.values(eks.locals[0].gpu_node_template_tags as Record<string, Json>).map((t) => [t.key, t.value]);
    expect(tags).toContainEqual(['k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu', '1']);
    expect(tags).toContainEqual(['k8s.io/cluster-autoscaler/node-template/label/platformc.dev/accelerator', 'L4']);
    // Replicas are sized for the smallest type of the pool, so they fit whichever size the spot market gives.
    expect(ir.environments[1]!.regions[0]!.nodePools.find((p) => p.name === 'gpu-spot')!.instance).toMatchObject({ type: 'g6.xlarge', vcpu: 4, memoryGiB: 16 });
  });
});
