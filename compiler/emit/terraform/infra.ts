/**
 * The `infra` root module of one environment and region: network, identity, EKS with its node pools,
 * IRSA roles, the model bucket, budget. Everything a Helm or Kubernetes provider would need lives in the
 * separate `platform` module, so `terraform destroy` here never needs a reachable cluster.
 * @see https://registry.terraform.io/modules/terraform-aws-modules/eks/aws/21.19.0
 * @see https://registry.terraform.io/modules/terraform-aws-modules/vpc/aws/6.6.0
 */
import type { FileOutput } from '../../output/files.js';
import type { EnvironmentIR, NodePoolIR, PlatformIR, RegionIR } from '../../resolve/ir.js';
import { CONTROLLERS } from '../../lib/conventions.js';
import { expr, quote, renderValue, type HclValue } from './hcl.js';
import { jsonencode, policyDocument, workloadPermissions } from './policies.js';
import { karpenterTf } from './karpenter.js';
import { terminationHandlerTf } from './termination-handler.js';
import { dataBlock, file, localsBlock, moduleBlock, outputBlock, render, resourceBlock } from './templates.js';


export const stateKey = (r: RegionIR, layer: 'infra' | 'platform' | 'dns') => `${r.names.stateKeyPrefix}/${layer}.tfstate`;

export function versionsTf(ir: PlatformIR, env: EnvironmentIR, r: RegionIR, layer: 'infra' | 'platform' | 'dns', needed: readonly string[]): string {
  const providers = ir.versions.terraform.providers;
  return render('versions', {
    terraform: { required_version: ir.versions.terraform.requiredVersion },
    providers: Object.fromEntries(needed.map((p) => [p, { source: providers[p]!.source, version: providers[p]!.version }])),
    backend: { bucket: r.names.stateBucket.bucket, key: stateKey(r, layer), region: r.names.stateBucket.region, encrypt: true, use_lockfile: true },
  });
}

/** Providers each root module needs, its own and its modules' (eks's _user_data submodule brings cloudinit and null). */
export const ROOT_PROVIDERS = { bootstrap: ['aws'], infra: ['aws', 'cloudinit', 'null', 'time', 'tls'], platform: ['aws', 'helm', 'kubernetes'], dns: ['aws'] } as const;

/**
 * .terraform.lock.hcl of a root module: the exact provider versions and package hashes (specs/versions.json), so
 * every init installs the same providers on every machine (`terraform init -lockfile=readonly` in platformc).
 * The zh: hashes cover every platform's package; h1: hashes are those published lock files recorded.
 */
export function lockFile(ir: PlatformIR, needed: readonly string[]): string {
  const providers = ir.versions.terraform.providers;
  const constraints = (p: string) => {
    const own = providers[p]!.version;
    // The modules' own constraints, as terraform writes them next to the root's (normalised to three parts).
    const fromModules: Record<string, string[]> = { aws: ['>= 6.28.0'], cloudinit: ['>= 2.0.0'], null: ['>= 3.0.0'], time: ['>= 0.9.0'], tls: ['>= 4.0.0'] };
    return [...(fromModules[p] ?? []), own].join(', ');
  };
  return [...needed]
    .sort()
    .map((p) => {
      const lock = providers[p]!.lock;
      const hashes = lock.hashes.map((h) => `    "${h}",`).join('\n');
      return `provider "registry.terraform.io/${providers[p]!.source}" {\n  version     = "${lock.version}"\n  constraints = "${constraints(p)}"\n  hashes = [\n${hashes}\n  ]\n}\n`;
    })
    .join('\n');
}

export function providersTf(ir: PlatformIR, env: EnvironmentIR, regions: readonly { region: string; alias?: string }[]): string {
  return render('providers', {
    providers: regions.map(({ region, alias }) => ({
      settings: { ...(alias ? { alias } : {}), region, allowed_account_ids: [env.account] },
      defaultTags: { tags: env.tags },
    })),
  });
}

export function emitInfra(ir: PlatformIR, env: EnvironmentIR, r: RegionIR): FileOutput[] {
  const dir = `terraform/${env.name}/${r.region}/infra`;
  const primary = r.role === 'primary';
  const standbyOf = primary ? undefined : env.regions[0]!;
  const files: FileOutput[] = [
    { path: `${dir}/versions.tf`, content: versionsTf(ir, env, r, 'infra', ['aws', 'tls', 'time']) },
    { path: `${dir}/.terraform.lock.hcl`, content: lockFile(ir, ROOT_PROVIDERS.infra) },
    { path: `${dir}/providers.tf`, content: providersTf(ir, env, [{ region: r.region }, ...(standbyOf ? [{ region: standbyOf.region, alias: 'primary' }] : [])]) },
    { path: `${dir}/network.tf`, content: network(ir, env, r) },
    { path: `${dir}/eks.tf`, content: eks(ir, env, r) },
    { path: `${dir}/irsa.tf`, content: irsa(ir, env, r) },
    { path: `${dir}/storage.tf`, content: storage(env, r) },
    { path: `${dir}/logs.tf`, content: logs(env, r) },
    { path: `${dir}/outputs.tf`, content: outputs(env, r) },
  ];
  if (primary) files.push({ path: `${dir}/budget.tf`, content: budget(env, r) });
  if (standbyOf) files.push({ path: `${dir}/replication.tf`, content: replication(env, standbyOf, r) });
  if (env.cluster.provisioner === 'karpenter') files.push({ path: `${dir}/karpenter.tf`, content: karpenterTf(ir, env, r, env.tags) });
  if (env.nodeTerminationHandler) files.push({ path: `${dir}/termination-handler.tf`, content: terminationHandlerTf(ir, env, r, (...a) => irsaModule(ir, env, ...a)) });
  return files;
}

function network(ir: PlatformIR, env: EnvironmentIR, r: RegionIR): string {
  return file(zones(r), vpc(ir, env, r), endpoints(r));
}

/**
 * The VPC's availability zones, looked up at plan rather than written: a zone name maps to a different physical
 * zone in every account, not every account has every name (ap-northeast-1b), and not every zone offers every GPU
 * type (us-east-1e). The VPC takes the first N zones, by name, that need no opt-in and offer a type of every GPU
 * pool; a region with fewer stops the plan with a message instead of failing to launch nodes later.
 */
function zones(r: RegionIR): string {
  const count = r.network.availabilityZoneCount;
  const gpuPools = r.nodePools.filter((p) => p.role === 'gpu');
  const filter = (name: string, values: HclValue) => ({ type: 'filter', body: { name, values } });
  const offerings = gpuPools.length ? ', [for o in data.aws_ec2_instance_type_offerings.gpu : o.locations]...' : '';
  return file(
    dataBlock('aws_availability_zones', 'available', { state: 'available' }, [filter('opt-in-status', ['opt-in-not-required'])]),
    gpuPools.length
      ? dataBlock('aws_ec2_instance_type_offerings', 'gpu', { for_each: Object.fromEntries(gpuPools.map((p) => [p.name, [...p.instanceTypes]])), location_type: 'availability-zone' }, [filter('instance-type', expr('each.value'))])
      : '',
    localsBlock({
      zones_offering: expr(`sort(setintersection(data.aws_availability_zones.available.names${offerings}))`),
      azs: expr(`slice(local.zones_offering, 0, min(${count}, length(local.zones_offering)))`),
    }),
    resourceBlock('terraform_data', 'zones', { input: expr('local.azs') }, [
      {
        type: 'lifecycle',
        body: {},
        blocks: [
          {
            type: 'precondition',
            body: {
              condition: expr(`length(local.zones_offering) >= ${count}`),
              error_message: expr(
                `format(${quote(`${r.region} has %d availability zones that need no opt-in${gpuPools.length ? ` and offer a GPU type of every pool (${gpuPools.map((p) => `${p.name}: ${p.instanceTypes.join(' or ')}`).join('; ')})` : ''}; platform.yaml asks for ${count}: lower regions.${r.region}.availabilityZones`)}, length(local.zones_offering))`,
              ),
            },
          },
        ],
      },
    ]),
  );
}

/** The VPC's endpoints: S3 through a gateway, the services of NetworkIR.interfaceEndpoints in every AZ. */
function endpoints(r: RegionIR): string {
  return file(
    // S3 through a gateway endpoint (free): model weights and ECR's image layers never cross NAT.
    resourceBlock('aws_vpc_endpoint', 's3', {
      vpc_id: expr('module.vpc.vpc_id'),
      service_name: `com.amazonaws.${r.region}.s3`,
      vpc_endpoint_type: 'Gateway',
      route_table_ids: expr('module.vpc.private_route_table_ids'),
      tags: { Name: `${r.names.vpc}-s3` },
    }),
    resourceBlock('aws_security_group', 'vpc_endpoints', {
      name_prefix: `${r.names.vpc}-endpoints-`,
      description: 'HTTPS from the VPC to its interface endpoints',
      vpc_id: expr('module.vpc.vpc_id'),
      tags: { Name: `${r.names.vpc}-endpoints` },
    }),
    resourceBlock('aws_vpc_security_group_ingress_rule', 'vpc_endpoints_https', {
      security_group_id: expr('aws_security_group.vpc_endpoints.id'),
      description: 'HTTPS from the VPC',
      cidr_ipv4: r.network.vpcCidr,
      ip_protocol: 'tcp',
      from_port: 443,
      to_port: 443,
    }),
    resourceBlock('aws_vpc_endpoint', 'interface', {
      for_each: expr(`toset([${r.network.interfaceEndpoints.map((e) => `"${e}"`).join(', ')}])`),
      vpc_id: expr('module.vpc.vpc_id'),
      service_name: expr(`"com.amazonaws.${r.region}.\${each.key}"`),
      vpc_endpoint_type: 'Interface',
      subnet_ids: expr('module.vpc.private_subnets'),
      security_group_ids: [expr('aws_security_group.vpc_endpoints.id')],
      private_dns_enabled: true,
      tags: { Name: expr(`"${r.names.vpc}-\${each.key}"`) },
    }),
  );
}

function vpc(ir: PlatformIR, env: EnvironmentIR, r: RegionIR): string {
  const perAz = r.network.natGateways === 'perAz';
  return moduleBlock('vpc', ir.versions.terraform.modules.vpc!, {
    name: r.names.vpc,
    cidr: r.network.vpcCidr,
    azs: expr('local.azs'),
    public_subnets: [...r.network.publicSubnets],
    private_subnets: [...r.network.privateSubnets],
    // Internal ALBs get subnets of their own, where no node and so no pod (VPC CNI: pods take their node's subnet's
    // addresses) ever has an address: Triton's ALB allow (a NetworkPolicy ipBlock of these CIDRs) admits no pod.
    // The module's elasticache group is the one that fits: its subnets share the private route tables (module
    // main.tf aws_route_table_association.elasticache, with create_elasticache_subnet_route_table false), so an
    // internal ALB reaches the NAT gateway, which Cognito authentication needs (the ALB calls the user pool's token
    // endpoint), while intra_subnets would get a route table without one. No ElastiCache subnet group is made.
    elasticache_subnets: [...r.network.internalLoadBalancerSubnets],
    elasticache_subnet_suffix: 'internal-alb',
    create_elasticache_subnet_group: false,
    create_elasticache_subnet_route_table: false,
    enable_nat_gateway: true,
    single_nat_gateway: !perAz,
    one_nat_gateway_per_az: perAz,
    enable_dns_hostnames: true,
    enable_dns_support: true,
    // Nodes live in private subnets only; nothing in a public subnet gets a public IP by default.
    map_public_ip_on_launch: false,
    // The AWS Load Balancer Controller places an ALB only in subnets with the role tag of its scheme when any subnet
    // has one (subnet_discovery.md: "If subnets with matching role tag exists: Only these become candidates"):
    // internet-facing ones in the public subnets, internal ones in their own subnets. The private subnets carry no
    // role tag, so an internal ALB can never land where the pods are.
    public_subnet_tags: { 'kubernetes.io/role/elb': 1 },
    elasticache_subnet_tags: { 'kubernetes.io/role/internal-elb': 1 },
    // Karpenter launches nodes into the subnets that carry its discovery tag: the private ones.
    ...(env.cluster.provisioner === 'karpenter' ? { private_subnet_tags: { 'karpenter.sh/discovery': r.names.discoveryTag } } : {}),
    // The default security group denies everything.
    manage_default_security_group: true,
    default_security_group_ingress: [],
    default_security_group_egress: [],
    enable_flow_log: true,
    create_flow_log_cloudwatch_log_group: true,
    create_flow_log_cloudwatch_iam_role: true,
    flow_log_cloudwatch_log_group_retention_in_days: env.observability.logs.retentionDays,
    // Ten-minute aggregation: long-lived flows (scrapes, keep-alive connections to the ALBs) give one record per
    // ten minutes instead of ten, and CloudWatch bills flow logs by the GB ingested. ALL traffic, not only REJECT:
    // an investigation needs to see what was accepted.
    flow_log_max_aggregation_interval: 600,
    flow_log_cloudwatch_log_group_kms_key_id: expr('aws_kms_key.logs.arn'),
    // Named under the environment's prefixes (IAM is global; the CI apply role manages only those names).
    flow_log_cloudwatch_log_group_name_prefix: `/platformc/${r.names.envPrefix}/vpc-flow-log/`,
    vpc_flow_log_iam_role_name: r.names.iam.flowLogRole,
    vpc_flow_log_iam_role_use_name_prefix: false,
    vpc_flow_log_iam_policy_name: r.names.iam.flowLogPolicy,
    vpc_flow_log_iam_policy_use_name_prefix: false,
    vpc_flow_log_permissions_boundary: env.identity.boundary.arn,
  });
}

function eks(ir: PlatformIR, env: EnvironmentIR, r: RegionIR): string {
  const c = env.cluster;
  const nodeGroups: Record<string, HclValue> = {};
  // With Karpenter, GPU pools are NodePools (kustomize/overlays/<env>/<region>/karpenter), not node groups.
  for (const pool of r.nodePools.filter((p) => !p.karpenter)) {
    nodeGroups[pool.name] = {
      name: pool.name,
      // The NVIDIA AL2023 AMI ships the driver and container toolkit; the device plugin advertises the GPUs.
      ami_type: pool.role === 'gpu' ? 'AL2023_x86_64_NVIDIA' : 'AL2023_x86_64_STANDARD',
      // A reviewed AMI release, not whatever AWS published last: an unrelated apply never rolls the GPU nodes.
      ami_release_version: c.pins.amiReleaseVersion,
      use_latest_ami_release_version: false,
      instance_types: [...pool.instanceTypes],
      capacity_type: pool.capacityType === 'spot' ? 'SPOT' : 'ON_DEMAND',
      min_size: pool.minSize,
      max_size: pool.maxSize,
      desired_size: pool.desiredSize,
      labels: { ...pool.labels },
      // The EKS API spells taint effects NO_SCHEDULE, PREFER_NO_SCHEDULE and NO_EXECUTE.
      taints: Object.fromEntries(pool.taints.map((t) => [t.key.replace(/[^A-Za-z0-9]+/g, '-'), { key: t.key, value: t.value, effect: t.effect.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase() }])),
      block_device_mappings: {
        xvda: { device_name: '/dev/xvda', ebs: { volume_size: pool.diskSizeGiB, volume_type: 'gp3', encrypted: true, delete_on_termination: true } },
      },
      // IMDSv2 only, and one hop: pods cannot reach the node's credentials (they use IRSA).
      metadata_options: { http_endpoint: 'enabled', http_tokens: 'required', http_put_response_hop_limit: 1 },
      // No cluster-autoscaler discovery tags here: EKS puts them on the managed node groups' ASGs itself. The
      // module's `tags` (below) reach the launch template's tag_specifications, so instances and volumes carry them.
      // Under the environment's IAM prefix (the CI apply role manages only that), with the boundary it requires.
      iam_role_name: r.names.iam.nodeGroupRoles[pool.name],
      iam_role_use_name_prefix: false,
      iam_role_permissions_boundary: env.identity.boundary.arn,
      ...(pool.gpuSharing?.mode === 'mig' ? { cloudinit_pre_nodeadm: [{ content_type: 'text/x-shellscript', content: migPartitionScript(pool) }] } : {}),
    };
  }
  // Keyed by a stable id (resolve); roles of the bootstrap root are looked up, so a missing bootstrap fails the plan.
  const accessEntries: Record<string, HclValue> = {};
  const lookups: string[] = [];
  for (const e of env.identity.accessEntries) {
    const lookup = e.bootstrapRole ? e.key.replace(/[^A-Za-z0-9_]/g, '_') : undefined;
    if (lookup) lookups.push(dataBlock('aws_iam_role', lookup, { name: e.bootstrapRole! }));
    accessEntries[e.key] = {
      principal_arn: lookup ? expr(`data.aws_iam_role.${lookup}.arn`) : e.principalArn,
      policy_associations: e.namespaces
        ? { namespaces: { policy_arn: e.policyArn, access_scope: { type: 'namespace', namespaces: [...e.namespaces] } } }
        : { cluster: { policy_arn: e.policyArn, access_scope: { type: 'cluster' } } },
    };
  }

  const gpuTemplates: Record<string, HclValue> = {};
  for (const pool of r.nodePools.filter((p) => p.role === 'gpu' && !p.karpenter)) {
    // Lets cluster-autoscaler scale a GPU pool up from zero: it reads what a node would offer from ASG tags.
    const tags: Record<string, string> = {
      // What a node advertises: whole GPUs, time slices (gpu.shared) or MIG instances.
      [`k8s.io/cluster-autoscaler/node-template/resources/${pool.gpuSharing?.resource ?? 'nvidia.com/gpu'}`]: String(pool.instance.gpus * (pool.gpuSharing?.perGpu ?? 1)),
      ...Object.fromEntries(Object.entries(pool.labels).map(([k, v]) => [`k8s.io/cluster-autoscaler/node-template/label/${k}`, v])),
      ...Object.fromEntries(pool.taints.map((t) => [`k8s.io/cluster-autoscaler/node-template/taint/${t.key}`, `${t.value}:${t.effect}`])),
    };
    for (const [key, value] of Object.entries(tags)) gpuTemplates[`${pool.name}:${key}`] = { pool: pool.name, key, value };
  }

  return file(
    ...lookups,
    moduleBlock('eks', ir.versions.terraform.modules.eks!, {
      name: r.names.cluster,
      kubernetes_version: c.version,
      vpc_id: expr('module.vpc.vpc_id'),
      subnet_ids: expr('module.vpc.private_subnets'),
      control_plane_subnet_ids: expr('module.vpc.private_subnets'),
      endpoint_private_access: true,
      endpoint_public_access: c.publicAccess,
      endpoint_public_access_cidrs: c.publicAccess ? [...c.publicAccessCidrs] : undefined,
      // Self-hosted CI runners reach the private endpoint on 443: from their CIDRs (cluster.endpoint.ciRunnerCidrs),
      // or from inside this VPC when none are given.
      security_group_additional_rules: env.identity.ci?.selfHostedRunners
        ? {
            ingress_ci_runners: {
              description: c.ciRunnerCidrs.length ? 'CI runners to the API server' : 'CI runners in the VPC to the API server',
              protocol: 'tcp',
              from_port: 443,
              to_port: 443,
              type: 'ingress',
              cidr_blocks: c.ciRunnerCidrs.length ? [...c.ciRunnerCidrs] : [r.network.vpcCidr],
            },
          }
        : undefined,
      // A protected cluster cannot be deleted: `platformc destroy --disable-deletion-protection` turns it off first.
      deletion_protection: c.deletionProtection,
      enabled_log_types: [...c.logging],
      cloudwatch_log_group_retention_in_days: env.observability.logs.retentionDays,
      cloudwatch_log_group_kms_key_id: expr('aws_kms_key.logs.arn'),
      iam_role_name: r.names.iam.clusterRole,
      iam_role_use_name_prefix: false,
      iam_role_permissions_boundary: env.identity.boundary.arn,
      authentication_mode: 'API',
      // Access is granted by the explicit entries below, never implicitly to whoever ran terraform.
      enable_cluster_creator_admin_permissions: false,
      enable_irsa: true,
      create_kms_key: c.secretsEncryption,
      enable_kms_key_rotation: c.secretsEncryption ? true : undefined,
      // The module defaults the key administrator to whoever runs apply, so the key policy would flip between a human
      // and CI: name the CI apply role, or the account (administered through IAM) when CI does not apply.
      kms_key_administrators: c.secretsEncryption ? [env.identity.ci?.apply ? expr('data.aws_iam_role.ci_apply.arn') : `arn:aws:iam::${env.account}:root`] : undefined,
      encryption_config: c.secretsEncryption ? { resources: ['secrets'] } : null,
      // Reviewed add-on versions for this Kubernetes minor (specs/versions.json), never "most recent".
      addons: {
        // vpc-cni must exist before nodes join; the others install once nodes can run them. Its network policy
        // agent is off unless asked for: without it no NetworkPolicy of the platform is enforced.
        'vpc-cni': { before_compute: true, addon_version: c.pins.addons['vpc-cni'], configuration_values: expr('jsonencode({ enableNetworkPolicy = "true" })') },
        'kube-proxy': { addon_version: c.pins.addons['kube-proxy'] },
        coredns: { addon_version: c.pins.addons.coredns },
        'aws-ebs-csi-driver': {
          addon_version: c.pins.addons['aws-ebs-csi-driver'],
          service_account_role_arn: expr('module.irsa_ebs_csi.arn'),
          // Volumes the driver creates (Prometheus) carry the cluster tag the destroy sweep looks for, and cost tags.
          configuration_values: expr(`jsonencode(${renderValue({ controller: { k8sTagClusterId: r.names.cluster, extraVolumeTags: env.tags } }, 3)})`),
        },
        // The HPAs scale on CPU when metrics are off: the Resource metrics API needs metrics-server.
        ...(env.observability.metrics.enabled ? {} : { 'metrics-server': { addon_version: c.pins.addons['metrics-server'] } }),
      },
      // Cost-allocation tags on what the module makes, node group instances and volumes included: provider
      // default_tags do not reach launch templates (hashicorp/terraform-provider-aws #19387).
      tags: env.tags,
      // Karpenter's nodes join with the node security group, found by this tag.
      node_security_group_tags: env.cluster.provisioner === 'karpenter' ? { 'karpenter.sh/discovery': r.names.discoveryTag } : undefined,
      eks_managed_node_groups: nodeGroups,
      access_entries: accessEntries,
    }),
    Object.keys(gpuTemplates).length ? localsBlock({ gpu_node_template_tags: gpuTemplates }) : '',
    Object.keys(gpuTemplates).length
      ? resourceBlock(
          'aws_autoscaling_group_tag',
          'gpu_node_template',
          {
            for_each: expr('local.gpu_node_template_tags'),
            autoscaling_group_name: expr('one(module.eks.eks_managed_node_groups[each.value.pool].node_group_autoscaling_group_names)'),
          },
          [{ type: 'tag', body: { key: expr('each.value.key'), value: expr('each.value.value'), propagate_at_launch: false } }],
        )
      : '',
  );
}

function irsaModule(ir: PlatformIR, env: EnvironmentIR, name: string, roleName: string, serviceAccounts: readonly string[], inputs: Record<string, HclValue | undefined>): string {
  return moduleBlock(name, ir.versions.terraform.modules.irsa!, {
    name: roleName,
    use_name_prefix: false,
    // Without policy_name the module names the policy by a fixed, account-wide string (AWS_Load_Balancer_Controller, ...).
    policy_name: roleName,
    permissions_boundary: env.identity.boundary.arn,
    ...inputs,
    oidc_providers: { this: { provider_arn: expr('module.eks.oidc_provider_arn'), namespace_service_accounts: [...serviceAccounts] } },
  });
}

const sa = (c: { namespace: string; serviceAccount: string }) => `${c.namespace}:${c.serviceAccount}`;

function irsa(ir: PlatformIR, env: EnvironmentIR, r: RegionIR): string {
  const roles = r.names.roles;
  const secrets = [env.observability.dashboards.adminSecret, env.observability.alerting.secret?.name].filter((s): s is string => Boolean(s));
  const blocks = [
    irsaModule(ir, env, 'irsa_alb_controller', roles.albController, [sa(CONTROLLERS.albController)], { attach_load_balancer_controller_policy: true }),
    irsaModule(ir, env, 'irsa_cluster_autoscaler', roles.clusterAutoscaler, [sa(CONTROLLERS.clusterAutoscaler)], { attach_cluster_autoscaler_policy: true, cluster_autoscaler_cluster_names: [r.names.cluster] }),
    irsaModule(ir, env, 'irsa_ebs_csi', roles.ebsCsi, [sa(CONTROLLERS.ebsCsi)], { attach_ebs_csi_policy: true }),
    irsaModule(ir, env, 'irsa_external_secrets', roles.externalSecrets, [sa(CONTROLLERS.externalSecrets)], {
      attach_external_secrets_policy: true,
      // Only the secrets platform.yaml names; "-*" is the random suffix Secrets Manager adds to ARNs.
      external_secrets_secrets_manager_arns: secrets.sort().map((s) => `arn:aws:secretsmanager:${r.region}:${env.account}:secret:${s}-*`),
      external_secrets_ssm_parameter_arns: [],
      external_secrets_kms_key_arns: [],
      external_secrets_secrets_manager_create_permission: false,
    }),
  ];
  if (env.observability.logs.enabled) {
    blocks.push(
      irsaModule(ir, env, 'irsa_fluent_bit', roles.logShipping, [sa(CONTROLLERS.logShipping)], {
        permissions: workloadPermissions([{ service: 'cloudwatchLogs', logGroup: r.names.logGroup }], r, env.account),
      }),
    );
  }
  for (const d of r.deployments) {
    // Each model's pods read only that model's prefix of the model bucket.
    blocks.push(
      irsaModule(ir, env, `irsa_triton_${d.model.replace(/-/g, '_')}`, d.roleName, [`${d.namespace}:${d.serviceAccount}`], {
        permissions: workloadPermissions([{ service: 's3', bucket: 'models', prefix: `${d.model}/`, access: 'read' }], r, env.account),
      }),
    );
  }
  for (const w of env.identity.workloads) {
    const roleName = r.workloadRoles.find((x) => x.workload === w.name)!.roleName;
    blocks.push(irsaModule(ir, env, `irsa_workload_${w.name.replace(/-/g, '_')}`, roleName, [`${w.namespace}:${w.serviceAccount}`], { permissions: workloadPermissions(w.access, r, env.account) }));
  }
  return file(...blocks);
}

function storage(env: EnvironmentIR, r: RegionIR): string {
  const bucket = r.names.modelBucket;
  return file(
    // Never force_destroy: `platformc destroy` empties the bucket (every version and delete marker) as a
    // step of its own, after asking; a bare `terraform destroy` refuses a bucket that still holds models.
    resourceBlock('aws_s3_bucket', 'models', { bucket, force_destroy: false }),
    resourceBlock('aws_s3_bucket_versioning', 'models', { bucket: expr('aws_s3_bucket.models.id') }, [{ type: 'versioning_configuration', body: { status: 'Enabled' } }]),
    resourceBlock('aws_s3_bucket_server_side_encryption_configuration', 'models', { bucket: expr('aws_s3_bucket.models.id') }, [
      // SSE-S3: encrypted at rest with keys S3 manages, which cross-region replication accepts without KMS grants.
      { type: 'rule', body: {}, blocks: [{ type: 'apply_server_side_encryption_by_default', body: { sse_algorithm: 'AES256' } }] },
    ]),
    // Every upload of weights leaves the previous version behind: keep those 30 days (a rollback window), no longer.
    resourceBlock('aws_s3_bucket_lifecycle_configuration', 'models', { bucket: expr('aws_s3_bucket.models.id'), depends_on: [expr('aws_s3_bucket_versioning.models')] }, [
      {
        type: 'rule',
        body: { id: 'expire-noncurrent-versions', status: 'Enabled' },
        blocks: [
          { type: 'filter', body: {} },
          { type: 'noncurrent_version_expiration', body: { noncurrent_days: 30 } },
          { type: 'abort_incomplete_multipart_upload', body: { days_after_initiation: 7 } },
        ],
      },
    ]),
    resourceBlock('aws_s3_bucket_public_access_block', 'models', { bucket: expr('aws_s3_bucket.models.id'), block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true }),
    resourceBlock('aws_s3_bucket_policy', 'models', {
      bucket: expr('aws_s3_bucket.models.id'),
      policy: jsonencode(policyDocument([
        { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: ['s3:*'], Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      ])),
      depends_on: [expr('aws_s3_bucket_public_access_block.models')],
    }),
  );
}

/**
 * The region's log groups are encrypted with a key of their own: the EKS control plane's, the containers' and the
 * VPC flow logs'. The account administers the key through IAM (the apply role's kmsKeys scope); CloudWatch Logs of
 * this region may use it only for those log groups (the encryption context names the log group).
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
function logs(env: EnvironmentIR, r: RegionIR): string {
  const logGroups = `arn:aws:logs:${r.region}:${env.account}:log-group:`;
  return file(
    resourceBlock('aws_kms_key', 'logs', {
      description: `platformc CloudWatch Logs of ${r.names.cluster} (${r.region}): control plane, containers, VPC flow logs`,
      enable_key_rotation: true,
      policy: jsonencode(policyDocument([
        { Sid: 'AccountAdministersThroughIam', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${env.account}:root` }, Action: ['kms:*'], Resource: '*' },
        {
          Sid: 'CloudWatchLogsOfThisRegion',
          Effect: 'Allow',
          Principal: { Service: `logs.${r.region}.amazonaws.com` },
          Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          Resource: '*',
          Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': [`${logGroups}/aws/eks/${r.names.cluster}/cluster`, `${logGroups}/platformc/${r.names.envPrefix}/*`] } },
        },
      ])),
    }),
    env.observability.logs.enabled
      ? resourceBlock('aws_cloudwatch_log_group', 'containers', { name: r.names.logGroup, retention_in_days: env.observability.logs.retentionDays, kms_key_id: expr('aws_kms_key.logs.arn') })
      : '',
  );
}

/**
 * Standby region: replicate the primary model bucket into this region's bucket. Both buckets use SSE-S3, so
 * replication needs no KMS key (S3 rejects nothing and the role holds no KMS rights); the role can be assumed
 * by S3 only for the source bucket of this account.
 */
function replication(env: EnvironmentIR, primary: RegionIR, r: RegionIR): string {
  const source = primary.names.modelBucket;
  const dest = r.names.modelBucket;
  const role = `${r.names.regionalPrefix}-replication`;
  return file(
    resourceBlock('aws_iam_role', 'replication', {
      name: role,
      permissions_boundary: env.identity.boundary.arn,
      assume_role_policy: jsonencode(policyDocument([
        {
          Sid: 'S3Replication',
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: ['sts:AssumeRole'],
          // Confused deputy: only S3 acting for the source bucket of this account.
          Condition: { StringEquals: { 'aws:SourceAccount': env.account }, ArnLike: { 'aws:SourceArn': `arn:aws:s3:::${source}` } },
        },
      ])),
    }),
    resourceBlock('aws_iam_role_policy', 'replication', {
      name: 'replicate-models',
      role: expr('aws_iam_role.replication.id'),
      policy: jsonencode(policyDocument([
        { Sid: 'ReadSource', Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: [`arn:aws:s3:::${source}`] },
        { Sid: 'ReadSourceObjects', Effect: 'Allow', Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'], Resource: [`arn:aws:s3:::${source}/*`] },
        { Sid: 'WriteReplicas', Effect: 'Allow', Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], Resource: [`arn:aws:s3:::${dest}/*`] },
      ])),
    }),
    resourceBlock('aws_s3_bucket_replication_configuration', 'models', { provider: expr('aws.primary'), bucket: source, role: expr('aws_iam_role.replication.arn'), depends_on: [expr('aws_s3_bucket_versioning.models')] }, [
      {
        type: 'rule',
        body: { id: 'standby', status: 'Enabled' },
        blocks: [
          { type: 'filter', body: {} },
          { type: 'delete_marker_replication', body: { status: 'Enabled' } },
          { type: 'destination', body: { bucket: `arn:aws:s3:::${dest}`, storage_class: 'STANDARD' } },
        ],
      },
    ]),
  );
}

function budget(env: EnvironmentIR, r: RegionIR): string {
  const b = env.budget;
  // Sharing an account: count only this environment's tagged costs (budget.scope: environment).
  const filter = b.costFilter ? [{ type: 'cost_filter', body: { name: b.costFilter.name, values: [...b.costFilter.values] } }] : [];
  const notifications = b.notify.length
    ? b.alertThresholds.flatMap((threshold) =>
        (['FORECASTED', 'ACTUAL'] as const).map((type) => ({
          type: 'notification',
          body: { comparison_operator: 'GREATER_THAN', threshold, threshold_type: 'PERCENTAGE', notification_type: type, subscriber_email_addresses: [...b.notify] },
        })),
      )
    : [];
  return file(
    resourceBlock('aws_budgets_budget', 'monthly', { name: `${r.names.envPrefix}-monthly`, budget_type: 'COST', limit_amount: b.monthlyUsd.toFixed(2), limit_unit: 'USD', time_unit: 'MONTHLY' }, [...filter, ...notifications]),
    // Cost Explorer sees a user-defined tag only once it is active: activated here when platform.yaml says this
    // account may (a standalone or management account, after AWS has listed the key: budget.activateTag).
    b.activateTag ? resourceBlock('aws_ce_cost_allocation_tag', 'stack', { tag_key: b.activateTag, status: 'Active' }) : '',
  );
}

/**
 * MIG partitions of a MIG pool's node, made at boot before kubelet starts (nodeadm-run starts kubelet after cloud-init's
 * scripts): MIG mode on, then every GPU split into instances of the pool's profile, each with its compute instance
 * (-C). The device plugin (mixed strategy) then advertises them as nvidia.com/mig-<profile>. The NVIDIA AL2023 AMI has
 * the driver and nvidia-smi; partitions do not survive a reboot, so this runs on every boot. (The GPU operator's
 * mig-manager does the same from a node label, but brings its own device plugin and driver management.)
 * @see https://docs.nvidia.com/datacenter/tesla/mig-user-guide/getting-started-with-mig.html
 */
function migPartitionScript(pool: NodePoolIR): string {
  const s = pool.gpuSharing!;
  return [
    '#!/bin/bash',
    `# platformc: split every GPU of node pool ${pool.name} into ${s.perGpu} MIG instances of ${s.profile}`,
    'set -euo pipefail',
    // NVML refuses a MIG mode change (IN_USE) while anything holds a GPU: the AMI's persistence daemon and, on
    // NVSwitch machines (p4d, p5), the fabric manager. Stop them, switch, reset, start them again.
    'systemctl stop nvidia-persistenced nvidia-fabricmanager 2>/dev/null || true',
    'nvidia-smi -mig 1',
    'nvidia-smi --gpu-reset 2>/dev/null || true',
    'systemctl start nvidia-fabricmanager nvidia-persistenced 2>/dev/null || true',
    // A mode still pending would leave the node without partitions: it would join, advertise no MIG instance, and the
    // autoscaler would keep adding nodes for pods that never schedule. Fail the boot script loudly instead.
    'if nvidia-smi --query-gpu=mig.mode.current --format=csv,noheader | grep -qv Enabled; then',
    `  echo "platformc: MIG mode is not enabled on every GPU of node pool ${pool.name}" >&2`,
    '  exit 1',
    'fi',
    // Start from no instances: a replaced root volume keeps nothing, but a reboot keeps MIG mode.
    'nvidia-smi mig -dci || true',
    'nvidia-smi mig -dgi || true',
    // GPU by GPU (-i), so every GPU of the node is split the same way.
    'for gpu in $(nvidia-smi --query-gpu=index --format=csv,noheader); do',
    `  nvidia-smi mig -i "$gpu" -cgi ${Array.from({ length: s.perGpu }, () => s.profile).join(',')} -C`,
    'done',
    '',
  ].join('\n');
}

function outputs(env: EnvironmentIR, r: RegionIR): string {
  const out = (name: string, value: HclValue, description: string) => outputBlock(name, { description, value });
  return file(
    out('region', r.region, 'AWS region of this stack.'),
    out('cluster_name', expr('module.eks.cluster_name'), 'EKS cluster name.'),
    out('cluster_endpoint', expr('module.eks.cluster_endpoint'), 'EKS API server endpoint.'),
    out('cluster_certificate_authority_data', expr('module.eks.cluster_certificate_authority_data'), 'Cluster CA certificate (base64).'),
    out('oidc_provider_arn', expr('module.eks.oidc_provider_arn'), 'IAM OIDC provider of the cluster (IRSA).'),
    out('vpc_id', expr('module.vpc.vpc_id'), 'VPC id (the AWS Load Balancer Controller needs it: pods cannot reach IMDS).'),
    out('model_bucket', expr('aws_s3_bucket.models.bucket'), 'S3 bucket of the Triton model repository.'),
    out('role_arns', {
      alb_controller: expr('module.irsa_alb_controller.arn'),
      cluster_autoscaler: expr('module.irsa_cluster_autoscaler.arn'),
      ebs_csi: expr('module.irsa_ebs_csi.arn'),
      external_secrets: expr('module.irsa_external_secrets.arn'),
      fluent_bit: env.observability.logs.enabled ? expr('module.irsa_fluent_bit.arn') : undefined,
    }, 'IRSA role ARNs of the platform controllers.'),
    out('triton_role_arns', Object.fromEntries(r.deployments.map((d) => [d.model, expr(`module.irsa_triton_${d.model.replace(/-/g, '_')}.arn`)])), 'IRSA role ARN of each model.'),
  );
}
