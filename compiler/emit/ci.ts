/**
 * generated/ci/platform.yml: the GitHub Actions workflow of a platform repository. On pull requests it
 * validates (inline annotations), fails on drift with the diff and the cost delta in the job summary, and
 * plans every environment and region through that environment's CI role (GitHub OIDC, no stored keys).
 * On main it applies, gated by GitHub environments, one apply per environment at a time.
 * @see https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
 */
import type { FileOutput } from '../output/files.js';
import { toYaml } from '../output/serialize.js';
import type { EnvironmentIR, PlatformIR } from '../resolve/ir.js';

/** Actions pinned to exact releases (update them deliberately, e.g. with Dependabot). */
export const ACTIONS = {
  checkout: 'actions/checkout@v4.2.2',
  setupNode: 'actions/setup-node@v4.1.0',
  setupTerraform: 'hashicorp/setup-terraform@v3.1.2',
  awsCredentials: 'aws-actions/configure-aws-credentials@v4.0.2',
} as const;
export const TERRAFORM_VERSION = '1.11.4';

const setup = [
  { name: 'Check out', uses: ACTIONS.checkout },
  { name: 'Set up Node.js', uses: ACTIONS.setupNode, with: { 'node-version': '20', cache: 'npm' } },
  { name: 'Install', run: 'if [ -f package-lock.json ]; then npm ci; else npm install --no-audit --no-fund; fi' },
];
const terraform = { name: 'Set up Terraform', uses: ACTIONS.setupTerraform, with: { terraform_version: TERRAFORM_VERSION, terraform_wrapper: false } };
const credentials = (env: EnvironmentIR, region: string) => ({
  name: `Assume the ${env.name} CI role (OIDC)`,
  uses: ACTIONS.awsCredentials,
  with: { 'role-to-assume': env.identity.ci!.roleArn, 'aws-region': region, 'role-session-name': `platformc-${env.name}` },
});
const jobId = (...parts: string[]) => parts.join('-').replace(/[^A-Za-z0-9_-]/g, '-');

/** How a job can assume an environment's CI role: its trust names refs, GitHub environments and pull requests. */
function planAccess(env: EnvironmentIR): { environment?: string } | undefined {
  const subjects = env.identity.ci?.subjects ?? [];
  if (subjects.some((s) => s.endsWith(':pull_request'))) return {};
  if (subjects.some((s) => s.endsWith(`:environment:${env.name}`))) return { environment: env.name };
  return undefined;
}

/** Applies go dev first and prod last; names platformc does not know go in between, alphabetically. */
const PROMOTION = ['dev', 'development', 'test', 'qa', 'staging', 'stage', 'preprod', 'prod', 'production'];
function promotionOrder(envs: readonly EnvironmentIR[]): EnvironmentIR[] {
  const rank = (name: string) => (PROMOTION.includes(name) ? PROMOTION.indexOf(name) : PROMOTION.indexOf('staging') + 0.5);
  return [...envs].sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : 1));
}

export function workflow(ir: PlatformIR, source = 'platform.yaml'): Record<string, unknown> {
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
          run: [
            'set -o pipefail',
            `npx platformc compile ${source} --check 2>&1 | tee drift.txt`,
          ].join('\n'),
        },
        {
          name: 'Summary: drift and monthly cost',
          if: 'always()',
          run: [
            '{',
            "  echo '### platformc'",
            "  echo '```diff'",
            '  head -c 60000 drift.txt 2>/dev/null || true',
            "  echo '```'",
            `  npx platformc cost ${source} --format markdown`,
            '} >> "$GITHUB_STEP_SUMMARY"',
          ].join('\n'),
        },
      ],
    },
  };
  const envsWithCi = ir.environments.filter((e) => e.identity.ci);
  for (const env of envsWithCi) {
    const access = planAccess(env);
    if (!access) continue;
    for (const r of env.regions) {
      jobs[jobId('plan', env.name, r.region)] = {
        name: `Plan ${env.name} ${r.region}`,
        if: "github.event_name == 'pull_request'",
        needs: 'validate',
        'runs-on': 'ubuntu-latest',
        ...(access.environment ? { environment: access.environment } : {}),
        // The OIDC token is what the CI role trusts: only jobs that assume it may request one.
        permissions: { 'id-token': 'write', contents: 'read' },
        concurrency: { group: `platformc-plan-${env.name}-${r.region}`, 'cancel-in-progress': true },
        steps: [
          ...setup,
          terraform,
          credentials(env, r.region),
          { name: 'terraform fmt', run: `terraform fmt -check -recursive generated/terraform/${env.name}/${r.region}` },
          { name: 'Plan', run: `npx platformc plan ${source} --env ${env.name} --region ${r.region}` },
        ],
      };
    }
  }
  let previous: string | undefined;
  for (const env of promotionOrder(envsWithCi)) {
    if (!env.identity.ci!.subjects.some((s) => s.endsWith(`:environment:${env.name}`) || s.includes(':ref:refs/heads/'))) continue;
    const id = jobId('apply', env.name);
    jobs[id] = {
      name: `Apply ${env.name}`,
      if: "github.event_name == 'push' && github.ref == 'refs/heads/main'",
      needs: previous ?? 'validate',
      'runs-on': 'ubuntu-latest',
      // GitHub environment protection (reviewers, wait timers) gates the apply.
      environment: env.name,
      permissions: { 'id-token': 'write', contents: 'read' },
      // Two applies never overlap on one environment, and a running one is never cancelled.
      concurrency: { group: `platformc-apply-${env.name}`, 'cancel-in-progress': false },
      'timeout-minutes': 120,
      steps: [...setup, terraform, credentials(env, env.regions[0]!.region), { name: 'Apply', run: `npx platformc apply ${source} --env ${env.name}` }],
    };
    previous = id;
  }
  return {
    name: `platformc: ${ir.name}`,
    on: { pull_request: { branches: ['main'] }, push: { branches: ['main'] }, workflow_dispatch: null },
    permissions: { contents: 'read' },
    jobs,
  };
}

export function emitCi(ir: PlatformIR): FileOutput[] {
  return [{ path: 'ci/platform.yml', content: toYaml(workflow(ir)) }];
}
