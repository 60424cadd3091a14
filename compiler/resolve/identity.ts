/**
 * The identity of one environment, derived once: role names and ARNs, the permissions boundary, the OIDC
 * subjects each CI role trusts, EKS access entries with stable keys and the bootstrap root's names.
 * @see https://docs.github.com/en/actions/reference/security/oidc (subject claims of jobs with and without an environment)
 */
import { createHash } from 'node:crypto';
import type { PlatformSpec } from '../../schema/platform.js';
import { iamActions } from '../catalog.js';
import { ciApplies, createsOidcProvider } from '../front/identity.js';
import { durationSeconds } from '../lib/durations.js';
import { byKey, compareCodeUnits, sortedEntries } from '../lib/order.js';
import type { AccessEntryIR, IdentityIR, ModelIR, TeamIR } from './ir.js';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
/**
 * IAM path of the policies the bootstrap root creates (boundary, CI role policies). Names cannot hold '/', so no
 * `policy/<platform>-<env>-*` pattern of any environment reaches them.
 */
export const POLICY_PATH = '/platformc/';

/** EKS access policies by level. AdminView reads everything, Secrets included (the plan role's helm and kubectl diff need release Secrets). */
export const EKS_ACCESS_POLICY = {
  admin: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
  edit: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy',
  view: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy',
  adminView: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy',
} as const;

const roleArn = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
const shortHash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8);


export interface IdentityContext {
  readonly platform: string;
  readonly env: string;
  readonly account: string;
  readonly spec: PlatformSpec;
  readonly teams: readonly Pick<TeamIR, 'namespace' | 'principals'>[];
  readonly models: readonly ModelIR[];
  /** Primary region first. */
  readonly regions: readonly { readonly region: string; readonly short: string; readonly stateBucket: { readonly bucket: string; readonly region: string } }[];
}

export function resolveIdentity(c: IdentityContext): IdentityIR {
  const { spec, account } = c;
  const envPrefix = `${c.platform}-${c.env}`;
  const github = spec.identity.ci?.github;

  const operators = sortedEntries(spec.identity.operators).map(([name, op]) => {
    const roleName = `${envPrefix}-operator-${name}`;
    return {
      name,
      roleName,
      arn: roleArn(account, roleName),
      principals: [...op.principals].sort(),
      requireMfa: op.requireMfa,
      maxSessionSeconds: durationSeconds(op.maxSessionDuration),
      clusterAccess: op.clusterAccess,
      ...(op.identityCenter
        ? {
            identityCenter: {
              account: op.identityCenter.account,
              // AWSReservedSSO_<permission set>_<random suffix>, under a path that may name the Identity Center region.
              principalArnPatterns: [...op.identityCenter.permissionSets].sort().map((ps) => `arn:aws:iam::${op.identityCenter!.account}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_${ps}_*`),
            },
          }
        : {}),
    };
  });

  const ci = github
    ? (() => {
        const planName = `${envPrefix}-ci-plan`;
        const applyName = `${envPrefix}-ci-apply`;
        const repo = github.repository;
        // Self-hosted runners also carry the environment's label: each environment's jobs run inside its own VPC.
        const selfHosted = github.runsOn.includes('self-hosted');
        const runsOn = [...github.runsOn, ...(selfHosted ? [`platformc-${c.env}`] : [])];
        return {
          repository: repo,
          oidcProvider: { create: createsOidcProvider(spec, c.env), host: GITHUB_OIDC_HOST, arn: `arn:aws:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}` },
          // A pull_request job without `environment:` presents repo:O/R:pull_request.
          ...(github.pullRequests ? { plan: { roleName: planName, arn: roleArn(account, planName), subjects: [`repo:${repo}:pull_request`] } } : {}),
          // A job with `environment: E` presents repo:O/R:environment:E, whatever its trigger; E's protection rules decide who gets there.
          ...(ciApplies(spec, c.env) ? { apply: { roleName: applyName, arn: roleArn(account, applyName), subjects: [`repo:${repo}:environment:${c.env}`], githubEnvironment: c.env } } : {}),
          branches: [...github.branches],
          runsOn,
          selfHostedRunners: selfHosted,
        };
      })()
    : undefined;

  const accessEntries: AccessEntryIR[] = [];
  for (const op of operators) {
    accessEntries.push({ key: `operator-${op.name}`, principalArn: op.arn, bootstrapRole: op.roleName, policyArn: EKS_ACCESS_POLICY[op.clusterAccess] });
  }
  if (ci?.apply) accessEntries.push({ key: 'ci-apply', principalArn: ci.apply.arn, bootstrapRole: ci.apply.roleName, policyArn: EKS_ACCESS_POLICY.admin });
  if (ci?.plan) accessEntries.push({ key: 'ci-plan', principalArn: ci.plan.arn, bootstrapRole: ci.plan.roleName, policyArn: EKS_ACCESS_POLICY.adminView });
  // Team principals may edit their own namespaces only. Keyed by a hash of the principal: stable when one is added.
  const namespacesOf = new Map<string, string[]>();
  for (const team of c.teams) for (const p of team.principals) namespacesOf.set(p, [...(namespacesOf.get(p) ?? []), team.namespace]);
  for (const [principal, namespaces] of [...namespacesOf.entries()].sort(([a], [b]) => compareCodeUnits(a, b))) {
    accessEntries.push({ key: `team-${shortHash(principal)}`, principalArn: principal, policyArn: EKS_ACCESS_POLICY.edit, namespaces: [...namespaces].sort() });
  }

  const weightsObjectArns = [...new Set(c.models.map((m) => `arn:aws:s3:::${m.definition.weights.uri.slice('s3://'.length)}`))].sort();
  const boundaryName = `${envPrefix}-boundary`;
  return {
    iamPrefix: `${envPrefix}-`,
    ownerTags: byKey({ platform: c.platform, environment: c.env }) as { platform: string; environment: string },
    boundary: { name: boundaryName, path: POLICY_PATH, arn: `arn:aws:iam::${account}:policy${POLICY_PATH}${boundaryName}` },
    operators,
    ...(ci ? { ci } : {}),
    workloads: sortedEntries(spec.identity.workloads).map(([name, w]) => ({ name, namespace: w.namespace, serviceAccount: w.serviceAccount, access: w.access })),
    accessEntries,
    ciActions: iamActions.groups,
    weightsObjectArns,
    bootstrap: {
      dir: `terraform/${c.env}/bootstrap`,
      stateKey: `${c.platform}/${c.env}/bootstrap.tfstate`,
      // One per region, primary first (regions whose state lives in the same bucket share it).
      stateBuckets: [...new Map(c.regions.map((r) => [r.stateBucket.bucket, r.stateBucket])).values()],
    },
  };
}
