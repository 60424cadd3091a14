/**
 * generated/ci/platform.yml: the GitHub Actions workflow of a platform repository. On pull requests it
 * validates (inline annotations), fails on drift with the diff and the cost delta in the job summary, and
 * plans every environment and region through that environment's read-only plan role. On a push to the
 * deploy branch it applies, one environment at a time, in a job gated by the GitHub environment of the same
 * name: the only subject the apply role trusts.
 *
 * GitHub's OIDC subject of a job: `repo:O/R:environment:E` when the job names an environment (whatever the
 * trigger), else `repo:O/R:pull_request` on pull_request, else `repo:O/R:ref:<ref>`. Plan jobs therefore never
 * name an environment (they would present an apply subject); apply jobs always do.
 * @see https://docs.github.com/en/actions/reference/security/oidc
 */
import type { FileOutput } from '../output/files.js';
import { toYamlWithComments } from '../output/serialize.js';
import type { EnvironmentIR, PlatformIR } from '../resolve/ir.js';
import { compareCodeUnits } from '../lib/order.js';

/** Actions pinned by full commit SHA (a tag can be moved; a commit cannot), with the release tag as a comment. */
export const ACTIONS = {
  checkout: { uses: 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683', tag: 'v4.2.2' },
  setupNode: { uses: 'actions/setup-node@39370e3970a6d050c480ffad4ff0ed4d3fdee5af', tag: 'v4.1.0' },
  setupTerraform: { uses: 'hashicorp/setup-terraform@b9cd54a3c349d3f38e8881555d616ced269862dd', tag: 'v3.1.2' },
  awsCredentials: { uses: 'aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502', tag: 'v4.0.2' },
} as const;
export const TERRAFORM_VERSION = '1.11.4';

const setup = [
  { name: 'Check out', uses: ACTIONS.checkout.uses, with: { 'persist-credentials': false } },
  // No `cache: npm`: setup-node fails without a lock file, and a platform repository need not commit one.
  { name: 'Set up Node.js', uses: ACTIONS.setupNode.uses, with: { 'node-version': '20' } },
  { name: 'Install', run: 'if [ -f package-lock.json ]; then npm ci; else npm install --no-audit --no-fund; fi' },
];
const terraform = { name: 'Set up Terraform', uses: ACTIONS.setupTerraform.uses, with: { terraform_version: TERRAFORM_VERSION, terraform_wrapper: false } };
const credentials = (env: EnvironmentIR, roleArn: string, region: string, what: string) => ({
  name: `Assume the ${env.name} ${what} role (OIDC)`,
  uses: ACTIONS.awsCredentials.uses,
  with: { 'role-to-assume': roleArn, 'aws-region': region, 'role-session-name': `platformc-${env.name}-${what}` },
});
const jobId = (...parts: string[]) => parts.join('-').replace(/[^A-Za-z0-9_-]/g, '-');
/** runs-on: one label as a string, several as a list (every label must match). */
const runsOn = (labels: readonly string[]) => (labels.length === 1 ? labels[0]! : [...labels]);

/** Applies go dev first and prod last; names platformc does not know go in between, alphabetically. */
const PROMOTION = ['dev', 'development', 'test', 'qa', 'staging', 'stage', 'preprod', 'prod', 'production'];
function promotionOrder(envs: readonly EnvironmentIR[]): EnvironmentIR[] {
  const rank = (name: string) => (PROMOTION.includes(name) ? PROMOTION.indexOf(name) : PROMOTION.indexOf('staging') + 0.5);
  return [...envs].sort((a, b) => rank(a.name) - rank(b.name) || compareCodeUnits(a.name, b.name));
}

export function workflow(ir: PlatformIR, source = 'platform.yaml'): Record<string, unknown> {
  const branches = [...new Set(ir.environments.flatMap((e) => e.identity.ci?.branches ?? []))];
  const deployBranches = branches.length ? branches : ['main'];
  const jobs: Record<string, unknown> = {
    validate: {
      name: 'Validate and check drift',
      'runs-on': 'ubuntu-latest',
      permissions: { contents: 'read' },
      steps: [
        ...setup,
        { name: 'Validate', run: `npx platformc validate ${source}` },
        {
          name: 'Check that generated/ is up to date',
          run: ['set -o pipefail', `npx platformc compile ${source} --check 2>&1 | tee drift.txt`].join('\n'),
        },
        {
          name: 'Summary: drift and monthly cost',
          if: 'always()',
          run: ['{', "  echo '### platformc'", "  echo '```diff'", '  head -c 60000 drift.txt 2>/dev/null || true', "  echo '```'", `  npx platformc cost ${source} --format markdown`, '} >> "$GITHUB_STEP_SUMMARY"'].join('\n'),
        },
      ],
    },
  };
  for (const env of ir.environments) {
    const ci = env.identity.ci;
    if (!ci?.plan) continue;
    for (const r of env.regions) {
      jobs[jobId('plan', env.name, r.region)] = {
        name: `Plan ${env.name} ${r.region}`,
        if: "github.event_name == 'pull_request'",
        needs: 'validate',
        'runs-on': runsOn(ci.runsOn),
        // No `environment:` here: the token's subject is repo:O/R:pull_request, which only the read-only plan role trusts.
        permissions: { 'id-token': 'write', contents: 'read' },
        concurrency: { group: `platformc-plan-${env.name}-${r.region}`, 'cancel-in-progress': true },
        steps: [
          ...setup,
          terraform,
          credentials(env, ci.plan.arn, r.region, 'plan'),
          { name: 'terraform fmt', run: `terraform fmt -check -recursive generated/terraform/${env.name}/${r.region}` },
          { name: 'Plan', run: `npx platformc plan ${source} --env ${env.name} --region ${r.region}` },
        ],
      };
    }
  }
  let previous: string | undefined;
  for (const env of promotionOrder(ir.environments.filter((e) => e.identity.ci?.apply))) {
    const ci = env.identity.ci!;
    const id = jobId('apply', env.name);
    jobs[id] = {
      name: `Apply ${env.name}`,
      if: `github.event_name == 'push' && (${ci.branches.map((b) => `github.ref == 'refs/heads/${b}'`).join(' || ')})`,
      needs: previous ?? 'validate',
      'runs-on': runsOn(ci.runsOn),
      // The apply role trusts only this environment's subject; its protection rules (reviewers, deployment
      // branches) decide who may deploy.
      environment: ci.apply!.githubEnvironment,
      permissions: { 'id-token': 'write', contents: 'read' },
      // Two applies never overlap on one environment, and a running one is never cancelled.
      concurrency: { group: `platformc-apply-${env.name}`, 'cancel-in-progress': false },
      'timeout-minutes': 120,
      steps: [...setup, terraform, credentials(env, ci.apply!.arn, env.regions[0]!.region, 'apply'), { name: 'Apply', run: `npx platformc apply ${source} --env ${env.name}` }],
    };
    previous = id;
  }
  return {
    name: `platformc: ${ir.name}`,
    on: { pull_request: { branches: deployBranches }, push: { branches: deployBranches }, workflow_dispatch: null },
    permissions: { contents: 'read' },
    jobs,
  };
}

export function emitCi(ir: PlatformIR): FileOutput[] {
  const tags = Object.fromEntries(Object.values(ACTIONS).map((a) => [a.uses, a.tag]));
  return [{ path: 'ci/platform.yml', content: toYamlWithComments(workflow(ir), tags) }];
}
