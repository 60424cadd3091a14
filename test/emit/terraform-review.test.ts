/**
 * Follow-ups of the Terraform review (shared/reviews/terraform-2026-11.md) and of the identity issue: what AWS
 * will do with the budget's filter (TF #29), the cluster's deletion protection (TF #32), the log groups' KMS key
 * (TF #28) and the CI runners' network path to the API server. Each test failed on the output before the fix.
 */
import { parseHcl } from '../helpers/hcl.js';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkPlatform } from '../../compiler/pipeline.js';
import type { PlatformIR } from '../../compiler/resolve/ir.js';
import { repoRoot } from '../helpers/cli.js';
import { filesOf, irOf, irOfText, writeSpec } from '../helpers/platform.js';

type Json = Record<string, any>;

const fileMap = (ir: PlatformIR) => new Map(filesOf(ir).map((f) => [f.path, f.content]));

/** The parsed HCL of every .tf file of one root module, merged per block type. */
async function root(files: Map<string, string>, dir: string): Promise<{ resource: Json; module: Json; provider: Json[] }> {
  const out = { resource: {} as Json, module: {} as Json, provider: [] as Json[] };
  for (const [path, content] of files) {
    if (!path.startsWith(`${dir}/`) || !path.endsWith('.tf') || path.slice(dir.length + 1).includes('/')) continue;
    const h = (await parseHcl(path, content)) as Json;
    for (const [type, byName] of Object.entries((h.resource ?? {}) as Json)) out.resource[type] = { ...(out.resource[type] ?? {}), ...byName };
    Object.assign(out.module, h.module ?? {});
    if (h.provider?.aws) out.provider.push(...h.provider.aws);
  }
  return out;
}

const referenceText = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8').replaceAll('../models/', 'models/');
const reference = irOf('platform.yaml');
const refFiles = fileMap(reference);
/** The reference platform with a change; the models/ link of writeSpec resolves the definitions. */
const variant = (edit: (text: string) => string) => irOfText(edit(referenceText));
const diagnosticsOf = (text: string) => checkPlatform(writeSpec(text), { display: 'platform.yaml', compilerVersion: '0.0.0-test' }).diagnostics;

describe('the budget counts what it should (TF #29)', () => {
  const shared = variant((t) => t.replace('  notify: [ml-platform@example.com]\n', '  notify: [ml-platform@example.com]\n  scope: environment\n  activateTag: true\n'));

  it("with scope environment, filters on the environment's platformc-stack tag, which every resource and load balancer carries", async () => {
    const files = fileMap(shared);
    for (const env of shared.environments) {
      const infra = await root(files, `terraform/${env.name}/us-east-1/infra`);
      const budget = infra.resource.aws_budgets_budget.monthly[0];
      // Cost Explorer's form of a user-defined tag: user:<key>$<value> (one value per environment, so two
      // environments in one account never count each other).
      expect(budget.cost_filter).toEqual([{ name: 'TagKeyValue', values: [`user:platformc-stack$inference-${env.name}`] }]);
      // The tag the filter names is on everything: provider default_tags, the node groups' launch templates
      // (module tags; default_tags do not reach them), the EBS CSI volumes and the load balancer controller's ALBs.
      expect(infra.provider[0]!.default_tags[0].tags['platformc-stack']).toBe(`inference-${env.name}`);
      expect(infra.module.eks[0].tags['platformc-stack']).toBe(`inference-${env.name}`);
      expect(infra.module.eks[0].addons['aws-ebs-csi-driver'].configuration_values).toMatch(new RegExp(`platformc-stack\\s+= "inference-${env.name}"`));
      expect((parseYaml(files.get(`helm/${env.name}/aws-load-balancer-controller.yaml`)!) as Json).defaultTags['platformc-stack']).toBe(`inference-${env.name}`);
      // Activated where platform.yaml says this account may (aws_ce_cost_allocation_tag: tag_key and status).
      expect(infra.resource.aws_ce_cost_allocation_tag.stack).toEqual([{ tag_key: 'platformc-stack', status: 'Active' }]);
    }
  });

  it('with the default scope (account) has no filter and activates nothing', async () => {
    const infra = await root(refFiles, 'terraform/prod/us-east-1/infra');
    expect(infra.resource.aws_budgets_budget.monthly[0].cost_filter).toBeUndefined();
    expect(infra.resource.aws_ce_cost_allocation_tag).toBeUndefined();
  });

  it('warns when two environments share an account and their budgets count all of it', () => {
    const text = referenceText.replace('account: "222222222222"', 'account: "111111111111"').replace('runsOn: [self-hosted, linux, x64]', 'runsOn: [self-hosted, linux, x64]\n      oidcProvider: { dev: create, prod: existing }');
    const warnings = diagnosticsOf(text).filter((d) => d.code === 'budget-shared-account');
    expect(warnings.map((d) => d.message)).toEqual(["environments dev and prod share account 111111111111: each budget counts all of its spend (in environment 'dev')", "environments dev and prod share account 111111111111: each budget counts all of its spend (in environment 'prod')"]);
    expect(warnings[0]!.hint).toContain('budget.scope: environment');
    // Scoped to the environment, nothing to warn about.
    expect(diagnosticsOf(text.replace('  notify: [ml-platform@example.com]\n', '  notify: [ml-platform@example.com]\n  scope: environment\n')).filter((d) => d.code === 'budget-shared-account')).toEqual([]);
  });
});

describe('the cost-allocation tag is activated once per account', () => {
  it('from one environment of a shared account: two would deactivate it for each other on destroy', () => {
    const shared = referenceText
      .replace('account: "222222222222"', 'account: "111111111111"')
      .replace('runsOn: [self-hosted, linux, x64]', 'runsOn: [self-hosted, linux, x64]\n      oidcProvider: { dev: create, prod: existing }')
      .replace('  notify: [ml-platform@example.com]\n', '  notify: [ml-platform@example.com]\n  scope: environment\n');
    const codes = (text: string) => diagnosticsOf(text).filter((d) => d.code === 'cost-tag-per-account').map((d) => d.message);
    expect(codes(shared.replace('  scope: environment\n', '  scope: environment\n  activateTag: true\n'))).toEqual(['environments dev and prod share account 111111111111 and each would activate the platformc-stack cost-allocation tag (in environment \'prod\')']);
    expect(codes(shared.replace('budget: { monthlyUsd: 1800 }', 'budget: { monthlyUsd: 1800, activateTag: true }'))).toEqual([]);
  });
});

describe('deletion protection (TF #32)', () => {
  it('is on for prod and off for dev by default, and platform.yaml can say otherwise per environment', async () => {
    const protection = async (ir: PlatformIR, env: string) => (await root(fileMap(ir), `terraform/${env}/us-east-1/infra`)).module.eks[0].deletion_protection;
    expect(await protection(reference, 'prod')).toBe(true);
    expect(await protection(reference, 'dev')).toBe(false);
    const flipped = variant((t) => t.replace('      network:\n        us-east-1: { natGateways: perAz }\n', '      network:\n        us-east-1: { natGateways: perAz }\n      cluster: { deletionProtection: false }\n'));
    expect(await protection(flipped, 'prod')).toBe(false);
  });
});

describe('CloudWatch log groups are encrypted with a key CloudWatch Logs may use (TF #28)', () => {
  it('encrypts the control-plane, container and flow log groups with the region key', async () => {
    for (const env of reference.environments) {
      const infra = await root(refFiles, `terraform/${env.name}/us-east-1/infra`);
      expect(infra.module.eks[0].cloudwatch_log_group_kms_key_id).toBe('${aws_kms_key.logs.arn}');
      expect(infra.module.vpc[0].flow_log_cloudwatch_log_group_kms_key_id).toBe('${aws_kms_key.logs.arn}');
      expect(infra.resource.aws_cloudwatch_log_group.containers[0].kms_key_id).toBe('${aws_kms_key.logs.arn}');
      expect(infra.resource.aws_kms_key.logs[0].enable_key_rotation).toBe(true);
      // Ten-minute aggregation: a tenth of the records of long-lived flows (the module's 60 s was TF #28's cost).
      expect(infra.module.vpc[0].flow_log_max_aggregation_interval).toBe(600);
    }
  });

  it("lets CloudWatch Logs of the region use the key for the environment's log groups only (key policy through the IAM evaluator)", async () => {
    const text = refFiles.get('terraform/prod/us-east-1/infra/logs.tf')!;
    const body = /policy = jsonencode\((\{[\s\S]*?\n  \})\)\n/.exec(text)![1]!;
    const policy = ((await parseHcl('p.tf', `x = ${body}\n`)) as Json).x as { Statement: Json[] };
    const account = '222222222222';
    const logs = policy.Statement.find((st) => st.Principal?.Service)!;
    // iam-simulate ignores kms:EncryptionContext:<key> (a templated key it has no data for): the evaluator decides
    // principal and actions on the policy without that condition, and the ArnLike condition is evaluated here.
    const unconditioned = { ...policy, Statement: policy.Statement.map(({ Condition: _c, ...st }) => st) };
    const decide = async (principal: string, action: string) => {
      const r = await runSimulation(
        {
          identityPolicies: [],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          resourcePolicy: unconditioned,
          request: { action, principal, resource: { accountId: account, resource: `arn:aws:kms:us-east-1:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab` }, contextVariables: {} },
        },
        {},
      );
      if (r.resultType === 'error') throw new Error(JSON.stringify(r.errors));
      return r.overallResult;
    };
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt', 'kms:Encrypt', 'kms:DescribeKey']) expect(await decide('logs.us-east-1.amazonaws.com', action), action).toBe('Allowed');
    expect(await decide('logs.eu-west-1.amazonaws.com', 'kms:Decrypt')).not.toBe('Allowed');
    expect(await decide('logs.us-east-1.amazonaws.com', 'kms:ScheduleKeyDeletion')).not.toBe('Allowed');
    // The condition: ArnLike on the log group the data key is for (in the resource part * spans / and :).
    expect(Object.keys(logs.Condition)).toEqual(['ArnLike']);
    const patterns = logs.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'] as string[];
    const matches = (group: string) => patterns.some((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(`arn:aws:logs:us-east-1:${account}:log-group:${group}`));
    for (const group of ['/aws/eks/inference-prod/cluster', '/platformc/inference-prod/containers', '/platformc/inference-prod/vpc-flow-log/vpc-0abc']) expect(matches(group), group).toBe(true);
    for (const group of ['/platformc/inference-dev/containers', '/aws/eks/inference-dev/cluster', '/aws/lambda/other']) expect(matches(group), group).toBe(false);
  });
});

describe("CI runners' network path to the API server", () => {
  const runners = (cidrs: string, endpoint = 'publicAccess: false') =>
    referenceText.replace('  endpoint:\n    publicAccess: false\n', `  endpoint:\n    ${endpoint}\n    ciRunnerCidrs: ${cidrs}\n`);

  it('admits the runners in the VPC by default, and exactly the listed CIDRs when platform.yaml names them', async () => {
    const rule = async (ir: PlatformIR) => (await root(fileMap(ir), 'terraform/prod/us-east-1/infra')).module.eks[0].security_group_additional_rules.ingress_ci_runners;
    expect((await rule(reference)).cidr_blocks).toEqual(['10.40.0.0/16']);
    const listed = await rule(irOfText(runners('[10.99.0.0/24, 10.98.0.0/24]')));
    expect(listed.cidr_blocks).toEqual(['10.98.0.0/24', '10.99.0.0/24']);
    expect(listed).toMatchObject({ type: 'ingress', protocol: 'tcp', from_port: 443, to_port: 443 });
  });

  it("with a public endpoint, adds the runners' public CIDRs to its allowed CIDRs (private ones cannot reach it)", async () => {
    const ir = irOfText(runners('[203.0.113.0/28, 10.99.0.0/24]', 'publicAccess: true\n    publicAccessCidrs: [198.51.100.0/24]'));
    const eks = (await root(fileMap(ir), 'terraform/prod/us-east-1/infra')).module.eks[0];
    expect(eks.endpoint_public_access_cidrs).toEqual(['198.51.100.0/24', '203.0.113.0/28']);
  });

  it('refuses 0.0.0.0/0 and malformed CIDRs, at their position', () => {
    const d = diagnosticsOf(runners('[0.0.0.0/0, 10.1.2.3/16]'));
    const at = (code: string) => d.filter((x) => x.code === code).map((x) => `${x.line}:${x.col} ${x.severity}`);
    const line = referenceText.split('\n').findIndex((l) => l.startsWith('  endpoint:')) + 3;
    expect(at('open-ci-runners')).toEqual([`${line}:21 error`]);
    expect(at('invalid-cidr')).toEqual([`${line}:32 error`]);
  });
});
