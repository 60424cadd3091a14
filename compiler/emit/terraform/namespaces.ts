/**
 * The namespaces of the platform's controllers (External Secrets, monitoring, the node exporters, logging), created by
 * the platform root before the Helm releases that run in them and deleted after them: Pod Security Admission labels
 * and a default-deny NetworkPolicy with the flows each component needs, as team namespaces have.
 *
 * Pod Security: each namespace enforces the strictest level its pods satisfy in the pinned charts, with the values
 * platformc sets (test/emit/controller-namespaces.test.ts checks the security contexts against the profile); audit and
 * warn are `restricted` everywhere, so whatever runs below it is visible in the audit log and in every apply.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-admission/
 *
 * NetworkPolicies are enforced by the VPC CNI's network policy agent (enableNetworkPolicy on the vpc-cni add-on). It
 * does not filter pods on the host network (node-exporter) and admits the kubelet's probes from the node.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy.html
 */
import type { EnvironmentIR, RegionIR } from '../../resolve/ir.js';
import { CONTROLLERS, NAMESPACES } from '../../lib/conventions.js';
import { compareCodeUnits } from '../../lib/order.js';
import type { Release } from '../shared/releases.js';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** The level each controller namespace enforces, and why (what in the pinned charts' pod specs decides it). */
export const POD_SECURITY: Readonly<Record<string, { readonly enforce: PodSecurityLevel; readonly why: string }>> = {
  [CONTROLLERS.externalSecrets.namespace]: {
    enforce: 'restricted',
    why: 'external-secrets controller, webhook and cert-controller: non-root, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp',
  },
  [NAMESPACES.monitoring]: {
    enforce: 'restricted',
    why: 'Prometheus, Alertmanager, Grafana, the Prometheus operator and its admission jobs, kube-state-metrics, prometheus-adapter: restricted security contexts',
  },
  [NAMESPACES.nodeExporters]: {
    enforce: 'privileged',
    why: 'node-exporter uses the host network, PID namespace and root filesystem; the DCGM exporter runs as root with SYS_ADMIN and the kubelet pod-resources hostPath',
  },
  [CONTROLLERS.logShipping.namespace]: {
    enforce: 'privileged',
    why: "fluent-bit reads the node's logs through hostPath volumes (/var/log, /etc/machine-id), which even baseline forbids",
  },
};

export interface ControllerNamespace {
  readonly name: string;
  readonly enforce: PodSecurityLevel;
  readonly why: string;
}

/** Every namespace the releases put pods in, except kube-system (EKS's own, with its own add-ons). */
export function controllerNamespaces(list: readonly Release[]): ControllerNamespace[] {
  const names = [...new Set(list.flatMap((r) => [r.namespace, ...(r.alsoIn ?? [])]))].filter((n) => n !== 'kube-system').sort(compareCodeUnits);
  return names.map((name) => {
    const level = POD_SECURITY[name];
    if (!level) throw new Error(`no Pod Security level for the namespace '${name}' (compiler/emit/terraform/namespaces.ts)`);
    return { name, ...level };
  });
}

/** The namespace's labels: enforce its level, audit and warn at restricted. */
export const podSecurityLabels = (ns: ControllerNamespace): Record<string, string> => ({
  'pod-security.kubernetes.io/enforce': ns.enforce,
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/audit': 'restricted',
  'pod-security.kubernetes.io/warn': 'restricted',
});

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values: string[] }[] };
type Peer = { namespaceSelector?: Selector; podSelector?: Selector; ipBlock?: { cidr: string; except?: string[] } };
type Port = { protocol: 'TCP' | 'UDP'; port: number };
type Rule<K extends 'from' | 'to'> = { [k in K]?: Peer[] } & { ports?: Port[] };
export interface NetworkPolicy {
  readonly apiVersion: 'networking.k8s.io/v1';
  readonly kind: 'NetworkPolicy';
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: { podSelector: Selector; policyTypes: ('Ingress' | 'Egress')[]; ingress?: Rule<'from'>[]; egress?: Rule<'to'>[] };
}

const policy = (namespace: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
const tcp = (...ports: number[]): Port[] => ports.map((port) => ({ protocol: 'TCP', port }));
const inNamespace = (name: string): Peer => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
/** Pods by app.kubernetes.io/name, the label every chart here (and the Prometheus operator) sets on its pods. */
const app = (name: string): Selector => ({ matchLabels: { 'app.kubernetes.io/name': name } });
const monitoringApp = (name: string): Peer => ({ ...inNamespace(NAMESPACES.monitoring), podSelector: app(name) });

const DNS: Rule<'to'> = {
  to: [{ ...inNamespace('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
};
/**
 * HTTPS to anywhere but the instance metadata service: the API server and AWS's APIs. The API server is the
 * `kubernetes` Service's ClusterIP, translated by kube-proxy to the control plane's network interfaces in the VPC
 * (which EKS replaces when it updates the control plane) and, with a public endpoint, public addresses: no narrower
 * peer names all of them. AWS APIs without an interface endpoint (Secrets Manager) answer on public addresses.
 */
const HTTPS_OUT: Rule<'to'> = { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }], ports: tcp(443) };

/** Ports the API server calls in the monitoring namespace: the operator's admission webhook, prometheus-adapter's APIService. */
export const MONITORING_API_SERVER_PORTS = { operatorWebhook: 10250, customMetrics: 6443 } as const;
/** The External Secrets webhook's port (chart value webhook.port). */
export const ESO_WEBHOOK_PORT = 10250;
/** Host ports Prometheus scrapes on every node: the kubelet (and cAdvisor), node-exporter (host network), kube-proxy. */
export const NODE_SCRAPE_PORTS = { kubelet: 10250, nodeExporter: 9100, kubeProxy: 10249 } as const;
const PORTS = { prometheus: 9090, alertmanager: 9093, alertmanagerMesh: 9094, grafana: 3000 } as const;

/**
 * The NetworkPolicies of the controller namespaces in one region: default deny, then each flow a component needs.
 * Callers from the control plane (admission webhooks, the custom metrics APIService) come from its network interfaces,
 * which EKS places in the private subnets: a NetworkPolicy cannot tell them from the pods that share those subnets
 * (aws/aws-network-policy-agent#281), so those ports admit the private subnets, and only those ports.
 */
export function controllerNetworkPolicies(env: EnvironmentIR, r: RegionIR, namespaces: readonly ControllerNamespace[]): NetworkPolicy[] {
  // The control plane's network interfaces and the nodes both take their addresses in the private subnets.
  const controlPlane: Peer[] = r.network.privateSubnets.map((cidr) => ({ ipBlock: { cidr } }));
  const nodes = controlPlane;
  const out: NetworkPolicy[] = [];
  for (const { name: ns } of namespaces) {
    out.push(
      policy(ns, 'default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
      // Every namespace's metrics ports, for the ServiceMonitors that point there (DCGM's 9400, fluent-bit's 2020, ...).
      policy(ns, 'allow-prometheus', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [monitoringApp('prometheus')] }] }),
    );
    if (ns === CONTROLLERS.externalSecrets.namespace) {
      out.push(
        policy(ns, 'allow-dns', { podSelector: {}, policyTypes: ['Egress'], egress: [DNS] }),
        // The controller reads Secrets Manager (and STS for IRSA); all three call the API server. Only the webhook
        // listens on its port.
        policy(ns, 'allow-https-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [HTTPS_OUT] }),
        policy(ns, 'webhook-allow-api-server', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: controlPlane, ports: tcp(ESO_WEBHOOK_PORT) }] }),
      );
    } else if (ns === NAMESPACES.monitoring) {
      out.push(...monitoringPolicies(env, controlPlane, nodes));
    } else if (ns === CONTROLLERS.logShipping.namespace) {
      out.push(
        policy(ns, 'allow-dns', { podSelector: {}, policyTypes: ['Egress'], egress: [DNS] }),
        // fluent-bit: the API server (its kubernetes filter), CloudWatch Logs and STS (interface endpoints in the VPC).
        policy(ns, 'allow-https-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [HTTPS_OUT] }),
      );
    }
    // node-exporters: node-exporter is on the host network (no policy applies to it), the DCGM exporter answers
    // Prometheus and calls nothing (the kubelet's pod-resources socket is a file): no egress at all.
  }
  return out;
}

function monitoringPolicies(env: EnvironmentIR, controlPlane: Peer[], nodes: Peer[]): NetworkPolicy[] {
  const ns = NAMESPACES.monitoring;
  const receiver = env.observability.alerting.receiver;
  // Slack and PagerDuty over HTTPS; email to the smarthost's port (a relay may be inside the company's network).
  const receiverPort = receiver.type === 'email' ? Number(receiver.smarthost.split(':').pop()) : receiver.type === 'none' ? undefined : 443;
  return [
    policy(ns, 'allow-dns', { podSelector: {}, policyTypes: ['Egress'], egress: [DNS] }),
    // Everything here but Alertmanager calls the API server: Prometheus (service discovery), the operator, Grafana's
    // sidecars, kube-state-metrics, prometheus-adapter, the operator's certificate jobs.
    policy(ns, 'allow-api-server', {
      podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['alertmanager'] }] },
      policyTypes: ['Egress'],
      egress: [HTTPS_OUT],
    }),
    policy(ns, 'allow-api-server-callers', {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: controlPlane, ports: tcp(MONITORING_API_SERVER_PORTS.operatorWebhook, MONITORING_API_SERVER_PORTS.customMetrics) }],
    }),
    // Prometheus scrapes pods of every namespace on their metrics ports (each namespace admits it), and every node on
    // its host ports.
    policy(ns, 'prometheus-allow-scrapes', {
      podSelector: app('prometheus'),
      policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: {} }] }, { to: nodes, ports: tcp(NODE_SCRAPE_PORTS.kubelet, NODE_SCRAPE_PORTS.nodeExporter, NODE_SCRAPE_PORTS.kubeProxy) }],
    }),
    policy(ns, 'prometheus-allow-queries', {
      podSelector: app('prometheus'),
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: app('grafana') }, { podSelector: app('prometheus-adapter') }], ports: tcp(PORTS.prometheus) }],
    }),
    policy(ns, 'grafana-allow-egress', {
      podSelector: app('grafana'),
      policyTypes: ['Egress'],
      egress: [
        { to: [{ podSelector: app('prometheus') }], ports: tcp(PORTS.prometheus) },
        { to: [{ podSelector: app('alertmanager') }], ports: tcp(PORTS.alertmanager) },
      ],
    }),
    // Load tests annotate the dashboards (the platform namespace's load-tests-allow-egress is the other half).
    policy(ns, 'grafana-allow-load-tests', {
      podSelector: app('grafana'),
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ ...inNamespace(NAMESPACES.platform), podSelector: { matchLabels: { 'app.kubernetes.io/component': 'load-test' } } }], ports: tcp(PORTS.grafana) }],
    }),
    policy(ns, 'prometheus-adapter-allow-egress', { podSelector: app('prometheus-adapter'), policyTypes: ['Egress'], egress: [{ to: [{ podSelector: app('prometheus') }], ports: tcp(PORTS.prometheus) }] }),
    // Alertmanager replicas gossip on 9094 (TCP and UDP); Grafana reads alerts and silences on 9093.
    policy(ns, 'alertmanager-allow', {
      podSelector: app('alertmanager'),
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { from: [{ podSelector: app('grafana') }], ports: tcp(PORTS.alertmanager) },
        { from: [{ podSelector: app('alertmanager') }], ports: [...tcp(PORTS.alertmanagerMesh), { protocol: 'UDP', port: PORTS.alertmanagerMesh }] },
      ],
      egress: [
        { to: [{ podSelector: app('alertmanager') }], ports: [...tcp(PORTS.alertmanagerMesh), { protocol: 'UDP', port: PORTS.alertmanagerMesh }] },
        ...(receiverPort ? [{ to: HTTPS_OUT.to, ports: tcp(receiverPort) }] : []),
      ],
    }),
  ];
}
