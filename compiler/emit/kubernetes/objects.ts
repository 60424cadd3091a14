/**
 * Kubernetes objects as typed data (types from @kubernetes/client-node, imported as types only).
 * Everything a model needs to serve on Triton: identity, workload, network path, disruption and scaling.
 */
import type {
  V1Deployment, V1Ingress, V1LimitRange, V1Namespace, V1NetworkPolicy, V1NetworkPolicyPeer, V1NetworkPolicyPort, V1PodDisruptionBudget,
  V1ResourceQuota, V1Role, V1RoleBinding, V1Service, V1ServiceAccount, V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import type { DeploymentIR, EnvironmentIR, ModelIR, PlatformIR, RegionIR } from '../../resolve/ir.js';
import { GRAFANA_ADMIN_SECRET, GPU_RESOURCE, NAMESPACES, POOL_LABEL, QUEUE_TIME_METRIC, TRITON_PORTS } from '../../resolve/conventions.js';
import { k8sObject as obj, type K8sObject } from '../shared/k8s.js';

export type { K8sObject };

/** The uid and gid of the `triton-server` user in NVIDIA's Triton images. */
export const TRITON_UID = 1000;

export const modelLabels = (model: string) => ({ 'app.kubernetes.io/name': 'triton', 'app.kubernetes.io/instance': model, 'app.kubernetes.io/component': 'inference' });

/** A namespace we own: Pod Security `restricted`, enforced, audited and warned; deleting it is the teardown. */
export function namespace(name: string, purpose: string): K8sObject {
  const level = 'restricted';
  const ns: V1Namespace = {
    metadata: {
      name,
      labels: {
        'pod-security.kubernetes.io/enforce': level,
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/audit': level,
        'pod-security.kubernetes.io/warn': level,
      },
      annotations: { 'platformc.dev/purpose': purpose },
    },
  };
  return obj('v1', 'Namespace', ns);
}

export function teamQuota(team: { namespace: string; gpuQuota: number }): K8sObject[] {
  const quota: V1ResourceQuota = { metadata: { name: 'gpu-quota', namespace: team.namespace }, spec: { hard: { [`requests.${GPU_RESOURCE}`]: String(team.gpuQuota) } } };
  const limits: V1LimitRange = {
    metadata: { name: 'container-defaults', namespace: team.namespace },
    spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '100m', memory: '128Mi' }, _default: { cpu: '500m', memory: '512Mi' } } as never] },
  };
  // The client type calls `default` `_default`; the API field is `default`.
  const fixed = JSON.parse(JSON.stringify(limits).replace('"_default"', '"default"')) as V1LimitRange;
  return [obj('v1', 'ResourceQuota', quota), obj('v1', 'LimitRange', fixed)];
}

const dns: { to: V1NetworkPolicyPeer[]; ports: V1NetworkPolicyPort[] } = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
};
const nsPeer = (name: string): V1NetworkPolicyPeer => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });

function netpol(name: string, namespace: string, spec: V1NetworkPolicy['spec']): K8sObject {
  const p: V1NetworkPolicy = { metadata: { name, namespace }, spec };
  return obj('networking.k8s.io/v1', 'NetworkPolicy', p);
}

/** Default deny, then only what is needed: DNS; for Triton pods HTTPS egress (S3, STS), metrics from monitoring, inference from the platform namespace. */
export function teamNetworkPolicies(namespace: string): K8sObject[] {
  const triton = { matchLabels: { 'app.kubernetes.io/name': 'triton' } };
  return [
    netpol('default-deny-all', namespace, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    netpol('allow-dns', namespace, { podSelector: {}, policyTypes: ['Egress'], egress: [dns] }),
    netpol('triton-allow-https-egress', namespace, {
      podSelector: triton,
      policyTypes: ['Egress'],
      // S3 and STS over HTTPS; never the instance metadata service.
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }], ports: [{ protocol: 'TCP', port: 443 }] }],
    }),
    netpol('triton-allow-metrics', namespace, { podSelector: triton, policyTypes: ['Ingress'], ingress: [{ _from: [nsPeer(NAMESPACES.monitoring)], ports: [{ protocol: 'TCP', port: TRITON_PORTS.metrics }] } as never] }),
    netpol('triton-allow-load-tests', namespace, {
      podSelector: triton,
      policyTypes: ['Ingress'],
      ingress: [{ _from: [nsPeer(NAMESPACES.platform)], ports: [{ protocol: 'TCP', port: TRITON_PORTS.http }, { protocol: 'TCP', port: TRITON_PORTS.grpc }] } as never],
    }),
  ].map(fixFrom);
}

/** In this region: inference traffic from the ALB, whose nodes sit in the VPC (target type ip). */
export function albIngressPolicy(namespace: string, vpcCidr: string): K8sObject {
  return fixFrom(
    netpol('triton-allow-alb', namespace, {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'triton' } },
      policyTypes: ['Ingress'],
      ingress: [{ _from: [{ ipBlock: { cidr: vpcCidr } }], ports: [{ protocol: 'TCP', port: TRITON_PORTS.http }] } as never],
    }),
  );
}

/** The platform namespace runs load tests: they may reach Triton in team namespaces and Grafana for annotations. */
export function platformNetworkPolicies(teamNamespaces: readonly string[]): K8sObject[] {
  return [
    netpol('default-deny-all', NAMESPACES.platform, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    netpol('allow-dns', NAMESPACES.platform, { podSelector: {}, policyTypes: ['Egress'], egress: [dns] }),
    netpol('load-tests-allow-egress', NAMESPACES.platform, {
      podSelector: { matchLabels: { 'app.kubernetes.io/component': 'load-test' } },
      policyTypes: ['Egress'],
      egress: [
        { to: teamNamespaces.map(nsPeer), ports: [{ protocol: 'TCP', port: TRITON_PORTS.http }, { protocol: 'TCP', port: TRITON_PORTS.grpc }] },
        { to: [{ ...nsPeer(NAMESPACES.monitoring), podSelector: { matchLabels: { 'app.kubernetes.io/name': 'grafana' } } }], ports: [{ protocol: 'TCP', port: 3000 }] },
      ],
    }),
  ];
}

/** The client types name `from` as `_from` (a reserved word); the API field is `from`. */
function fixFrom(o: K8sObject): K8sObject {
  return JSON.parse(JSON.stringify(o).replace(/"_from"/g, '"from"')) as K8sObject;
}

/** Resources of one replica: its share of the node (by GPUs), leaving room for system pods. */
export function replicaResources(d: DeploymentIR, r: RegionIR): { cpu: number; memoryGiB: number } {
  const pool = r.nodePools.find((p) => p.name === d.nodePool)!;
  const share = d.gpusPerReplica / Math.max(1, pool.instance.gpus);
  return { cpu: Math.max(1, Math.floor((pool.instance.vcpu - 1) * share)), memoryGiB: Math.max(2, Math.floor((pool.instance.memoryGiB - 3) * share)) };
}

/** ServiceAccount, Role and RoleBinding, Deployment, Service, Ingress, PodDisruptionBudget, HPA for one model (base values). */
export function modelObjects(ir: PlatformIR, m: ModelIR, d: DeploymentIR, r: RegionIR, metricsEnabled: boolean): K8sObject[] {
  const ns = m.namespace;
  const name = m.workload;
  const labels = modelLabels(m.name);
  const triton = ir.versions.images.triton!;
  const res = replicaResources(d, r);
  const pool = r.nodePools.find((p) => p.name === d.nodePool)!;

  const sa: V1ServiceAccount = {
    metadata: { name: d.serviceAccount, namespace: ns, labels, annotations: { 'eks.amazonaws.com/role-arn': 'set-by-overlay' } },
    // Triton never calls the Kubernetes API. IRSA still works: EKS injects its own projected token.
    automountServiceAccountToken: false,
  };
  // Every workload gets its own Role and RoleBinding; Triton needs no API rights, so the Role grants none.
  const role: V1Role = { metadata: { name, namespace: ns, labels }, rules: [] };
  const binding: V1RoleBinding = {
    metadata: { name, namespace: ns, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name: d.serviceAccount, namespace: ns }],
  };
  const probe = (path: string, period: number, failures: number) => ({ httpGet: { path, port: 'http' }, periodSeconds: period, timeoutSeconds: 5, failureThreshold: failures });
  const deployment: V1Deployment = {
    metadata: { name, namespace: ns, labels },
    spec: {
      replicas: d.replicas.min,
      revisionHistoryLimit: 3,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels, annotations: { 'platformc.dev/model-definition': m.definitionPath } },
        spec: {
          serviceAccountName: d.serviceAccount,
          automountServiceAccountToken: false,
          nodeSelector: { [POOL_LABEL]: d.nodePool },
          tolerations: pool.taints.map((t) => ({ key: t.key, operator: 'Equal', value: t.value, effect: t.effect })),
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } },
          ],
          securityContext: { runAsNonRoot: true, runAsUser: TRITON_UID, runAsGroup: TRITON_UID, fsGroup: TRITON_UID, seccompProfile: { type: 'RuntimeDefault' } },
          terminationGracePeriodSeconds: 60,
          containers: [
            {
              name: 'triton',
              image: `${triton.repository}:${triton.tag}`,
              command: ['tritonserver'],
              args: tritonArgs(m, 'set-by-overlay'),
              env: [
                { name: 'HOME', value: '/tmp' },
                { name: 'AWS_REGION', value: 'set-by-overlay' },
              ],
              ports: [
                { name: 'http', containerPort: TRITON_PORTS.http, protocol: 'TCP' },
                { name: 'grpc', containerPort: TRITON_PORTS.grpc, protocol: 'TCP' },
                { name: 'metrics', containerPort: TRITON_PORTS.metrics, protocol: 'TCP' },
              ],
              // Loading a large model from S3 takes minutes: the startup probe allows 15 of them before liveness applies.
              startupProbe: probe('/v2/health/ready', 10, 90),
              livenessProbe: probe('/v2/health/live', 10, 3),
              readinessProbe: probe('/v2/health/ready', 5, 3),
              resources: {
                requests: { cpu: String(res.cpu), memory: `${res.memoryGiB}Gi`, [GPU_RESOURCE]: String(d.gpusPerReplica) },
                limits: { cpu: String(res.cpu * 2), memory: `${res.memoryGiB}Gi`, [GPU_RESOURCE]: String(d.gpusPerReplica) },
              },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
              // Triton writes its scratch and the S3 model cache under /tmp; /dev/shm carries its shared-memory IPC.
              volumeMounts: [
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'shm', mountPath: '/dev/shm' },
              ],
            },
          ],
          volumes: [
            { name: 'tmp', emptyDir: { sizeLimit: '20Gi' } },
            { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } },
          ],
        },
      },
    },
  };
  const service: V1Service = {
    metadata: { name, namespace: ns, labels },
    spec: {
      type: 'ClusterIP',
      selector: labels,
      ports: [
        { name: 'http', port: TRITON_PORTS.http, targetPort: 'http', protocol: 'TCP' },
        { name: 'grpc', port: TRITON_PORTS.grpc, targetPort: 'grpc', protocol: 'TCP' },
        { name: 'metrics', port: TRITON_PORTS.metrics, targetPort: 'metrics', protocol: 'TCP' },
      ],
    },
  };
  const ingress: V1Ingress = {
    metadata: {
      name,
      namespace: ns,
      labels,
      annotations: {
        // Models of one environment and scheme share one ALB (an IngressGroup); each gets its own path and target group.
        'alb.ingress.kubernetes.io/group.name': `${ir.name}-${d.ingressScheme}`,
        'alb.ingress.kubernetes.io/scheme': d.ingressScheme,
        'alb.ingress.kubernetes.io/target-type': 'ip',
        'alb.ingress.kubernetes.io/healthcheck-path': '/v2/health/ready',
        'alb.ingress.kubernetes.io/healthcheck-port': String(TRITON_PORTS.http),
        'alb.ingress.kubernetes.io/success-codes': '200',
        'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}]',
      },
    },
    spec: {
      ingressClassName: 'alb',
      rules: [{ http: { paths: [{ path: `/v2/models/${m.name}`, pathType: 'Prefix', backend: { service: { name, port: { name: 'http' } } } }] } }],
    },
  };
  const pdb: V1PodDisruptionBudget = { metadata: { name, namespace: ns, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: labels } } };
  const hpa: V2HorizontalPodAutoscaler = {
    metadata: { name, namespace: ns, labels },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: d.replicas.min,
      maxReplicas: d.replicas.max,
      metrics: metricsEnabled
        ? // Queue time grows before latency breaks the SLO: scale out when requests wait a fifth of the p99 budget.
          [{ type: 'Pods', pods: { metric: { name: QUEUE_TIME_METRIC }, target: { type: 'AverageValue', averageValue: String(queueTargetMs(d)) } } }]
        : [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    },
  };
  return [
    obj('v1', 'ServiceAccount', sa),
    obj('rbac.authorization.k8s.io/v1', 'Role', role),
    obj('rbac.authorization.k8s.io/v1', 'RoleBinding', binding),
    obj('apps/v1', 'Deployment', deployment),
    obj('v1', 'Service', service),
    obj('networking.k8s.io/v1', 'Ingress', ingress),
    obj('policy/v1', 'PodDisruptionBudget', pdb),
    obj('autoscaling/v2', 'HorizontalPodAutoscaler', hpa),
  ];
}

export const queueTargetMs = (d: DeploymentIR) => Math.max(1, Math.round(d.slo.latencyP99Ms / 5));

/** Triton's command line: its own model repository prefix, exactly this model, latency histograms on. */
export function tritonArgs(m: ModelIR, bucket: string): string[] {
  return [
    `--model-repository=s3://${bucket}/${m.name}`,
    '--model-control-mode=explicit',
    `--load-model=${m.name}`,
    '--strict-model-config=true',
    '--exit-on-error=true',
    `--http-port=${TRITON_PORTS.http}`,
    `--grpc-port=${TRITON_PORTS.grpc}`,
    `--metrics-port=${TRITON_PORTS.metrics}`,
    '--allow-metrics=true',
    '--allow-gpu-metrics=true',
    // The latency SLO is measured from this histogram (buckets set in config.pbtxt).
    '--metrics-config=histogram_latencies=true',
    `--log-verbose=0`,
  ];
}

/** Reads secrets from AWS Secrets Manager through the External Secrets operator (IRSA, no keys). */
export function secretStore(region: string): K8sObject {
  return obj('external-secrets.io/v1', 'ClusterSecretStore', {
    metadata: { name: 'aws-secrets-manager' },
    spec: { provider: { aws: { service: 'SecretsManager', region, auth: { jwt: { serviceAccountRef: { name: 'external-secrets', namespace: 'external-secrets' } } } } } },
  });
}

/** Grafana's admin credentials, copied from Secrets Manager into the Secret the Grafana chart reads. */
export function grafanaAdminSecret(env: EnvironmentIR): K8sObject {
  const secretName = GRAFANA_ADMIN_SECRET;
  return obj('external-secrets.io/v1', 'ExternalSecret', {
    metadata: { name: secretName, namespace: NAMESPACES.monitoring },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'aws-secrets-manager' },
      target: { name: secretName, creationPolicy: 'Owner' },
      data: [
        { secretKey: 'admin-user', remoteRef: { key: env.observability.dashboards.adminSecret, property: 'username' } },
        { secretKey: 'admin-password', remoteRef: { key: env.observability.dashboards.adminSecret, property: 'password' } },
      ],
    },
  });
}

/** Prometheus scrapes every Triton pod's metrics port (kube-prometheus-stack selects all ServiceMonitors). */
export function tritonServiceMonitor(namespace: string): K8sObject {
  return obj('monitoring.coreos.com/v1', 'ServiceMonitor', {
    metadata: { name: 'triton', namespace, labels: { release: 'kube-prometheus-stack' } },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'triton' } },
      endpoints: [{ port: 'metrics', interval: '15s', path: '/metrics' }],
      namespaceSelector: { matchNames: [namespace] },
    },
  });
}
