/**
 * Names and numbers that every part of a platform agrees on: Kubernetes labels, namespaces, ports, metric
 * names, the controllers' service accounts. Defined once here; emitters, ops and checks read them from here
 * or through the IR, never spell them again.
 */

/** Node label that tells which node pool a node belongs to (set on every pool; pods select on it). */
export const POOL_LABEL = 'platformc.dev/pool';
/** Node label with the GPU model of a GPU pool (T4, A10G, ...). */
export const ACCELERATOR_LABEL = 'platformc.dev/accelerator';
/** The extended resource the NVIDIA device plugin advertises. */
export const GPU_RESOURCE = 'nvidia.com/gpu';
/** The GPU taint every GPU pool carries; Triton pods tolerate it. */
export const GPU_TAINT = { key: GPU_RESOURCE, value: 'true', effect: 'NoSchedule' } as const;

/** Namespaces platformc creates for itself. */
export const NAMESPACES = { platform: 'platform', monitoring: 'monitoring' } as const;

/** Kubernetes-side identities of the platform's controllers (namespace and service account), for IRSA and Helm. */
export const CONTROLLERS = {
  albController: { namespace: 'kube-system', serviceAccount: 'aws-load-balancer-controller' },
  clusterAutoscaler: { namespace: 'kube-system', serviceAccount: 'cluster-autoscaler' },
  ebsCsi: { namespace: 'kube-system', serviceAccount: 'ebs-csi-controller-sa' },
  externalSecrets: { namespace: 'external-secrets', serviceAccount: 'external-secrets' },
  logShipping: { namespace: 'logging', serviceAccount: 'fluent-bit' },
} as const;

/** Triton's ports, named http, grpc and metrics in every Service and probe. */
export const TRITON_PORTS = { http: 8000, grpc: 8001, metrics: 8002 } as const;
/** Triton's latency histogram family; it exists with `--metrics-config histogram_latencies=true`. */
export const LATENCY_HISTOGRAM = 'nv_inference_first_response_histogram_ms';
/** Custom metric the HPA scales on, served by prometheus-adapter. */
export const QUEUE_TIME_METRIC = 'triton_queue_time_ms';

/** Secret the External Secrets operator fills with the Grafana admin credentials. */
export const GRAFANA_ADMIN_SECRET = 'grafana-admin';
/** Label and annotation Grafana's dashboard sidecar looks for. */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';
export const GRAFANA_FOLDER_ANNOTATION = 'grafana_folder';
/** Load-test Jobs are named with this prefix (dashboards annotate their runs). */
export const LOADTEST_JOB_PREFIX = 'loadtest-';

/** Name of every Kubernetes object of a model's Triton workload (Deployment, Service, HPA, ...). */
export const workloadName = (model: string) => `triton-${model}`;
