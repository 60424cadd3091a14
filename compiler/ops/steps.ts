/**
 * What plan, apply and destroy do, as data: an ordered list of steps with their exact command lines.
 * Building the list is pure (so --dry-run prints exactly what a real run would do, and tests read it);
 * compiler/ops/run.ts executes it.
 */
import { join } from 'node:path';
import { CERTIFICATE_ANNOTATION, GPU_RESOURCE, LOADTEST_JOB_PREFIX, NAMESPACES } from '../lib/conventions.js';
import { commandLine } from '../lib/shell.js';
import type { EnvironmentIR, PlatformIR, RegionIR } from '../resolve/ir.js';
import { certificateCheck, certificateOutputCommand, certificatePatches, describeCertificateCommand, type CertificateCheck, type CertificatePatch } from './certificates.js';
import { edgeChecks, edgeCommands, type EdgeCheck } from './edge.js';
import { loadtestCommands } from './loadtest.js';
import { describeUpload, describeVerify, MODEL_CHECKS_AT_ONCE, revisionObjects, type ModelRevisionObjects } from './models.js';

export type Step =
  | {
      readonly kind: 'exec';
      readonly id: string;
      readonly title: string;
      readonly argv: readonly string[];
      /** Safe to skip on a rerun when it completed for the same inputs (an apply that converged). */
      readonly resumable?: boolean;
      /** Checks the command's stdout; returns a problem to stop on, or undefined. */
      readonly check?: (stdout: string) => string | undefined;
      readonly hint?: string;
    }
  | {
      readonly kind: 'task';
      readonly id: string;
      readonly title: string;
      /** What it does, for --dry-run. */
      readonly describe: string;
      readonly task: TaskSpec;
      readonly hint?: string;
    };

/** In-process work against the Kubernetes API or the file system. */
export type TaskSpec =
  | { readonly type: 'check-generated' }
  | { readonly type: 'wait-gpu-nodes'; readonly context: string; readonly pools: readonly string[]; readonly resources?: Readonly<Record<string, string>> }
  | { readonly type: 'wait-deployments'; readonly context: string; readonly deployments: readonly { namespace: string; name: string }[] }
  | { readonly type: 'verify-endpoints'; readonly context: string; readonly models: readonly { namespace: string; service: string; model: string }[] }
  | { readonly type: 'wait-load-balancers-gone'; readonly region: string; readonly cluster: string }
  | { readonly type: 'leftovers'; readonly region: string; readonly cluster: string }
  | { readonly type: 'empty-bucket'; readonly region: string; readonly bucket: string }
  | { readonly type: 'upload-models'; readonly objects: readonly ModelRevisionObjects[] }
  | { readonly type: 'verify-models'; readonly objects: readonly ModelRevisionObjects[] }
  | { readonly type: 'disable-deletion-protection'; readonly region: string; readonly cluster: string }
  | { readonly type: 'loadtest'; readonly context: string; readonly model: string; readonly cronJob: string; readonly slo: string }
  | {
      readonly type: 'certificate-arns';
      /** Where the ARNs come from (the region's infra root). */
      readonly infraDir: string;
      readonly hosts: readonly string[];
      /** Each kustomization to write (`dir`, relative to the working directory): a generated one (`source`) with the patches of its Ingresses. */
      readonly kustomizations: readonly { readonly source: string; readonly dir: string; readonly patches: readonly CertificatePatch[] }[];
      /** The region's folder of them: a kustomization under it that is none of these is an earlier run's, removed. */
      readonly root: string;
      /** plan: a root not applied yet has no ARNs; the diff then shows the Ingresses without them. */
      readonly optional?: boolean;
    }
  | { readonly type: 'check-certificates'; readonly check: CertificateCheck }
  | { readonly type: 'verify-edge'; readonly check: EdgeCheck };

export interface OpsOptions {
  /** generated/ folder (relative to the working directory). */
  readonly generated: string;
  readonly region?: string;
  /** destroy: turn off the clusters' deletion protection just before terraform destroys them (a deliberate choice). */
  readonly disableDeletionProtection?: boolean;
  /** apply: leave out the load tests that platform.yaml asks for after apply (observability.loadTests.afterApply). */
  readonly skipLoadtests?: boolean;
  /** .platformc next to platform.yaml (relative to the working directory): apply writes the kustomization with certificate ARNs there. */
  readonly stateDir?: string;
}

// Every init installs exactly the providers the committed .terraform.lock.hcl pins, and never rewrites it
// (a rewrite would make generated/ differ from a fresh compile).
const tf = (dir: string, ...args: string[]) => ['terraform', `-chdir=${dir}`, ...args];
const roots = (o: OpsOptions, env: EnvironmentIR, r: RegionIR) => ({
  infra: join(o.generated, 'terraform', env.name, r.region, 'infra'),
  platform: join(o.generated, 'terraform', env.name, r.region, 'platform'),
  platformObjects: join(o.generated, r.kustomize.platform),
  karpenter: join(o.generated, r.kustomize.overlay, 'karpenter'),
  admission: join(o.generated, r.kustomize.overlay, 'admission'),
});
const regionsOf = (env: EnvironmentIR, o: OpsOptions) => env.regions.filter((r) => !o.region || r.region === o.region);

/**
 * The region's Kubernetes objects as apply and plan send them, one kustomization at a time (RegionIR.kustomize: a
 * build of all of them at once takes minutes at 500 models): the platform's objects, then each group of models.
 * Where the platform requests certificates, a group goes through the kustomization apply writes with the ARNs of
 * its Ingresses (compiler/ops/certificates.ts), and the step that reads the ARNs from the infra root and writes it
 * comes first.
 */
function kubernetesObjects(o: OpsOptions, env: EnvironmentIR, r: RegionIR, optional: boolean): { readonly roots: readonly { readonly group?: string; readonly what: string; readonly dir: string }[]; readonly step?: Step } {
  const d = roots(o, env, r);
  const { hosts, patches } = certificatePatches(env, r);
  const root = join(o.stateDir ?? '.platformc', 'apply', env.name, r.region);
  const groups = r.kustomize.models.map((m) => {
    const own = patches.filter((p) => m.models.includes(p.model));
    const generated = join(o.generated, m.dir);
    return { group: m.group, namespace: m.namespace, models: m.models, source: generated, dir: own.length ? join(root, m.group) : generated, patches: own };
  });
  const written = groups.filter((g) => g.patches.length);
  return {
    roots: [
      { what: "the platform's Kubernetes objects", dir: d.platformObjects },
      ...groups.map((g) => ({ group: g.group, what: `the models of ${g.namespace}${g.group === g.namespace ? '' : ` ${g.models[0]} to ${g.models.at(-1)}`}`, dir: g.dir })),
    ],
    ...(written.length
      ? {
          step: {
            kind: 'task',
            id: `${r.region}:certificates`,
            title: `ACM certificates of ${hosts.join(', ')} from the infra root (${r.region})`,
            describe: [
              `$ ${commandLine(certificateOutputCommand(d.infra))}`,
              ...written.map((g) => `write ${join(g.dir, 'kustomization.yaml')}: ${g.source} with ${CERTIFICATE_ANNOTATION} on Ingress ${g.patches.map((p) => `${p.namespace}/${p.ingress}`).join(', ')}`),
              ...(optional ? [] : [`remove any other kustomization.yaml under ${root} (an earlier run's, of a group since renamed or split)`]),
            ].join('\n    '),
            task: { type: 'certificate-arns', infraDir: d.infra, hosts, kustomizations: written.map(({ source, dir, patches }) => ({ source, dir, patches })), root, ...(optional ? { optional } : {}) },
            hint: `the infra root of ${r.region} outputs the certificates once they are issued: apply it (terraform -chdir=${d.infra} apply) and rerun; a certificate stuck in PENDING_VALIDATION means the validation record is not in the public zone ${env.dns?.name ?? ''}`,
          },
        }
      : {}),
  };
}

/** Before Terraform: the certificates platform.yaml names are ISSUED in ACM and cover their hosts. */
function certificateChecks(env: EnvironmentIR, o: OpsOptions): Step[] {
  return regionsOf(env, o).flatMap((r): Step[] => {
    const check = certificateCheck(env, r);
    if (!check) return [];
    return [{
      kind: 'task',
      id: `${r.region}:certificates:check`,
      title: `the ACM certificates in platform.yaml are issued${check.hosts.length ? ` and cover ${check.hosts.map((h) => h.host).join(', ')}` : ''} (${r.region})`,
      describe: check.certificates.map((c) => `$ ${commandLine(describeCertificateCommand(c.arn))}`).join('\n    '),
      task: { type: 'check-certificates', check },
      hint: `fix ingress.certificateArns in platform.yaml (an ISSUED certificate of ${r.region} in account ${env.account} whose name or a subject alternative name covers the host), or leave them out with dns.zone set and platformc requests one`,
    }];
  });
}

function accountCheck(env: EnvironmentIR): Step {
  return {
    kind: 'exec',
    id: 'account',
    title: `AWS credentials belong to account ${env.account}`,
    argv: ['aws', 'sts', 'get-caller-identity', '--query', 'Account', '--output', 'text'],
    check: (out) => (out.trim() === env.account ? undefined : `the AWS credentials are for account ${out.trim() || '(none)'}, but ${env.name} lives in ${env.account}`),
    hint: `assume a role in ${env.account} that may apply it (its CI apply role, or an administrator's for break glass: operator roles only look) and rerun`,
  };
}

const freshness: Step = { kind: 'task', id: 'generated', title: 'generated/ matches platform.yaml', describe: 'compile in memory and compare with generated/ (as compile --check)', task: { type: 'check-generated' }, hint: 'run `npx platformc compile` and review the change' };

/** plan: what would change, without changing anything. */
export function planSteps(ir: PlatformIR, env: EnvironmentIR, o: OpsOptions): Step[] {
  return [
    freshness,
    accountCheck(env),
    ...regionsOf(env, o).flatMap((r): Step[] => {
      const d = roots(o, env, r);
      // The diff compares what apply would send, certificate ARNs included (once the infra root has them).
      const objects = kubernetesObjects(o, env, r, true);
      return [
        { kind: 'exec', id: `${r.region}:infra:init`, title: `terraform init (${r.region} infra)`, argv: tf(d.infra, 'init', '-input=false', '-lockfile=readonly') },
        { kind: 'exec', id: `${r.region}:infra:plan`, title: `terraform plan (${r.region} infra)`, argv: tf(d.infra, 'plan', '-input=false', '-lock-timeout=5m') },
        { kind: 'exec', id: `${r.region}:platform:init`, title: `terraform init (${r.region} platform)`, argv: tf(d.platform, 'init', '-input=false', '-lockfile=readonly') },
        { kind: 'exec', id: `${r.region}:platform:plan`, title: `terraform plan (${r.region} platform)`, argv: tf(d.platform, 'plan', '-input=false', '-lock-timeout=5m') },
        ...(objects.step ? [objects.step] : []),
        // kubectl diff exits 1 when there are differences: that is a result, not a failure.
        ...objects.roots.map((k): Step => ({ kind: 'exec', id: `${r.region}:kubectl:diff${k.group ? `:${k.group}` : ''}`, title: `server-side diff of ${k.what} (${r.region})`, argv: ['kubectl', 'diff', '--server-side', '--context', r.names.kubeContext, '-k', k.dir] })),
        { kind: 'exec', id: `${r.region}:admission:diff`, title: `server-side diff of the team IngressClasses and admission policies (${r.region})`, argv: ['kubectl', 'diff', '--server-side', '--context', r.names.kubeContext, '-k', d.admission] },
        ...(env.cluster.provisioner === 'karpenter'
          ? [{ kind: 'exec', id: `${r.region}:karpenter:diff`, title: `server-side diff of Karpenter's NodePools and EC2NodeClasses (${r.region})`, argv: ['kubectl', 'diff', '--server-side', '--context', r.names.kubeContext, '-k', d.karpenter] } as const]
          : []),
      ];
    }),
  ];
}

/** apply: a fresh account to a serving, verified platform; primary region first, then the standby. */
export function applySteps(ir: PlatformIR, env: EnvironmentIR, o: OpsOptions): Step[] {
  const steps: Step[] = [freshness, accountCheck(env), ...certificateChecks(env, o)];
  const regions = regionsOf(env, o);
  const objects = new Map(regions.map((r) => [r, kubernetesObjects(o, env, r, false)]));
  for (const r of regions) {
    const d = roots(o, env, r);
    steps.push(
      { kind: 'exec', id: `${r.region}:infra:init`, title: `terraform init (${r.region} infra)`, argv: tf(d.infra, 'init', '-input=false', '-lockfile=readonly') },
      { kind: 'exec', id: `${r.region}:infra:apply`, title: `terraform apply (${r.region} infra: network, IAM, EKS, node pools, model bucket${certificatePatches(env, r).hosts.length ? ', ACM certificates' : ''})`, argv: tf(d.infra, 'apply', '-input=false', '-auto-approve', '-lock-timeout=5m'), resumable: true, hint: 'fix the cause shown above and rerun: Terraform continues from its state' },
      // Right after the root that issues them, before anything reaches the cluster: a missing ARN stops apply here.
      ...[objects.get(r)!.step].filter((x) => x !== undefined),
    );
  }
  for (const r of regions) {
    const d = roots(o, env, r);
    const context = r.names.kubeContext;
    // Karpenter's pools have no minimum: their nodes come for the models' pods (the rollout step waits for those).
    const gpuPools = r.nodePools.filter((p) => p.role === 'gpu' && !p.karpenter && p.minSize > 0).map((p) => p.name);
    // Time-sliced and MIG pools advertise nvidia.com/gpu.shared or nvidia.com/mig-<profile> instead of nvidia.com/gpu.
    const sharedResources = Object.fromEntries(r.nodePools.filter((p) => gpuPools.includes(p.name) && p.gpuSharing && p.gpuSharing.mode !== 'exclusive').map((p) => [p.name, p.gpuSharing!.resource]));
    steps.push(
      { kind: 'exec', id: `${r.region}:kubeconfig`, title: `kubeconfig for ${r.names.cluster} (${r.region})`, argv: ['aws', 'eks', 'update-kubeconfig', '--name', r.names.cluster, '--region', r.region, '--alias', context] },
      ...env.releaseSecrets.map((x) => x.awsSecret).map((secret): Step => ({
        kind: 'exec',
        id: `${r.region}:secret:${secret}`,
        title: `AWS Secrets Manager has ${secret} in ${r.region}`,
        argv: ['aws', 'secretsmanager', 'describe-secret', '--secret-id', secret, '--region', r.region, '--query', 'ARN', '--output', 'text'],
        hint: `create the secret ${secret} in ${r.region}${r.role === 'standby' ? ` (or replicate it from ${env.regions[0]!.region}: aws secretsmanager replicate-secret-to-regions --secret-id ${secret} --add-replica-regions Region=${r.region} --region ${env.regions[0]!.region})` : ''} and rerun`,
      })),
      { kind: 'exec', id: `${r.region}:platform:init`, title: `terraform init (${r.region} platform)`, argv: tf(d.platform, 'init', '-input=false', '-lockfile=readonly') },
      { kind: 'exec', id: `${r.region}:platform:apply`, title: `terraform apply (${r.region} platform: NVIDIA device plugin, load balancer controller, ${env.cluster.provisioner === 'karpenter' ? 'Karpenter' : 'autoscaler'}, observability)`, argv: tf(d.platform, 'apply', '-input=false', '-auto-approve', '-lock-timeout=5m'), resumable: true },
    );
    if (env.cluster.provisioner === 'karpenter') {
      // After the platform root: Karpenter's CRDs come with its chart, and its controller launches the nodes.
      steps.push({ kind: 'exec', id: `${r.region}:karpenter`, title: `apply Karpenter's EC2NodeClasses and NodePools (${r.region})`, argv: ['kubectl', 'apply', '--server-side', '--force-conflicts', '--context', context, '-k', d.karpenter], hint: 'check the karpenter Deployment in kube-system: the CRDs come with its chart' });
    }
    if (gpuPools.length) {
      steps.push({ kind: 'task', id: `${r.region}:gpus`, title: `GPU nodes advertise ${GPU_RESOURCE} (${r.region})`, describe: `list nodes of pools ${gpuPools.join(', ')} in ${context} and wait until each has allocatable ${GPU_RESOURCE}`, task: { type: 'wait-gpu-nodes', context, pools: gpuPools, ...(Object.keys(sharedResources).length ? { resources: sharedResources } : {}) }, hint: 'check the nvidia-device-plugin DaemonSet in kube-system and that GPU nodes run the NVIDIA AMI' });
    }
    // Each model's revision, uploaded to its own prefix and verified before any Deployment names it (compiler/ops/models.ts):
    // a pod that starts before the rollout still loads its own revision, and a failed check stops here. One step each
    // for the region's models, which checks several at once (MODEL_CHECKS_AT_ONCE).
    const revisions = ir.models.map((m) => revisionObjects(m, r, o.generated));
    const which = revisions.length <= 3 ? revisions.map((x) => `${x.model} (revision ${x.revision})`).join(', ') : `${revisions.length} models`;
    const each = (describe: (x: ModelRevisionObjects) => string) =>
      [...revisions.map((x) => `# ${x.model}\n    ${describe(x)}`), ...(revisions.length > 1 ? [`(${MODEL_CHECKS_AT_ONCE} models at a time)`] : [])].join('\n    ');
    if (revisions.length) steps.push(
      {
        kind: 'task',
        id: `${r.region}:revisions:upload`,
        title: `upload the revisions of ${which} to s3://${r.names.modelBucket}/ (${r.region})`,
        describe: each((x) => describeUpload(x, commandLine)),
        task: { type: 'upload-models', objects: revisions },
        hint: `the weights of each model must be readable at its weights.uri (in its model definition) by the credentials apply runs with, and the model bucket ${r.names.modelBucket} writable; then rerun`,
      },
      {
        kind: 'task',
        id: `${r.region}:revisions:verify`,
        title: `verify the revisions of ${which}: config and weights have the sha256 they should (${r.region})`,
        describe: each((x) => describeVerify(x, commandLine)),
        task: { type: 'verify-models', objects: revisions },
        hint: `nothing was rolled out: the Deployments still name their previous revision. A model's weights at its weights.uri are not the ones its definition's weights.sha256 names: check both, then rerun`,
      },
    );
    steps.push(
      // After the platform root (the load balancer controller and its IngressClassParams CRD), before the Ingresses: the
      // controller's webhook admits an Ingress only once its class exists, and the policies must know its annotations.
      { kind: 'exec', id: `${r.region}:admission`, title: `apply the team IngressClasses and admission policies (${r.region})`, argv: ['kubectl', 'apply', '--server-side', '--force-conflicts', '--context', context, '-k', d.admission], hint: 'check the aws-load-balancer-controller Deployment in kube-system (the IngressClassParams CRD comes with its chart), then rerun' },
      // The platform's objects first: the namespaces the models go into, the network policies that admit their traffic.
      ...objects.get(r)!.roots.map((k): Step => ({ kind: 'exec', id: `${r.region}:kustomize${k.group ? `:${k.group}` : ''}`, title: `apply ${k.what} (${r.region})`, argv: ['kubectl', 'apply', '--server-side', '--force-conflicts', '--context', context, '-k', k.dir] })),
      {
        kind: 'task',
        id: `${r.region}:rollout`,
        title: `every model is available (${r.region})`,
        describe: `wait until the Triton Deployments of ${r.deployments.map((x) => x.model).join(', ')} are available`,
        task: { type: 'wait-deployments', context, deployments: r.deployments.map((x) => ({ namespace: x.namespace, name: x.workload })) },
        hint: 'kubectl describe the Deployment and its pods: pending pods usually mean no GPU capacity yet (the autoscaler adds nodes in minutes)',
      },
      {
        kind: 'task',
        id: `${r.region}:verify`,
        title: `every model's Service has ready endpoints (${r.region})`,
        describe: `every model's Service has a ready endpoint on port http (a Triton pod whose /v2/health/ready answers 200: every model it loads is ready), from its EndpointSlices`,
        task: { type: 'verify-endpoints', context, models: r.deployments.map((x) => ({ namespace: x.namespace, service: x.workload, model: x.model })) },
      },
    );
  }
  const dns = dnsStep(ir, env, o);
  if (dns && !o.region) {
    // The dns module looks the ALBs up: every Ingress with a host (each IngressGroup's) has its load balancer first.
    for (const r of env.regions) {
      for (const x of r.deployments.filter((x) => x.ingress.host)) {
        steps.push({
          kind: 'exec',
          id: `${r.region}:alb:${x.model}`,
          title: `the load balancer of ${x.model} exists (${r.region})`,
          argv: ['kubectl', 'wait', '--for=jsonpath={.status.loadBalancer.ingress}', `ingress/${x.workload}`, '--namespace', x.namespace, '--timeout=10m', '--context', r.names.kubeContext],
          hint: 'the AWS Load Balancer Controller creates it: check its logs in kube-system and the Ingress events',
        });
      }
    }
    steps.push(
      { kind: 'exec', id: 'dns:init', title: `terraform init (DNS ${env.dns!.name})`, argv: tf(dns, 'init', '-input=false', '-lockfile=readonly') },
      { kind: 'exec', id: 'dns:apply', title: `terraform apply (DNS ${env.dns!.hosts.map((h) => h.name).join(', ')}: ${env.regions.length > 1 ? 'failover records, primary first' : 'records'} with health checks)`, argv: tf(dns, 'apply', '-input=false', '-auto-approve', '-lock-timeout=5m') },
    );
    // Each host through the path its clients take (name, verified TLS, the region's ALB): compiler/ops/edge.ts.
    for (const r of env.regions) {
      for (const c of edgeChecks(r)) {
        steps.push({
          kind: 'task',
          id: `${r.region}:edge:${c.host}`,
          title: `https://${c.host} answers through the ALB of ${r.region} (${c.models.map((m) => `${m.model} ${m.expect}`).join(', ')})`,
          describe: [`$ ${commandLine(edgeCommands.albAddress(c))}`, ...c.models.map((m) => `$ ${commandLine(edgeCommands.probe(c.host, 'ALB', m.model))}`), `(ALB: the address above; retried until each answers ${[...new Set(c.models.map((m) => m.expect))].join(' or ')}; skipped when this machine cannot reach the ALB)`].join('\n    '),
          task: { type: 'verify-edge', check: c },
          hint: `check the listener certificate and rules of the ALB (kubectl --context ${c.context} -n ${c.ingress.namespace} describe ingress ${c.ingress.name}), and the certificate of ${c.host}: curl -v --connect-to ${c.host}:443:<ALB>:443 https://${c.host}/v2/models/${c.models[0]!.model}/ready`,
        });
      }
    }
  }
  steps.push(...loadtestSteps(env, o));
  return steps;
}

/**
 * The last word of apply (observability.loadTests.afterApply, unless --skip-loadtests): each model's k6 load
 * test at its target rate in the primary region, one after another (they share the general pool and would
 * skew each other), each a Job from the model's CronJob. A broken SLO threshold fails the step. The standby
 * region is left out: a warm standby runs at its minimum size and is not sized for the target rate.
 */
function loadtestSteps(env: EnvironmentIR, o: OpsOptions): Step[] {
  if (!env.observability.loadTests.afterApply || o.skipLoadtests) return [];
  const primary = env.regions[0]!;
  if (o.region && o.region !== primary.region) return [];
  return primary.deployments.map((d): Step => {
    const slo = `p99 < ${d.latency.boundMs} ms, errors < ${Number((100 - d.slo.availability).toPrecision(4))}% at ${d.slo.targetRps} requests/s`;
    const job = `${LOADTEST_JOB_PREFIX}${d.model}`;
    // The Job is named at run time (loadtest-<model>-<run id>); RUN stands for that id here.
    const c = loadtestCommands(primary.names.kubeContext, d.model, 'RUN');
    return {
      kind: 'task',
      id: `${primary.region}:loadtest:${d.model}`,
      title: `load test of ${d.model} meets its SLO (${slo}, ${primary.region})`,
      describe: [c.create, c.status, c.logs].map((argv) => `$ ${commandLine(argv)}`).join('\n    '),
      task: { type: 'loadtest', context: primary.names.kubeContext, model: d.model, cronJob: job, slo },
      hint: `${d.model} does not hold its SLO at its target rate: read the k6 summary above and the load-test annotation on the Grafana dashboards (kubectl --context ${primary.names.kubeContext} -n ${NAMESPACES.platform} logs job/<the Job named above>); raise replicas or fix the model, or rerun with --skip-loadtests to apply without the load tests`,
    };
  });
}

/** The dns root module of an environment, when platform.yaml names a zone. */
function dnsStep(ir: PlatformIR, env: EnvironmentIR, o: OpsOptions): string | undefined {
  return env.dns ? join(o.generated, 'terraform', env.name, env.regions[0]!.region, 'dns') : undefined;
}

/**
 * Why destroy must not start, or undefined. A cluster with deletion protection is deleted only on a second,
 * deliberate request: nothing is touched (not even DNS or Ingresses) until the operator says so.
 */
export function destroyRefusal(env: EnvironmentIR, o: OpsOptions): string | undefined {
  if (!env.cluster.deletionProtection || o.disableDeletionProtection) return undefined;
  const clusters = regionsOf(env, o).map((r) => r.names.cluster).join(' and ');
  return [
    `refusing to destroy ${env.name}: ${clusters} ${clusters.includes(' and ') ? 'have' : 'has'} EKS deletion protection (cluster.deletionProtection; on by default in production environments). Nothing was changed.`,
    `  what to do: to delete ${env.name} on purpose, rerun with --disable-deletion-protection: platformc turns the protection off (aws eks update-cluster-config --no-deletion-protection) just before terraform destroys each cluster, after DNS, load balancers, namespaces and the model bucket are gone.`,
    `  To keep ${env.name}, do nothing. To lift the protection for good, set cluster.deletionProtection: false in environments.${env.name}.overrides.cluster and apply.`,
  ].join('\n');
}

/**
 * destroy, in the order that leaves nothing behind: DNS records; load tests; Ingresses (and the load balancers the
 * controller made for them); our namespaces; the team IngressClasses and admission policies; then Terraform, platform before infra, standby before primary;
 * then a search for anything still tagged for the cluster.
 */
export function destroySteps(ir: PlatformIR, env: EnvironmentIR, o: OpsOptions): Step[] {
  const steps: Step[] = [accountCheck(env)];
  const dns = dnsStep(ir, env, o);
  if (dns && !o.region) {
    // First, while the load balancers it looks up still exist.
    steps.push(
      { kind: 'exec', id: 'dns:init', title: `terraform init (DNS ${env.dns!.name})`, argv: tf(dns, 'init', '-input=false', '-lockfile=readonly') },
      { kind: 'exec', id: 'dns:destroy', title: `terraform destroy (DNS ${env.dns!.name})`, argv: tf(dns, 'destroy', '-input=false', '-auto-approve', '-lock-timeout=5m') },
    );
  }
  const regions = [...regionsOf(env, o)].reverse();
  for (const r of regions) {
    const d = roots(o, env, r);
    const context = r.names.kubeContext;
    const namespaces = [NAMESPACES.platform, ...ir.teams.map((t) => t.namespace)];
    steps.push(
      { kind: 'exec', id: `${r.region}:kubeconfig`, title: `kubeconfig for ${r.names.cluster} (${r.region})`, argv: ['aws', 'eks', 'update-kubeconfig', '--name', r.names.cluster, '--region', r.region, '--alias', context] },
      { kind: 'exec', id: `${r.region}:loadtests`, title: `stop load tests (${r.region})`, argv: ['kubectl', 'delete', 'jobs,cronjobs', '--namespace', NAMESPACES.platform, '--selector', 'app.kubernetes.io/component=load-test', '--ignore-not-found', '--wait=true', '--context', context] },
      { kind: 'exec', id: `${r.region}:ingresses`, title: `delete Ingresses (${r.region})`, argv: ['kubectl', 'delete', 'ingress', '--all-namespaces', '--selector', 'app.kubernetes.io/managed-by=platformc', '--ignore-not-found', '--wait=true', '--context', context] },
      { kind: 'task', id: `${r.region}:lbs`, title: `load balancers and target groups are gone (${r.region})`, describe: `aws resourcegroupstaggingapi get-resources --tag-filters Key=elbv2.k8s.aws/cluster,Values=${r.names.cluster} until none is left`, task: { type: 'wait-load-balancers-gone', region: r.region, cluster: r.names.cluster }, hint: 'the AWS Load Balancer Controller removes them; check its logs in kube-system' },
      // The models' objects all live in these namespaces (their load tests in the platform's), and go with them.
      { kind: 'exec', id: `${r.region}:kustomize`, title: `delete our namespaces and objects (${r.region})`, argv: ['kubectl', 'delete', '--context', context, '--ignore-not-found', '--wait=true', '-k', d.platformObjects] },
      { kind: 'exec', id: `${r.region}:namespaces`, title: `namespaces are gone (${r.region})`, argv: ['kubectl', 'wait', '--for=delete', ...namespaces.map((n) => `namespace/${n}`), '--timeout=10m', '--context', context] },
      // Only now: the controller needs an Ingress's class to delete its load balancer.
      { kind: 'exec', id: `${r.region}:admission`, title: `delete the team IngressClasses and admission policies (${r.region})`, argv: ['kubectl', 'delete', '--context', context, '--ignore-not-found', '--wait=true', '-k', d.admission] },
      ...(env.cluster.provisioner === 'karpenter'
        ? ([
            // While Karpenter still runs: deleting a NodePool deletes its NodeClaims, and Karpenter drains and terminates
            // their instances; an EC2NodeClass goes once no NodeClaim uses it (its finalizer), with the instance profile
            // Karpenter made for it. Instances left behind would keep their network interfaces in the VPC's subnets and
            // block its deletion, and an instance profile would block the node role's.
            { kind: 'exec', id: `${r.region}:karpenter`, title: `delete Karpenter's NodePools and EC2NodeClasses (${r.region})`, argv: ['kubectl', 'delete', '--context', context, '--ignore-not-found', '--wait=true', '--timeout=20m', '-k', d.karpenter] },
            { kind: 'exec', id: `${r.region}:karpenter:nodes`, title: `Karpenter's nodes are terminated (${r.region})`, argv: ['kubectl', 'wait', '--for=delete', 'nodeclaims.karpenter.sh', '--all', '--timeout=20m', '--context', context], hint: "Karpenter terminates them: check its logs in kube-system (kubectl logs deploy/karpenter -n kube-system)" },
          ] as const)
        : []),
      { kind: 'exec', id: `${r.region}:platform:init`, title: `terraform init (${r.region} platform)`, argv: tf(d.platform, 'init', '-input=false', '-lockfile=readonly') },
      { kind: 'exec', id: `${r.region}:platform:destroy`, title: `terraform destroy (${r.region} platform)`, argv: tf(d.platform, 'destroy', '-input=false', '-auto-approve', '-lock-timeout=5m') },
      // Claims StatefulSets left (Prometheus): their StorageClass deletes the EBS volumes with them, while the
      // EBS CSI driver still runs; the volumes would otherwise outlive the cluster.
      { kind: 'exec', id: `${r.region}:volumes`, title: `delete persistent volume claims (${r.region})`, argv: ['kubectl', 'delete', 'persistentvolumeclaims', '--all', '--all-namespaces', '--ignore-not-found', '--wait=true', '--context', context] },
      { kind: 'exec', id: `${r.region}:volumes:gone`, title: `persistent volumes are gone (${r.region})`, argv: ['kubectl', 'wait', '--for=delete', 'persistentvolumes', '--all', '--timeout=10m', '--context', context], hint: 'the EBS CSI driver deletes them: check its controller logs in kube-system' },
      {
        kind: 'task',
        id: `${r.region}:bucket`,
        title: `empty the model bucket ${r.names.modelBucket} (${r.region})`,
        describe: `delete every object version and delete marker of s3://${r.names.modelBucket} (${commandLine(awsQueries.objectVersions(r.region, r.names.modelBucket))}, then s3api delete-objects, until none is left)`,
        task: { type: 'empty-bucket', region: r.region, bucket: r.names.modelBucket },
        hint: `the bucket is versioned: every version and delete marker must go before Terraform can delete it`,
      },
      { kind: 'exec', id: `${r.region}:infra:init`, title: `terraform init (${r.region} infra)`, argv: tf(d.infra, 'init', '-input=false', '-lockfile=readonly') },
      // Terraform deletes a resource without applying its configuration first, so a protected cluster's protection
      // is turned off here, as late as possible (destroyRefusal made sure the operator asked for it).
      ...(env.cluster.deletionProtection && o.disableDeletionProtection
        ? [
            {
              kind: 'task',
              id: `${r.region}:deletion-protection`,
              title: `turn off deletion protection of ${r.names.cluster} (${r.region})`,
              describe: `${commandLine(awsQueries.clusterProtection(r.region, r.names.cluster))}; if on: ${commandLine(awsQueries.disableProtection(r.region, r.names.cluster))}, until the cluster is ACTIVE without protection`,
              task: { type: 'disable-deletion-protection', region: r.region, cluster: r.names.cluster },
              hint: `check the cluster's updates: aws eks list-updates --name ${r.names.cluster} --region ${r.region}`,
            } satisfies Step,
          ]
        : []),
      { kind: 'exec', id: `${r.region}:infra:destroy`, title: `terraform destroy (${r.region} infra)`, argv: tf(d.infra, 'destroy', '-input=false', '-auto-approve', '-lock-timeout=5m') },
      { kind: 'task', id: `${r.region}:leftovers`, title: `nothing is left tagged for ${r.names.cluster} (${r.region})`, describe: `search load balancers, target groups, security groups, network interfaces and EBS volumes tagged for ${r.names.cluster}`, task: { type: 'leftovers', region: r.region, cluster: r.names.cluster } },
    );
  }
  return steps;
}


/** The AWS CLI queries behind the destroy checks (shared by dry-run output and the runner). */
export const awsQueries = {
  /** Up to 1000 object versions and delete markers of a bucket, as the Objects list delete-objects takes. */
  objectVersions: (region: string, bucket: string) => ['aws', 's3api', 'list-object-versions', '--bucket', bucket, '--region', region, '--max-items', '1000', '--query', '{Objects: [Versions, DeleteMarkers][].{Key: Key, VersionId: VersionId}}', '--output', 'json'],
  deleteObjects: (region: string, bucket: string, objects: readonly { Key: string; VersionId: string }[]) => ['aws', 's3api', 'delete-objects', '--bucket', bucket, '--region', region, '--delete', JSON.stringify({ Objects: objects, Quiet: true })],
  /** Whether the cluster is protected, and its status: "True\tACTIVE". */
  clusterProtection: (region: string, cluster: string) => ['aws', 'eks', 'describe-cluster', '--name', cluster, '--region', region, '--query', '[cluster.deletionProtection, cluster.status]', '--output', 'text'],
  disableProtection: (region: string, cluster: string) => ['aws', 'eks', 'update-cluster-config', '--name', cluster, '--region', region, '--no-deletion-protection'],
  loadBalancers: (region: string, cluster: string) => ['aws', 'resourcegroupstaggingapi', 'get-resources', '--region', region, '--tag-filters', `Key=elbv2.k8s.aws/cluster,Values=${cluster}`, '--query', 'ResourceTagMappingList[].ResourceARN', '--output', 'text'],
  leftovers: (region: string, cluster: string): string[][] => [
    ['aws', 'resourcegroupstaggingapi', 'get-resources', '--region', region, '--tag-filters', `Key=kubernetes.io/cluster/${cluster},Values=owned,shared`, '--query', 'ResourceTagMappingList[].ResourceARN', '--output', 'text'],
    ['aws', 'resourcegroupstaggingapi', 'get-resources', '--region', region, '--tag-filters', `Key=elbv2.k8s.aws/cluster,Values=${cluster}`, '--query', 'ResourceTagMappingList[].ResourceARN', '--output', 'text'],
    ['aws', 'ec2', 'describe-volumes', '--region', region, '--filters', `Name=tag:kubernetes.io/cluster/${cluster},Values=owned`, '--query', 'Volumes[].VolumeId', '--output', 'text'],
    ['aws', 'ec2', 'describe-network-interfaces', '--region', region, '--filters', `Name=tag:cluster.k8s.amazonaws.com/name,Values=${cluster}`, '--query', 'NetworkInterfaces[].NetworkInterfaceId', '--output', 'text'],
  ],
};
