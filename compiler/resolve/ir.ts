/**
 * The resolved platform: every default applied, environments expanded over their regions, catalog facts
 * attached and every name derived once. Emitters read only this (never platform.yaml), so they agree.
 */
import type { ModelDefinition } from '../../schema/platform.js';
import type { IamActionGroup, KubernetesPins, Versions } from '../catalog.js';
import type { InstanceChoice } from './auto-instance.js';

export interface PlatformIR {
  readonly apiVersion: string;
  readonly name: string;
  readonly owner: string;
  /** Cost-allocation tags, sorted by key. */
  readonly tags: Readonly<Record<string, string>>;
  /** The spec file as named in headers and READMEs (e.g. platform.yaml). */
  readonly sourceFile: string;
  readonly compilerVersion: string;
  /** sha256 of platform.yaml and every model definition it uses. */
  readonly inputHash: string;
  readonly teams: readonly TeamIR[];
  /** Model definitions by model name (one Triton model repository entry each). */
  readonly models: readonly ModelIR[];
  readonly environments: readonly EnvironmentIR[];
  readonly dnsZone?: string;
  /** Pinned versions of Terraform, providers, modules, charts and images (specs/versions.json). */
  readonly versions: Versions;
}

export interface TeamIR {
  readonly name: string;
  readonly namespace: string;
  readonly gpuQuota: number;
  /**
   * The ResourceQuota's hard GPU requests: whole GPUs (nvidia.com/gpu) up to gpuQuota, and each shared resource
   * its models use up to gpuQuota GPUs' worth of it (a ResourceQuota counts each resource on its own).
   */
  readonly gpuQuotaHard: Readonly<Record<string, number>>;
  readonly principals: readonly string[];
  readonly models: readonly string[];
}

/** What is the same for a model in every environment: its Triton configuration. */
export interface ModelIR {
  readonly name: string;
  /** Name of the model's Kubernetes objects (Deployment, Service, HPA, ...). */
  readonly workload: string;
  readonly team: string;
  readonly namespace: string;
  /**
   * Which kustomization of the namespace holds the model's objects (RegionKustomizeIR): the namespace, or
   * <namespace>/<n> when it has more than MODELS_PER_KUSTOMIZATION models (25 at a time, in name order).
   */
  readonly kustomizeGroup: string;
  readonly definitionPath: string;
  readonly definition: ModelDefinition;
  readonly gpusPerReplica: number;
  /** A fraction of a GPU per replica: time-sliced or a MIG instance (absent: whole GPUs). */
  readonly gpuSharing?: { readonly share: number } | { readonly mig: string };
  readonly maxBatchSize: number;
  readonly preferredBatchSizes: readonly number[];
  readonly maxQueueDelayMicroseconds: number;
  /** Latency histogram bucket bounds in ms: around every environment's p99 objective, each objective exactly a bound. */
  readonly latencyBucketsMs: readonly number[];
  /** Expected SHA-256 of the weights file (the upload is verified against it). */
  readonly weightsSha256: string;
  /** SHA-256 of generated/triton/models/<name>/config.pbtxt, byte for byte (header included): the bytes apply uploads. */
  readonly configSha256: string;
  /**
   * Content address of everything Triton loads for this model: the first 16 hex digits of sha256 over the weights'
   * and the config's sha256. apply uploads both under the revision's own prefix of the model bucket (never
   * overwritten) and verifies them before any Deployment names it; the pods load exactly that prefix, so a change
   * rolls them, a pod that restarts mid-rollout loads what its template names, and a rollback loads the old bytes.
   */
  readonly revision: string;
  /**
   * The revision's Triton model repository in the model bucket (the same keys in every region):
   * <prefix>/<model>/config.pbtxt and <prefix>/<model>/1/model.onnx, prefix = <model>/<revision>.
   */
  readonly repository: { readonly prefix: string; readonly configKey: string; readonly weightsKey: string };
}

export interface EnvironmentIR {
  readonly name: string;
  /** A production environment (named prod...): held to the stricter availability checks (NAT per AZ, no single-replica rollouts). */
  readonly production: boolean;
  readonly account: string;
  /** Tags on every AWS resource of the environment (provider default_tags, launch templates, controllers), sorted by key. */
  readonly tags: Readonly<Record<string, string>>;
  readonly budget: BudgetIR;
  /**
   * When the environment is used. Outside these hours CronJobs scale every model to zero (and back to replicas.min),
   * and the node provisioner removes the idle GPU nodes; `cron` holds the CronJobs' schedules in `timeZone`.
   */
  readonly workingHours?: {
    readonly days: readonly string[];
    readonly start: string;
    readonly end: string;
    readonly timeZone: string;
    readonly cron: { readonly start: string; readonly stop: string };
  };
  /**
   * The working hours as a UTC window that covers them whatever the daylight-saving offset (Karpenter's budget
   * schedules are UTC cron): serving nodes are never consolidated inside it. Absent without working hours.
   */
  readonly busyWindowUtc?: BusyWindowIR;
  /**
   * Spot managed node groups (every spot pool under cluster-autoscaler; a spot general pool under Karpenter): the AWS
   * Node Termination Handler drains their nodes from its own SQS queue before EC2 reclaims them. Karpenter's nodes
   * are drained by Karpenter from its queue.
   */
  readonly nodeTerminationHandler: boolean;
  readonly cluster: ClusterIR;
  readonly identity: IdentityIR;
  readonly observability: ObservabilityIR;
  readonly state: { readonly bucket: string; readonly region: string };
  /** Primary region first, then the standby region if any. */
  readonly regions: readonly RegionIR[];
  /**
   * Route 53 names of the environment, when platform.yaml names a zone: `name` is <env>.<zone> (every record and
   * certificate of the environment is it or under it), and one host per IngressGroup (team and scheme).
   */
  readonly dns?: { readonly zone: string; readonly name: string; readonly hosts: readonly DnsHostIR[] };
  /**
   * Kubernetes Secrets (in the monitoring namespace) that External Secrets fills from AWS Secrets Manager for the
   * Helm releases, with the Secrets Manager secret each reads: they must exist in every region of the environment.
   */
  readonly releaseSecrets: readonly { readonly name: string; readonly awsSecret: string; readonly keys: readonly { readonly secretKey: string; readonly property?: string }[] }[];
}

/** A weekly window as cron (UTC, minute hour * * days) and a duration ('13h', '12h30m'). */
export interface BusyWindowIR {
  readonly schedule: string;
  readonly duration: string;
}

/**
 * The DNS name of one IngressGroup (one ALB per region): <team>.<env>.<zone> for internet-facing groups,
 * <team>.internal.<env>.<zone> for internal ones. Its record aliases the group's ALB (failover between
 * regions; health-checked on each model's routed HTTPS path when internet-facing).
 */
export interface DnsHostIR {
  readonly name: string;
  readonly group: string;
  readonly team: string;
  readonly scheme: 'internal' | 'internet-facing';
  /** The models the group routes (their Ingresses), sorted. */
  readonly models: readonly string[];
  /** Regions where the platform requests a DNS-validated ACM certificate for the host (a model of the group has no certificate ARN there). */
  readonly managedCertificateRegions: readonly string[];
  /**
   * The regions with a record for the host (internal: the primary only; internet-facing: every region, failover
   * with a standby), each with the models Route 53 health-checks there (ROUTE53_HEALTH_CHECK on the model's ready
   * path). Only internet-facing models that answer an anonymous probe from Route 53's checkers: behind Cognito the
   * ALB answers 401, and an ALB that admits only ingress.allowedCidrs never answers the checkers' addresses (the
   * check would stay unhealthy and send everything to the standby). The dns module creates one check per model and
   * a calculated check over them per record; the cost estimate counts the same.
   */
  readonly records: readonly { readonly region: string; readonly probedModels: readonly string[] }[];
}

export interface BudgetIR {
  readonly monthlyUsd: number;
  readonly alertThresholds: readonly number[];
  readonly notify: readonly string[];
  readonly enforcement: 'error' | 'warning';
  /** Cost filter of an environment-scoped budget (TagKeyValue), absent when the budget counts the whole account. */
  readonly costFilter?: { readonly name: 'TagKeyValue'; readonly values: readonly string[] };
  /** Tag key the infra root activates as a cost-allocation tag (budget.activateTag). */
  readonly activateTag?: string;
}

export interface ClusterIR {
  readonly version: string;
  readonly publicAccess: boolean;
  readonly publicAccessCidrs: readonly string[];
  readonly logging: readonly string[];
  readonly secretsEncryption: boolean;
  /**
   * What adds and removes GPU nodes. karpenter: GPU pools are NodePools (kustomize/overlays/<env>/<region>/karpenter),
   * the general pool a managed node group that runs the controller; cluster-autoscaler: every pool a managed node group.
   */
  readonly provisioner: 'karpenter' | 'cluster-autoscaler';
  /** Karpenter's AMI alias of the pinned AMI release (al2023@v20260714): the NVIDIA variant on GPU instance types. */
  readonly amiAlias: string;
  /** EKS deletion protection (default on in production environments); destroy turns it off only when told to. */
  readonly deletionProtection: boolean;
  /** CIDRs of the CI runners that reach the API server, canonical and sorted (empty: inside the VPC). */
  readonly ciRunnerCidrs: readonly string[];
  /** What this Kubernetes minor pins: node AMI release, EKS add-on versions, cluster-autoscaler image tag. */
  readonly pins: KubernetesPins;
}

export interface IdentityIR {
  /** Every IAM role and policy name the environment's stacks create starts with this: `<platform>-<env>-`. */
  readonly iamPrefix: string;
  /** Tags every resource of the environment carries (provider default_tags); the CI roles recognise their own KMS keys and roles by them. */
  readonly ownerTags: Readonly<{ platform: string; environment: string }>;
  /** The permissions boundary every role the apply role creates must carry (created by the bootstrap root). */
  readonly boundary: { readonly name: string; readonly path: string; readonly arn: string };
  readonly operators: readonly OperatorIR[];
  readonly ci?: CiIR;
  readonly workloads: readonly { readonly name: string; readonly namespace: string; readonly serviceAccount: string; readonly access: readonly WorkloadAccessIR[] }[];
  /** EKS access entries, keyed by a stable id (adding a principal never re-keys another). */
  readonly accessEntries: readonly AccessEntryIR[];
  /** What the CI roles may call, by group, with sources (specs/iam-actions.json). */
  readonly ciActions: Readonly<Record<string, IamActionGroup>>;
  /** s3 object ARNs of the model weights `platformc apply` copies into the model bucket. */
  readonly weightsObjectArns: readonly string[];
  /** The bootstrap root: what an account administrator applies once, before CI can run. */
  readonly bootstrap: BootstrapIR;
}

export interface OperatorIR {
  readonly name: string;
  readonly roleName: string;
  readonly arn: string;
  readonly principals: readonly string[];
  readonly requireMfa: boolean;
  readonly maxSessionSeconds: number;
  readonly clusterAccess: 'admin' | 'edit' | 'view';
  /** IAM Identity Center permission-set roles trusted by aws:PrincipalArn (MFA enforced by Identity Center). */
  readonly identityCenter?: { readonly account: string; readonly principalArnPatterns: readonly string[] };
}

export interface CiRoleIR {
  readonly roleName: string;
  readonly arn: string;
  /** OIDC `sub` values the role trusts, exactly (StringEquals). */
  readonly subjects: readonly string[];
}

export interface CiIR {
  readonly repository: string;
  /** GitHub's OIDC provider in the environment's account: created by this environment's bootstrap, or looked up. */
  readonly oidcProvider: { readonly create: boolean; readonly host: string; readonly arn: string };
  /** Read-only role of pull-request plans (when pullRequests). */
  readonly plan?: CiRoleIR;
  /** Role of the apply job, trusted only for the GitHub environment of the same name (when CI applies this environment). */
  readonly apply?: CiRoleIR & { readonly githubEnvironment: string };
  /** Branches whose pushes run the apply jobs. */
  readonly branches: readonly string[];
  /** Runner labels of the plan and apply jobs. */
  readonly runsOn: readonly string[];
  readonly selfHostedRunners: boolean;
}

export interface AccessEntryIR {
  readonly key: string;
  readonly principalArn: string;
  /** Set when the principal is a role the bootstrap root creates: infra looks it up by name (a dependency, not a literal). */
  readonly bootstrapRole?: string;
  readonly policyArn: string;
  /** Namespace scope; cluster-wide when absent. */
  readonly namespaces?: readonly string[];
}

export interface BootstrapIR {
  /** generated/terraform/<env>/bootstrap */
  readonly dir: string;
  readonly stateKey: string;
  /** The state bucket of each region of the environment (primary first): the backend of that region's roots. */
  readonly stateBuckets: readonly { readonly region: string; readonly bucket: string }[];
}

export type WorkloadAccessIR =
  | { readonly service: 's3'; readonly bucket: string; readonly prefix: string; readonly access: 'read' | 'write' | 'readWrite' }
  | { readonly service: 'secretsManager'; readonly secretPrefix: string }
  | { readonly service: 'cloudwatchLogs'; readonly logGroup: string };

export interface ObservabilityIR {
  readonly metrics: { readonly enabled: boolean; readonly retention: string; readonly storageGiB: number };
  readonly dashboards: { readonly enabled: boolean; readonly adminSecret: string };
  readonly logs: { readonly enabled: boolean; readonly retentionDays: number; readonly ingestGiBPerMonth: number };
  readonly alerting: AlertingIR;
  /** k6 load tests: run by `platformc apply` at its end (primary region) and/or by their CronJobs on a UTC cron schedule. */
  readonly loadTests: { readonly afterApply: boolean; readonly schedule?: string };
}

/** Where Alertmanager sends alerts; `secret` is the Secrets Manager secret the receiver reads (by reference). */
export interface AlertingIR {
  readonly receiver:
    | { readonly type: 'none' }
    | { readonly type: 'slack'; readonly channel?: string }
    | { readonly type: 'pagerduty' }
    | { readonly type: 'email'; readonly to: readonly string[]; readonly from: string; readonly smarthost: string; readonly username?: string };
  readonly secret?: { readonly name: string; readonly key: 'url' | 'routingKey' | 'password' };
}

export interface RegionIR {
  readonly env: string;
  readonly region: string;
  /** us-east-1 -> use1: keeps derived names short. */
  readonly shortRegion: string;
  readonly role: 'primary' | 'standby';
  readonly network: NetworkIR;
  readonly names: NamesIR;
  readonly nodePools: readonly NodePoolIR[];
  readonly deployments: readonly DeploymentIR[];
  /** IRSA role of each extra workload (identity.workloads) in this region. */
  readonly workloadRoles: readonly { readonly workload: string; readonly roleName: string }[];
  readonly kustomize: RegionKustomizeIR;
}

/**
 * The region's Kubernetes objects as kustomizations (paths relative to generated/). kustomize's build checks each
 * object it adds against every object already added (kubernetes-sigs/kustomize#5084, still open), and matches every
 * patch against every object: `kubectl kustomize` of a region with 500 models (6,562 objects) took 306 s, and grows
 * with the square of the models. So apply, plan and destroy send kustomizations of bounded size one by one: the
 * platform's objects, then at most MODELS_PER_KUSTOMIZATION models of one namespace at a time; `overlay` includes
 * them all, for review and `kubectl kustomize` of a small platform.
 */
export interface RegionKustomizeIR {
  /** kustomize/overlays/<env>/<region>: every kustomization below, in one build. */
  readonly overlay: string;
  /** <overlay>/platform: our namespaces, quotas, network policies, the load tests' script, the environment's observability, region policies, working hours. */
  readonly platform: string;
  /** <overlay>/models/<group>: the objects of the models of a group (ModelIR.kustomizeGroup) that run here, their load tests included; by namespace, parts in number order. */
  readonly models: readonly { readonly group: string; readonly namespace: string; readonly models: readonly string[]; readonly dir: string }[];
}

export interface NetworkIR {
  readonly vpcCidr: string;
  /**
   * How many availability zones the VPC spans. Their names are looked up at plan (terraform/.../network.tf): a zone
   * name means a different zone in every account, and not every zone offers every GPU type.
   */
  readonly availabilityZoneCount: number;
  /** Per AZ (planSubnets): NAT gateways and internet-facing ALBs only, tagged kubernetes.io/role/elb. */
  readonly publicSubnets: readonly string[];
  /**
   * Per AZ: internal ALBs only, the one subnet kind tagged kubernetes.io/role/internal-elb, so the AWS Load Balancer
   * Controller never places an internal ALB where pods live and the ALB allow of Triton admits no pod.
   */
  readonly internalLoadBalancerSubnets: readonly string[];
  /** Per AZ: nodes and their pods (VPC CNI), the control plane's and the interface endpoints' network interfaces. */
  readonly privateSubnets: readonly string[];
  readonly natGateways: 'single' | 'perAz';
  /** AWS services reached through interface endpoints in every AZ (S3 always through a free gateway endpoint). */
  readonly interfaceEndpoints: readonly string[];
}

/** Every name an emitter needs, derived in one place. */
export interface NamesIR {
  /** <platform>-<env>: tags, budget, account-wide roles. */
  readonly envPrefix: string;
  /** <platform>-<env>-<shortRegion>: regional IAM roles and log groups (IAM is global, so regions must differ). */
  readonly regionalPrefix: string;
  readonly cluster: string;
  readonly vpc: string;
  readonly modelBucket: string;
  readonly logGroup: string;
  readonly stateKeyPrefix: string;
  /** S3 bucket (and its region) holding the Terraform state of this region's roots. */
  readonly stateBucket: { readonly bucket: string; readonly region: string };
  /** kubeconfig context of this region's cluster, as `platformc apply` writes it. */
  readonly kubeContext: string;
  readonly roles: Readonly<Record<'albController' | 'triton' | 'logShipping' | 'externalSecrets' | 'clusterAutoscaler' | 'ebsCsi' | 'karpenter' | 'nodeTerminationHandler', string>>;
  /**
   * Interruption handling: the SQS queue EventBridge feeds with spot interruptions, rebalance recommendations,
   * instance state changes and health events, and the prefix of those rules (EventBridge names are at most 64
   * characters, and the module appends the rule's name and 26 random characters).
   */
  readonly interruption: { readonly karpenterQueue: string; readonly nthQueue: string; readonly rulePrefix: string };
  /** Tag value Karpenter discovers the cluster's private subnets and node security group by (karpenter.sh/discovery). */
  readonly discoveryTag: string;
  /** IAM names the EKS and VPC modules create, set explicitly so they fall under the environment's prefix. */
  readonly iam: {
    readonly clusterRole: string;
    readonly nodeGroupRoles: Readonly<Record<string, string>>;
    /** Role of the nodes Karpenter launches, and the controller's policy. */
    readonly karpenterNodeRole: string;
    readonly karpenterPolicy: string;
    readonly flowLogRole: string;
    readonly flowLogPolicy: string;
  };
}

export interface NodePoolIR {
  readonly name: string;
  readonly role: 'general' | 'gpu';
  readonly instanceTypes: readonly string[];
  readonly capacityType: 'onDemand' | 'spot';
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
  readonly diskSizeGiB: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly { readonly key: string; readonly value: string; readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
  /** For `instanceTypes: auto`: every GPU type, those that serve the pool cheapest first (the first is the choice), then the rest; each loser says why. */
  readonly auto?: { readonly ranked: readonly InstanceChoice[] };
  /**
   * With Karpenter, a GPU pool is a NodePool: at most `gpuLimit` GPUs (maxSize nodes, and one more for a
   * replacement launched before the node it replaces is deleted), drawn from every instance
   * type of the pool. Absent for managed node groups.
   */
  readonly karpenter?: { readonly gpuLimit: number };
  /**
   * How the NVIDIA device plugin advertises this GPU pool's GPUs (absent on general pools): whole (`nvidia.com/gpu`),
   * time-sliced into `perGpu` replicas (`nvidia.com/gpu.shared`) or split into `perGpu` MIG instances of one profile
   * (`nvidia.com/mig-<profile>`, mixed strategy). `config` names the device plugin configuration the pool's nodes
   * select with the label nvidia.com/device-plugin.config.
   */
  readonly gpuSharing?: GpuSharingIR;
  /**
   * Facts of the first (preferred) instance type, which prices the pool; vcpu and memoryGiB are the smallest of the
   * pool's types, so a replica sized from them fits on any node the pool launches.
   */
  readonly instance: { readonly type: string; readonly vcpu: number; readonly memoryGiB: number; readonly gpus: number; readonly gpuModel?: string; readonly gpuMemoryGiB?: number; readonly onDemandUsdPerHour: number; readonly priceSource: string };
}

export interface GpuSharingIR {
  readonly mode: 'exclusive' | 'timeSlicing' | 'mig';
  /** Extended resource a pod requests. */
  readonly resource: string;
  /** Units of `resource` one physical GPU gives (1 when exclusive). */
  readonly perGpu: number;
  readonly config: string;
  /** MIG profile every GPU is split into (mode mig). */
  readonly profile?: string;
  /** GPU memory of one unit (GiB): the whole GPU's, or the MIG instance's. */
  readonly unitMemoryGiB: number;
}

/** A model served in one environment and region: every number here comes from this environment's spec. */
export interface DeploymentIR {
  readonly model: string;
  /** Name of the model's Kubernetes objects (as ModelIR.workload). */
  readonly workload: string;
  readonly namespace: string;
  readonly nodePool: string;
  readonly gpusPerReplica: number;
  /**
   * What one replica requests: `count` units of `resource` (whole GPUs, a time slice or a MIG instance), which is
   * `gpus` GPUs' worth of the pool's hardware (count / units per GPU: 0.25 for one of four time slices).
   */
  readonly gpu: { readonly resource: string; readonly count: number; readonly gpus: number };
  readonly replicas: { readonly min: number; readonly max: number };
  readonly slo: { readonly latencyP99Ms: number; readonly availability: number; readonly targetRps: number; readonly period: string };
  /**
   * The latency SLI: the share of requests within `boundMs` must be at least `objective` (0.99 for a p99
   * objective). `le` is the label, exactly as Triton's exporter writes it, of the bucket that measures the
   * bound: floor(boundMs) - 1, because Triton observes whole milliseconds, truncated (see measuredBoundMs).
   */
  readonly latency: { readonly boundMs: number; readonly le: string; readonly objective: number };
  readonly ingressScheme: 'internal' | 'internet-facing';
  readonly ingress: IngressIR;
  readonly serviceAccount: string;
  /** IRSA role of this model's Triton pods: reads only this model's prefix of the model bucket. */
  readonly roleName: string;
  readonly roleArn: string;
  /** IngressGroup (one ALB) this model's Ingress joins in this environment: one per team namespace and scheme. */
  readonly ingressGroup: string;
  /**
   * IngressClass (and IngressClassParams of the same name) of this model's team and scheme. The class fixes the
   * group and the scheme, and the controller admits it only from the team's namespace; an admission policy keeps
   * the team's Ingresses on it (a group name in an annotation is only a request any namespace could make).
   */
  readonly ingressClass: string;
  /** Requests (= limits) of one replica, sized from the node's allocatable (kubelet reservations, DaemonSets). */
  readonly resources: { readonly cpuMillis: number; readonly memoryMiB: number };
  /** HPA: scale on this custom metric (as prometheus-adapter names it) to this target; absent: fixed replicas. */
  readonly autoscaling?: { readonly metric: string; readonly targetMs: number };
  /**
   * Rolling update that fits: surge only when the pool and the team quota have a spare replica's GPUs at maximum
   * scale (`spareGpus`: GPUs left in each when every model of the pool, and of the team, runs replicas.max).
   * Without a surge a rollout takes one replica down at a time: a full outage when replicas.min is 1.
   */
  readonly rollout: { readonly maxSurge: number; readonly maxUnavailable: number; readonly spareGpus: { readonly pool: number; readonly quota: number } };
}

/** The ALB path of a model in one environment. */
export interface IngressIR {
  readonly scheme: 'internal' | 'internet-facing';
  /** ACM certificates from platform.yaml in this region (HTTPS listener, by ARN). */
  readonly certificateArns: readonly string[];
  /**
   * The group's DNS name when platform.yaml names a zone: the Ingress lists it under spec.tls, and platformc apply
   * sets the ARN of the certificate the platform requests for it (the infra root's output) on the Ingress.
   */
  readonly host?: string;
  /** HTTPS only (certificate ARNs or a platform certificate for `host`); false only for an internal ALB with neither (HTTP inside the VPC). */
  readonly tls: boolean;
  readonly authentication: 'none' | { readonly cognito: { readonly userPoolArn: string; readonly userPoolClientId: string; readonly userPoolDomain: string } };
  /** Client CIDRs the ALB accepts. */
  readonly allowedCidrs: readonly string[];
  /**
   * CIDRs of the subnets the ALB's nodes sit in (target type ip: the only sources Triton needs to admit): the public
   * subnets for internet-facing ALBs, the internal load-balancer subnets for internal ones; never a subnet with pods.
   */
  readonly albSubnets: readonly string[];
}
