/**
 * IAM policy documents, as data. Least privilege: every write is scoped to the platform's own resources
 * by ARN or name prefix, except the actions listed in WILDCARD_RESOURCE_ACTIONS, for which AWS supports no
 * resource-level scoping on create (checked by a test).
 */
import type { EnvironmentIR, RegionIR, WorkloadAccessIR } from '../../resolve/ir.js';
import { expr, renderValue, type HclValue } from './hcl.js';

export interface Statement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: readonly string[];
  readonly Resource?: readonly string[] | string | ReturnType<typeof expr>;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, HclValue>>>>;
  readonly Principal?: HclValue;
}

export const policyDocument = (statements: readonly Statement[]): HclValue => ({ Version: '2012-10-17', Statement: statements as unknown as HclValue });
/** jsonencode(<doc>) as it appears as an attribute value one level into a block. */
export const jsonencode = (doc: HclValue) => expr(`jsonencode(${renderValue(doc, 1)})`);

/**
 * Actions the CI role needs on `Resource: "*"` because AWS has no resource ARN for them before the
 * resource exists, or only accepts "*" (see the Service Authorization Reference of each service).
 */
export const WILDCARD_RESOURCE_ACTIONS = [
  // EC2 networking (VPC, subnets, route tables, gateways, EIPs, security groups, launch templates, flow logs):
  // create actions take no ARN of the not-yet-existing resource; scoped by region below.
  'ec2:*',
  // Creating a KMS key has no key ARN to scope to.
  'kms:CreateKey',
  // Read-only discovery the providers call on every plan.
  'sts:GetCallerIdentity',
  'eks:DescribeAddonVersions',
  'autoscaling:Describe*',
  'elasticloadbalancing:Describe*',
  'iam:ListPolicies',
  'iam:GetPolicy',
  'iam:GetPolicyVersion',
] as const;

/** The CI role's permissions: what `terraform apply` of this environment needs, scoped to its names. */
export function ciStatements(platform: string, env: EnvironmentIR): Statement[] {
  const account = env.account;
  const prefix = env.regions[0]!.names.envPrefix;
  const regions = env.regions.map((r) => r.region);
  return [
    { Sid: 'NetworkingInOurRegions', Effect: 'Allow', Action: ['ec2:*'], Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': regions } } },
    { Sid: 'Discovery', Effect: 'Allow', Action: WILDCARD_RESOURCE_ACTIONS.filter((a) => a !== 'ec2:*' && a !== 'kms:CreateKey'), Resource: '*' },
    { Sid: 'CreateKmsKeys', Effect: 'Allow', Action: ['kms:CreateKey'], Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': regions } } },
    { Sid: 'ManageOurKmsKeys', Effect: 'Allow', Action: ['kms:*'], Resource: regions.map((r) => `arn:aws:kms:${r}:${account}:key/*`), Condition: { StringEquals: { 'aws:ResourceTag/platform': platform, 'aws:ResourceTag/environment': env.name } } },
    { Sid: 'ManageOurKmsAliases', Effect: 'Allow', Action: ['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias', 'kms:ListAliases'], Resource: regions.map((r) => `arn:aws:kms:${r}:${account}:alias/eks/${prefix}*`) },
    { Sid: 'ManageOurCluster', Effect: 'Allow', Action: ['eks:*'], Resource: regions.flatMap((r) => [`arn:aws:eks:${r}:${account}:cluster/${prefix}`, `arn:aws:eks:${r}:${account}:*/${prefix}/*`]) },
    { Sid: 'ManageOurRoles', Effect: 'Allow', Action: ['iam:*Role', 'iam:*RolePolicy', 'iam:*RolePolicies', 'iam:*RoleTags', 'iam:TagRole', 'iam:UntagRole', 'iam:PassRole', 'iam:ListInstanceProfilesForRole', 'iam:ListAttachedRolePolicies'], Resource: [`arn:aws:iam::${account}:role/${prefix}-*`, `arn:aws:iam::${account}:role/${prefix}*`] },
    { Sid: 'ManageOurPolicies', Effect: 'Allow', Action: ['iam:CreatePolicy', 'iam:DeletePolicy', 'iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:ListPolicyVersions', 'iam:TagPolicy', 'iam:UntagPolicy'], Resource: [`arn:aws:iam::${account}:policy/${prefix}*`] },
    { Sid: 'ManageOidcProviders', Effect: 'Allow', Action: ['iam:*OpenIDConnectProvider*'], Resource: [`arn:aws:iam::${account}:oidc-provider/*`] },
    { Sid: 'ServiceLinkedRoles', Effect: 'Allow', Action: ['iam:CreateServiceLinkedRole'], Resource: [`arn:aws:iam::${account}:role/aws-service-role/*`] },
    { Sid: 'ManageOurBuckets', Effect: 'Allow', Action: ['s3:*'], Resource: [`arn:aws:s3:::${prefix}-*`, `arn:aws:s3:::${prefix}-*/*`] },
    { Sid: 'TerraformState', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'], Resource: [`arn:aws:s3:::${env.state.bucket}`, `arn:aws:s3:::${env.state.bucket}/${env.regions[0]!.names.stateKeyPrefix.split('/').slice(0, 2).join('/')}/*`] },
    { Sid: 'ManageOurLogGroups', Effect: 'Allow', Action: ['logs:*'], Resource: regions.flatMap((r) => [`arn:aws:logs:${r}:${account}:log-group:/aws/eks/${prefix}/*`, `arn:aws:logs:${r}:${account}:log-group:/platformc/${prefix}/*`, `arn:aws:logs:${r}:${account}:log-group:/aws/vpc-flow-log/*`]) },
    { Sid: 'DescribeLogGroups', Effect: 'Allow', Action: ['logs:DescribeLogGroups'], Resource: regions.map((r) => `arn:aws:logs:${r}:${account}:log-group:*`) },
    { Sid: 'ManageOurBudget', Effect: 'Allow', Action: ['budgets:*'], Resource: [`arn:aws:budgets::${account}:budget/${prefix}-*`] },
    { Sid: 'TagOurNodeGroups', Effect: 'Allow', Action: ['autoscaling:CreateOrUpdateTags', 'autoscaling:DeleteTags', 'autoscaling:PutScheduledUpdateGroupAction', 'autoscaling:DeleteScheduledAction'], Resource: regions.map((r) => `arn:aws:autoscaling:${r}:${account}:autoScalingGroup:*:autoScalingGroupName/eks-*`) },
  ];
}

/** Trust policy of an operator role: only its principals, only with MFA, only recently authenticated. */
export function operatorTrust(principals: readonly string[], requireMfa: boolean, maxSessionSeconds: number): HclValue {
  return policyDocument([
    {
      Sid: 'AssumeWithMfa',
      Effect: 'Allow',
      Principal: { AWS: [...principals] },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      ...(requireMfa ? { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' }, NumericLessThan: { 'aws:MultiFactorAuthAge': String(maxSessionSeconds) } } } : {}),
    },
  ]);
}

/** Trust policy of the CI role: GitHub's OIDC tokens for the named repository and refs only. */
export function githubTrust(subjects: readonly string[]): HclValue {
  return policyDocument([
    {
      Sid: 'GithubActions',
      Effect: 'Allow',
      Principal: { Federated: expr('aws_iam_openid_connect_provider.github.arn') },
      Action: ['sts:AssumeRoleWithWebIdentity'],
      Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' }, StringLike: { 'token.actions.githubusercontent.com:sub': [...subjects] } },
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
