/**
 * Names and numbers that every part of a platform agrees on: Kubernetes labels, namespaces, ports, metric
 * names, the controllers' service accounts. Defined once here; emitters, ops and checks read them from here
 * or through the IR, never spell them again.
 */

/**
 * Production environments are named prod... (prod, prod-eu, production): they get per-AZ NAT warnings, EKS
 * deletion protection by default and the stricter availability checks of rollouts.
 */
export const isProduction = (env: string) => /^prod/.test(env);

/**
 * Tag on every AWS resource of an environment, valued <platform>-<env>: one key that tells environments apart even
 * when they share an account, so an environment-scoped budget filters on it (TagKeyValue user:<key>$<value>).
 */
export const STACK_TAG = 'platformc-stack';

/** Node label that tells which node pool a node belongs to (set on every pool; pods select on it). */
export const POOL_LABEL = 'platformc.dev/pool';
/** Node label with the GPU model of a GPU pool (T4, A10G, ...). */
export const ACCELERATOR_LABEL = 'platformc.dev/accelerator';
/**
 * Node label cluster-autoscaler's AWS provider reads to know a node has GPUs before the device plugin advertises
 * them, so it does not add more GPU nodes meanwhile (kubernetes/autoscaler cloudprovider/aws GPULabel).
 */
export const CA_GPU_LABEL = 'k8s.amazonaws.com/accelerator';
/** The extended resource the NVIDIA device plugin advertises. */
export const GPU_RESOURCE = 'nvidia.com/gpu';
/**
 * A time slice of a GPU: the device plugin's time-slicing with renameByDefault advertises shared GPUs under this
 * name, so a pod that asks for a whole GPU never lands on a shared one (and the reverse).
 */
export const SHARED_GPU_RESOURCE = 'nvidia.com/gpu.shared';
/** A MIG instance as the device plugin's mixed strategy advertises it. */
export const migResource = (profile: string) => `nvidia.com/mig-${profile}`;
/** Node label that selects a device plugin configuration (a key of the chart's config.map) for the node. */
export const DEVICE_PLUGIN_CONFIG_LABEL = 'nvidia.com/device-plugin.config';
/** The device plugin configuration of pools with whole GPUs. */
export const DEVICE_PLUGIN_DEFAULT_CONFIG = 'default';
/** The GPU taint every GPU pool carries; Triton pods tolerate it. */
export const GPU_TAINT = { key: GPU_RESOURCE, value: 'true', effect: 'NoSchedule' } as const;

/**
 * Namespaces platformc creates for itself. nodeExporters holds the exporters that must see the host (node-exporter:
 * host network, PID and root filesystem; DCGM exporter: root, SYS_ADMIN, the kubelet's pod-resources socket), so that
 * they alone run privileged and monitoring stays restricted.
 */
export const NAMESPACES = { platform: 'platform', monitoring: 'monitoring', nodeExporters: 'node-exporters' } as const;

/** Kubernetes-side identities of the platform's controllers (namespace and service account), for IRSA and Helm. */
export const CONTROLLERS = {
  albController: { namespace: 'kube-system', serviceAccount: 'aws-load-balancer-controller' },
  clusterAutoscaler: { namespace: 'kube-system', serviceAccount: 'cluster-autoscaler' },
  ebsCsi: { namespace: 'kube-system', serviceAccount: 'ebs-csi-controller-sa' },
  karpenter: { namespace: 'kube-system', serviceAccount: 'karpenter' },
  nodeTerminationHandler: { namespace: 'kube-system', serviceAccount: 'aws-node-termination-handler' },
  externalSecrets: { namespace: 'external-secrets', serviceAccount: 'external-secrets' },
  logShipping: { namespace: 'logging', serviceAccount: 'fluent-bit' },
} as const;

/** Triton's ports, named http, grpc and metrics in every Service and probe. */
export const TRITON_PORTS = { http: 8000, grpc: 8001, metrics: 8002 } as const;
/** Triton's latency histogram family; it exists with `--metrics-config histogram_latencies=true`. */
export const LATENCY_HISTOGRAM = 'nv_inference_first_response_histogram_ms';
/** A p99 latency objective means 99% of requests within the bound: the latency SLO's target ratio. */
export const LATENCY_OBJECTIVE = 0.99;
/** What the DaemonSets on a GPU node request together (aws-node, kube-proxy, EBS CSI node, device plugin, DCGM and node exporters, fluent-bit), with room to spare. */
export const DAEMONSET_RESERVE = { cpuMillis: 600, memoryMiB: 1024 } as const;
/**
 * Rollouts and scale-in without failed requests: the ALB deregisters a target in DEREGISTRATION_DELAY_SECONDS;
 * the pod keeps serving for PRESTOP_SECONDS (longer) before Triton gets SIGTERM, and then has time to finish.
 */
export const DEREGISTRATION_DELAY_SECONDS = 30;
export const PRESTOP_SECONDS = 40;
export const TERMINATION_GRACE_SECONDS = 90;
/** Model load from S3 (startup probe: 15 min) + node scale-from-zero + image pull: a rollout that takes longer is stuck. */
export const PROGRESS_DEADLINE_SECONDS = 1800;
/** Custom metric the HPA scales on, served by prometheus-adapter. */
export const QUEUE_TIME_METRIC = 'triton_queue_time_ms';

/**
 * StorageClass of every PersistentVolumeClaim the platform makes (Prometheus): EBS gp3, encrypted, bound where
 * the pod lands, deleted with its claim. The platform-prerequisites chart creates it.
 */
export const STORAGE_CLASS = 'gp3';
/** Secret the External Secrets operator fills with the Grafana admin credentials. */
export const GRAFANA_ADMIN_SECRET = 'grafana-admin';
/** Secret the External Secrets operator fills with the alert receiver's secret; Alertmanager mounts it. */
export const ALERTMANAGER_SECRET = 'alertmanager-receiver';
/** Label and annotation Grafana's dashboard sidecar looks for. */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';
export const GRAFANA_FOLDER_ANNOTATION = 'grafana_folder';
/** Load-test Jobs are named with this prefix (dashboards annotate their runs). */
export const LOADTEST_JOB_PREFIX = 'loadtest-';
/**
 * The Route 53 health check of a probed model (dns root module): HTTPS on port 443, standard 30 s interval, no
 * string matching, no latency measurement. AWS bills HTTPS, the 10 s interval, string matching and latency
 * measurement each as an optional feature on top of the basic check, so the cost estimate reads these settings.
 */
export const ROUTE53_HEALTH_CHECK = { type: 'HTTPS', port: 443, requestIntervalSeconds: 30, failureThreshold: 3, measureLatency: false } as const;

/** The AWS Load Balancer Controller's Ingress annotations. */
export const ALB_ANNOTATION_PREFIX = 'alb.ingress.kubernetes.io/';
/** The ACM certificates of an Ingress's listener, comma-separated ARNs: the first is the listener's default. */
export const CERTIFICATE_ANNOTATION = `${ALB_ANNOTATION_PREFIX}certificate-arn`;

/** The infra root's output of the ACM certificates the platform requests, host -> ARN: platformc apply reads it. */
export const CERTIFICATE_ARNS_OUTPUT = 'certificate_arns';

/** Name of every Kubernetes object of a model's Triton workload (Deployment, Service, HPA, ...). */
export const workloadName = (model: string) => `triton-${model}`;
