/**
 * Kubernetes objects as typed data (types from @kubernetes/client-node, imported as types only).
 * Everything a model needs to serve on Triton: identity, workload, network path, disruption and scaling.
 */
import type {
  V1Container, V1Deployment, V1Ingress, V1LimitRange, V1Namespace, V1NetworkPolicy, V1NetworkPolicyPeer, V1NetworkPolicyPort, V1PodDisruptionBudget,
  V1ResourceQuota, V1Role, V1RoleBinding, V1Service, V1ServiceAccount, V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import type { DeploymentIR, ModelIR, PlatformIR, RegionIR } from '../../resolve/ir.js';
import {
  ALB_ANNOTATION_PREFIX, CERTIFICATE_ANNOTATION, DEREGISTRATION_DELAY_SECONDS, NAMESPACES, POOL_LABEL, PRESTOP_SECONDS, PROGRESS_DEADLINE_SECONDS, TERMINATION_GRACE_SECONDS, TRITON_PORTS,
} from '../../lib/conventions.js';
import { k8sObject as obj, type K8sObject } from '../shared/k8s.js';

export type { K8sObject };

/** The uid and gid of the `triton-server` user in NVIDIA's Triton images. */
export const TRITON_UID = 1000;

export const modelLabels = (model: string) => ({ 'app.kubernetes.io/name': 'triton', 'app.kubernetes.io/instance': model, 'app.kubernetes.io/component': 'inference' });

/** Label that makes the AWS Load Balancer Controller add its target-health readiness gate to pods of a namespace. */
const READINESS_GATE_LABEL = 'elbv2.k8s.aws/pod-readiness-gate-inject';

/**
 * A namespace we own: Pod Security `restricted`, enforced, audited and warned; deleting it is the teardown.
 * Team namespaces also get the ALB readiness gate: a new pod counts as ready only once the ALB sees it
 * healthy, so a rollout never removes the last healthy target.
 * @see https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/pod_readiness_gate/
 */
export function namespace(name: string, purpose: string, servesAlbTraffic = false): K8sObject {
  const level = 'restricted';
  const ns: V1Namespace = {
    metadata: {
      name,
      labels: {
        'pod-security.kubernetes.io/enforce': level,
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/audit': level,
        'pod-security.kubernetes.io/warn': level,
        ...(servesAlbTraffic ? { [READINESS_GATE_LABEL]: 'enabled' } : {}),
      },
      annotations: { 'platformc.dev/purpose': purpose },
    },
  };
  return obj('v1', 'Namespace', ns);
}

/** The team's GPU quota: whole GPUs, and every time-sliced or MIG resource its models request (resolved in the IR). */
export function teamQuota(team: { namespace: string; gpuQuotaHard: Readonly<Record<string, number>> }): K8sObject[] {
  const hard = Object.fromEntries(Object.entries(team.gpuQuotaHard).map(([resource, n]) => [`requests.${resource}`, String(n)]));
  const quota: V1ResourceQuota = { metadata: { name: 'gpu-quota', namespace: team.namespace }, spec: { hard } };
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

/** Default deny, then only what is needed: DNS; for Triton pods metrics from monitoring and inference from the platform namespace (HTTPS egress to AWS is per region: tritonEgressPolicy). */
export function teamNetworkPolicies(namespace: string): K8sObject[] {
  const triton = { matchLabels: { 'app.kubernetes.io/name': 'triton' } };
  return [
    netpol('default-deny-all', namespace, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    netpol('allow-dns', namespace, { podSelector: {}, policyTypes: ['Egress'], egress: [dns] }),
    // Only Prometheus (the operator labels its pods app.kubernetes.io/name=prometheus), not every pod of the monitoring namespace.
    netpol('triton-allow-metrics', namespace, {
      podSelector: triton,
      policyTypes: ['Ingress'],
      ingress: [{ _from: [{ ...nsPeer(NAMESPACES.monitoring), podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }], ports: [{ protocol: 'TCP', port: TRITON_PORTS.metrics }] } as never],
    }),
    netpol('triton-allow-load-tests', namespace, {
      podSelector: triton,
      policyTypes: ['Ingress'],
      ingress: [{ _from: [nsPeer(NAMESPACES.platform)], ports: [{ protocol: 'TCP', port: TRITON_PORTS.http }, { protocol: 'TCP', port: TRITON_PORTS.grpc }] } as never],
    }),
  ].map(fixFrom);
}

/**
 * In this region: inference traffic from the ALB, to Triton's HTTP port only. With target type ip the ALB's
 * nodes connect from addresses ELB picks in the subnets the ALB sits in, and changes as it scales.
 *
 * How narrow this can be, exactly: the VPC CNI's network policy agent enforces standard NetworkPolicy peers,
 * i.e. pods (podSelector/namespaceSelector, resolved to pod IPs) and ipBlocks; an ALB is no pod, and a
 * NetworkPolicy cannot name a security group or an ENI, so the ALB's subnets' CIDRs are the narrowest peer.
 * Those subnets hold load balancers only (NetworkIR, planSubnets): internet-facing ALBs sit in the public
 * subnets (with the NAT gateways, which only forward pod-initiated flows), internal ALBs in subnets of their
 * own, the only ones tagged kubernetes.io/role/internal-elb. Nodes, and with the VPC CNI every pod, take
 * addresses of the private subnets, which no ipBlock here overlaps: no pod of the cluster passes this allow.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy.html
 * @see https://github.com/kubernetes-sigs/aws-load-balancer-controller/blob/main/docs/deploy/subnet_discovery.md
 */
export function albIngressPolicy(namespace: string, albSubnets: readonly string[]): K8sObject {
  return fixFrom(
    netpol('triton-allow-alb', namespace, {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'triton' } },
      policyTypes: ['Ingress'],
      ingress: [{ _from: [...new Set(albSubnets)].sort().map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: 'TCP', port: TRITON_PORTS.http }] } as never],
    }),
  );
}

/** Address ranges that are never AWS's public endpoints: private (RFC 1918), shared (RFC 6598) and link-local (IMDS). */
const NON_PUBLIC = ['10.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'];

/**
 * In this region: Triton's egress to AWS over HTTPS, as narrow as NetworkPolicy can say it. STS (IRSA's
 * AssumeRoleWithWebIdentity) and the other interface endpoints answer inside the VPC: its CIDR. S3 (the model
 * repository) goes through the gateway endpoint, to S3's public addresses: a gateway endpoint has no address
 * of its own, NetworkPolicy cannot name its prefix list (pl-...), and S3's ranges change, so that rule stays
 * "any public address on 443". What it does exclude: the instance metadata service, and every private range
 * outside the VPC (peered VPCs, on-premises networks behind a transit gateway), so a Triton pod cannot reach
 * into other networks. Closing the public side too needs S3 through an interface endpoint (then the VPC CIDR
 * is all Triton needs), which puts every model download on PrivateLink's per-GB charge.
 * @see https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html
 */
export function tritonEgressPolicy(namespace: string, vpcCidr: string): K8sObject {
  return netpol('triton-allow-aws-egress', namespace, {
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'triton' } },
    policyTypes: ['Egress'],
    egress: [
      { to: [{ ipBlock: { cidr: vpcCidr } }], ports: [{ protocol: 'TCP', port: 443 }] },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: NON_PUBLIC } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ],
  });
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

/** Key of the header that unlocks Triton's restricted APIs; its value is the pod's UID (see tritonArgs). */
const RESTRICTED_API_HEADER = 'platformc-admin-key';

/**
 * Everything one model needs in one environment and region, from that environment's DeploymentIR:
 * ServiceAccount, Role and RoleBinding, Deployment, Service, Ingress, PodDisruptionBudget and, when it
 * scales on metrics, the HPA.
 */
export function modelObjects(ir: PlatformIR, m: ModelIR, d: DeploymentIR, r: RegionIR): K8sObject[] {
  const ns = d.namespace;
  const name = d.workload;
  const labels = modelLabels(m.name);
  const triton = ir.versions.images.triton!;
  const pool = r.nodePools.find((p) => p.name === d.nodePool)!;
  const resources = { cpu: `${d.resources.cpuMillis}m`, memory: `${d.resources.memoryMiB}Mi`, [d.gpu.resource]: String(d.gpu.count) };

  const sa: V1ServiceAccount = {
    metadata: { name: d.serviceAccount, namespace: ns, labels, annotations: { 'eks.amazonaws.com/role-arn': d.roleArn } },
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
      // With an HPA the count is the HPA's: a replicas field here would reset it on every apply.
      ...(d.autoscaling ? {} : { replicas: d.replicas.min }),
      revisionHistoryLimit: 3,
      // Model load from S3 plus a node from zero plus the image pull: longer than the 600 s default.
      progressDeadlineSeconds: PROGRESS_DEADLINE_SECONDS,
      selector: { matchLabels: labels },
      // A surge pod needs a spare GPU: surge only when the pool and the quota have one at maximum scale.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: d.rollout.maxUnavailable, maxSurge: d.rollout.maxSurge } },
      template: {
        metadata: {
          labels,
          // A new configuration or new weights roll the pods (Triton loads the model only at start).
          annotations: { 'platformc.dev/model-definition': m.definitionPath, 'platformc.dev/model-revision': m.revision, 'platformc.dev/weights-sha256': m.weightsSha256 },
        },
        spec: {
          serviceAccountName: d.serviceAccount,
          automountServiceAccountToken: false,
          nodeSelector: { [POOL_LABEL]: d.nodePool },
          tolerations: pool.taints.map((t) => ({ key: t.key, operator: 'Equal', value: t.value, effect: t.effect })),
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } },
          ],
          securityContext: { runAsNonRoot: true, runAsUser: TRITON_UID, runAsGroup: TRITON_UID, fsGroup: TRITON_UID, seccompProfile: { type: 'RuntimeDefault' } },
          // The model revision's files, fetched and checked against their sha256 before Triton starts (fetchModel).
          initContainers: [fetchModel(ir, m, r)],
          // preStop keeps serving while the ALB deregisters the target, then Triton finishes in-flight requests.
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          containers: [
            {
              name: 'triton',
              image: `${triton.repository}:${triton.tag}`,
              command: ['tritonserver'],
              args: tritonArgs(m),
              env: [
                { name: 'HOME', value: '/tmp' },
                // The restricted APIs' key: known to whoever can read the pod, never written anywhere.
                { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
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
              lifecycle: { preStop: { exec: { command: ['sleep', String(PRESTOP_SECONDS)] } } },
              // Limits equal requests (Guaranteed QoS): no CPU throttling below the request, no eviction under pressure.
              resources: { requests: resources, limits: resources },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
              // Triton writes its scratch and the S3 model cache under /tmp; /dev/shm carries its shared-memory IPC.
              volumeMounts: [
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'shm', mountPath: '/dev/shm' },
                // Triton reads the verified files; nothing in the container can change them.
                { name: 'models', mountPath: MODEL_REPOSITORY, readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: 'tmp', emptyDir: { sizeLimit: '20Gi' } },
            // One model.onnx is at most 2 GiB (the protobuf limit of an ONNX file without external data), plus its config.
            { name: 'models', emptyDir: { sizeLimit: '4Gi' } },
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
    metadata: { name, namespace: ns, labels, annotations: ingressAnnotations(d) },
    spec: {
      // The team's class (kustomize/overlays/<env>/<region>/admission): its group, its scheme, its namespace only.
      ingressClassName: d.ingressClass,
      // The host names the certificate only: rules match any Host, so Route 53 health checks can probe the ALB by its own name.
      ...(d.ingress.host ? { tls: [{ hosts: [d.ingress.host] }] } : {}),
      rules: [{ http: { paths: [{ path: `/v2/models/${m.name}`, pathType: 'Prefix', backend: { service: { name, port: { name: 'http' } } } }] } }],
    },
  };
  // One pod at a time, as the rollout takes them (maxUnavailable 1 or a surge): with replicas.min >= 2 one
  // keeps serving through a drain; a single replica cannot be kept without blocking the drain, so it is
  // evicted (validation refuses that in production unless rollouts surge, and warns about drains). A pod
  // that is not ready never blocks a drain.
  const pdb: V1PodDisruptionBudget = { metadata: { name, namespace: ns, labels }, spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: labels } } };
  const objects = [
    obj('v1', 'ServiceAccount', sa),
    obj('rbac.authorization.k8s.io/v1', 'Role', role),
    obj('rbac.authorization.k8s.io/v1', 'RoleBinding', binding),
    obj('apps/v1', 'Deployment', deployment),
    obj('v1', 'Service', service),
    obj('networking.k8s.io/v1', 'Ingress', ingress),
    obj('policy/v1', 'PodDisruptionBudget', pdb),
  ];
  if (d.autoscaling) {
    const hpa: V2HorizontalPodAutoscaler = {
      metadata: { name, namespace: ns, labels },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: d.replicas.min,
        maxReplicas: d.replicas.max,
        // Queue time grows before latency breaks the SLO: scale out when requests wait a fifth of the p99 budget.
        metrics: [{ type: 'Pods', pods: { metric: { name: d.autoscaling.metric }, target: { type: 'AverageValue', averageValue: String(d.autoscaling.targetMs) } } }],
        behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
      },
    };
    objects.push(obj('autoscaling/v2', 'HorizontalPodAutoscaler', hpa));
  }
  return objects;
}

/**
 * The ALB of the model's team and scheme (one IngressGroup per team namespace), HTTPS when the environment
 * has certificates (always for internet-facing ones; internal ones too with a DNS zone), the Cognito authentication asked for, and a
 * deregistration delay shorter than the pods' preStop.
 * @see https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/
 */
export function ingressAnnotations(d: DeploymentIR): Record<string, string> {
  const i = d.ingress;
  const tls = i.tls;
  return {
    [`${ALB_ANNOTATION_PREFIX}group.name`]: d.ingressGroup,
    [`${ALB_ANNOTATION_PREFIX}scheme`]: i.scheme,
    [`${ALB_ANNOTATION_PREFIX}target-type`]: 'ip',
    [`${ALB_ANNOTATION_PREFIX}healthcheck-path`]: '/v2/health/ready',
    [`${ALB_ANNOTATION_PREFIX}healthcheck-port`]: String(TRITON_PORTS.http),
    [`${ALB_ANNOTATION_PREFIX}success-codes`]: '200',
    [`${ALB_ANNOTATION_PREFIX}target-group-attributes`]: `deregistration_delay.timeout_seconds=${DEREGISTRATION_DELAY_SECONDS}`,
    [`${ALB_ANNOTATION_PREFIX}listen-ports`]: tls ? '[{"HTTPS": 443}]' : '[{"HTTP": 80}]',
    ...(tls ? { [`${ALB_ANNOTATION_PREFIX}ssl-policy`]: 'ELBSecurityPolicy-TLS13-1-2-2021-06' } : {}),
    // Certificates named in platform.yaml. The one the platform requests for the host under spec.tls exists only
    // once the infra root is applied: platformc apply sets its ARN here from that root's output (compiler/ops/certificates.ts).
    ...(i.certificateArns.length ? { [CERTIFICATE_ANNOTATION]: i.certificateArns.join(',') } : {}),
    ...(i.allowedCidrs.length ? { [`${ALB_ANNOTATION_PREFIX}inbound-cidrs`]: i.allowedCidrs.join(',') } : {}),
    ...(i.authentication !== 'none'
      ? {
          [`${ALB_ANNOTATION_PREFIX}auth-type`]: 'cognito',
          [`${ALB_ANNOTATION_PREFIX}auth-idp-cognito`]: JSON.stringify({ userPoolARN: i.authentication.cognito.userPoolArn, userPoolClientID: i.authentication.cognito.userPoolClientId, userPoolDomain: i.authentication.cognito.userPoolDomain }),
          // API clients get 401 instead of a login redirect.
          [`${ALB_ANNOTATION_PREFIX}auth-on-unauthenticated-request`]: 'deny',
          [`${ALB_ANNOTATION_PREFIX}auth-scope`]: 'openid',
        }
      : {}),
  };
}

/** Where the pod's model repository lives: the fetch-model init container fills it, Triton reads it. */
const MODEL_REPOSITORY = '/models';

/**
 * Verification on load. Downloads the revision's config.pbtxt and model.onnx from the model bucket into the pod's
 * model repository and checks both against the sha256 the IR holds (sha256sum exits non-zero on any difference,
 * so the pod never starts Triton on other bytes and stays in Init with the mismatch in this container's log).
 * Triton then loads these local files, not S3: what it loads is exactly what was hashed, with no second read that
 * could differ, and its own S3 client (HeadBucket, listing) is out of the path. The files come from the prefix of
 * the revision the pod template names, so a pod started mid-rollout or after `kubectl rollout undo` loads its own
 * revision. The pinned AWS CLI image (Amazon Linux 2: sh and coreutils' sha256sum), the model's service account and
 * IRSA role (s3:GetObject on <model>/*), and Triton's restricted security context and egress policy.
 */
function fetchModel(ir: PlatformIR, m: ModelIR, r: RegionIR): V1Container {
  const cli = ir.versions.images.awsCli!;
  const script = [
    'set -eu',
    'dir="$MODEL_REPOSITORY/$MODEL"',
    'mkdir -p "$dir/1"',
    'aws s3 cp --only-show-errors "$SOURCE/$MODEL/config.pbtxt" "$dir/config.pbtxt"',
    'aws s3 cp --only-show-errors "$SOURCE/$MODEL/1/model.onnx" "$dir/1/model.onnx"',
    `printf '%s  %s\\n' "$CONFIG_SHA256" "$dir/config.pbtxt" "$WEIGHTS_SHA256" "$dir/1/model.onnx" | sha256sum --check --strict -`,
  ].join('\n');
  // Guaranteed QoS needs limits equal to requests in every container; below Triton's smallest requests, so the pod asks for no more.
  const resources = { cpu: '500m', memory: '512Mi' };
  return {
    name: 'fetch-model',
    image: `${cli.repository}:${cli.tag}`,
    command: ['/bin/sh', '-c', script],
    env: [
      { name: 'HOME', value: '/tmp' },
      { name: 'AWS_REGION', value: r.region },
      { name: 'MODEL', value: m.name },
      { name: 'MODEL_REPOSITORY', value: MODEL_REPOSITORY },
      { name: 'SOURCE', value: `s3://${r.names.modelBucket}/${m.repository.prefix}` },
      { name: 'CONFIG_SHA256', value: m.configSha256 },
      { name: 'WEIGHTS_SHA256', value: m.weightsSha256 },
    ],
    resources: { requests: resources, limits: resources },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
    // The CLI caches the web-identity credentials under $HOME.
    volumeMounts: [
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'models', mountPath: MODEL_REPOSITORY },
    ],
  };
}

/**
 * Triton's command line: the pod's verified model repository, exactly this model, latency histograms on, the
 * configuration taken as written (no auto-complete), and the model-control, shared-memory, trace and logging
 * APIs closed to callers without the pod's UID in a header (the ALB routes only /v2/models/<model>, but every
 * pod of the VPC could reach port 8000 otherwise).
 * @see https://github.com/triton-inference-server/server/blob/main/docs/customization_guide/deploy.md
 */
export function tritonArgs(m: ModelIR): string[] {
  const restricted = `model-repository,shared-memory,trace,logging:${RESTRICTED_API_HEADER}=$(POD_UID)`;
  return [
    `--model-repository=${MODEL_REPOSITORY}`,
    '--model-control-mode=explicit',
    `--load-model=${m.name}`,
    '--disable-auto-complete-config',
    '--exit-on-error=true',
    `--http-port=${TRITON_PORTS.http}`,
    `--grpc-port=${TRITON_PORTS.grpc}`,
    `--metrics-port=${TRITON_PORTS.metrics}`,
    '--allow-metrics=true',
    '--allow-gpu-metrics=true',
    // The latency SLO is measured from this histogram (buckets set in config.pbtxt).
    '--metrics-config=histogram_latencies=true',
    `--http-restricted-api=${restricted}`,
    `--grpc-restricted-protocol=${restricted}`,
    `--log-verbose=0`,
  ];
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
