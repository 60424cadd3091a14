/**
 * Names that must be unique where AWS or Kubernetes keeps them: IAM role names in an account (IAM is global,
 * so across environments and regions of one account) and service accounts in a namespace. Derived names are
 * cut with a hash, so two different user names never give one name; what is left are user names that spell
 * a name platformc derives for itself (a workload called `alb-controller`, a service account called
 * `triton-<model>`). Checked once, on the IR, with the position of the name that takes the name second.
 */
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Path, Source } from '../front/source.js';
import type { PlatformIR } from './ir.js';
import { getOrInsert } from '../lib/collections.js';

interface Claim { readonly what: string; readonly path: Path }

export function checkNameCollisions(ir: PlatformIR, source: Source): Diagnostic[] {
  const out: Diagnostic[] = [];
  const claim = (taken: Map<string, Claim>, kind: string, name: string, c: Claim) => {
    const first = taken.get(name);
    if (!first) return void taken.set(name, c);
    if (first.what === c.what) return;
    out.push(diagnostic('name-collision', { kind, name, what: c.what, other: first.what }, source.file, source.keySpan(c.path), 'rename one of them'));
  };
  const roles = new Map<string, Map<string, Claim>>();
  const accounts = (account: string) => getOrInsert(roles, account, () => new Map<string, Claim>());
  for (const env of ir.environments) {
    const taken = accounts(env.account);
    for (const op of env.identity.operators) claim(taken, 'IAM role', op.roleName, { what: `operator '${op.name}' (${env.name})`, path: ['identity', 'operators', op.name] });
    if (env.identity.ci?.plan) claim(taken, 'IAM role', env.identity.ci.plan.roleName, { what: `the CI plan role of ${env.name}`, path: ['environments', env.name] });
    if (env.identity.ci?.apply) claim(taken, 'IAM role', env.identity.ci.apply.roleName, { what: `the CI apply role of ${env.name}`, path: ['environments', env.name] });
    for (const r of env.regions) {
      // Roles the EKS and VPC modules create, named explicitly under the environment's prefix.
      claim(taken, 'IAM role', r.names.iam.clusterRole, { what: `the EKS cluster role (${env.name}, ${r.region})`, path: ['environments', env.name] });
      claim(taken, 'IAM role', r.names.iam.flowLogRole, { what: `the VPC flow-log role (${env.name}, ${r.region})`, path: ['environments', env.name] });
      for (const [pool, name] of Object.entries(r.names.iam.nodeGroupRoles)) claim(taken, 'IAM role', name, { what: `the node role of pool '${pool}' (${env.name}, ${r.region})`, path: ['nodePools', pool] });
      if (env.cluster.provisioner === 'karpenter') claim(taken, 'IAM role', r.names.iam.karpenterNodeRole, { what: `the role of Karpenter's nodes (${env.name}, ${r.region})`, path: ['cluster', 'provisioner'] });
      for (const [controller, name] of Object.entries(r.names.roles)) claim(taken, 'IAM role', name, { what: `the controller ${controller} (${env.name}, ${r.region})`, path: ['environments', env.name] });
      for (const d of r.deployments) claim(taken, 'IAM role', d.roleName, { what: `model '${d.model}' (${env.name}, ${r.region})`, path: ['models', d.model] });
      for (const w of r.workloadRoles) claim(taken, 'IAM role', w.roleName, { what: `workload '${w.workload}' (${env.name}, ${r.region})`, path: ['identity', 'workloads', w.workload] });
    }
  }
  // EKS allows one access entry per IAM principal: a team principal that is one of platformc's own roles of the
  // environment would need a second entry (and EKS refuses it with ResourceInUse).
  for (const env of ir.environments) {
    const entries = new Map<string, Claim>();
    for (const op of env.identity.operators) claim(entries, 'EKS access entry principal', op.arn, { what: `operator '${op.name}' (${env.name})`, path: ['identity', 'operators', op.name] });
    for (const role of [env.identity.ci?.plan, env.identity.ci?.apply]) if (role) claim(entries, 'EKS access entry principal', role.arn, { what: `the CI of ${env.name}`, path: ['environments', env.name] });
    for (const team of ir.teams) {
      team.principals.forEach((p) => claim(entries, 'EKS access entry principal', p, { what: 'a team (teams share one entry per principal)', path: ['teams', team.name, 'principals'] }));
    }
  }
  // S3 bucket names are global: a state bucket named like a model bucket platformc creates would make both
  // hold Terraform state and model weights, under two sets of permissions (D26). State buckets may be shared.
  const modelBuckets = new Map<string, Claim>();
  for (const env of ir.environments) for (const r of env.regions) modelBuckets.set(r.names.modelBucket, { what: `the model bucket of ${env.name} (${r.region})`, path: ['environments', env.name] });
  for (const env of ir.environments) {
    for (const r of env.regions) {
      const model = modelBuckets.get(r.names.stateBucket.bucket);
      if (model) out.push(diagnostic('name-collision', { kind: 'S3 bucket', name: r.names.stateBucket.bucket, what: `the Terraform state of ${env.name} (${r.region})`, other: model.what }, source.file, source.span(['environments', env.name, 'state', 'bucket']), 'name the state bucket something else, e.g. <platform>-tfstate-<account>'));
    }
  }
  const serviceAccounts = new Map<string, Claim>();
  for (const d of ir.environments[0]?.regions[0]?.deployments ?? []) serviceAccounts.set(`${d.namespace}/${d.serviceAccount}`, { what: `model '${d.model}'`, path: ['models', d.model] });
  for (const w of ir.environments[0]?.identity.workloads ?? []) claim(serviceAccounts, 'service account', `${w.namespace}/${w.serviceAccount}`, { what: `workload '${w.name}'`, path: ['identity', 'workloads', w.name, 'serviceAccount'] });
  return out;
}
