/**
 * The platform.yaml language, defined once. The JSON Schema in schema/platform.schema.json is
 * generated from this file (`platformc schema`); every description is the hover text in editors.
 *
 * Written with zod/mini's functional API: building the schemas is a good part of every run's startup,
 * and classic zod cloned a schema (binding its methods) at every chained `.min().max().regex().describe()`
 * step, where `.check(a, b, c)` makes one. The checks are the core checks classic zod used, so the issues,
 * their messages and the generated JSON Schema are unchanged.
 * Descriptions: a schema built in place is described with `.register(z.globalRegistry, { description })`,
 * which registers that very object (no copy). A shared one (cidr, k8sKey, accountId, awsRegion, secretName)
 * is described with `.check(z.describe(...))`, which makes a copy: registering it would change the
 * description everywhere it is used.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { regionCatalog, versions } from '../compiler/catalog.js';
import { getOrInsert } from '../compiler/lib/collections.js';

// One parse per run: compiling a fast path with new Function costs more than it saves. zod/mini installs
// neither the English locale (zod's own messages, e.g. "Invalid email address"; without it "Invalid input")
// nor the memoizer (how a recursive schema parses cyclic input; it takes itself out of a schema without a
// cycle, as this one is) that classic zod installs: both set here, so parsing behaves as it did.
z.config({ jitless: true, ...en(), memoizer: z.memoizer() });

export const API_VERSION = 'platformc.dev/v1alpha1';

const regionNames = Object.keys(regionCatalog.regions).sort() as [string, ...string[]];

/** DNS-1123 label, short enough to prefix AWS and Kubernetes names derived from it. */
const dnsName = (what: string, max = 40) =>
  z
    .string()
    .check(
      z.maxLength(max, `a ${what} name is at most ${max} characters`),
      z.regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, `a ${what} name is a DNS-1123 label: lower-case letters, digits and '-', starting with a letter`),
    );

/** Whether the IANA time zone database (as shipped with Node.js) knows this zone; once per zone (a formatter costs). */
const isTimeZone = (zone: string): boolean =>
  getOrInsert(knownZones, zone, () => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  });
const knownZones = new Map<string, boolean>();

const awsRegion = z.enum(regionNames).register(z.globalRegistry, { description: 'An AWS region platformc has catalog facts for (specs/regions.json).' });
const accountId = z
  .string()
  .check(z.regex(/^\d{12}$/, 'an AWS account id is 12 digits, quoted so YAML keeps leading zeros'))
  .register(z.globalRegistry, { description: '12-digit AWS account id. Quote it so YAML keeps it a string.' });
const iamPrincipalArn = z
  .string()
  .check(z.regex(/^arn:aws:(iam|sts)::\d{12}:(root|(user|role|assumed-role|group)\/[\w+=,.@\/-]+)$/, 'an IAM principal is an ARN such as arn:aws:iam::123456789012:role/Admins'))
  .register(z.globalRegistry, { description: 'IAM principal ARN (account root, role or user).' });
const cidr = z.string().register(z.globalRegistry, { description: 'IPv4 CIDR block, e.g. 10.0.0.0/16.' });
const acmCertificateArn = z
  .string()
  .check(z.regex(/^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, 'an ACM certificate ARN is arn:aws:acm:<region>:<account>:certificate/<id>'))
  .register(z.globalRegistry, { description: 'ACM certificate ARN.' });
/**
 * Kubernetes qualified names (label and taint keys): an optional DNS-subdomain prefix and '/', then a name of
 * at most 63 alphanumerics, '-', '_' and '.', starting and ending alphanumeric. Values: at most 63 of the same,
 * or empty. The API server refuses anything else at apply time (D16).
 */
const K8S_NAME = '[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
const k8sKey = z.string().check(
  z.maxLength(317),
  z.regex(
    new RegExp(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?${K8S_NAME}$`),
    "a Kubernetes label or taint key is an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
  ),
  z.refine((k) => !k.includes('/') || k.indexOf('/') <= 253, 'the prefix of a Kubernetes key is at most 253 characters'),
);
const k8sValue = z
  .string()
  .check(z.regex(new RegExp(`^(${K8S_NAME})?$`), "a Kubernetes label or taint value is empty or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"));
const labels = z.record(k8sKey, k8sValue).register(z.globalRegistry, { description: 'Kubernetes labels (key: value).' });

/** IAM and EC2 tag values: at most 256 Unicode letters, digits, spaces and _.:/=+-@ (what AWS accepts). */
const tagValue = (max = 256) =>
  z.string().check(z.maxLength(max, `a tag value is at most ${max} characters`), z.regex(/^[\p{L}\p{N}\p{Zs}_.:/=+\-@]*$/u, 'AWS tag values hold only letters, digits, spaces and _.:/=+-@'));
const duration = z.string().check(z.regex(/^\d+(s|m|h|d)$/, "a duration is a number and a unit: s, m, h or d (for example '1h' or '30d')"));
const secretName = z
  .string()
  .check(z.regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a Secrets Manager secret name: letters, digits and /_+=.@-'))
  .register(z.globalRegistry, { description: 'Name of a secret in AWS Secrets Manager. Only the name is written here; the value never is.' });

const tags = z
  .record(
    z
      .string()
      .check(
        z.regex(/^[\w .:/=+@-]{1,128}$/, 'tag keys are 1-128 characters of letters, digits, spaces and _.:/=+-@'),
        z.regex(/^(?![aA][wW][sS]:)/, "tag keys starting with 'aws:' are reserved for AWS"),
      ),
    tagValue(),
  )
  .register(z.globalRegistry, { description: 'Cost-allocation tags put on every AWS resource (Terraform default_tags).' });

const Metadata = z
  .strictObject({
    name: dnsName('platform', 20).register(z.globalRegistry, { description: 'Platform name; prefixes cluster, role, bucket and namespace names. At most 20 characters.' }),
    owner: tagValue().check(z.minLength(1)).register(z.globalRegistry, { description: 'Owning team or contact (an e-mail or team handle); tagged as `owner` on every resource.' }),
    tags: z._default(tags, {}),
  })
  .register(z.globalRegistry, { description: 'Who owns this platform and how its resources are tagged.' });

const Network = z
  .strictObject({
    vpcCidr: cidr.check(z.describe('VPC CIDR in this region. It is split into one public and one private subnet per AZ. Must not overlap other regions.')),
    availabilityZones: z._default(z.int().check(z.gte(2), z.lte(6)), 2).register(z.globalRegistry, { description: 'Number of availability zones to spread subnets and nodes over (at least 2).' }),
    natGateways: z
      ._default(z.enum(['single', 'perAz']), 'single')
      .register(z.globalRegistry, { description: 'NAT strategy for the private subnets: one shared NAT gateway (cheaper) or one per AZ (survives an AZ outage).' }),
  })
  .register(z.globalRegistry, { description: 'Network of one region: VPC CIDR, AZ count and NAT strategy.' });

const Cluster = z
  .strictObject({
    version: z._default(z.enum(versions.kubernetes.versions as [string, ...string[]]), versions.kubernetes.default).register(z.globalRegistry, { description: 'EKS Kubernetes version.' }),
    endpoint: z
      ._default(
        z.strictObject({
          publicAccess: z._default(z.boolean(), false).register(z.globalRegistry, { description: 'Expose the API server endpoint publicly. Private access is always on.' }),
          publicAccessCidrs: z._default(z.array(cidr), []).register(z.globalRegistry, { description: 'CIDRs allowed to reach the public endpoint. Required when publicAccess is true.' }),
          ciRunnerCidrs: z
            ._default(z.array(cidr), [])
            .register(z.globalRegistry, {
              description:
                "CIDRs of the CI runners that talk to the API server (Helm and kubectl in plan and apply). Self-hosted runners reach the private endpoint on 443 through the cluster security group: empty means they run inside the environment's VPC (its CIDR). With a public endpoint, the runners' public CIDRs are also allowed there. 0.0.0.0/0 is refused: to open the endpoint to everyone, say so in publicAccessCidrs.",
            }),
        }),
        { publicAccess: false, publicAccessCidrs: [], ciRunnerCidrs: [] },
      )
      .register(z.globalRegistry, { description: 'API server endpoint access.' }),
    logging: z
      ._default(z.array(z.enum(['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'])), ['api', 'audit', 'authenticator'])
      .register(z.globalRegistry, { description: 'Control-plane log types sent to CloudWatch Logs.' }),
    secretsEncryption: z._default(z.boolean(), true).register(z.globalRegistry, { description: 'Encrypt Kubernetes secrets with a customer-managed KMS key (envelope encryption).' }),
    provisioner: z
      ._default(z.enum(['karpenter', 'cluster-autoscaler']), 'cluster-autoscaler')
      .register(z.globalRegistry, {
        description:
          'What adds and removes GPU nodes. karpenter (what `platformc init` writes): a NodePool per GPU pool launches nodes for pending pods from every instance type the pool lists, handles spot interruptions through its SQS queue and consolidates only outside working hours; the general pool stays a managed node group, runs the controller and is scaled by cluster-autoscaler. cluster-autoscaler: every pool is an EKS managed node group, and spot pools get the AWS Node Termination Handler. Changing it replaces the GPU nodes.',
      }),
    deletionProtection: z
      .optional(z.boolean())
      .register(z.globalRegistry, {
        description:
          'EKS deletion protection: the cluster cannot be deleted until it is turned off. Default: on in environments named prod..., off elsewhere. `platformc destroy` of a protected environment refuses unless --disable-deletion-protection, which turns it off just before the cluster is deleted.',
      }),
  })
  .register(z.globalRegistry, { description: 'The EKS cluster.' });

const Taint = z
  .strictObject({
    key: k8sKey.check(z.describe('Taint key, e.g. nvidia.com/gpu.')),
    value: z._default(k8sValue, 'true').register(z.globalRegistry, { description: 'Taint value.' }),
    effect: z._default(z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']), 'NoSchedule').register(z.globalRegistry, { description: 'Taint effect, as Kubernetes spells it.' }),
  })
  .register(z.globalRegistry, { description: 'A node taint.' });

const sizes = {
  minSize: z
    .int()
    .check(z.gte(0), z.lte(1000))
    .register(z.globalRegistry, {
      description: "Minimum number of nodes. 0 lets a GPU pool scale to zero when idle. With Karpenter a GPU pool has no minimum: nodes follow the pods that need them (models' replicas.min).",
    }),
  desiredSize: z.optional(z.int().check(z.gte(0), z.lte(1000))).register(z.globalRegistry, { description: 'Initial number of nodes (defaults to minSize; the autoscaler owns it afterwards).' }),
  maxSize: z
    .int()
    .check(z.gte(1), z.lte(1000))
    .register(z.globalRegistry, { description: "Maximum number of nodes. With Karpenter a GPU pool's NodePool is limited to maxSize nodes' GPUs (limits nvidia.com/gpu)." }),
};

const NodePool = z
  .strictObject({
    role: z.enum(['general', 'gpu']).register(z.globalRegistry, { description: 'general: system and platform workloads; gpu: model serving on NVIDIA GPUs (tainted nvidia.com/gpu).' }),
    instanceTypes: z
      .union([z.array(z.string().check(z.minLength(1))).check(z.minLength(1)), z.literal('auto')])
      .register(z.globalRegistry, {
        description:
          "EC2 instance types, cheapest-first preference, all with the same GPU model, count and memory (a GPU pool's labels and capacity hold for every node); or 'auto' (GPU pools) to let platformc pick the type with the cheapest fleet that meets the models' target rates, GPU memory, replicas.max, the pool's maxSize, team quotas and the region (not yet the latency SLO: no per-GPU latency figure for the deployed backend).",
      }),
    capacityType: z
      ._default(z.enum(['onDemand', 'spot']), 'onDemand')
      .register(z.globalRegistry, {
        description:
          'On-demand or spot capacity. A spot pool should list several instance types of the same GPU (more spot pools to draw from) and serve models with replicas.min of at least 2, so one interruption never takes a model down.',
      }),
    ...sizes,
    diskSizeGiB: z
      ._default(z.int().check(z.gte(20), z.lte(16384)), 100)
      .register(z.globalRegistry, { description: 'Encrypted gp3 root volume size per node (GiB). GPU images and model caches need room.' }),
    labels: z._default(labels, {}),
    taints: z._default(z.array(Taint), []).register(z.globalRegistry, { description: 'Extra taints. GPU pools always get nvidia.com/gpu=true:NoSchedule.' }),
  })
  .register(z.globalRegistry, { description: 'A managed node group.' });

/** An IAM Identity Center permission set name (the AWSReservedSSO_<name>_<suffix> role in each account). */
const permissionSetName = z
  .string()
  .check(z.regex(/^[\w+=,.@-]{1,32}$/, 'a permission set name is 1-32 letters, digits and +=,.@_-'))
  .register(z.globalRegistry, { description: 'Name of an IAM Identity Center permission set.' });

const Operator = z
  .strictObject({
    principals: z
      ._default(z.array(iamPrincipalArn), [])
      .register(z.globalRegistry, { description: 'IAM users or roles allowed to assume this role (with MFA when requireMfa). Identity Center users go under identityCenter.' }),
    identityCenter: z
      .optional(
        z.strictObject({
          account: accountId.check(z.describe('Account whose permission-set roles (AWSReservedSSO_<name>_*) may assume this role.')),
          permissionSets: z.array(permissionSetName).check(z.minLength(1)).register(z.globalRegistry, { description: 'Permission sets whose users may assume this role.' }),
        }),
      )
      .register(z.globalRegistry, {
        description:
          'IAM Identity Center users, trusted by the ARN of their permission-set role (aws:PrincipalArn). Identity Center sessions carry no aws:MultiFactorAuthPresent: MFA is enforced by Identity Center (require it there).',
      }),
    requireMfa: z
      ._default(z.boolean(), true)
      .register(z.globalRegistry, {
        description: 'Require aws:MultiFactorAuthPresent (and a recent sign-in) for the principals. Does not apply to identityCenter, whose MFA the identity provider enforces.',
      }),
    maxSessionDuration: z._default(duration, '1h').register(z.globalRegistry, { description: 'Maximum session length, 1h to 12h.' }),
    clusterAccess: z
      ._default(z.enum(['admin', 'edit', 'view']), 'admin')
      .register(z.globalRegistry, {
        description: 'Kubernetes access granted through an EKS access entry. In AWS an operator can only look (ViewOnlyAccess plus describing the cluster): changes go through CI.',
      }),
  })
  .register(z.globalRegistry, { description: 'A human operator role: assumed with MFA for short sessions, never static keys.' });

/** A branch name without glob characters: the trust and the workflow must name exactly one branch. */
const branchName = z
  .string()
  .check(z.regex(/^(?!.*\.\.)(?!\/)[A-Za-z0-9._\/-]+(?<![\/.])$/, 'a branch name without wildcards: letters, digits and ._/-'))
  .register(z.globalRegistry, { description: 'A git branch name (no wildcards).' });

const GithubCi = z
  .strictObject({
    repository: z
      .string()
      .check(z.regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'a GitHub repository is owner/name'))
      .register(z.globalRegistry, { description: 'GitHub repository (owner/name) whose workflows may assume the CI roles.' }),
    branches: z
      ._default(z.array(branchName).check(z.minLength(1)), ['main'])
      .register(z.globalRegistry, {
        description: 'Branches whose pushes run the apply jobs. Restrict the GitHub environments to these branches (deployment branch rules): the apply role trusts the environment, never a branch.',
      }),
    environments: z
      ._default(z.array(z.string().check(z.regex(/^[A-Za-z0-9._-]{1,255}$/, 'a GitHub environment name here is the name of a platform environment: letters, digits and ._-'))), [])
      .register(z.globalRegistry, {
        description:
          'Environments CI applies, each in a job gated by the GitHub environment of the same name (its protection rules decide who may deploy). Empty: every environment. An environment not listed is applied by an operator.',
      }),
    pullRequests: z
      ._default(z.boolean(), true)
      .register(z.globalRegistry, { description: 'Plan pull requests with the read-only plan role (it can read what the stack manages and its state, and change nothing).' }),
    oidcProvider: z
      ._default(z.union([z.enum(['create', 'existing']), z.record(z.string(), z.enum(['create', 'existing']))]), 'create')
      .register(z.globalRegistry, {
        description:
          "The GitHub OIDC provider of each account: 'create' it in the bootstrap root, or use the 'existing' one. IAM allows one per account: with two environments in one account, create it in one (e.g. { dev: create, prod: existing }) and bootstrap that one first.",
      }),
    runsOn: z
      ._default(z.array(z.string().check(z.minLength(1))).check(z.minLength(1)), ['ubuntu-latest'])
      .register(z.globalRegistry, {
        description:
          "Runner labels of the plan and apply jobs. GitHub-hosted runners (ubuntu-latest) reach only a public API endpoint; with a private endpoint use self-hosted runners inside each environment's VPC ([self-hosted, ...]): platformc adds the label platformc-<env>, so each environment's jobs run in its own VPC.",
      }),
  })
  .register(z.globalRegistry, { description: 'GitHub Actions through OIDC federation: a read-only plan role for pull requests and an apply role for protected GitHub environments.' });

const WorkloadAccess = z.discriminatedUnion('service', [
  z
    .strictObject({
      service: z.literal('s3').register(z.globalRegistry, { description: 'Amazon S3.' }),
      bucket: z
        .string()
        .check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name is 3-63 lower-case letters, digits, dots and hyphens (no wildcards)'))
        .register(z.globalRegistry, { description: "Bucket name, or 'models' for this environment's model bucket." }),
      prefix: z
        ._default(z.string().check(z.maxLength(1024), z.regex(/^[A-Za-z0-9!_.'()\/=+@,-]*$/, "an S3 key prefix: letters, digits and !_.'()/=+@,- (no wildcards or policy variables)")), '')
        .register(z.globalRegistry, { description: 'Key prefix the workload may touch.' }),
      access: z._default(z.enum(['read', 'write', 'readWrite']), 'read').register(z.globalRegistry, { description: 'Read, write, or both.' }),
    })
    .register(z.globalRegistry, { description: 'S3 access to one bucket prefix.' }),
  z
    .strictObject({
      service: z.literal('secretsManager').register(z.globalRegistry, { description: 'AWS Secrets Manager.' }),
      secretPrefix: z
        .string()
        .check(z.regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a secret name prefix: letters, digits and /_+=.@- (no wildcards)'))
        .register(z.globalRegistry, { description: 'Secrets whose name starts with this prefix may be read.' }),
    })
    .register(z.globalRegistry, { description: 'Read access to secrets under a name prefix.' }),
  z
    .strictObject({
      service: z.literal('cloudwatchLogs').register(z.globalRegistry, { description: 'Amazon CloudWatch Logs.' }),
      logGroup: z
        .string()
        .check(z.regex(/^[A-Za-z0-9_\-/.#]{1,512}$/, 'a log group name: letters, digits and _-/.# (no wildcards)'))
        .register(z.globalRegistry, { description: 'Log group the workload may write to.' }),
    })
    .register(z.globalRegistry, { description: 'Write access to one log group.' }),
]);

const Workload = z
  .strictObject({
    namespace: dnsName('namespace', 63).register(z.globalRegistry, { description: 'Namespace of the service account.' }),
    serviceAccount: dnsName('service account', 63).register(z.globalRegistry, { description: 'Service account the role is bound to.' }),
    access: z.array(WorkloadAccess).check(z.minLength(1)).register(z.globalRegistry, { description: 'What the workload may do in AWS: nothing else.' }),
  })
  .register(z.globalRegistry, { description: 'An extra in-cluster identity (IRSA role). Roles for platform controllers and Triton are built in.' });

const Identity = z
  .strictObject({
    operators: z._default(z.record(dnsName('operator role', 20), Operator), {}).register(z.globalRegistry, { description: 'Human operator roles by name.' }),
    ci: z.optional(z.strictObject({ github: GithubCi })).register(z.globalRegistry, { description: 'CI/CD identity: GitHub OIDC, no stored AWS keys.' }),
    workloads: z._default(z.record(dnsName('workload'), Workload), {}).register(z.globalRegistry, { description: 'Extra in-cluster workload identities (IRSA) by name.' }),
  })
  .register(z.globalRegistry, { description: 'Identity and access: operators, CI and in-cluster workloads, with no static keys.' });

const Team = z
  .strictObject({
    gpuQuota: z
      .int()
      .check(z.gte(0), z.lte(4096))
      .register(z.globalRegistry, {
        description:
          "Most GPUs the team namespace may request (ResourceQuota requests.nvidia.com/gpu; shared GPUs count their fraction: requests.nvidia.com/gpu.shared and requests.nvidia.com/mig-<profile> are capped at this many GPUs' worth).",
      }),
    principals: z._default(z.array(iamPrincipalArn), []).register(z.globalRegistry, { description: "IAM principals given edit rights in the team's namespace only." }),
  })
  .register(z.globalRegistry, { description: 'A team: owns models, gets its own namespace, GPU quota and access.' });

const Batching = z
  .strictObject({
    maxBatchSize: z.optional(z.int().check(z.gte(1), z.lte(1024))).register(z.globalRegistry, { description: "Largest batch Triton forms (defaults to the model definition's maxBatchSize)." }),
    preferredBatchSizes: z._default(z.array(z.int().check(z.gte(1))), []).register(z.globalRegistry, { description: 'Batch sizes the dynamic batcher prefers to form.' }),
    maxQueueDelayMicroseconds: z._default(z.int().check(z.gte(0), z.lte(1_000_000)), 100).register(z.globalRegistry, { description: 'How long a request may wait for a batch to fill (µs).' }),
  })
  .register(z.globalRegistry, { description: 'Triton dynamic batching.' });

const Slo = z
  .strictObject({
    latencyP99Ms: z
      .number()
      .check(z.gt(0), z.lte(60_000))
      .register(z.globalRegistry, {
        description: 'p99 latency objective in milliseconds: 99% of requests finish within it, server-side (the latency SLO is 99% within this bound, whatever the availability objective).',
      }),
    availability: z.number().check(z.gte(90), z.lte(99.999)).register(z.globalRegistry, { description: 'Availability objective, in percent of successful requests (90 to 99.999).' }),
    targetRps: z.number().check(z.gt(0), z.lte(1_000_000)).register(z.globalRegistry, { description: 'Peak requests per second the model must sustain.' }),
    period: z._default(duration, '30d').register(z.globalRegistry, { description: 'SLO window: 30d (the burn-rate windows and factors are those of a 30-day period, as in Sloth).' }),
  })
  .register(z.globalRegistry, { description: 'Service-level objectives; they drive capacity, alerts, dashboards and load tests.' });

const Replicas = z
  .strictObject({
    min: z
      .int()
      .check(z.gte(1), z.lte(1000))
      .register(z.globalRegistry, { description: 'Fewest replicas (HPA minReplicas; at least 1: pool scale-to-zero comes from node autoscaling and working hours).' }),
    max: z.int().check(z.gte(1), z.lte(1000)).register(z.globalRegistry, { description: 'Most replicas (HPA maxReplicas).' }),
  })
  .register(z.globalRegistry, { description: 'Replica range for autoscaling.' });

const Model = z
  .strictObject({
    definition: z
      .string()
      .check(z.regex(/^(\.\.\/)*models\/[\w.-]+\.ya?ml$/, 'a model definition is a file under a models/ folder, e.g. models/resnet50.yaml'))
      .register(z.globalRegistry, { description: 'Model definition file under models/, relative to this file (format, tensors, memory, throughput, weights location).' }),
    team: dnsName('team').register(z.globalRegistry, { description: 'Owning team (a key of teams).' }),
    nodePool: dnsName('node pool').register(z.globalRegistry, { description: 'GPU node pool the model runs on (a key of nodePools).' }),
    gpusPerReplica: z._default(z.int().check(z.gte(1), z.lte(8)), 1).register(z.globalRegistry, { description: 'GPUs per Triton replica (nvidia.com/gpu limit).' }),
    gpu: z
      .optional(
        z.union([
          z
            .strictObject({
              share: z
                .int()
                .check(z.gte(2), z.lte(32))
                .register(z.globalRegistry, { description: 'Replicas per GPU: each replica gets one of N time slices of a GPU (nvidia.com/gpu.shared) and 1/N of its throughput.' }),
            })
            .register(z.globalRegistry, {
              description: 'Time-slicing through the NVIDIA device plugin: no memory isolation, so validation checks that the replicas that can land on one GPU fit its memory together.',
            }),
          z
            .strictObject({
              mig: z
                .string()
                .check(z.regex(/^[1-7]g\.\d+gb$/, 'a MIG profile such as 1g.10gb'))
                .register(z.globalRegistry, {
                  description: 'MIG profile of each replica (A100, H100, H200 only), e.g. 1g.10gb: the GPUs of the pool are split into instances of this profile (nvidia.com/mig-<profile>).',
                }),
            })
            .register(z.globalRegistry, { description: 'Multi-Instance GPU: hardware partitions with their own memory and compute.' }),
        ]),
      )
      .register(z.globalRegistry, {
        description:
          'A fraction of a GPU per replica instead of whole GPUs: time-sliced ({share: N}) or a MIG instance ({mig: profile}). Every model on the pool shares its GPUs the same way (the device plugin splits a node one way). Omitted: whole GPUs (gpusPerReplica).',
      }),
    replicas: Replicas,
    batching: z._default(Batching, { preferredBatchSizes: [], maxQueueDelayMicroseconds: 100 }),
    slo: Slo,
    ingress: z
      ._default(
        z.strictObject({
          scheme: z._default(z.enum(['internal', 'internet-facing']), 'internal').register(z.globalRegistry, { description: 'ALB scheme.' }),
          certificateArns: z
            ._default(z.array(acmCertificateArn), [])
            .register(z.globalRegistry, {
              description:
                "ACM certificates for the HTTPS listener, at least one in every region the model runs in (ACM certificates are regional). Required when internet-facing (public endpoints are HTTPS only) unless dns.zone is set: platformc then requests a DNS-validated certificate for the team's host, internal ALBs included.",
            }),
          authentication: z
            .optional(
              z.union([
                z.literal('none').register(z.globalRegistry, { description: 'No authentication: anyone who can reach the endpoint may call it. Must be said explicitly.' }),
                z
                  .strictObject({
                    cognito: z
                      .strictObject({
                        userPoolArn: z
                          .string()
                          .check(z.regex(/^arn:aws:cognito-idp:[a-z0-9-]+:\d{12}:userpool\/[\w-]+$/, 'a Cognito user pool ARN'))
                          .register(z.globalRegistry, { description: 'Cognito user pool ARN.' }),
                        userPoolClientId: z.string().check(z.minLength(1)).register(z.globalRegistry, { description: 'App client id of the user pool.' }),
                        userPoolDomain: z.string().check(z.minLength(1)).register(z.globalRegistry, { description: 'Domain prefix of the user pool.' }),
                      })
                      .register(z.globalRegistry, { description: 'The ALB authenticates callers against a Cognito user pool; unauthenticated requests get 401.' }),
                  })
                  .register(z.globalRegistry, { description: 'Cognito authentication on the ALB.' }),
              ]),
            )
            .register(z.globalRegistry, { description: "Who may call an internet-facing endpoint: 'none' (explicitly) or a Cognito user pool. Required when internet-facing." }),
          allowedCidrs: z._default(z.array(cidr), []).register(z.globalRegistry, { description: 'Client CIDRs the ALB accepts (its security group); empty: any address.' }),
        }),
        { scheme: 'internal', certificateArns: [], allowedCidrs: [] },
      )
      .register(z.globalRegistry, { description: 'How the model is reached: an ALB through the AWS Load Balancer Controller.' }),
  })
  .register(z.globalRegistry, { description: 'A model served by NVIDIA Triton.' });

const Observability = z
  .strictObject({
    metrics: z
      ._default(
        z.strictObject({
          enabled: z._default(z.boolean(), true).register(z.globalRegistry, { description: 'Install kube-prometheus-stack and the DCGM exporter.' }),
          retention: z._default(duration, '30d').register(z.globalRegistry, { description: 'Prometheus retention: at least the SLO period (30d), or the error budget covers less than the period.' }),
          storageGiB: z._default(z.int().check(z.gte(10), z.lte(16384)), 50).register(z.globalRegistry, { description: 'Prometheus volume size (GiB).' }),
        }),
        { enabled: true, retention: '30d', storageGiB: 50 },
      )
      .register(z.globalRegistry, { description: 'Metrics: Prometheus, DCGM exporter, Triton scraping.' }),
    dashboards: z
      ._default(
        z.strictObject({
          enabled: z._default(z.boolean(), true).register(z.globalRegistry, { description: 'Install Grafana with the GPU fleet, per-model and SLO dashboards.' }),
          adminSecret: z._default(secretName, 'platformc/grafana-admin').register(z.globalRegistry, { description: 'Secrets Manager secret holding the Grafana admin user and password.' }),
        }),
        { enabled: true, adminSecret: 'platformc/grafana-admin' },
      )
      .register(z.globalRegistry, { description: 'Dashboards: Grafana.' }),
    logs: z
      ._default(
        z.strictObject({
          enabled: z._default(z.boolean(), true).register(z.globalRegistry, { description: 'Ship container logs to CloudWatch Logs with fluent-bit.' }),
          retentionDays: z
            ._default(z.literal([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]), 30)
            .register(z.globalRegistry, { description: 'CloudWatch Logs retention in days (one of the values CloudWatch accepts).' }),
          ingestGiBPerMonth: z._default(z.number().check(z.gte(0)), 50).register(z.globalRegistry, { description: 'Expected log volume per month, for the cost estimate (GiB).' }),
        }),
        { enabled: true, retentionDays: 30, ingestGiBPerMonth: 50 },
      )
      .register(z.globalRegistry, { description: 'Logs: fluent-bit to CloudWatch through IRSA.' }),
    loadTests: z
      ._default(
        z.strictObject({
          afterApply: z
            ._default(z.boolean(), true)
            .register(z.globalRegistry, {
              description:
                "`platformc apply` ends with each model's k6 load test in the primary region (at its target rate, thresholds from its SLO) and fails when one breaks its SLO; `apply --skip-loadtests` leaves them out for one run.",
            }),
          schedule: z
            .optional(
              z.string().check(
                z.regex(/^(\S+\s+){4}\S+$/, 'a schedule is a five-field cron expression, e.g. "0 4 * * 1" (Mondays 04:00)'),
                z.refine((x) => !/^@|TZ=/.test(x), 'a five-field cron expression; the time zone is UTC'),
              ),
            )
            .register(z.globalRegistry, {
              description:
                'Also run the load tests in the cluster on this cron schedule (five fields, UTC), e.g. "0 4 * * 1"; failures alert (LoadTestFailed). Absent: on demand and after apply only.',
            }),
        }),
        { afterApply: true },
      )
      .register(z.globalRegistry, { description: 'Headless load tests: after apply and/or on a schedule; each run and its result are annotated on the Grafana dashboards.' }),
    alerting: z
      ._default(
        z.strictObject({
          receiver: z
            .optional(
              z.union([
                z.literal('none').register(z.globalRegistry, { description: 'No receiver: alerts show in Alertmanager and Grafana only. Must be said explicitly.' }),
                z
                  .strictObject({
                    slack: z.strictObject({
                      webhookSecret: secretName.check(z.describe('Secrets Manager secret holding the Slack incoming-webhook URL (key `url`).')),
                      channel: z.optional(z.string().check(z.minLength(1))).register(z.globalRegistry, { description: 'Channel, when the webhook does not fix one.' }),
                    }),
                  })
                  .register(z.globalRegistry, { description: 'Slack.' }),
                z
                  .strictObject({
                    pagerduty: z.strictObject({ routingKeySecret: secretName.check(z.describe('Secrets Manager secret holding the PagerDuty Events v2 routing key (key `routingKey`).')) }),
                  })
                  .register(z.globalRegistry, { description: 'PagerDuty.' }),
                z
                  .strictObject({
                    email: z.strictObject({
                      to: z.array(z.email()).check(z.minLength(1)).register(z.globalRegistry, { description: 'Addresses that receive alerts.' }),
                      from: z.email().register(z.globalRegistry, { description: 'Sender address.' }),
                      smarthost: z
                        .string()
                        .check(z.regex(/^[\w.-]+:\d+$/, 'a smarthost is host:port'))
                        .register(z.globalRegistry, { description: 'SMTP server, host:port (TLS required).' }),
                      username: z.optional(z.string().check(z.minLength(1))).register(z.globalRegistry, { description: 'SMTP user name.' }),
                      passwordSecret: z.optional(secretName).register(z.globalRegistry, { description: 'Secrets Manager secret holding the SMTP password (key `password`).' }),
                    }),
                  })
                  .register(z.globalRegistry, { description: 'E-mail.' }),
              ]),
            )
            .register(z.globalRegistry, { description: "Where Alertmanager sends alerts: Slack, PagerDuty or e-mail (secrets by reference), or 'none'. Pages repeat hourly, tickets twice a day." }),
        }),
        {},
      )
      .register(z.globalRegistry, { description: 'Where alerts go. Pages and tickets are routed by severity.' }),
  })
  .register(z.globalRegistry, { description: 'Observability: metrics, dashboards, logs, alerting.' });

const Budget = z
  .strictObject({
    monthlyUsd: z
      .number()
      .check(
        z.gt(0),
        // AWS Budgets takes a plain decimal: a number JavaScript writes with an exponent (1e+308) is refused at apply (D26).
        z.lte(1_000_000_000, 'a monthly budget is at most 1000000000 USD'),
      )
      .register(z.globalRegistry, { description: 'Monthly budget in USD for one environment.' }),
    alertThresholds: z._default(z.array(z.number().check(z.gt(0), z.lte(1000))), [50, 80, 100]).register(z.globalRegistry, { description: 'Percentages of the budget at which AWS Budgets notifies.' }),
    notify: z._default(z.array(z.email()), []).register(z.globalRegistry, { description: 'E-mail addresses notified by AWS Budgets.' }),
    enforcement: z
      ._default(z.enum(['error', 'warning']), 'error')
      .register(z.globalRegistry, { description: 'What platformc does when the estimate at maximum scale exceeds the budget: fail, or warn.' }),
    scope: z
      ._default(z.enum(['account', 'environment']), 'account')
      .register(z.globalRegistry, {
        description:
          "What the budget counts. 'account': all spend of the environment's account (right when the account is the environment's own). 'environment': only costs tagged platformc-stack=<platform>-<env> (every resource carries it), for accounts shared with other teams or environments; the tag must be an active cost-allocation tag, or the budget counts nothing (see activateTag).",
      }),
    activateTag: z
      ._default(z.boolean(), false)
      .register(z.globalRegistry, {
        description:
          "Activate the platformc-stack cost-allocation tag from the environment's infra root (aws_ce_cost_allocation_tag). Only an organization's management account or a standalone account may activate tags (a member account asks its management account), and AWS lists a new tag key up to 24 hours after the first tagged resource: turn it on after the first apply.",
      }),
  })
  .register(z.globalRegistry, { description: 'Monthly budget of an environment.' });

const WorkingHours = z
  .strictObject({
    days: z
      .array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']))
      .check(z.minLength(1))
      .register(z.globalRegistry, { description: 'Days the environment is used.' }),
    start: z
      .string()
      .check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time is HH:MM'))
      .register(z.globalRegistry, { description: 'Start of the working day (HH:MM).' }),
    end: z
      .string()
      .check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time is HH:MM'))
      .register(z.globalRegistry, { description: 'End of the working day (HH:MM).' }),
    timeZone: z
      ._default(
        z
          .string()
          .check(
            z.regex(/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/, 'an IANA time zone such as Europe/Berlin'),
            z.refine(isTimeZone, 'not an IANA time zone this Node.js knows (e.g. Europe/Berlin, America/New_York, UTC)'),
          ),
        'UTC',
      )
      .register(z.globalRegistry, { description: 'IANA time zone, e.g. Europe/Berlin.' }),
  })
  .register(z.globalRegistry, {
    description:
      "When the environment is used: outside these hours CronJobs in the cluster scale its models to zero (and back to replicas.min), and the node provisioner removes the empty GPU nodes down to the pools' minSize (give GPU pools minSize 0).",
  });

/**
 * The override form of an object schema: every field optional and without its default, so an override
 * holds only what the user wrote (defaults come from the merged spec, never from the override).
 */
function overrideOf(schema: z.ZodMiniObject, description: string): z.ZodMiniObject {
  const described = (s: z.ZodMiniType) => z.globalRegistry.get(s)?.description;
  const shape = Object.fromEntries(
    Object.entries(schema.shape as Record<string, z.ZodMiniType>).map(([key, field]) => {
      let inner = field;
      while (inner instanceof z.ZodMiniDefault || inner instanceof z.ZodMiniOptional) inner = inner._zod.def.innerType as z.ZodMiniType;
      return [key, z.optional(inner).register(z.globalRegistry, { description: described(field) ?? described(inner) ?? key })];
    }),
  );
  return z.strictObject(shape).register(z.globalRegistry, { description });
}

/** The object a defaulted field wraps (`Model.shape.ingress`, ...). */
const defaulted = (field: z.ZodMiniDefault<z.ZodMiniObject>) => field._zod.def.innerType;

/** Per-environment overrides: the same shape as the top level, every field optional; objects merge, lists and scalars replace. */
const NodePoolOverride = overrideOf(NodePool, 'Fields of a node pool to change in this environment.');
const ModelOverride = z
  .strictObject({
    replicas: z.optional(overrideOf(Replicas, 'Replica range in this environment.')),
    slo: z.optional(overrideOf(Slo, 'SLO fields to change in this environment.')),
    ingress: z.optional(overrideOf(defaulted(Model.shape.ingress), 'Ingress in this environment.')),
  })
  .register(z.globalRegistry, {
    description: 'Fields of a model to change in this environment. Batching and GPUs per replica are part of the Triton model configuration, which is the same everywhere.',
  });

const Overrides = z
  .strictObject({
    cluster: z.optional(overrideOf(Cluster, 'Cluster fields to change in this environment.')),
    network: z
      .optional(z.partialRecord(awsRegion, overrideOf(Network, 'Network fields to change in this region.')))
      .register(z.globalRegistry, { description: 'Network fields to change per region in this environment.' }),
    nodePools: z.optional(z.record(z.string(), NodePoolOverride)).register(z.globalRegistry, { description: 'Node pool fields to change, by pool name.' }),
    models: z.optional(z.record(z.string(), ModelOverride)).register(z.globalRegistry, { description: 'Model fields to change, by model name.' }),
    observability: z
      .optional(
        z.strictObject({
          metrics: z.optional(overrideOf(defaulted(Observability.shape.metrics), 'Metrics fields to change.')),
          dashboards: z.optional(overrideOf(defaulted(Observability.shape.dashboards), 'Dashboards fields to change.')),
          logs: z.optional(overrideOf(defaulted(Observability.shape.logs), 'Logs fields to change.')),
          loadTests: z.optional(overrideOf(defaulted(Observability.shape.loadTests), 'Load-test fields to change.')),
        }),
      )
      .register(z.globalRegistry, { description: 'Observability fields to change in this environment.' }),
  })
  .register(z.globalRegistry, { description: 'Per-environment changes to the shared spec, in the same shape as the top level.' });

const Environment = z
  .strictObject({
    account: accountId,
    region: awsRegion.check(z.describe('Primary region of this environment.')),
    standby: z
      .optional(
        z.strictObject({
          region: awsRegion.check(z.describe('Standby (disaster recovery) region.')),
          nodePools: z._default(z.record(z.string(), NodePoolOverride), {}).register(z.globalRegistry, { description: 'Node pool sizes in the standby region (e.g. warm standby at minimum size).' }),
        }),
      )
      .register(z.globalRegistry, { description: 'Standby region: same stack, model bucket replicated to it, DNS failover when dns is set.' }),
    state: z
      .strictObject({
        bucket: z
          .string()
          .check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name is 3-63 lower-case letters, digits, dots and hyphens'))
          .register(z.globalRegistry, { description: 'S3 bucket for Terraform state (create it first: see the generated README).' }),
        region: z.optional(awsRegion).register(z.globalRegistry, { description: 'Region of the state bucket (defaults to the primary region).' }),
      })
      .register(z.globalRegistry, { description: 'Terraform remote state: S3 with native lock files.' }),
    budget: z.optional(overrideOf(Budget, 'Budget fields to change for this environment (merged over the top-level budget).')),
    workingHours: z.optional(WorkingHours),
    overrides: z._default(Overrides, {}),
  })
  .register(z.globalRegistry, { description: 'An environment (dev, staging, prod): its AWS account, regions and overrides.' });

const Dns = z
  .strictObject({
    zone: z
      .string()
      .check(z.regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/, 'a DNS zone is a domain name such as ml.example.com'))
      .register(z.globalRegistry, {
        description:
          "Parent domain of the model endpoints. Each environment's account holds the public Route 53 hosted zone <env>.<zone>, delegated from <zone> (a domain is served by one hosted zone, so accounts cannot share <zone> itself); each team's ALB gets <team>.<env>.<zone> (internal: <team>.internal.<env>.<zone>, pointing at the primary region only) and, without certificate ARNs, a DNS-validated ACM certificate for that name.",
      }),
  })
  .register(z.globalRegistry, { description: 'DNS for model endpoints; with a standby region, failover records put the primary first.' });

export const PlatformSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION).register(z.globalRegistry, { description: `Version of the platform.yaml language: ${API_VERSION}.` }),
    kind: z.literal('Platform').register(z.globalRegistry, { description: 'Always Platform.' }),
    metadata: Metadata,
    regions: z.partialRecord(awsRegion, Network).register(z.globalRegistry, { description: 'Network of every region an environment may run in, by AWS region.' }),
    cluster: z._default(Cluster, {
      version: versions.kubernetes.default,
      endpoint: { publicAccess: false, publicAccessCidrs: [], ciRunnerCidrs: [] },
      logging: ['api', 'audit', 'authenticator'],
      secretsEncryption: true,
      provisioner: 'cluster-autoscaler',
    }),
    // Node-group IAM role names are explicit and cut to IAM's limit with a hash (resolve), so a pool name never
    // overflows a role name or prefix (TF #13, D16).
    nodePools: z.record(dnsName('node pool', 30), NodePool).register(z.globalRegistry, { description: 'Node pools by name: one general pool and one or more GPU pools. At most 30 characters.' }),
    identity: z._default(Identity, { operators: {}, workloads: {} }),
    teams: z.record(dnsName('team', 30), Team).register(z.globalRegistry, { description: 'Teams by name; each gets a namespace.' }),
    models: z.record(dnsName('model', 40), Model).register(z.globalRegistry, { description: 'Models served by Triton, by name.' }),
    observability: z._default(Observability, {
      metrics: { enabled: true, retention: '30d', storageGiB: 50 },
      dashboards: { enabled: true, adminSecret: 'platformc/grafana-admin' },
      logs: { enabled: true, retentionDays: 30, ingestGiBPerMonth: 50 },
      loadTests: { afterApply: true },
      alerting: {},
    }),
    budget: Budget,
    dns: z.optional(Dns),
    environments: z.record(dnsName('environment', 12), Environment).register(z.globalRegistry, { description: 'Environments by name (at least dev and prod).' }),
  })
  .register(z.globalRegistry, { description: 'platform.yaml: one GPU inference platform on AWS EKS, compiled by platformc.' });

/** platform.yaml as written (defaults not yet applied). */
export type PlatformInput = z.input<typeof PlatformSchema>;
/** platform.yaml after zod: every default applied. */
export type PlatformSpec = z.output<typeof PlatformSchema>;

/** A model definition file under models/. */
export const TensorSchema = z.strictObject({
  name: z
    .string()
    .check(z.minLength(1), z.maxLength(256), z.regex(/^[^\p{Cc}"\\]+$/u, 'a tensor name has no control characters, quotes or backslashes'))
    .register(z.globalRegistry, { description: 'Tensor name as in the ONNX graph.' }),
  dataType: z
    .enum(['TYPE_BOOL', 'TYPE_UINT8', 'TYPE_INT8', 'TYPE_INT32', 'TYPE_INT64', 'TYPE_FP16', 'TYPE_FP32', 'TYPE_BF16', 'TYPE_STRING'])
    .register(z.globalRegistry, { description: 'Triton data type.' }),
  dims: z
    .array(z.int().check(z.gte(-1)))
    .check(z.minLength(1))
    .register(z.globalRegistry, { description: 'Shape without the batch dimension (-1 for variable).' }),
  format: z.optional(z.enum(['FORMAT_NONE', 'FORMAT_NCHW', 'FORMAT_NHWC'])).register(z.globalRegistry, { description: 'Image layout, for image inputs.' }),
});

export const ModelDefinitionSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('ModelDefinition'),
    name: dnsName('model', 40).register(z.globalRegistry, { description: 'Model name (the Triton model repository directory).' }),
    description: z.string().register(z.globalRegistry, { description: 'What the model does.' }),
    format: z.literal('onnx').register(z.globalRegistry, { description: 'Serialisation format.' }),
    backend: z.literal('onnxruntime_onnx').register(z.globalRegistry, { description: 'Triton platform that serves it.' }),
    maxBatchSize: z.int().check(z.gte(1), z.lte(1024)).register(z.globalRegistry, { description: 'Largest batch the model accepts.' }),
    inputs: z.array(TensorSchema).check(z.minLength(1)),
    outputs: z.array(TensorSchema).check(z.minLength(1)),
    weights: z
      .strictObject({
        uri: z
          .string()
          .check(z.regex(/^s3:\/\/[a-z0-9.-]{3,63}\/.+\.onnx$/, 'weights are an s3:// URI of an .onnx file'))
          .register(z.globalRegistry, { description: 'Where the weights live. Weights are never committed.' }),
        sha256: z
          .string()
          .check(z.regex(/^[a-f0-9]{64}$/, 'a SHA-256 is 64 lower-case hex digits'))
          .register(z.globalRegistry, { description: 'SHA-256 of the weights file (hex). Required: apply verifies the copy before Triton loads it, and the pods roll when it changes.' }),
        source: z.string().register(z.globalRegistry, { description: 'Where the weights come from originally.' }),
      })
      .register(z.globalRegistry, { description: 'Model weights.' }),
    accelerator: z
      .optional(
        z.strictObject({
          name: z.literal('tensorrt').register(z.globalRegistry, { description: "ONNX Runtime's TensorRT execution provider." }),
          precision: z._default(z.enum(['FP32', 'FP16']), 'FP16').register(z.globalRegistry, { description: 'Precision TensorRT builds its engines in.' }),
          maxWorkspaceBytes: z
            ._default(z.int().check(z.gte(1 << 20), z.lte(64 * 2 ** 30)), 2 ** 30)
            .register(z.globalRegistry, { description: 'Most GPU memory TensorRT may use to build an engine (bytes).' }),
        }),
      )
      .register(z.globalRegistry, { description: "GPU execution accelerator for ONNX Runtime (Triton's optimization.execution_accelerators); omitted: the CUDA provider." }),
    memory: z
      .strictObject({
        gpuGiB: z.number().check(z.gt(0)).register(z.globalRegistry, { description: 'GPU memory one instance needs at maxBatchSize (weights, activations, runtime).' }),
        source: z.string().register(z.globalRegistry, { description: 'How the figure was obtained.' }),
      })
      .register(z.globalRegistry, { description: 'Memory footprint.' }),
    throughput: z
      .strictObject({
        perGpu: z.record(z.string(), z.number().check(z.gt(0))).register(z.globalRegistry, { description: 'Inferences per second per GPU, by accelerator model (T4, A10G, L4, ...).' }),
        derate: z._default(z.number().check(z.gt(0), z.lte(1)), 0.8).register(z.globalRegistry, { description: 'Fraction of the benchmark throughput Triton sustains in production.' }),
        source: z.string().register(z.globalRegistry, { description: 'Where the figures come from.' }),
      })
      .register(z.globalRegistry, { description: 'Throughput for capacity planning.' }),
  })
  .register(z.globalRegistry, { description: 'A Triton model definition.' });

export type ModelDefinition = z.output<typeof ModelDefinitionSchema>;
