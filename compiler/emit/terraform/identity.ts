/**
 * The `bootstrap` root module of an environment (generated/terraform/<env>/bootstrap): what an account
 * administrator applies once, with `platformc bootstrap`, before CI can run. The Terraform state bucket of
 * each region (versioned, encrypted, TLS-only, public access blocked); the account's GitHub OIDC provider
 * (created, or looked up when another environment or tool made it); the permissions boundary; the CI plan and
 * apply roles; the operator roles. The apply role may not change anything here (policies.ts guards), so
 * nothing CI runs can widen its own rights.
 */
import type { FileOutput } from '../../output/files.js';
import type { EnvironmentIR, PlatformIR } from '../../resolve/ir.js';
import { attributes, expr, type HclValue } from './hcl.js';
import { lockFile, ROOT_PROVIDERS } from './infra.js';
import { applyRoleStatements, boundaryStatements, githubTrust, jsonencode, operatorStatements, operatorTrust, planRoleStatements, policyDocument, type Statement } from './policies.js';
import { dataBlock, file, render, resourceBlock } from './templates.js';

/** IAM's limit on a managed policy document, whitespace not counted. */
export const MANAGED_POLICY_LIMIT = 6_144;

const id = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');
const regionId = (region: string) => `state_${id(region)}`;

/** An import block: adopts the state bucket `platformc bootstrap` made before Terraform could keep state in it. */
const importBlock = (to: string, importId: string, provider?: HclValue) => `import {\n${attributes({ to: expr(to), id: importId, provider }, 1)}\n}\n`;

export function emitBootstrap(ir: PlatformIR, env: EnvironmentIR): FileOutput[] {
  const b = env.identity.bootstrap;
  const primaryState = b.stateBuckets[0]!;
  const aliasOf = (region: string) => (region === primaryState.region ? undefined : id(region));
  const providerOf = (region: string) => (aliasOf(region) ? expr(`aws.${aliasOf(region)}`) : undefined);
  const files: FileOutput[] = [
    {
      path: `${b.dir}/versions.tf`,
      content: render('versions', {
        terraform: { required_version: ir.versions.terraform.requiredVersion },
        providers: Object.fromEntries(ROOT_PROVIDERS.bootstrap.map((p) => [p, { source: ir.versions.terraform.providers[p]!.source, version: ir.versions.terraform.providers[p]!.version }])),
        backend: { bucket: primaryState.bucket, key: b.stateKey, region: primaryState.region, encrypt: true, use_lockfile: true },
      }),
    },
    { path: `${b.dir}/.terraform.lock.hcl`, content: lockFile(ir, ROOT_PROVIDERS.bootstrap) },
    {
      path: `${b.dir}/providers.tf`,
      content: render('providers', {
        providers: b.stateBuckets.map(({ region }) => ({
          settings: { ...(aliasOf(region) ? { alias: aliasOf(region) } : {}), region, allowed_account_ids: [env.account] },
          defaultTags: { tags: env.tags },
        })),
      }),
    },
    { path: `${b.dir}/state.tf`, content: file(...b.stateBuckets.map((s) => stateBucket(s.bucket, regionId(s.region), providerOf(s.region)))) },
    { path: `${b.dir}/identity.tf`, content: identity(env) },
    { path: `${b.dir}/outputs.tf`, content: outputs(env) },
  ];
  return files;
}

function stateBucket(bucket: string, name: string, provider: HclValue | undefined): string {
  const ref = expr(`aws_s3_bucket.${name}.id`);
  return file(
    // The same provider configuration as the resource it fills (the bucket's region).
    importBlock(`aws_s3_bucket.${name}`, bucket, provider),
    // State holds every resource attribute: never deleted with the stack, every version kept.
    resourceBlock('aws_s3_bucket', name, { provider, bucket, force_destroy: false }, [{ type: 'lifecycle', body: { prevent_destroy: true } }]),
    resourceBlock('aws_s3_bucket_versioning', name, { provider, bucket: ref }, [{ type: 'versioning_configuration', body: { status: 'Enabled' } }]),
    resourceBlock('aws_s3_bucket_server_side_encryption_configuration', name, { provider, bucket: ref }, [
      { type: 'rule', body: { bucket_key_enabled: true }, blocks: [{ type: 'apply_server_side_encryption_by_default', body: { sse_algorithm: 'aws:kms' } }] },
    ]),
    resourceBlock('aws_s3_bucket_public_access_block', name, { provider, bucket: ref, block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true }),
    resourceBlock('aws_s3_bucket_policy', name, {
      provider,
      bucket: ref,
      policy: jsonencode(policyDocument([
        { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: ['s3:*'], Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      ])),
      depends_on: [expr(`aws_s3_bucket_public_access_block.${name}`)],
    }),
  );
}

/**
 * A role's permissions as managed policies under the bootstrap path (out of reach of every environment's
 * `policy/<prefix>*` scope), split so each stays within IAM's 6,144 characters per managed policy.
 */
function rolePolicies(resource: string, statements: readonly Statement[], policyPrefix: string, path: string): string[] {
  // The length of the last chunk's JSON document, kept as it grows (stringifying it again for each statement
  // was quadratic): the document's frame, each statement, and a comma between two.
  const frame = JSON.stringify(policyDocument([])).length;
  const chunks: Statement[][] = [[]];
  let size = frame;
  for (const s of statements) {
    const last = chunks[chunks.length - 1]!;
    const own = JSON.stringify(s).length;
    if (last.length && size + 1 + own > MANAGED_POLICY_LIMIT - 100) {
      chunks.push([s]);
      size = frame + own;
    } else {
      size += (last.length ? 1 : 0) + own;
      last.push(s);
    }
  }
  return chunks.flatMap((chunk, i) => {
    const name = `${resource}_${i + 1}`;
    return [
      resourceBlock('aws_iam_policy', name, { name: `${policyPrefix}-${i + 1}`, path, policy: jsonencode(policyDocument(chunk)) }),
      resourceBlock('aws_iam_role_policy_attachment', name, { role: expr(`aws_iam_role.${resource}.name`), policy_arn: expr(`aws_iam_policy.${name}.arn`) }),
    ];
  });
}

function identity(env: EnvironmentIR): string {
  const idn = env.identity;
  const blocks: string[] = [
    resourceBlock('aws_iam_policy', 'boundary', {
      name: idn.boundary.name,
      path: idn.boundary.path,
      description: `platformc permissions boundary of ${idn.iamPrefix}* roles: every role CI creates carries it`,
      policy: jsonencode(policyDocument(boundaryStatements(env))),
    }),
  ];
  const ci = idn.ci;
  if (ci) {
    const provider = ci.oidcProvider.create ? expr('aws_iam_openid_connect_provider.github.arn') : expr('data.aws_iam_openid_connect_provider.github.arn');
    blocks.push(
      ci.oidcProvider.create
        ? resourceBlock('aws_iam_openid_connect_provider', 'github', { url: `https://${ci.oidcProvider.host}`, client_id_list: ['sts.amazonaws.com'] })
        : dataBlock('aws_iam_openid_connect_provider', 'github', { url: `https://${ci.oidcProvider.host}` }),
    );
    if (ci.plan) {
      blocks.push(
        resourceBlock('aws_iam_role', 'ci_plan', {
          name: ci.plan.roleName,
          description: `platformc read-only plan role for pull requests of ${ci.repository} (GitHub OIDC)`,
          max_session_duration: 3600,
          assume_role_policy: jsonencode(githubTrust(ci.plan.subjects, provider)),
        }),
        ...rolePolicies('ci_plan', planRoleStatements(env), ci.plan.roleName, idn.boundary.path),
      );
    }
    if (ci.apply) {
      blocks.push(
        resourceBlock('aws_iam_role', 'ci_apply', {
          name: ci.apply.roleName,
          description: `platformc apply role for the ${ci.apply.githubEnvironment} GitHub environment of ${ci.repository} (GitHub OIDC)`,
          max_session_duration: 7200,
          assume_role_policy: jsonencode(githubTrust(ci.apply.subjects, provider)),
        }),
        ...rolePolicies('ci_apply', applyRoleStatements(env), ci.apply.roleName, idn.boundary.path),
      );
    }
  }
  for (const op of idn.operators) {
    const name = `operator_${id(op.name)}`;
    blocks.push(
      resourceBlock('aws_iam_role', name, {
        name: op.roleName,
        description: `platformc operator role '${op.name}': ${op.identityCenter ? 'Identity Center or ' : ''}MFA, short sessions, no static keys`,
        max_session_duration: op.maxSessionSeconds,
        assume_role_policy: jsonencode(operatorTrust(op)),
      }),
      // In AWS an operator looks, never changes (changes go through CI); ViewOnlyAccess reads no data (unlike
      // ReadOnlyAccess, which reads every S3 object, Terraform state included). Cluster rights: the EKS access entry.
      resourceBlock('aws_iam_role_policy_attachment', `${name}_view_only`, { role: expr(`aws_iam_role.${name}.name`), policy_arn: 'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess' }),
      resourceBlock('aws_iam_role_policy', name, { name: 'describe-clusters', role: expr(`aws_iam_role.${name}.id`), policy: jsonencode(policyDocument(operatorStatements(env))) }),
    );
  }
  return file(...blocks);
}

function outputs(env: EnvironmentIR): string {
  const ci = env.identity.ci;
  const out = (name: string, value: HclValue, description: string) => render('output', { name, body: { description, value } });
  return file(
    out('boundary_arn', expr('aws_iam_policy.boundary.arn'), 'Permissions boundary every role created by CI carries.'),
    ci?.plan ? out('ci_plan_role_arn', expr('aws_iam_role.ci_plan.arn'), 'Read-only role of pull-request plans.') : '',
    ci?.apply ? out('ci_apply_role_arn', expr('aws_iam_role.ci_apply.arn'), `Role of the apply job in the ${ci.apply.githubEnvironment} GitHub environment.`) : '',
    out('operator_role_arns', Object.fromEntries(env.identity.operators.map((o) => [o.name, expr(`aws_iam_role.operator_${id(o.name)}.arn`)])), 'Operator roles by name.'),
  );
}
