/**
 * IAM policy documents, as data. The CI roles' actions come from specs/iam-actions.json (with their sources);
 * this file gives each group of actions its resources and conditions. Least privilege: writes are scoped to
 * the environment's own names, tags or regions; the apply role cannot change any identity that guards it
 * (itself, the plan role, the operator roles, the boundary, the GitHub OIDC provider), and every role it
 * creates carries the permissions boundary, which caps what those roles can ever do.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
 */
import type { EnvironmentIR, RegionIR, WorkloadAccessIR } from '../../resolve/ir.js';
import { expr, renderValue, type HclValue } from './hcl.js';

type Condition = Readonly<Record<string, Readonly<Record<string, HclValue>>>>;
export interface Statement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: readonly string[];
  readonly NotAction?: readonly string[];
  readonly Resource?: readonly string[] | string | ReturnType<typeof expr>;
  readonly Condition?: Condition;
  readonly Principal?: HclValue;
}

export const policyDocument = (statements: readonly Statement[]): HclValue => ({ Version: '2012-10-17', Statement: statements as unknown as HclValue });
/** jsonencode(<doc>) as it appears as an attribute value one level into a block. */
export const jsonencode = (doc: HclValue) => expr(`jsonencode(${renderValue(doc, 1)})`);

/** Scopes whose actions AWS authorises only on `Resource: "*"` (no ARN exists before the resource does, or none at all). */
export const WILDCARD_RESOURCE_SCOPES = ['any', 'regions', 'createTagged', 'dnsHealthChecks', 'costAllocationTags', 'certificateRequests'] as const;

/** AWS managed policies the modules attach to the roles they create: the only ones the apply role may attach. */
export const ATTACHABLE_MANAGED_POLICIES = [
  'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy',
  'arn:aws:iam::aws:policy/AmazonEKSVPCResourceController',
  'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
  'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy',
  'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
  'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly',
] as const;

/** Services the roles the apply role creates may pass to (EKS cluster and node roles, flow logs, S3 replication). */
const PASSED_TO = ['eks.amazonaws.com', 'ec2.amazonaws.com', 's3.amazonaws.com', 'vpc-flow-logs.amazonaws.com'];
/** Service-linked roles created on first use of EKS, managed node groups, Auto Scaling and Spot. */
const SERVICE_LINKED = ['autoscaling.amazonaws.com', 'eks-nodegroup.amazonaws.com', 'eks.amazonaws.com', 'spot.amazonaws.com'];

interface Scope {
  readonly Resource: readonly string[] | string;
  readonly Condition?: Condition;
}

const iam = (env: EnvironmentIR, what: string) => `arn:aws:iam::${env.account}:${what}`;
const ownTags = (env: EnvironmentIR, kind: 'aws:ResourceTag' | 'aws:RequestTag') => Object.fromEntries(Object.entries(env.identity.ownerTags).map(([k, v]) => [`${kind}/${k}`, v]));

/** Where each group's actions apply in this environment; undefined when the environment has none of it. */
function scopes(env: EnvironmentIR): Record<string, Scope | undefined> {
  const { account, identity: id } = env;
  const regions = env.regions.map((r) => r.region);
  const each = (f: (r: RegionIR) => string[]) => env.regions.flatMap(f);
  const inRegions = { StringEquals: { 'aws:RequestedRegion': regions } };
  const buckets = env.regions.map((r) => `arn:aws:s3:::${r.names.modelBucket}`);
  return {
    any: { Resource: '*' },
    regions: { Resource: '*', Condition: inRegions },
    // Public parameters have no account in their ARN (arn:aws:ssm:<region>::parameter/aws/...): "*" matches the empty one.
    amiParameters: { Resource: regions.map((r) => `arn:aws:ssm:${r}:*:parameter/aws/service/eks/*`) },
    // CreateCluster and CreateKey take no resource; CreateKey with tags needs TagResource on "*" (KMS
    // tag-permissions). Only with this environment's tags in the request, and never on an existing key tagged
    // for another environment.
    createTagged: { Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': regions, ...ownTags(env, 'aws:RequestTag') }, StringEqualsIfExists: ownTags(env, 'aws:ResourceTag') } },
    kmsKeys: { Resource: regions.map((r) => `arn:aws:kms:${r}:${account}:key/*`), Condition: { StringEquals: ownTags(env, 'aws:ResourceTag') } },
    kmsAliases: { Resource: each((r) => [`arn:aws:kms:${r.region}:${account}:alias/eks/${r.names.cluster}`]) },
    cluster: {
      Resource: each((r) => ['cluster', 'nodegroup', 'addon', 'access-entry'].map((t) => `arn:aws:eks:${r.region}:${account}:${t}/${r.names.cluster}${t === 'cluster' ? '' : '/*'}`)),
    },
    roles: { Resource: [iam(env, `role/${id.iamPrefix}*`)], Condition: { StringEquals: ownTags(env, 'aws:ResourceTag') } },
    policies: { Resource: [iam(env, `policy/${id.iamPrefix}*`)] },
    managedPolicies: { Resource: ['arn:aws:iam::aws:policy/*'] },
    clusterOidcProvider: { Resource: regions.map((r) => iam(env, `oidc-provider/oidc.eks.${r}.amazonaws.com/id/*`)) },
    serviceLinkedRoles: { Resource: [iam(env, 'role/aws-service-role/*')], Condition: { StringEquals: { 'iam:AWSServiceName': SERVICE_LINKED } } },
    buckets: { Resource: buckets },
    modelObjects: { Resource: buckets.map((b) => `${b}/*`) },
    weights: id.weightsObjectArns.length ? { Resource: [...id.weightsObjectArns] } : undefined,
    logs: {
      Resource: each((r) => [
        `arn:aws:logs:${r.region}:${account}:log-group:/aws/eks/${r.names.cluster}/cluster`,
        `arn:aws:logs:${r.region}:${account}:log-group:/aws/eks/${r.names.cluster}/cluster:*`,
        `arn:aws:logs:${r.region}:${account}:log-group:/platformc/${r.names.envPrefix}/*`,
      ]),
    },
    budget: { Resource: [`arn:aws:budgets::${account}:budget/${id.iamPrefix}monthly`] },
    // Cost-allocation tag settings are the account's (no ARN): only for an environment that activates its tag.
    costAllocationTags: env.budget.activateTag ? { Resource: '*' } : undefined,
    nodeGroupScaling: {
      Resource: regions.map((r) => `arn:aws:autoscaling:${r}:${account}:autoScalingGroup:*:autoScalingGroupName/eks-*`),
      // EKS tags the node groups' Auto Scaling groups with their cluster.
      Condition: { StringEquals: { 'aws:ResourceTag/eks:cluster-name': env.regions[0]!.names.cluster } },
    },
    // Karpenter's interruption queue and rules (the karpenter submodule), the termination handler's (termination-handler.tf).
    interruptionQueues: interrupted(env) ? { Resource: each((r) => queueArns(env, r)) } : undefined,
    interruptionRules: interrupted(env) ? { Resource: each((r) => [`arn:aws:events:${r.region}:${account}:rule/${r.names.interruption.rulePrefix}*`]) } : undefined,
    dnsRecords: env.dns?.name ? { Resource: ['arn:aws:route53:::hostedzone/*'] } : undefined,
    dnsHealthChecks: env.dns?.name ? { Resource: '*' } : undefined,
    // RequestCertificate takes no resource; the certificates it makes are regional.
    certificateRequests: env.dns ? { Resource: '*', Condition: inRegions } : undefined,
    certificates: env.dns ? { Resource: regions.map((r) => `arn:aws:acm:${r}:${account}:certificate/*`) } : undefined,
    // Exactly the certificates platform.yaml names: apply describes them (compiler/ops/certificates.ts).
    namedCertificates: namedCertificateArns(env).length ? { Resource: namedCertificateArns(env) } : undefined,
  };
}

/** The certificate ARNs platform.yaml gives the environment's Ingresses, in every region. */
const namedCertificateArns = (env: EnvironmentIR) => [...new Set(env.regions.flatMap((r) => r.deployments.flatMap((d) => d.ingress.certificateArns)))].sort();

/** Whether the environment has an interruption queue: Karpenter's, or the termination handler's. */
const interrupted = (env: EnvironmentIR) => env.cluster.provisioner === 'karpenter' || env.nodeTerminationHandler;
/** The interruption queues of a region that exist in this environment. */
const queueArns = (env: EnvironmentIR, r: RegionIR) => [
  ...(env.cluster.provisioner === 'karpenter' ? [r.names.interruption.karpenterQueue] : []),
  ...(env.nodeTerminationHandler ? [r.names.interruption.nthQueue] : []),
].map((q) => `arn:aws:sqs:${r.region}:${env.account}:${q}`);
/** The roles of Karpenter's nodes: the karpenter submodule gives each an EKS access entry, and the controller passes it to EC2. */
const karpenterNodeRoles = (env: EnvironmentIR) => (env.cluster.provisioner === 'karpenter' ? env.regions.map((r) => `arn:aws:iam::${env.account}:role/${r.names.iam.karpenterNodeRole}`) : []);

/** Conditions some write actions need beyond their group's scope. */
function writeConditions(env: EnvironmentIR): Record<string, Condition> {
  const boundary = { 'iam:PermissionsBoundary': env.identity.boundary.arn };
  return {
    'iam:CreateRole': { StringEquals: { ...boundary, ...ownTags(env, 'aws:RequestTag') } },
    // CreateRole with tags is also authorised as iam:TagRole on a role that has no tags yet: allow it when the
    // role carries none of another environment's tags and the request sets none (IfExists on both).
    'iam:TagRole': { StringEqualsIfExists: { ...ownTags(env, 'aws:RequestTag'), ...ownTags(env, 'aws:ResourceTag') } },
    'iam:PutRolePermissionsBoundary': { StringEquals: { ...boundary, ...ownTags(env, 'aws:ResourceTag') } },
    'iam:AttachRolePolicy': { StringEquals: ownTags(env, 'aws:ResourceTag'), ArnLike: { 'iam:PolicyARN': [...ATTACHABLE_MANAGED_POLICIES, iam(env, `policy/${env.identity.iamPrefix}*`)] } },
    'iam:PassRole': { StringEquals: { 'iam:PassedToService': PASSED_TO } },
    // Cluster access only for the principals platform.yaml names, and never implicitly for the creator.
    'eks:CreateAccessEntry': { StringEquals: { 'eks:principalArn': [...new Set([...env.identity.accessEntries.map((e) => e.principalArn), ...karpenterNodeRoles(env)])].sort() } },
    'eks:CreateCluster': { Bool: { 'eks:bootstrapClusterCreatorAdminPermissions': 'false' } },
    'iam:CreatePolicy': { StringEquals: ownTags(env, 'aws:RequestTag') },
    // Records at or under <env>.<zone> only: the hosts and the certificates' validation records (_<token>.<host>).
    ...(env.dns ? { 'route53:ChangeResourceRecordSets': { 'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [env.dns.name, `*.${env.dns.name}`] } } } : {}),
    // Certificates only for names under <env>.<zone>, tagged as this environment's; only its own are deleted or retagged.
    ...(env.dns
      ? {
          'acm:RequestCertificate': { 'ForAllValues:StringLike': { 'acm:DomainNames': [`*.${env.dns.name}`] }, StringEquals: ownTags(env, 'aws:RequestTag') },
          'acm:AddTagsToCertificate': { StringEqualsIfExists: { ...ownTags(env, 'aws:RequestTag'), ...ownTags(env, 'aws:ResourceTag') } },
          'acm:DeleteCertificate': { StringEquals: ownTags(env, 'aws:ResourceTag') },
        }
      : {}),
  };
}

const sid = (group: string, suffix: string) => `${group[0]!.toUpperCase()}${group.slice(1)}${suffix}`;

/** The Terraform state of the environment's region roots: read (plan) or read and write (apply); lock files either way. */
function stateStatements(env: EnvironmentIR, write: boolean): Statement[] {
  const byRegion = env.regions.map((r) => ({ bucket: r.names.stateBucket.bucket, prefix: r.names.stateKeyPrefix }));
  const buckets = [...new Set(byRegion.map((b) => `arn:aws:s3:::${b.bucket}`))];
  const keys = byRegion.map((b) => `arn:aws:s3:::${b.bucket}/${b.prefix}/*`);
  return [
    { Sid: 'StateList', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: buckets },
    // Only the region roots' state: never the bootstrap root's, which holds the identities that guard this role.
    { Sid: 'StateRead', Effect: 'Allow', Action: ['s3:GetObject'], Resource: keys },
    write
      ? { Sid: 'StateWrite', Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: keys }
      : { Sid: 'StateLock', Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: byRegion.map((b) => `arn:aws:s3:::${b.bucket}/${b.prefix}/*.tflock`) },
  ];
}

/** The plan role: reads what the stack manages and its state, takes the state lock, changes nothing. */
export function planRoleStatements(env: EnvironmentIR): Statement[] {
  const s = scopes(env);
  const out: Statement[] = [];
  for (const [group, g] of Object.entries(env.identity.ciActions)) {
    const scope = s[g.scope];
    if (!scope || g.read.length === 0) continue;
    // Reads need no tag condition: a plan must see a resource to say it drifted.
    out.push({ Sid: sid(group, 'Read'), Effect: 'Allow', Action: [...g.read], Resource: scope.Resource, ...(g.scope === 'regions' ? { Condition: scope.Condition! } : {}) });
  }
  return [...out, ...stateStatements(env, false)];
}

/** The apply role: exactly what applying this environment's roots needs, plus the guards that keep it from escalating. */
export function applyRoleStatements(env: EnvironmentIR): Statement[] {
  const s = scopes(env);
  const special = writeConditions(env);
  const out: Statement[] = [];
  for (const [group, g] of Object.entries(env.identity.ciActions)) {
    const scope = s[g.scope];
    if (!scope) continue;
    const plain = [...g.read, ...g.write.filter((a) => !special[a])];
    if (plain.length) out.push({ Sid: sid(group, ''), Effect: 'Allow', Action: plain, Resource: scope.Resource, ...(scope.Condition ? { Condition: scope.Condition } : {}) });
    for (const action of g.write.filter((a) => special[a])) {
      const base = g.scope === 'roles' ? {} : scope.Condition ?? {};
      out.push({ Sid: sid(group, action.split(':')[1]!), Effect: 'Allow', Action: [action], Resource: scope.Resource, Condition: { ...base, ...special[action]! } });
    }
  }
  return [...out, ...stateStatements(env, true), ...guardStatements(env)];
}

/** Explicit denies: they hold whatever an Allow above (or a later edit) says. */
function guardStatements(env: EnvironmentIR): Statement[] {
  const id = env.identity;
  const guarded = [
    ...(id.ci?.apply ? [id.ci.apply.arn] : []),
    ...(id.ci?.plan ? [id.ci.plan.arn] : []),
    ...id.operators.map((o) => o.arn),
    id.boundary.arn,
    ...(id.ci ? [id.ci.oidcProvider.arn] : []),
  ];
  return [
    { Sid: 'DenyRolesWithoutBoundary', Effect: 'Deny', Action: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary'], Resource: '*', Condition: { StringNotEquals: { 'iam:PermissionsBoundary': id.boundary.arn } } },
    { Sid: 'DenyBoundaryRemoval', Effect: 'Deny', Action: ['iam:DeleteRolePermissionsBoundary'], Resource: '*' },
    { Sid: 'DenyChangingGuardingIdentities', Effect: 'Deny', NotAction: ['iam:Get*', 'iam:List*'], Resource: guarded },
  ];
}

/**
 * The permissions boundary: the most any role the apply role creates may ever do, whatever policy is
 * attached to it. It covers what the stack's roles need (cluster, nodes, flow logs, load balancer controller,
 * autoscaler, EBS CSI, External Secrets, fluent-bit, Triton, workloads, replication) and no IAM beyond
 * service-linked roles and server-certificate reads.
 */
export function boundaryStatements(env: EnvironmentIR): Statement[] {
  const regions = env.regions.map((r) => r.region);
  const account = env.account;
  const buckets = [...new Set([...env.regions.map((r) => r.names.modelBucket), ...env.identity.workloads.flatMap((w) => w.access.flatMap((a) => (a.service === 's3' && a.bucket !== 'models' ? [a.bucket] : [])))])].sort();
  const secrets = [env.observability.dashboards.adminSecret, env.observability.alerting.secret?.name].filter((x): x is string => Boolean(x));
  const secretArns = regions.flatMap((r) => [
    ...secrets.map((x) => `arn:aws:secretsmanager:${r}:${account}:secret:${x}-*`),
    ...env.identity.workloads.flatMap((w) => w.access.flatMap((a) => (a.service === 'secretsManager' ? [`arn:aws:secretsmanager:${r}:${account}:secret:${a.secretPrefix}*`] : []))),
  ]);
  return [
    {
      Sid: 'ComputeNetworkAndLoadBalancing',
      Effect: 'Allow',
      Action: ['ec2:*', 'elasticloadbalancing:*', 'autoscaling:*', 'logs:*', 'cloudwatch:PutMetricData', 'wafv2:*', 'waf-regional:*', 'shield:*'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:RequestedRegion': regions } },
    },
    {
      Sid: 'ClusterAndImages',
      Effect: 'Allow',
      Action: ['eks:Describe*', 'eks:List*', 'eks-auth:AssumeRoleForPodIdentity', 'ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:DescribeImages', 'ecr:DescribeRepositories', 'ecr:ListImages', 'acm:DescribeCertificate', 'acm:ListCertificates', 'cognito-idp:DescribeUserPoolClient', 'tag:GetResources', 'iam:GetServerCertificate', 'iam:ListServerCertificates', 'sts:GetCallerIdentity'],
      Resource: '*',
    },
    { Sid: 'Keys', Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ListGrants', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:RevokeGrant'], Resource: '*' },
    { Sid: 'ServiceLinkedRoles', Effect: 'Allow', Action: ['iam:CreateServiceLinkedRole'], Resource: `arn:aws:iam::${account}:role/aws-service-role/*` },
    {
      Sid: 'OurBuckets',
      Effect: 'Allow',
      Action: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetBucketLocation', 's3:GetObject', 's3:GetObjectVersionAcl', 's3:GetObjectVersionForReplication', 's3:GetObjectVersionTagging', 's3:GetReplicationConfiguration', 's3:ListBucket', 's3:PutObject', 's3:ReplicateDelete', 's3:ReplicateObject', 's3:ReplicateTags'],
      Resource: buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]),
    },
    // The controllers that read an interruption queue (Karpenter, the termination handler), and what Karpenter does to
    // launch nodes: pass its node role to EC2, make the instance profile of each EC2NodeClass, read the EKS AMIs'
    // public parameters and the EC2 prices.
    ...(interrupted(env) ? [{ Sid: 'InterruptionQueues', Effect: 'Allow' as const, Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'], Resource: env.regions.flatMap((r) => queueArns(env, r)) }] : []),
    ...(env.cluster.provisioner === 'karpenter'
      ? [
          { Sid: 'KarpenterNodeRole', Effect: 'Allow' as const, Action: ['iam:PassRole'], Resource: karpenterNodeRoles(env), Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } },
          {
            Sid: 'KarpenterInstanceProfiles',
            Effect: 'Allow' as const,
            Action: ['iam:AddRoleToInstanceProfile', 'iam:CreateInstanceProfile', 'iam:DeleteInstanceProfile', 'iam:GetInstanceProfile', 'iam:ListInstanceProfiles', 'iam:RemoveRoleFromInstanceProfile', 'iam:TagInstanceProfile'],
            Resource: `arn:aws:iam::${account}:instance-profile/*`,
          },
          { Sid: 'KarpenterAmiParameters', Effect: 'Allow' as const, Action: ['ssm:GetParameter'], Resource: regions.map((r) => `arn:aws:ssm:${r}:*:parameter/aws/service/*`) },
          { Sid: 'KarpenterPrices', Effect: 'Allow' as const, Action: ['pricing:GetProducts'], Resource: '*' },
        ]
      : []),
    ...(secretArns.length ? [{ Sid: 'OurSecrets', Effect: 'Allow' as const, Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy', 'secretsmanager:GetSecretValue', 'secretsmanager:ListSecretVersionIds'], Resource: secretArns }] : []),
  ];
}

/** Operators look, they do not change: describe the cluster (kubeconfig) on top of ViewOnlyAccess. */
export function operatorStatements(env: EnvironmentIR): Statement[] {
  return [{ Sid: 'DescribeOurClusters', Effect: 'Allow', Action: ['eks:DescribeCluster', 'eks:ListClusters'], Resource: env.regions.flatMap((r) => [`arn:aws:eks:${r.region}:${env.account}:cluster/${r.names.cluster}`]) }];
}

/**
 * Trust policy of an operator role: IAM principals only with MFA and a recent sign-in; IAM Identity Center
 * users by the ARN of their permission-set role (their sessions carry no aws:MultiFactorAuthPresent, so MFA is
 * Identity Center's to enforce).
 */
export function operatorTrust(op: EnvironmentIR['identity']['operators'][number]): HclValue {
  const statements: Statement[] = [];
  if (op.principals.length) {
    statements.push({
      Sid: 'AssumeWithMfa',
      Effect: 'Allow',
      Principal: { AWS: [...op.principals] },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      ...(op.requireMfa ? { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' }, NumericLessThan: { 'aws:MultiFactorAuthAge': String(op.maxSessionSeconds) } } } : {}),
    });
  }
  if (op.identityCenter) {
    statements.push({
      Sid: 'AssumeFromIdentityCenter',
      Effect: 'Allow',
      Principal: { AWS: [`arn:aws:iam::${op.identityCenter.account}:root`] },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: { ArnLike: { 'aws:PrincipalArn': [...op.identityCenter.principalArnPatterns] } },
    });
  }
  return policyDocument(statements);
}

/** Trust policy of a CI role: GitHub's OIDC tokens for exactly these subjects (StringEquals: no wildcard reaches them). */
export function githubTrust(subjects: readonly string[], provider: HclValue): HclValue {
  return policyDocument([
    {
      Sid: 'GithubActions',
      Effect: 'Allow',
      Principal: { Federated: provider },
      Action: ['sts:AssumeRoleWithWebIdentity'],
      Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': [...subjects] } },
    },
  ]);
}

/** The permissions of one IRSA workload, in the IRSA module's `permissions` shape. */
export function workloadPermissions(access: readonly WorkloadAccessIR[], region: RegionIR, account: string): Record<string, HclValue> {
  const out: Record<string, HclValue> = {};
  access.forEach((a, i) => {
    if (a.service === 's3') {
      const bucket = a.bucket === 'models' ? region.names.modelBucket : a.bucket;
      const actions = { read: ['s3:GetObject'], write: ['s3:PutObject', 's3:AbortMultipartUpload'], readWrite: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'] }[a.access];
      out[`S3Objects${i}`] = { actions, resources: [`arn:aws:s3:::${bucket}/${a.prefix}*`] };
      // S3 clients (Triton's among them) call HeadBucket, authorised as s3:ListBucket but carrying no s3:prefix key: a
      // prefix condition would deny it. Listing names is allowed bucket-wide; reading objects stays prefix-scoped above.
      out[`S3List${i}`] = { actions: ['s3:GetBucketLocation', 's3:ListBucket'], resources: [`arn:aws:s3:::${bucket}`] };
    } else if (a.service === 'secretsManager') {
      out[`Secrets${i}`] = { actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [`arn:aws:secretsmanager:${region.region}:${account}:secret:${a.secretPrefix}*`] };
    } else {
      out[`Logs${i}`] = { actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], resources: [`arn:aws:logs:${region.region}:${account}:log-group:${a.logGroup}:*`] };
    }
  });
  return out;
}
