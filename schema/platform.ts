/**
 * The platform.yaml language, defined once. The JSON Schema in schema/platform.schema.json is
 * generated from this file (`platformc schema`); every `.describe()` is the hover text in editors.
 */
import * as z from 'zod';
import { regionCatalog, versions } from '../compiler/catalog.js';

// One parse per run: compiling a fast path with new Function costs more than it saves.
z.config({ jitless: true });

export const API_VERSION = 'platformc.dev/v1alpha1';

const regionNames = Object.keys(regionCatalog.regions).sort() as [string, ...string[]];

/** DNS-1123 label, short enough to prefix AWS and Kubernetes names derived from it. */
const dnsName = (what: string, max = 40) =>
  z
    .string()
    .max(max, `a ${what} name is at most ${max} characters`)
    .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, `a ${what} name is a DNS-1123 label: lower-case letters, digits and '-', starting with a letter`);

/** Whether the IANA time zone database (as shipped with Node.js) knows this zone. */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const awsRegion = z.enum(regionNames).describe('An AWS region platformc has catalog facts for (specs/regions.json).');
const accountId = z
  .string()
  .regex(/^\d{12}$/, 'an AWS account id is 12 digits, quoted so YAML keeps leading zeros')
  .describe('12-digit AWS account id. Quote it so YAML keeps it a string.');
const iamPrincipalArn = z
  .string()
  .regex(/^arn:aws:(iam|sts)::\d{12}:(root|(user|role|assumed-role|group)\/[\w+=,.@\/-]+)$/, 'an IAM principal is an ARN such as arn:aws:iam::123456789012:role/Admins')
  .describe('IAM principal ARN (account root, role or user).');
const cidr = z.string().describe('IPv4 CIDR block, e.g. 10.0.0.0/16.');
const acmCertificateArn = z
  .string()
  .regex(/^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, 'an ACM certificate ARN is arn:aws:acm:<region>:<account>:certificate/<id>')
  .describe('ACM certificate ARN.');
/**
 * Kubernetes qualified names (label and taint keys): an optional DNS-subdomain prefix and '/', then a name of
 * at most 63 alphanumerics, '-', '_' and '.', starting and ending alphanumeric. Values: at most 63 of the same,
 * or empty. The API server refuses anything else at apply time (D16).
 */
const K8S_NAME = '[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
const k8sKey = z
  .string()
  .max(317)
  .regex(new RegExp(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?${K8S_NAME}$`), "a Kubernetes label or taint key is an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit")
  .refine((k) => !k.includes('/') || k.indexOf('/') <= 253, 'the prefix of a Kubernetes key is at most 253 characters');
const k8sValue = z.string().regex(new RegExp(`^(${K8S_NAME})?$`), "a Kubernetes label or taint value is empty or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit");
const labels = z.record(k8sKey, k8sValue).describe('Kubernetes labels (key: value).');

/** IAM and EC2 tag values: at most 256 Unicode letters, digits, spaces and _.:/=+-@ (what AWS accepts). */
const tagValue = (max = 256) =>
  z
    .string()
    .max(max, `a tag value is at most ${max} characters`)
    .regex(/^[\p{L}\p{N}\p{Zs}_.:/=+\-@]*$/u, 'AWS tag values hold only letters, digits, spaces and _.:/=+-@');
const duration = z
  .string()
  .regex(/^\d+(s|m|h|d)$/, "a duration is a number and a unit: s, m, h or d (for example '1h' or '30d')");
const secretName = z
  .string()
  .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a Secrets Manager secret name: letters, digits and /_+=.@-')
  .describe('Name of a secret in AWS Secrets Manager. Only the name is written here; the value never is.');

const tags = z
  .record(
    z
      .string()
      .regex(/^[\w .:/=+@-]{1,128}$/, 'tag keys are 1-128 characters of letters, digits, spaces and _.:/=+-@')
      .regex(/^(?![aA][wW][sS]:)/, "tag keys starting with 'aws:' are reserved for AWS"),
    tagValue(),
  )
  .describe('Cost-allocation tags put on every AWS resource (Terraform default_tags).');

const Metadata = z
  .strictObject({
    name: dnsName('platform', 20).describe('Platform name; prefixes cluster, role, bucket and namespace names. At most 20 characters.'),
    owner: tagValue().min(1).describe('Owning team or contact (an e-mail or team handle); tagged as `owner` on every resource.'),
    tags: tags.default({}),
  })
  .describe('Who owns this platform and how its resources are tagged.');

const Network = z
  .strictObject({
    vpcCidr: cidr.describe('VPC CIDR in this region. It is split into one public and one private subnet per AZ. Must not overlap other regions.'),
    availabilityZones: z.int().min(2).max(6).default(2).describe('Number of availability zones to spread subnets and nodes over (at least 2).'),
    natGateways: z
      .enum(['single', 'perAz'])
      .default('single')
      .describe('NAT strategy for the private subnets: one shared NAT gateway (cheaper) or one per AZ (survives an AZ outage).'),
  })
  .describe('Network of one region: VPC CIDR, AZ count and NAT strategy.');

const Cluster = z
  .strictObject({
    version: z.enum(versions.kubernetes.versions as [string, ...string[]]).default(versions.kubernetes.default).describe('EKS Kubernetes version.'),
    endpoint: z
      .strictObject({
        publicAccess: z.boolean().default(false).describe('Expose the API server endpoint publicly. Private access is always on.'),
        publicAccessCidrs: z.array(cidr).default([]).describe('CIDRs allowed to reach the public endpoint. Required when publicAccess is true.'),
        ciRunnerCidrs: z
          .array(cidr)
          .default([])
          .describe(
            "CIDRs of the CI runners that talk to the API server (Helm and kubectl in plan and apply). Self-hosted runners reach the private endpoint on 443 through the cluster security group: empty means they run inside the environment's VPC (its CIDR). With a public endpoint, the runners' public CIDRs are also allowed there. 0.0.0.0/0 is refused: to open the endpoint to everyone, say so in publicAccessCidrs.",
          ),
      })
      .default({ publicAccess: false, publicAccessCidrs: [], ciRunnerCidrs: [] })
      .describe('API server endpoint access.'),
    logging: z
      .array(z.enum(['api', 'audit', 'authenticator', 'controllerManager', 'scheduler']))
      .default(['api', 'audit', 'authenticator'])
      .describe('Control-plane log types sent to CloudWatch Logs.'),
    secretsEncryption: z.boolean().default(true).describe('Encrypt Kubernetes secrets with a customer-managed KMS key (envelope encryption).'),
    provisioner: z
      .enum(['karpenter', 'cluster-autoscaler'])
      .default('cluster-autoscaler')
      .describe(
        "What adds and removes GPU nodes. karpenter (what `platformc init` writes): a NodePool per GPU pool launches nodes for pending pods from every instance type the pool lists, handles spot interruptions through its SQS queue and consolidates only outside working hours; the general pool stays a managed node group, runs the controller and is scaled by cluster-autoscaler. cluster-autoscaler: every pool is an EKS managed node group, and spot pools get the AWS Node Termination Handler. Changing it replaces the GPU nodes.",
      ),
    deletionProtection: z
      .boolean()
      .optional()
      .describe(
        'EKS deletion protection: the cluster cannot be deleted until it is turned off. Default: on in environments named prod..., off elsewhere. `platformc destroy` of a protected environment refuses unless --disable-deletion-protection, which turns it off just before the cluster is deleted.',
      ),
  })
  .describe('The EKS cluster.');

const Taint = z
  .strictObject({
    key: k8sKey.describe('Taint key, e.g. nvidia.com/gpu.'),
    value: k8sValue.default('true').describe('Taint value.'),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).default('NoSchedule').describe('Taint effect, as Kubernetes spells it.'),
  })
  .describe('A node taint.');

const sizes = {
  minSize: z.int().min(0).max(1000).describe('Minimum number of nodes. 0 lets a GPU pool scale to zero when idle. With Karpenter a GPU pool has no minimum: nodes follow the pods that need them (models\' replicas.min).'),
  desiredSize: z.int().min(0).max(1000).optional().describe('Initial number of nodes (defaults to minSize; the autoscaler owns it afterwards).'),
  maxSize: z.int().min(1).max(1000).describe("Maximum number of nodes. With Karpenter a GPU pool's NodePool is limited to maxSize nodes' GPUs (limits nvidia.com/gpu)."),
};

const NodePool = z
  .strictObject({
    role: z.enum(['general', 'gpu']).describe('general: system and platform workloads; gpu: model serving on NVIDIA GPUs (tainted nvidia.com/gpu).'),
    instanceTypes: z
      .union([z.array(z.string().min(1)).min(1), z.literal('auto')])
      .describe("EC2 instance types, cheapest-first preference, all with the same GPU model, count and memory (a GPU pool's labels and capacity hold for every node); or 'auto' (GPU pools) to let platformc pick the type with the cheapest fleet that meets the models' target rates, GPU memory, replicas.max, the pool's maxSize, team quotas and the region (not yet the latency SLO: no per-GPU latency figure for the deployed backend)."),
    capacityType: z
      .enum(['onDemand', 'spot'])
      .default('onDemand')
      .describe('On-demand or spot capacity. A spot pool should list several instance types of the same GPU (more spot pools to draw from) and serve models with replicas.min of at least 2, so one interruption never takes a model down.'),
    ...sizes,
    diskSizeGiB: z.int().min(20).max(16384).default(100).describe('Encrypted gp3 root volume size per node (GiB). GPU images and model caches need room.'),
    labels: labels.default({}),
    taints: z.array(Taint).default([]).describe('Extra taints. GPU pools always get nvidia.com/gpu=true:NoSchedule.'),
  })
  .describe('A managed node group.');

/** An IAM Identity Center permission set name (the AWSReservedSSO_<name>_<suffix> role in each account). */
const permissionSetName = z
  .string()
  .regex(/^[\w+=,.@-]{1,32}$/, 'a permission set name is 1-32 letters, digits and +=,.@_-')
  .describe('Name of an IAM Identity Center permission set.');

const Operator = z
  .strictObject({
    principals: z
      .array(iamPrincipalArn)
      .default([])
      .describe('IAM users or roles allowed to assume this role (with MFA when requireMfa). Identity Center users go under identityCenter.'),
    identityCenter: z
      .strictObject({
        account: accountId.describe('Account whose permission-set roles (AWSReservedSSO_<name>_*) may assume this role.'),
        permissionSets: z.array(permissionSetName).min(1).describe('Permission sets whose users may assume this role.'),
      })
      .optional()
      .describe(
        'IAM Identity Center users, trusted by the ARN of their permission-set role (aws:PrincipalArn). Identity Center sessions carry no aws:MultiFactorAuthPresent: MFA is enforced by Identity Center (require it there).',
      ),
    requireMfa: z.boolean().default(true).describe('Require aws:MultiFactorAuthPresent (and a recent sign-in) for the principals. Does not apply to identityCenter, whose MFA the identity provider enforces.'),
    maxSessionDuration: duration.default('1h').describe('Maximum session length, 1h to 12h.'),
    clusterAccess: z.enum(['admin', 'edit', 'view']).default('admin').describe('Kubernetes access granted through an EKS access entry. In AWS an operator can only look (ViewOnlyAccess plus describing the cluster): changes go through CI.'),
  })
  .describe('A human operator role: assumed with MFA for short sessions, never static keys.');

/** A branch name without glob characters: the trust and the workflow must name exactly one branch. */
const branchName = z
  .string()
  .regex(/^(?!.*\.\.)(?!\/)[A-Za-z0-9._\/-]+(?<![\/.])$/, 'a branch name without wildcards: letters, digits and ._/-')
  .describe('A git branch name (no wildcards).');

const GithubCi = z
  .strictObject({
    repository: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'a GitHub repository is owner/name')
      .describe('GitHub repository (owner/name) whose workflows may assume the CI roles.'),
    branches: z
      .array(branchName)
      .min(1)
      .default(['main'])
      .describe('Branches whose pushes run the apply jobs. Restrict the GitHub environments to these branches (deployment branch rules): the apply role trusts the environment, never a branch.'),
    environments: z
      .array(z.string().regex(/^[A-Za-z0-9._-]{1,255}$/, 'a GitHub environment name here is the name of a platform environment: letters, digits and ._-'))
      .default([])
      .describe('Environments CI applies, each in a job gated by the GitHub environment of the same name (its protection rules decide who may deploy). Empty: every environment. An environment not listed is applied by an operator.'),
    pullRequests: z.boolean().default(true).describe('Plan pull requests with the read-only plan role (it can read what the stack manages and its state, and change nothing).'),
    oidcProvider: z
      .union([z.enum(['create', 'existing']), z.record(z.string(), z.enum(['create', 'existing']))])
      .default('create')
      .describe(
        "The GitHub OIDC provider of each account: 'create' it in the bootstrap root, or use the 'existing' one. IAM allows one per account: with two environments in one account, create it in one (e.g. { dev: create, prod: existing }) and bootstrap that one first.",
      ),
    runsOn: z
      .array(z.string().min(1))
      .min(1)
      .default(['ubuntu-latest'])
      .describe(
        "Runner labels of the plan and apply jobs. GitHub-hosted runners (ubuntu-latest) reach only a public API endpoint; with a private endpoint use self-hosted runners inside each environment's VPC ([self-hosted, ...]): platformc adds the label platformc-<env>, so each environment's jobs run in its own VPC.",
      ),
  })
  .describe('GitHub Actions through OIDC federation: a read-only plan role for pull requests and an apply role for protected GitHub environments.');

const WorkloadAccess = z.discriminatedUnion('service', [
  z
    .strictObject({
      service: z.literal('s3').describe('Amazon S3.'),
      bucket: z
        .string()
        .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name is 3-63 lower-case letters, digits, dots and hyphens (no wildcards)")
        .describe("Bucket name, or 'models' for this environment's model bucket."),
      prefix: z
        .string()
        .max(1024)
        .regex(/^[A-Za-z0-9!_.'()\/=+@,-]*$/, "an S3 key prefix: letters, digits and !_.'()/=+@,- (no wildcards or policy variables)")
        .default('')
        .describe('Key prefix the workload may touch.'),
      access: z.enum(['read', 'write', 'readWrite']).default('read').describe('Read, write, or both.'),
    })
    .describe('S3 access to one bucket prefix.'),
  z
    .strictObject({
      service: z.literal('secretsManager').describe('AWS Secrets Manager.'),
      secretPrefix: z
        .string()
        .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a secret name prefix: letters, digits and /_+=.@- (no wildcards)')
        .describe('Secrets whose name starts with this prefix may be read.'),
    })
    .describe('Read access to secrets under a name prefix.'),
  z
    .strictObject({
      service: z.literal('cloudwatchLogs').describe('Amazon CloudWatch Logs.'),
      logGroup: z
        .string()
        .regex(/^[A-Za-z0-9_\-/.#]{1,512}$/, 'a log group name: letters, digits and _-/.# (no wildcards)')
        .describe('Log group the workload may write to.'),
    })
    .describe('Write access to one log group.'),
]);

const Workload = z
  .strictObject({
    namespace: dnsName('namespace', 63).describe('Namespace of the service account.'),
    serviceAccount: dnsName('service account', 63).describe('Service account the role is bound to.'),
    access: z.array(WorkloadAccess).min(1).describe('What the workload may do in AWS: nothing else.'),
  })
  .describe('An extra in-cluster identity (IRSA role). Roles for platform controllers and Triton are built in.');

const Identity = z
  .strictObject({
    operators: z.record(dnsName('operator role', 20), Operator).default({}).describe('Human operator roles by name.'),
    ci: z.strictObject({ github: GithubCi }).optional().describe('CI/CD identity: GitHub OIDC, no stored AWS keys.'),
    workloads: z.record(dnsName('workload'), Workload).default({}).describe('Extra in-cluster workload identities (IRSA) by name.'),
  })
  .describe('Identity and access: operators, CI and in-cluster workloads, with no static keys.');

const Team = z
  .strictObject({
    gpuQuota: z.int().min(0).max(4096).describe('Most GPUs the team namespace may request (ResourceQuota requests.nvidia.com/gpu; shared GPUs count their fraction: requests.nvidia.com/gpu.shared and requests.nvidia.com/mig-<profile> are capped at this many GPUs\' worth).'),
    principals: z.array(iamPrincipalArn).default([]).describe("IAM principals given edit rights in the team's namespace only."),
  })
  .describe('A team: owns models, gets its own namespace, GPU quota and access.');

const Batching = z
  .strictObject({
    maxBatchSize: z.int().min(1).max(1024).optional().describe("Largest batch Triton forms (defaults to the model definition's maxBatchSize)."),
    preferredBatchSizes: z.array(z.int().min(1)).default([]).describe('Batch sizes the dynamic batcher prefers to form.'),
    maxQueueDelayMicroseconds: z.int().min(0).max(1_000_000).default(100).describe('How long a request may wait for a batch to fill (µs).'),
  })
  .describe('Triton dynamic batching.');

const Slo = z
  .strictObject({
    latencyP99Ms: z.number().positive().max(60_000).describe('p99 latency objective in milliseconds: 99% of requests finish within it, server-side (the latency SLO is 99% within this bound, whatever the availability objective).'),
    availability: z.number().min(90).max(99.999).describe('Availability objective, in percent of successful requests (90 to 99.999).'),
    targetRps: z.number().positive().max(1_000_000).describe('Peak requests per second the model must sustain.'),
    period: duration.default('30d').describe('SLO window: 30d (the burn-rate windows and factors are those of a 30-day period, as in Sloth).'),
  })
  .describe('Service-level objectives; they drive capacity, alerts, dashboards and load tests.');

const Replicas = z
  .strictObject({
    min: z.int().min(1).max(1000).describe('Fewest replicas (HPA minReplicas; at least 1: pool scale-to-zero comes from node autoscaling and working hours).'),
    max: z.int().min(1).max(1000).describe('Most replicas (HPA maxReplicas).'),
  })
  .describe('Replica range for autoscaling.');

const Model = z
  .strictObject({
    definition: z
      .string()
      .regex(/^(\.\.\/)*models\/[\w.-]+\.ya?ml$/, 'a model definition is a file under a models/ folder, e.g. models/resnet50.yaml')
      .describe('Model definition file under models/, relative to this file (format, tensors, memory, throughput, weights location).'),
    team: dnsName('team').describe('Owning team (a key of teams).'),
    nodePool: dnsName('node pool').describe('GPU node pool the model runs on (a key of nodePools).'),
    gpusPerReplica: z.int().min(1).max(8).default(1).describe('GPUs per Triton replica (nvidia.com/gpu limit).'),
    gpu: z
      .union([
        z
          .strictObject({
            share: z.int().min(2).max(32).describe('Replicas per GPU: each replica gets one of N time slices of a GPU (nvidia.com/gpu.shared) and 1/N of its throughput.'),
          })
          .describe('Time-slicing through the NVIDIA device plugin: no memory isolation, so validation checks that the replicas that can land on one GPU fit its memory together.'),
        z
          .strictObject({
            mig: z
              .string()
              .regex(/^[1-7]g\.\d+gb$/, 'a MIG profile such as 1g.10gb')
              .describe('MIG profile of each replica (A100, H100, H200 only), e.g. 1g.10gb: the GPUs of the pool are split into instances of this profile (nvidia.com/mig-<profile>).'),
          })
          .describe('Multi-Instance GPU: hardware partitions with their own memory and compute.'),
      ])
      .optional()
      .describe('A fraction of a GPU per replica instead of whole GPUs: time-sliced ({share: N}) or a MIG instance ({mig: profile}). Every model on the pool shares its GPUs the same way (the device plugin splits a node one way). Omitted: whole GPUs (gpusPerReplica).'),
    replicas: Replicas,
    batching: Batching.default({ preferredBatchSizes: [], maxQueueDelayMicroseconds: 100 }),
    slo: Slo,
    ingress: z
      .strictObject({
        scheme: z.enum(['internal', 'internet-facing']).default('internal').describe('ALB scheme.'),
        certificateArns: z
          .array(acmCertificateArn)
          .default([])
          .describe("ACM certificates for the HTTPS listener, at least one in every region the model runs in (ACM certificates are regional). Required when internet-facing (public endpoints are HTTPS only) unless dns.zone is set: platformc then requests a DNS-validated certificate for the team's host, internal ALBs included."),
        authentication: z
          .union([
            z.literal('none').describe('No authentication: anyone who can reach the endpoint may call it. Must be said explicitly.'),
            z
              .strictObject({
                cognito: z
                  .strictObject({
                    userPoolArn: z.string().regex(/^arn:aws:cognito-idp:[a-z0-9-]+:\d{12}:userpool\/[\w-]+$/, 'a Cognito user pool ARN').describe('Cognito user pool ARN.'),
                    userPoolClientId: z.string().min(1).describe('App client id of the user pool.'),
                    userPoolDomain: z.string().min(1).describe('Domain prefix of the user pool.'),
                  })
                  .describe('The ALB authenticates callers against a Cognito user pool; unauthenticated requests get 401.'),
              })
              .describe('Cognito authentication on the ALB.'),
          ])
          .optional()
          .describe("Who may call an internet-facing endpoint: 'none' (explicitly) or a Cognito user pool. Required when internet-facing."),
        allowedCidrs: z.array(cidr).default([]).describe('Client CIDRs the ALB accepts (its security group); empty: any address.'),
      })
      .default({ scheme: 'internal', certificateArns: [], allowedCidrs: [] })
      .describe('How the model is reached: an ALB through the AWS Load Balancer Controller.'),
  })
  .describe('A model served by NVIDIA Triton.');

const Observability = z
  .strictObject({
    metrics: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Install kube-prometheus-stack and the DCGM exporter.'),
        retention: duration.default('30d').describe('Prometheus retention: at least the SLO period (30d), or the error budget covers less than the period.'),
        storageGiB: z.int().min(10).max(16384).default(50).describe('Prometheus volume size (GiB).'),
      })
      .default({ enabled: true, retention: '30d', storageGiB: 50 })
      .describe('Metrics: Prometheus, DCGM exporter, Triton scraping.'),
    dashboards: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Install Grafana with the GPU fleet, per-model and SLO dashboards.'),
        adminSecret: secretName.default('platformc/grafana-admin').describe('Secrets Manager secret holding the Grafana admin user and password.'),
      })
      .default({ enabled: true, adminSecret: 'platformc/grafana-admin' })
      .describe('Dashboards: Grafana.'),
    logs: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Ship container logs to CloudWatch Logs with fluent-bit.'),
        retentionDays: z
          .literal([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653])
          .default(30)
          .describe('CloudWatch Logs retention in days (one of the values CloudWatch accepts).'),
        ingestGiBPerMonth: z.number().min(0).default(50).describe('Expected log volume per month, for the cost estimate (GiB).'),
      })
      .default({ enabled: true, retentionDays: 30, ingestGiBPerMonth: 50 })
      .describe('Logs: fluent-bit to CloudWatch through IRSA.'),
    loadTests: z
      .strictObject({
        afterApply: z.boolean().default(true).describe("`platformc apply` ends with each model's k6 load test in the primary region (at its target rate, thresholds from its SLO) and fails when one breaks its SLO; `apply --skip-loadtests` leaves them out for one run."),
        schedule: z
          .string()
          .regex(/^(\S+\s+){4}\S+$/, 'a schedule is a five-field cron expression, e.g. "0 4 * * 1" (Mondays 04:00)')
          .refine((x) => !/^@|TZ=/.test(x), 'a five-field cron expression; the time zone is UTC')
          .optional()
          .describe('Also run the load tests in the cluster on this cron schedule (five fields, UTC), e.g. "0 4 * * 1"; failures alert (LoadTestFailed). Absent: on demand and after apply only.'),
      })
      .default({ afterApply: true })
      .describe('Headless load tests: after apply and/or on a schedule; each run and its result are annotated on the Grafana dashboards.'),
    alerting: z
      .strictObject({
        receiver: z
          .union([
            z.literal('none').describe('No receiver: alerts show in Alertmanager and Grafana only. Must be said explicitly.'),
            z.strictObject({ slack: z.strictObject({ webhookSecret: secretName.describe('Secrets Manager secret holding the Slack incoming-webhook URL (key `url`).'), channel: z.string().min(1).optional().describe('Channel, when the webhook does not fix one.') }) }).describe('Slack.'),
            z.strictObject({ pagerduty: z.strictObject({ routingKeySecret: secretName.describe('Secrets Manager secret holding the PagerDuty Events v2 routing key (key `routingKey`).') }) }).describe('PagerDuty.'),
            z
              .strictObject({
                email: z.strictObject({
                  to: z.array(z.email()).min(1).describe('Addresses that receive alerts.'),
                  from: z.email().describe('Sender address.'),
                  smarthost: z.string().regex(/^[\w.-]+:\d+$/, 'a smarthost is host:port').describe('SMTP server, host:port (TLS required).'),
                  username: z.string().min(1).optional().describe('SMTP user name.'),
                  passwordSecret: secretName.optional().describe('Secrets Manager secret holding the SMTP password (key `password`).'),
                }),
              })
              .describe('E-mail.'),
          ])
          .optional()
          .describe("Where Alertmanager sends alerts: Slack, PagerDuty or e-mail (secrets by reference), or 'none'. Pages repeat hourly, tickets twice a day."),
      })
      .default({})
      .describe('Where alerts go. Pages and tickets are routed by severity.'),
  })
  .describe('Observability: metrics, dashboards, logs, alerting.');

const Budget = z
  .strictObject({
    monthlyUsd: z
      .number()
      .positive()
      // AWS Budgets takes a plain decimal: a number JavaScript writes with an exponent (1e+308) is refused at apply (D26).
      .max(1_000_000_000, 'a monthly budget is at most 1000000000 USD')
      .describe('Monthly budget in USD for one environment.'),
    alertThresholds: z.array(z.number().positive().max(1000)).default([50, 80, 100]).describe('Percentages of the budget at which AWS Budgets notifies.'),
    notify: z.array(z.email()).default([]).describe('E-mail addresses notified by AWS Budgets.'),
    enforcement: z
      .enum(['error', 'warning'])
      .default('error')
      .describe('What platformc does when the estimate at maximum scale exceeds the budget: fail, or warn.'),
    scope: z
      .enum(['account', 'environment'])
      .default('account')
      .describe(
        "What the budget counts. 'account': all spend of the environment's account (right when the account is the environment's own). 'environment': only costs tagged platformc-stack=<platform>-<env> (every resource carries it), for accounts shared with other teams or environments; the tag must be an active cost-allocation tag, or the budget counts nothing (see activateTag).",
      ),
    activateTag: z
      .boolean()
      .default(false)
      .describe(
        "Activate the platformc-stack cost-allocation tag from the environment's infra root (aws_ce_cost_allocation_tag). Only an organization's management account or a standalone account may activate tags (a member account asks its management account), and AWS lists a new tag key up to 24 hours after the first tagged resource: turn it on after the first apply.",
      ),
  })
  .describe('Monthly budget of an environment.');

const WorkingHours = z
  .strictObject({
    days: z.array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])).min(1).describe('Days the environment is used.'),
    start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time is HH:MM').describe('Start of the working day (HH:MM).'),
    end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time is HH:MM').describe('End of the working day (HH:MM).'),
    timeZone: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/, 'an IANA time zone such as Europe/Berlin')
      .refine(isTimeZone, 'not an IANA time zone this Node.js knows (e.g. Europe/Berlin, America/New_York, UTC)')
      .default('UTC').describe('IANA time zone, e.g. Europe/Berlin.'),
  })
  .describe('When the environment is used: outside these hours CronJobs in the cluster scale its models to zero (and back to replicas.min), and the node provisioner removes the empty GPU nodes down to the pools\' minSize (give GPU pools minSize 0).');

/**
 * The override form of an object schema: every field optional and without its default, so an override
 * holds only what the user wrote (defaults come from the merged spec, never from the override).
 */
function overrideOf<T extends z.ZodObject>(schema: T, description: string): z.ZodObject {
  const shape = Object.fromEntries(
    Object.entries(schema.shape as Record<string, z.ZodType>).map(([key, field]) => {
      let inner = field;
      while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
      return [key, inner.optional().describe(field.description ?? inner.description ?? key)];
    }),
  );
  return z.strictObject(shape).describe(description);
}

/** Per-environment overrides: the same shape as the top level, every field optional; objects merge, lists and scalars replace. */
const NodePoolOverride = overrideOf(NodePool, 'Fields of a node pool to change in this environment.');
const ModelOverride = z
  .strictObject({
    replicas: overrideOf(Replicas, 'Replica range in this environment.').optional(),
    slo: overrideOf(Slo, 'SLO fields to change in this environment.').optional(),
    ingress: overrideOf(Model.shape.ingress.unwrap(), 'Ingress in this environment.').optional(),
  })
  .describe('Fields of a model to change in this environment. Batching and GPUs per replica are part of the Triton model configuration, which is the same everywhere.');

const Overrides = z
  .strictObject({
    cluster: overrideOf(Cluster, 'Cluster fields to change in this environment.').optional(),
    network: z.partialRecord(awsRegion, overrideOf(Network, 'Network fields to change in this region.')).optional().describe('Network fields to change per region in this environment.'),
    nodePools: z.record(z.string(), NodePoolOverride).optional().describe('Node pool fields to change, by pool name.'),
    models: z.record(z.string(), ModelOverride).optional().describe('Model fields to change, by model name.'),
    observability: z
      .strictObject({
        metrics: overrideOf(Observability.shape.metrics.unwrap(), 'Metrics fields to change.').optional(),
        dashboards: overrideOf(Observability.shape.dashboards.unwrap(), 'Dashboards fields to change.').optional(),
        logs: overrideOf(Observability.shape.logs.unwrap(), 'Logs fields to change.').optional(),
        loadTests: overrideOf(Observability.shape.loadTests.unwrap(), 'Load-test fields to change.').optional(),
      })
      .optional()
      .describe('Observability fields to change in this environment.'),
  })
  .describe('Per-environment changes to the shared spec, in the same shape as the top level.');

const Environment = z
  .strictObject({
    account: accountId,
    region: awsRegion.describe('Primary region of this environment.'),
    standby: z
      .strictObject({
        region: awsRegion.describe('Standby (disaster recovery) region.'),
        nodePools: z.record(z.string(), NodePoolOverride).default({}).describe('Node pool sizes in the standby region (e.g. warm standby at minimum size).'),
      })
      .optional()
      .describe('Standby region: same stack, model bucket replicated to it, DNS failover when dns is set.'),
    state: z
      .strictObject({
        bucket: z
          .string()
          .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name is 3-63 lower-case letters, digits, dots and hyphens')
          .describe('S3 bucket for Terraform state (create it first: see the generated README).'),
        region: awsRegion.optional().describe('Region of the state bucket (defaults to the primary region).'),
      })
      .describe('Terraform remote state: S3 with native lock files.'),
    budget: overrideOf(Budget, 'Budget fields to change for this environment (merged over the top-level budget).').optional(),
    workingHours: WorkingHours.optional(),
    overrides: Overrides.default({}),
  })
  .describe('An environment (dev, staging, prod): its AWS account, regions and overrides.');

const Dns = z
  .strictObject({
    zone: z
      .string()
      .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/, 'a DNS zone is a domain name such as ml.example.com')
      .describe("Parent domain of the model endpoints. Each environment's account holds the public Route 53 hosted zone <env>.<zone>, delegated from <zone> (a domain is served by one hosted zone, so accounts cannot share <zone> itself); each team's ALB gets <team>.<env>.<zone> (internal: <team>.internal.<env>.<zone>, pointing at the primary region only) and, without certificate ARNs, a DNS-validated ACM certificate for that name."),
  })
  .describe('DNS for model endpoints; with a standby region, failover records put the primary first.');

export const PlatformSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION).describe(`Version of the platform.yaml language: ${API_VERSION}.`),
    kind: z.literal('Platform').describe('Always Platform.'),
    metadata: Metadata,
    regions: z.partialRecord(awsRegion, Network).describe('Network of every region an environment may run in, by AWS region.'),
    cluster: Cluster.default({
      version: versions.kubernetes.default,
      endpoint: { publicAccess: false, publicAccessCidrs: [], ciRunnerCidrs: [] },
      logging: ['api', 'audit', 'authenticator'],
      secretsEncryption: true,
      provisioner: 'cluster-autoscaler',
    }),
    // Node-group IAM role names are explicit and cut to IAM's limit with a hash (resolve), so a pool name never
    // overflows a role name or prefix (TF #13, D16).
    nodePools: z.record(dnsName('node pool', 30), NodePool).describe('Node pools by name: one general pool and one or more GPU pools. At most 30 characters.'),
    identity: Identity.default({ operators: {}, workloads: {} }),
    teams: z.record(dnsName('team', 30), Team).describe('Teams by name; each gets a namespace.'),
    models: z.record(dnsName('model', 40), Model).describe('Models served by Triton, by name.'),
    observability: Observability.default({
      metrics: { enabled: true, retention: '30d', storageGiB: 50 },
      dashboards: { enabled: true, adminSecret: 'platformc/grafana-admin' },
      logs: { enabled: true, retentionDays: 30, ingestGiBPerMonth: 50 },
      loadTests: { afterApply: true },
      alerting: {},
    }),
    budget: Budget,
    dns: Dns.optional(),
    environments: z.record(dnsName('environment', 12), Environment).describe('Environments by name (at least dev and prod).'),
  })
  .describe('platform.yaml: one GPU inference platform on AWS EKS, compiled by platformc.');

/** platform.yaml as written (defaults not yet applied). */
export type PlatformInput = z.input<typeof PlatformSchema>;
/** platform.yaml after zod: every default applied. */
export type PlatformSpec = z.output<typeof PlatformSchema>;

/** A model definition file under models/. */
export const TensorSchema = z.strictObject({
  name: z.string().min(1).max(256).regex(/^[^\p{Cc}"\\]+$/u, 'a tensor name has no control characters, quotes or backslashes').describe('Tensor name as in the ONNX graph.'),
  dataType: z
    .enum(['TYPE_BOOL', 'TYPE_UINT8', 'TYPE_INT8', 'TYPE_INT32', 'TYPE_INT64', 'TYPE_FP16', 'TYPE_FP32', 'TYPE_BF16', 'TYPE_STRING'])
    .describe('Triton data type.'),
  dims: z.array(z.int().min(-1)).min(1).describe('Shape without the batch dimension (-1 for variable).'),
  format: z.enum(['FORMAT_NONE', 'FORMAT_NCHW', 'FORMAT_NHWC']).optional().describe('Image layout, for image inputs.'),
});

export const ModelDefinitionSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('ModelDefinition'),
    name: dnsName('model', 40).describe('Model name (the Triton model repository directory).'),
    description: z.string().describe('What the model does.'),
    format: z.literal('onnx').describe('Serialisation format.'),
    backend: z.literal('onnxruntime_onnx').describe('Triton platform that serves it.'),
    maxBatchSize: z.int().min(1).max(1024).describe('Largest batch the model accepts.'),
    inputs: z.array(TensorSchema).min(1),
    outputs: z.array(TensorSchema).min(1),
    weights: z
      .strictObject({
        uri: z.string().regex(/^s3:\/\/[a-z0-9.-]{3,63}\/.+\.onnx$/, 'weights are an s3:// URI of an .onnx file').describe('Where the weights live. Weights are never committed.'),
        sha256: z
          .string()
          .regex(/^[a-f0-9]{64}$/, 'a SHA-256 is 64 lower-case hex digits')
          .describe('SHA-256 of the weights file (hex). Required: apply verifies the copy before Triton loads it, and the pods roll when it changes.'),
        source: z.string().describe('Where the weights come from originally.'),
      })
      .describe('Model weights.'),
    accelerator: z
      .strictObject({
        name: z.literal('tensorrt').describe("ONNX Runtime's TensorRT execution provider."),
        precision: z.enum(['FP32', 'FP16']).default('FP16').describe('Precision TensorRT builds its engines in.'),
        maxWorkspaceBytes: z.int().min(1 << 20).max(64 * 2 ** 30).default(2 ** 30).describe('Most GPU memory TensorRT may use to build an engine (bytes).'),
      })
      .optional()
      .describe("GPU execution accelerator for ONNX Runtime (Triton's optimization.execution_accelerators); omitted: the CUDA provider."),
    memory: z
      .strictObject({
        gpuGiB: z.number().positive().describe('GPU memory one instance needs at maxBatchSize (weights, activations, runtime).'),
        source: z.string().describe('How the figure was obtained.'),
      })
      .describe('Memory footprint.'),
    throughput: z
      .strictObject({
        perGpu: z.record(z.string(), z.number().positive()).describe('Inferences per second per GPU, by accelerator model (T4, A10G, L4, ...).'),
        derate: z.number().positive().max(1).default(0.8).describe('Fraction of the benchmark throughput Triton sustains in production.'),
        source: z.string().describe('Where the figures come from.'),
      })
      .describe('Throughput for capacity planning.'),
  })
  .describe('A Triton model definition.');

export type ModelDefinition = z.output<typeof ModelDefinitionSchema>;
