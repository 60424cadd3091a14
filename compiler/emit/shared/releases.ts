/**
 * The Helm releases of the platform, in install order. Values shared by every region of an environment go
 * into generated/helm/<env>/<release>.yaml; what differs per region (cluster name, VPC, role ARNs) is set
 * by Terraform from the infra module's outputs.
 * Chart values: shared/reference/helm-charts/<chart>-<version>.values.yaml (checked by a test).
 */
import type { EnvironmentIR, PlatformIR } from '../../resolve/ir.js';
import { toYaml } from '../../output/serialize.js';
import { compareCodeUnits } from '../../lib/order.js';
import { DEVICE_PLUGIN_DEFAULT_CONFIG, GPU_RESOURCE, ALERTMANAGER_SECRET, CONTROLLERS, GRAFANA_ADMIN_SECRET, GRAFANA_DASHBOARD_LABEL, GRAFANA_FOLDER_ANNOTATION, NAMESPACES, POOL_LABEL, QUEUE_TIME_METRIC, STORAGE_CLASS } from '../../lib/conventions.js';

type ChartPin = PlatformIR['versions']['charts'][string];
/** A chart platformc writes itself, under generated/<path>. */
export interface LocalChart { readonly chart: string; readonly version: string; readonly path: string }
export const isLocalChart = (c: ChartPin | LocalChart): c is LocalChart => 'path' in c;

/** The chart that holds what other releases need before they install (see prerequisites below). */
export const PREREQUISITES = 'platform-prerequisites';
/** Name of the ClusterSecretStore that reads AWS Secrets Manager in the cluster's region. */
export const SECRET_STORE = 'aws-secrets-manager';

/** A `set` of the helm_release: a chart value taken from Terraform (an expression over the infra outputs). */
export interface HelmSet { readonly name: string; readonly value: string }

export interface Release {
  readonly name: string;
  readonly chart: ChartPin | LocalChart;
  readonly namespace: string;
  /** Values shared by all regions of the environment. */
  readonly values: Record<string, unknown>;
  /** Region-specific values as Terraform expressions over `local.infra` (the infra module's outputs). */
  readonly sets: readonly HelmSet[];
  readonly dependsOn: readonly string[];
  /** Seconds Terraform waits for the release to become ready. */
  readonly timeout: number;
  /**
   * Custom resources the release makes that must report condition Ready before a dependent release installs
   * (Helm's wait cannot see custom resources); dependents wait for them too.
   */
  readonly readyWhen?: { readonly namespace: string; readonly resources: readonly string[] };
  /** The chart's crds/ are installed by another release (Helm installs crds/ once and never upgrades them). */
  readonly skipCrds?: boolean;
  /** Other namespaces the chart puts pods in (a subchart's namespaceOverride): they exist before it installs. */
  readonly alsoIn?: readonly string[];
}


const generalPool = (env: EnvironmentIR) => env.regions[0]!.nodePools.find((p) => p.role === 'general')!.name;
const onGeneralPool = (env: EnvironmentIR) => ({ [POOL_LABEL]: generalPool(env) });
const roleAnnotation = 'eks\\.amazonaws\\.com/role-arn';

/**
 * The device plugin's configurations, one per way a pool splits its GPUs; a node picks its own with the label
 * nvidia.com/device-plugin.config (set on the pool), others get `default` (whole GPUs). Time-slicing renames
 * the resource to nvidia.com/gpu.shared and refuses a request of more than one slice (which would buy no more
 * compute); MIG uses the mixed strategy, so each instance is advertised as nvidia.com/mig-<profile>. The MIG
 * partitions themselves are made on the node before kubelet starts (the node group's user data).
 * @see https://github.com/NVIDIA/k8s-device-plugin/blob/main/docs/customizing.md
 */
function devicePluginConfig(env: EnvironmentIR): Record<string, unknown> {
  const shared = new Map(env.regions.flatMap((r) => r.nodePools.flatMap((p) => (p.gpuSharing && p.gpuSharing.mode !== 'exclusive' ? [[p.gpuSharing.config, p.gpuSharing] as const] : []))));
  if (shared.size === 0) return {};
  const config = (flags: object, sharing?: object) => toYaml({ version: 'v1', flags, ...(sharing ? { sharing } : {}) });
  const map: Record<string, string> = { [DEVICE_PLUGIN_DEFAULT_CONFIG]: config({ migStrategy: 'none' }) };
  for (const [name, s] of [...shared].sort(([a], [b]) => compareCodeUnits(a, b))) {
    map[name] =
      s.mode === 'mig'
        ? config({ migStrategy: 'mixed' })
        : config({ migStrategy: 'none' }, { timeSlicing: { renameByDefault: true, failRequestsGreaterThanOne: true, resources: [{ name: GPU_RESOURCE, replicas: s.perGpu }] } });
  }
  return { config: { map, default: DEVICE_PLUGIN_DEFAULT_CONFIG } };
}

/** Every release of an environment, in the order Terraform installs them (depends_on enforces it). */
export function releases(ir: PlatformIR, env: EnvironmentIR): Release[] {
  const obs = env.observability;
  const chart = (key: string): ChartPin => {
    const pin = ir.versions.charts[key];
    if (!pin) throw new Error(`no pinned chart '${key}' in specs/versions.json`);
    return pin;
  };
  const list: Release[] = [
    {
      name: 'nvidia-device-plugin',
      chart: chart('nvidia-device-plugin'),
      namespace: 'kube-system',
      // The chart's default affinity selects nodes labelled nvidia.com/gpu.present=true (set on GPU pools);
      // its default tolerations include the nvidia.com/gpu taint.
      values: { gfd: { enabled: false }, devicePlugin: { enabled: true }, ...devicePluginConfig(env) },
      sets: [],
      dependsOn: [],
      timeout: 600,
    },
    {
      name: 'aws-load-balancer-controller',
      chart: chart('aws-load-balancer-controller'),
      namespace: CONTROLLERS.albController.namespace,
      values: {
        replicaCount: 2,
        serviceAccount: { create: true, name: CONTROLLERS.albController.serviceAccount },
        nodeSelector: onGeneralPool(env),
        enableServiceMutatorWebhook: false,
        podDisruptionBudget: { maxUnavailable: 1 },
        // The load balancers it creates carry the environment's cost-allocation tags like everything else.
        defaultTags: { ...env.tags },
      },
      sets: [
        { name: 'clusterName', value: 'local.infra.cluster_name' },
        // Pods cannot reach the instance metadata service (hop limit 1), so region and VPC are given.
        { name: 'region', value: 'local.infra.region' },
        { name: 'vpcId', value: 'local.infra.vpc_id' },
        { name: `serviceAccount.annotations.${roleAnnotation}`, value: 'local.infra.role_arns.alb_controller' },
      ],
      dependsOn: [],
      timeout: 600,
    },
    ...(env.cluster.provisioner === 'karpenter'
      ? [
          // Karpenter's CRDs as a release of their own, so a chart upgrade upgrades them too.
          { name: 'karpenter-crd', chart: chart('karpenter-crd'), namespace: CONTROLLERS.karpenter.namespace, values: {}, sets: [], dependsOn: [], timeout: 300 },
          karpenter(chart('karpenter'), env),
        ]
      : []),
    ...(env.nodeTerminationHandler ? [nodeTerminationHandler(chart('aws-node-termination-handler'), env)] : []),
  ];
  // cluster-autoscaler scales the managed node groups it discovers by the tags EKS puts on their Auto Scaling groups:
  // every pool, or, beside Karpenter, the general pool alone (Karpenter's GPU nodes are no node group, and its
  // NodePools are tainted for GPU pods, so the two never act on the same pods or nodes).
  list.push({
      name: 'cluster-autoscaler',
      chart: chart('cluster-autoscaler'),
      namespace: CONTROLLERS.clusterAutoscaler.namespace,
      values: {
        cloudProvider: 'aws',
        // Cluster Autoscaler embeds the scheduler: run the release built for the control plane's minor version.
        image: { tag: env.cluster.pins.clusterAutoscalerTag },
        nodeSelector: onGeneralPool(env),
        rbac: { serviceAccount: { create: true, name: CONTROLLERS.clusterAutoscaler.serviceAccount } },
        extraArgs: {
          'balance-similar-node-groups': true,
          expander: 'least-waste',
          // Idle GPU nodes cost money: remove them after 10 minutes, pools with minSize 0 go to zero.
          'scale-down-unneeded-time': '10m',
          'scale-down-delay-after-add': '5m',
          'skip-nodes-with-system-pods': false,
        },
      },
      sets: [
        { name: 'autoDiscovery.clusterName', value: 'local.infra.cluster_name' },
        { name: 'awsRegion', value: 'local.infra.region' },
        { name: `rbac.serviceAccount.annotations.${roleAnnotation}`, value: 'local.infra.role_arns.cluster_autoscaler' },
      ],
      dependsOn: [],
      timeout: 600,
    });
  list.push(
    {
      name: 'external-secrets',
      chart: chart('external-secrets'),
      namespace: CONTROLLERS.externalSecrets.namespace,
      values: { installCRDs: true, serviceAccount: { create: true, name: CONTROLLERS.externalSecrets.serviceAccount }, nodeSelector: onGeneralPool(env) },
      sets: [{ name: `serviceAccount.annotations.${roleAnnotation}`, value: 'local.infra.role_arns.external_secrets' }],
      dependsOn: [],
      timeout: 600,
    },
    prerequisites(env),
  );
  if (obs.metrics.enabled) {
    list.push(
      {
        name: 'kube-prometheus-stack',
        chart: chart('kube-prometheus-stack'),
        namespace: NAMESPACES.monitoring,
        values: kubePrometheusStack(env),
        // Every alert names the cluster it comes from: several regions (and environments) page the same receiver.
        sets: [
          { name: 'prometheus.prometheusSpec.externalLabels.region', value: 'local.infra.region' },
          { name: 'prometheus.prometheusSpec.externalLabels.cluster', value: 'local.infra.cluster_name' },
        ],
        // The gp3 StorageClass and Grafana's (and Alertmanager's) Secrets exist first, or the atomic install times out.
        dependsOn: [PREREQUISITES],
        timeout: 900,
        alsoIn: [NAMESPACES.nodeExporters],
      },
      {
        name: 'dcgm-exporter',
        chart: chart('dcgm-exporter'),
        // Root with SYS_ADMIN and a hostPath (the kubelet's pod-resources socket): privileged, so not in monitoring.
        namespace: NAMESPACES.nodeExporters,
        values: {
          // DCGM runs where the GPUs are: tolerate the GPU taint, select GPU nodes.
          nodeSelector: { 'nvidia.com/gpu.present': 'true' },
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
          serviceMonitor: { enabled: true, interval: '15s', additionalLabels: { release: 'kube-prometheus-stack' } },
        },
        sets: [],
        dependsOn: ['kube-prometheus-stack', 'nvidia-device-plugin'],
        timeout: 600,
      },
      {
        name: 'prometheus-adapter',
        chart: chart('prometheus-adapter'),
        namespace: NAMESPACES.monitoring,
        values: prometheusAdapter(env),
        sets: [],
        dependsOn: ['kube-prometheus-stack'],
        timeout: 600,
      },
    );
  }
  if (obs.logs.enabled) {
    list.push({
      name: 'fluent-bit',
      chart: chart('fluent-bit'),
      namespace: CONTROLLERS.logShipping.namespace,
      values: {
        serviceAccount: { create: true, name: CONTROLLERS.logShipping.serviceAccount },
        tolerations: [{ operator: 'Exists' }],
        config: {
          outputs: [
            '[OUTPUT]',
            '    Name cloudwatch_logs',
            '    Match kube.*',
            '    region ${AWS_REGION}',
            `    log_group_name ${env.regions[0]!.names.logGroup}`,
            '    log_stream_prefix ${HOSTNAME}-',
            '    auto_create_group false',
            '',
          ].join('\n'),
        },
      },
      sets: [
        { name: `serviceAccount.annotations.${roleAnnotation}`, value: 'local.infra.role_arns.fluent_bit' },
        { name: 'env[0].name', value: '"AWS_REGION"' },
        { name: 'env[0].value', value: 'local.infra.region' },
      ],
      dependsOn: [],
      timeout: 600,
    });
  }
  return list;
}

/**
 * Karpenter's controller, on the general pool (a managed node group: the controller never runs on a node it
 * manages, and the chart's affinity keeps it off Karpenter's nodes too), two replicas on different nodes and zones,
 * with IRSA. Pods cannot reach the instance metadata service (hop limit 1), so the region is set, and the cluster
 * endpoint is given rather than discovered. Its CRDs come from the karpenter-crd release (Helm would install the
 * chart's crds/ once and never upgrade them); they exist before the NodePools, which `platformc apply` applies after
 * this module (kustomize/overlays/<env>/<region>/karpenter).
 * @see https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/
 */
function karpenter(pin: ChartPin, env: EnvironmentIR): Release {
  return {
    name: 'karpenter',
    chart: pin,
    namespace: CONTROLLERS.karpenter.namespace,
    values: {
      replicas: 2,
      serviceAccount: { create: true, name: CONTROLLERS.karpenter.serviceAccount },
      nodeSelector: { 'kubernetes.io/os': 'linux', ...onGeneralPool(env) },
      // A spot NodePool asks for two instance types per launch (minValues); when spot capacity leaves fewer, launch
      // anyway rather than leave the models' pods pending (Strict, the default, fails the scheduling).
      settings: { minValuesPolicy: 'BestEffort' },
      // Guaranteed memory: an OOM-killed controller launches nothing while pods wait for GPUs.
      controller: { resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '1Gi' } } },
    },
    sets: [
      { name: 'settings.clusterName', value: 'local.infra.cluster_name' },
      { name: 'settings.clusterEndpoint', value: 'local.infra.cluster_endpoint' },
      { name: 'settings.interruptionQueue', value: 'local.infra.karpenter.queue_name' },
      { name: `serviceAccount.annotations.${roleAnnotation}`, value: 'local.infra.karpenter.role_arn' },
      { name: 'controller.env[0].name', value: '"AWS_REGION"' },
      { name: 'controller.env[0].value', value: 'local.infra.region' },
    ],
    dependsOn: ['karpenter-crd'],
    timeout: 600,
    skipCrds: true,
  };
}

/**
 * The AWS Node Termination Handler in queue mode, for spot managed node groups: it reads the queue the infra root
 * feeds with interruption events and drains the node each is about. It acts on any node of this cluster the event
 * names (the managed node groups' instances carry no NTH tag) and drops messages about other instances.
 * @see https://github.com/aws/aws-node-termination-handler/tree/main/config/helm/aws-node-termination-handler
 */
function nodeTerminationHandler(pin: ChartPin, env: EnvironmentIR): Release {
  return {
    name: 'aws-node-termination-handler',
    chart: pin,
    namespace: CONTROLLERS.nodeTerminationHandler.namespace,
    values: {
      enableSqsTerminationDraining: true,
      enableSpotInterruptionDraining: true,
      enableScheduledEventDraining: true,
      // No lifecycle hooks of our own on the node groups' Auto Scaling groups (EKS manages those).
      enableASGLifecycleDraining: false,
      checkTagBeforeDraining: false,
      checkASGTagBeforeDraining: false,
      deleteSqsMsgIfNodeNotFound: true,
      replicas: 2,
      podDisruptionBudget: { maxUnavailable: 1 },
      serviceAccount: { create: true, name: CONTROLLERS.nodeTerminationHandler.serviceAccount },
      nodeSelector: onGeneralPool(env),
    },
    sets: [
      { name: 'awsRegion', value: 'local.infra.region' },
      { name: 'queueURL', value: 'local.infra.node_termination_handler.queue_url' },
      { name: `serviceAccount.annotations.${roleAnnotation}`, value: 'local.infra.node_termination_handler.role_arn' },
    ],
    dependsOn: [],
    timeout: 600,
  };
}

/**
 * platform-prerequisites, a chart platformc writes (generated/helm/<env>/charts/): the encrypted gp3
 * StorageClass Prometheus claims, the ClusterSecretStore, and the ExternalSecrets of Grafana's admin and the
 * alerting webhook. It installs after external-secrets (its CRDs) and before kube-prometheus-stack, and
 * Terraform waits until every ExternalSecret has synced (a local kubectl wait in the kubeconfig context
 * `platformc apply` writes): Grafana's pod cannot start without its Secret.
 */
function prerequisites(env: EnvironmentIR): Release {
  const secrets = env.releaseSecrets;
  return {
    name: PREREQUISITES,
    chart: { chart: PREREQUISITES, version: '1.0.0', path: `helm/${env.name}/charts/${PREREQUISITES}` },
    namespace: NAMESPACES.monitoring,
    values: {},
    sets: [{ name: 'region', value: 'local.infra.region' }],
    dependsOn: ['external-secrets'],
    timeout: 300,
    ...(secrets.length ? { readyWhen: { namespace: NAMESPACES.monitoring, resources: secrets.map((s) => `externalsecret/${s.name}`) } } : {}),
  };
}

function kubePrometheusStack(env: EnvironmentIR): Record<string, unknown> {
  const obs = env.observability;
  return {
    prometheus: {
      prometheusSpec: {
        externalLabels: { environment: env.name },
        retention: obs.metrics.retention,
        // Pick up every ServiceMonitor, PodMonitor and PrometheusRule, not only those labelled for this release.
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        nodeSelector: onGeneralPool(env),
        storageSpec: {
          volumeClaimTemplate: { spec: { storageClassName: STORAGE_CLASS, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: `${obs.metrics.storageGiB}Gi` } } } },
        },
        // The volume goes with the StatefulSet (the StorageClass deletes the EBS volume with its claim), so an
        // uninstall leaves no EBS volume behind.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
      },
    },
    alertmanager: alertmanager(env),
    // EKS runs the control plane: these targets never exist, and their absent() alerts would fire forever.
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeEtcd: { enabled: false },
    // Node pool labels on kube_node_labels, for the GPU fleet dashboard's per-pool panels.
    'kube-state-metrics': { metricLabelsAllowlist: [`nodes=[${POOL_LABEL},node.kubernetes.io/instance-type]`] },
    // node-exporter needs the host's network, PIDs and root filesystem (privileged): in a namespace of its own, so
    // that Prometheus, Alertmanager, Grafana, the operator and kube-state-metrics run under `restricted`.
    'prometheus-node-exporter': { namespaceOverride: NAMESPACES.nodeExporters },
    grafana: {
      enabled: obs.dashboards.enabled,
      // Credentials come from a Secret that External Secrets fills from AWS Secrets Manager.
      admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: 'admin-user', passwordKey: 'admin-password' },
      nodeSelector: onGeneralPool(env),
      // Its init container chowns the data volume as root with CHOWN and DAC_OVERRIDE (not `restricted`); Grafana
      // keeps no volume here (dashboards come from ConfigMaps, users from the admin Secret), so there is nothing to chown.
      initChownData: { enabled: false },
      sidecar: {
        // Only the monitoring namespace, where platformc puts the dashboards: a team could otherwise add or replace
        // dashboards from its own namespace (D25).
        dashboards: { enabled: true, label: GRAFANA_DASHBOARD_LABEL, labelValue: '1', searchNamespace: NAMESPACES.monitoring, folderAnnotation: GRAFANA_FOLDER_ANNOTATION, provider: { foldersFromFilesStructure: true } },
      },
    },
  };
}

/**
 * Slack's default text is empty (`slack.default.text`): the message would carry neither the summary nor what to
 * do. The title says which environment and region; the text every alert's summary, description and runbook.
 * Alertmanager templates, passed through untouched (the chart's tplConfig is false).
 */
const SLACK_TITLE = '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }}{{ with .CommonLabels.model }} {{ . }}{{ end }} ({{ .CommonLabels.environment }} {{ .CommonLabels.region }})';
const SLACK_TEXT = '{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}{{ with .Annotations.runbook }}\nRunbook: {{ . }}{{ end }}\n{{ end }}';

/** kube-prometheus-stack's default inhibit rules (values.yaml alertmanager.config.inhibit_rules), kept when platformc adds its own. */
const CHART_INHIBIT_RULES = [
  { source_matchers: ['severity = critical'], target_matchers: ['severity =~ warning|info'], equal: ['namespace', 'alertname'] },
  { source_matchers: ['severity = warning'], target_matchers: ['severity = info'], equal: ['namespace', 'alertname'] },
  { source_matchers: ['alertname = InfoInhibitor'], target_matchers: ['severity = info'], equal: ['namespace'] },
  { target_matchers: ['alertname = InfoInhibitor'] },
];

/** Where the receiver's secret is mounted (alertmanagerSpec.secrets mounts each Secret under /etc/alertmanager/secrets/<name>/). */
const receiverSecretFile = (key: string) => `/etc/alertmanager/secrets/${ALERTMANAGER_SECRET}/${key}`;

/**
 * Alertmanager routes by severity to the receiver platform.yaml names: pages (and kube-prometheus-stack's
 * critical) repeat hourly, tickets (and warnings) twice a day; the secret is read from a mounted file, never
 * written into values.
 * @see https://prometheus.io/docs/alerting/latest/configuration/
 */
function alertmanager(env: EnvironmentIR): Record<string, unknown> {
  const { receiver, secret } = env.observability.alerting;
  const to = receiver.type === 'none' ? 'null' : 'platform';
  const configs =
    receiver.type === 'slack'
      ? { slack_configs: [{ api_url_file: receiverSecretFile('url'), send_resolved: true, ...(receiver.channel ? { channel: receiver.channel } : {}), title: SLACK_TITLE, text: SLACK_TEXT }] }
      : receiver.type === 'pagerduty'
        ? { pagerduty_configs: [{ routing_key_file: receiverSecretFile('routingKey'), severity: '{{ if eq .CommonLabels.severity "page" }}critical{{ else }}warning{{ end }}' }] }
        : receiver.type === 'email'
          ? { email_configs: [{ to: receiver.to.join(', '), from: receiver.from, smarthost: receiver.smarthost, require_tls: true, send_resolved: true, ...(receiver.username ? { auth_username: receiver.username } : {}), ...(secret ? { auth_password_file: receiverSecretFile('password') } : {}) }] }
          : undefined;
  return {
    alertmanagerSpec: { nodeSelector: onGeneralPool(env), ...(secret ? { secrets: [ALERTMANAGER_SECRET] } : {}) },
    config: {
      route: {
        receiver: 'null',
        // One notification group per alert, model and SLO: the SLO alerts share their names across models and SLOs,
        // and a second SLO's page must not wait for the group_interval of the first's.
        group_by: ['alertname', 'namespace', 'model', 'slo'],
        routes: [
          { receiver: 'null', matchers: ['alertname = "Watchdog"'] },
          { receiver: to, matchers: ['severity =~ "page|critical"'], repeat_interval: '1h' },
          { receiver: to, matchers: ['severity =~ "ticket|warning"'], repeat_interval: '12h' },
        ],
      },
      // A list replaces the chart's: its own rules (kube-prometheus-stack's severities) stay, then an SLO's page
      // silences the ticket of the same SLO (a fast burn is also a slow one). `slo =~ ".+"` on both sides, because
      // `equal` treats a missing label as equal: without it any page would silence every ticket without model/slo.
      inhibit_rules: [
        ...CHART_INHIBIT_RULES,
        { source_matchers: ['severity = "page"', 'slo =~ ".+"'], target_matchers: ['severity = "ticket"', 'slo =~ ".+"'], equal: ['environment', 'cluster', 'namespace', 'model', 'slo'] },
      ],
      receivers: [{ name: 'null' }, ...(configs ? [{ name: 'platform', ...configs }] : [])],
    },
  };
}

/** The HPA's metric: Triton's mean queue time per request (ms), 0 for a pod without requests. */
export const QUEUE_MS = (matchers: string, groupBy: string) =>
  `sum(rate(nv_inference_queue_duration_us{${matchers}}[1m])) by (${groupBy}) / (sum(rate(nv_inference_request_success{${matchers}}[1m])) by (${groupBy}) > 0) / 1000` +
  ` or sum(rate(nv_inference_request_success{${matchers}}[1m])) by (${groupBy}) * 0`;

/** prometheus-adapter exposes Triton's queue time as a per-pod custom metric for the HPA. */
function prometheusAdapter(env: EnvironmentIR): Record<string, unknown> {
  return {
    prometheus: { url: `http://kube-prometheus-stack-prometheus.${NAMESPACES.monitoring}.svc`, port: 9090 },
    nodeSelector: onGeneralPool(env),
    rules: {
      default: false,
      custom: [
        {
          seriesQuery: 'nv_inference_queue_duration_us{namespace!="",pod!=""}',
          resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
          name: { matches: '^nv_inference_queue_duration_us$', as: QUEUE_TIME_METRIC },
          // Average queue time per request over 1m, in milliseconds, and 0 for a pod that served nothing: if every pod
          // reported nothing when traffic stops, the HPA would get "no metrics returned from custom metrics API",
          // make no decision and keep the peak's replicas all night (an `or`, not a clamp that biases busy pods).
          metricsQuery: QUEUE_MS('<<.LabelMatchers>>', '<<.GroupBy>>'),
        },
      ],
    },
  };
}
