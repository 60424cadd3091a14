/**
 * `platformc bootstrap --env ENV`: what an account administrator runs once per environment, before CI can
 * plan or apply anything. It makes the Terraform state bucket of each region (the bootstrap root's own state
 * lives in the primary one, so the bucket must exist before `terraform init`), then applies the bootstrap root:
 * those buckets' settings (versioning, encryption, TLS-only, no public access), the GitHub OIDC provider (or
 * its lookup), the permissions boundary, the CI plan and apply roles and the operator roles.
 */
import { join } from 'node:path';
import type { EnvironmentIR, PlatformIR } from '../resolve/ir.js';
import type { OpsOptions, Step } from './steps.js';

/** Creates a bucket unless it exists. us-east-1 takes no LocationConstraint; every other region needs one. */
function ensureBucket(bucket: string, region: string): readonly string[] {
  const create = `aws s3api create-bucket --bucket "$1" --region "$2"${region === 'us-east-1' ? '' : ' --create-bucket-configuration LocationConstraint="$2"'}`;
  return ['sh', '-c', `aws s3api head-bucket --bucket "$1" --region "$2" >/dev/null 2>&1 || ${create}`, 'ensure-bucket', bucket, region];
}

export function bootstrapSteps(_ir: PlatformIR, env: EnvironmentIR, o: OpsOptions): Step[] {
  const b = env.identity.bootstrap;
  const dir = join(o.generated, b.dir);
  return [
    { kind: 'task', id: 'generated', title: 'generated/ matches platform.yaml', describe: 'compile in memory and compare with generated/ (as compile --check)', task: { type: 'check-generated' }, hint: 'run `npx platformc compile` and review the change' },
    {
      kind: 'exec',
      id: 'account',
      title: `AWS credentials belong to account ${env.account}`,
      argv: ['aws', 'sts', 'get-caller-identity', '--query', 'Account', '--output', 'text'],
      check: (out) => (out.trim() === env.account ? undefined : `the AWS credentials are for account ${out.trim() || '(none)'}, but ${env.name} lives in ${env.account}`),
      hint: `bootstrap runs as an administrator of ${env.account} (it creates the roles CI and operators use afterwards)`,
    },
    ...b.stateBuckets.map((s): Step => ({
      kind: 'exec',
      id: `state:${s.region}`,
      title: `Terraform state bucket ${s.bucket} (${s.region})`,
      argv: ensureBucket(s.bucket, s.region),
      hint: 'S3 bucket names are global: if another account owns the name, choose another environments.<env>.state.bucket',
    })),
    { kind: 'exec', id: 'bootstrap:init', title: `terraform init (${env.name} bootstrap)`, argv: ['terraform', `-chdir=${dir}`, 'init', '-input=false'] },
    {
      kind: 'exec',
      id: 'bootstrap:apply',
      title: `terraform apply (${env.name} bootstrap: state buckets, GitHub OIDC provider, permissions boundary, CI and operator roles)`,
      argv: ['terraform', `-chdir=${dir}`, 'apply', '-input=false', '-auto-approve', '-lock-timeout=5m'],
      resumable: true,
      hint: 'fix the cause shown above and rerun: Terraform continues from its state',
    },
  ];
}

/** What comes after bootstrap, and who does it. */
export function afterBootstrap(env: EnvironmentIR): string[] {
  const ci = env.identity.ci;
  return [
    `${env.name} is bootstrapped in account ${env.account}. Next:`,
    ...(ci?.apply
      ? [
          `  1. In GitHub (${ci.repository}), create the environment '${ci.apply.githubEnvironment}' with required reviewers and a deployment branch rule for ${ci.branches.join(', ')}: it is the only subject ${ci.apply.roleName} trusts.`,
          `  2. Merge to ${ci.branches[0]}: the apply job of ${env.name} assumes ${ci.apply.roleName} and runs platformc apply.`,
        ]
      : [`  CI does not apply ${env.name} (not in identity.ci.github.environments): an administrator runs \`platformc apply --env ${env.name}\`.`]),
    ...(ci?.plan ? [`  Pull requests plan ${env.name} with the read-only role ${ci.plan.roleName}.`] : []),
    ...(env.identity.operators.length ? [`  Operators assume ${env.identity.operators.map((o) => o.roleName).join(', ')} (view in AWS; cluster access per their level).`] : []),
  ];
}
