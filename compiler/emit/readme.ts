/** generated/README.md: what was generated from what, and how to apply and destroy it. */
import { CERTIFICATE_ANNOTATION, CERTIFICATE_ARNS_OUTPUT } from '../lib/conventions.js';
import type { FileOutput } from '../output/files.js';
import type { PlatformIR } from '../resolve/ir.js';

export function emitReadme(ir: PlatformIR): FileOutput[] {
  const stacks = ir.environments.flatMap((e) => e.regions.map((r) => ({ ...r, account: e.account })));
  const withKarpenter = ir.environments.filter((e) => e.cluster.provisioner === 'karpenter').map((e) => e.name);
  const karpenter = withKarpenter.length === 0 ? undefined : withKarpenter.length === ir.environments.length ? 'every environment' : withKarpenter.join(', ');
  const lines = [
    `# ${ir.name}: generated platform`,
    '',
    `Everything in this folder is compiled by platformc ${ir.compilerVersion} from \`${ir.sourceFile}\` (owner: ${ir.owner}).`,
    'Review it in pull requests; never edit it by hand: CI runs `npx platformc compile --check` and fails when',
    'this folder differs from a fresh compile. `manifest.json` lists every file with its sha256 and the hash of the inputs.',
    '',
    '## Layout',
    '',
    '| path | what |',
    '| --- | --- |',
    '| `terraform/<env>/bootstrap/` | applied once per environment by an account administrator: Terraform state buckets, GitHub OIDC provider, permissions boundary, CI plan and apply roles, operator roles |',
    '| `terraform/<env>/<region>/` | Terraform root modules per environment and region: `infra`, `platform` (and `dns` in the primary region when a zone is set) |',
    '| `helm/<env>/` | values files of the Helm releases Terraform installs |',
    '| `kustomize/base/`, `kustomize/models/`, `kustomize/overlays/<env>/<region>/` | Kubernetes objects: namespaces, Triton and load tests per model (written once; each environment and region patches what differs), RBAC, network policies. A region is `platform/` and `models/<group>/` (the models of a namespace, 25 at most: a kustomize build takes time with the square of its objects), which `platformc apply` sends one by one, and the overlay that includes them all |',
    '| `prometheus/` | SLO and GPU alerting rules, as PrometheusRule objects (their `spec` is a rule file for promtool) |',
    '| `grafana/` | dashboards as JSON |',
    '| `triton/models/<model>/config.pbtxt` | Triton model configurations |',
    '| `manifest.json` | file list with hashes; compiler version; input hash |',
    '',
    '## Environments',
    '',
    '| environment | account | region | role | cluster | model bucket | Terraform state bucket |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...stacks.map((s) => `| ${s.env} | ${s.account} | ${s.region} | ${s.role} | ${s.names.cluster} | ${s.names.modelBucket} | ${s.names.stateBucket.bucket} (${s.names.stateBucket.region}) |`),
    '',
    '## Models',
    '',
    '| model | team | definition | max batch | GPUs per replica |',
    '| --- | --- | --- | --- | --- |',
    ...ir.models.map((m) => `| ${m.name} | ${m.team} | ${m.definitionPath} | ${m.maxBatchSize} | ${m.gpusPerReplica} |`),
    '',
    '## Who runs what, in which order',
    '',
    '| step | who | with which identity |',
    '| --- | --- | --- |',
    '| `npx platformc bootstrap --env <env>`, once (and again only to change CI or operator roles) | an administrator of the account | their own administrator credentials |',
    '| plan on every pull request | GitHub Actions, jobs without a GitHub environment | the read-only `<platform>-<env>-ci-plan` role (subject `pull_request`) |',
    '| apply on a push to the deploy branch, environments in promotion order | GitHub Actions, in the GitHub environment `<env>` (its protection rules decide who may deploy) | the `<platform>-<env>-ci-apply` role (subject `environment:<env>`) |',
    '| look at the environment | operators | `<platform>-<env>-operator-<name>` (MFA or Identity Center; view in AWS, cluster access by level) |',
    '',
    ...ir.environments.flatMap((e) => (e.identity.ci ? [`- ${e.name}: ${e.identity.ci.apply ? `applied by CI as \`${e.identity.ci.apply.roleName}\`` : 'applied by an administrator (CI does not apply it)'}${e.identity.ci.plan ? `, planned on pull requests as \`${e.identity.ci.plan.roleName}\`` : ''}.`] : [`- ${e.name}: no CI; an administrator applies it.`])),
    '',
    'Break glass (CI down, or the cluster unreachable through CI): an administrator of the account applies with their own',
    'credentials (`npx platformc apply --env <env>`); for cluster access they add an access entry for themselves',
    '(`aws eks create-access-entry` and `associate-access-policy`) and delete it afterwards. CloudTrail records both.',
    '',
    '## Apply',
    '',
    '`npx platformc apply --env <env>` runs every step below in order, checks each one and can be rerun.',
    'By hand, for each environment and region (primary first), after the bootstrap:',
    '',
    '1. `terraform -chdir=terraform/<env>/bootstrap init -lockfile=readonly && terraform -chdir=terraform/<env>/bootstrap apply`',
    '   (once, as an administrator, after creating the state bucket of each region: `platformc bootstrap` does both).',
    '2. `terraform -chdir=terraform/<env>/<region>/infra init -lockfile=readonly && terraform -chdir=terraform/<env>/<region>/infra apply`',
    `   (network, IAM, EKS, node pools, model bucket${ir.dnsZone ? ', the DNS-validated ACM certificates of the team hosts' : ''}).`,
    '3. `aws eks update-kubeconfig --name <cluster> --region <region> --alias <platform>-<env>-<region>` (the platform module',
    '   waits for External Secrets in that context); the Secrets Manager secrets of observability must exist in the region.',
    '   Then the same init and apply in `terraform/<env>/<region>/platform` (Helm releases: NVIDIA device plugin, AWS Load',
    `   Balancer Controller, cluster-autoscaler,${karpenter ? ' Karpenter,' : ''} External Secrets, platform-prerequisites, observability); check that the`,
    '   nodes of each GPU pool with a minimum above 0 show `nvidia.com/gpu` (the other GPU nodes start for the models\' pods).',
    ...(karpenter
      ? [
          `   With Karpenter (${karpenter}): \`kubectl apply --server-side --force-conflicts -k kustomize/overlays/<env>/<region>/karpenter\``,
          "   (its EC2NodeClasses and NodePools: Karpenter starts each GPU node for the models' pods of step 5).",
        ]
      : []),
    '4. Upload `triton/models/` and the model weights to the model bucket.',
    '5. `kubectl apply --server-side --force-conflicts -k kustomize/overlays/<env>/<region>/admission` (the team IngressClasses',
    '   and admission policies, before any Ingress), then the same with `kustomize/overlays/<env>/<region>/platform` and',
    '   the same for each folder with a `kustomization.yaml` under `kustomize/overlays/<env>/<region>/models/` (a namespace, or',
    '   `<namespace>/<n>` where it has more than 25 models; `-k kustomize/overlays/<env>/<region>` builds',
    '   them all at once, which takes kustomize minutes at hundreds of models).',
    ...(ir.dnsZone
      ? [
          '   A folder with an Ingress of a team host goes instead through a kustomization of its own (`platformc apply` writes',
          '   them under `.platformc/apply/<env>/<region>/`): `resources: [<the folder>]` and a patch of each such Ingress that sets',
          `   \`${CERTIFICATE_ANNOTATION}\` to the host's ARN first (the listener's default certificate), then the ARNs the`,
          `   model names in platform.yaml; the host's ARN is in \`terraform -chdir=terraform/<env>/<region>/infra output -json ${CERTIFICATE_ARNS_OUTPUT}\``,
          '   once ACM has issued it. Applied without it, the load balancer controller would pick certificates by host name.',
        ]
      : []),
    ...(ir.dnsZone ? ['6. Once every region serves: `terraform -chdir=terraform/<env>/<primary region>/dns init && ... apply` (one Route 53 record per team host, <team>.<env>.<zone> and <team>.internal.<env>.<zone>, with health checks; failover to the standby region).'] : []),
    '',
    '## Destroy',
    '',
    '`npx platformc destroy --env <env>` deletes in the order that leaves nothing behind: DNS records, running load tests, the',
    'Ingresses (so the AWS Load Balancer Controller removes its load balancers), then `kustomize/overlays/<env>/<region>/platform`',
    '(its namespaces hold every model object), the team IngressClasses and admission policies,',
    ...(karpenter ? ["Karpenter's NodePools and EC2NodeClasses (waiting for its nodes to terminate),"] : []),
    'then `terraform destroy` of `platform`, the persistent volume claims (their EBS volumes go with them), every version and',
    'delete marker of the model bucket, and `terraform destroy` of `infra`, in each region, standby first.',
    ...(ir.environments.some((e) => e.cluster.deletionProtection)
      ? [
          `The clusters of ${ir.environments.filter((e) => e.cluster.deletionProtection).map((e) => e.name).join(', ')} have EKS deletion protection: destroy refuses them unless`,
          '`--disable-deletion-protection`, which turns the protection off just before `terraform destroy` of `infra`.',
        ]
      : []),
    '',
  ];
  return [{ path: 'README.md', content: lines.join('\n') }];
}
