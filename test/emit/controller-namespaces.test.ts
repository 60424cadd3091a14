/**
 * The controllers' namespaces (external-secrets, monitoring, node-exporters, logging) get what team namespaces have:
 * Pod Security labels and default-deny NetworkPolicies. Before this change Helm created them (`create_namespace =
 * true`) with neither; every test here fails on that output (no namespaces.tf, node-exporter and DCGM in monitoring).
 *
 * Flows are checked on what is deployed: the NetworkPolicies are read back from the generated Terraform (and, for the
 * team and platform namespaces, from the generated Kustomize files) and evaluated with NetworkPolicy's semantics.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHcl } from '../helpers/hcl.js';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';

import { overlaps, parseCidr } from '../../compiler/lib/cidr.js';
import { releases } from '../../compiler/emit/shared/releases.js';
import type { PlatformIR } from '../../compiler/resolve/ir.js';
import { hasReference, referenceDir, repoRoot } from '../helpers/cli.js';
import { schemaProblems, type KubeObject } from '../helpers/kube.js';
import { filesOf, irOf, irOfText } from '../helpers/platform.js';
import { restrictedViolations } from './pod-security.js';

type Json = Record<string, any>;

// ---------------------------------------------------------------------------------------------------------------
// NetworkPolicy semantics (networking.k8s.io/v1), as the VPC CNI's agent enforces them: a pod selected by a policy of
// a policy type is isolated for that direction, and then only a rule of a selecting policy admits a flow; ipBlock peers
// match addresses, pods' too (the agent matches pod IPs against ipBlocks).
// ---------------------------------------------------------------------------------------------------------------
interface Endpoint { readonly ip: string; readonly namespace?: string; readonly labels?: Record<string, string> }

function matchesSelector(sel: Json | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    if (e.operator === 'In' && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}
const inCidr = (ip: string, cidr: string) => {
  const c = parseCidr(cidr)!;
  return c.prefix <= 32 && overlaps(parseCidr(`${ip}/32`)!, c);
};
function peerMatches(peer: Json, policyNamespace: string, e: Endpoint): boolean {
  if (peer.ipBlock) return inCidr(e.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((x: string) => inCidr(e.ip, x));
  if (e.namespace === undefined) return false;
  const nsLabels = { 'kubernetes.io/metadata.name': e.namespace };
  if (peer.namespaceSelector ? !matchesSelector(peer.namespaceSelector, nsLabels) : e.namespace !== policyNamespace) return false;
  return matchesSelector(peer.podSelector ?? {}, e.labels ?? {});
}
const portMatches = (ports: Json[] | undefined, port: number, protocol: string) => !ports || ports.some((p) => (p.protocol ?? 'TCP') === protocol && p.port === port);

function admitted(policies: Json[], pod: Endpoint, direction: 'Ingress' | 'Egress', other: Endpoint, port: number, protocol: string): boolean {
  if (pod.namespace === undefined) return true; // not a pod: no policy applies
  const selecting = policies.filter((p) => p.metadata.namespace === pod.namespace && p.spec.policyTypes.includes(direction) && matchesSelector(p.spec.podSelector, pod.labels ?? {}));
  if (selecting.length === 0) return true;
  const rules: Json[] = selecting.flatMap((p) => (direction === 'Ingress' ? p.spec.ingress ?? [] : p.spec.egress ?? []).map((r: Json) => ({ ...r, ns: p.metadata.namespace })));
  return rules.some((r) => {
    const peers: Json[] | undefined = direction === 'Ingress' ? r.from : r.to;
    return portMatches(r.ports, port, protocol) && (!peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, r.ns, other)));
  });
}
const flows = (policies: Json[]) => (from: Endpoint, to: Endpoint, port: number, protocol = 'TCP') =>
  admitted(policies, from, 'Egress', to, port, protocol) && admitted(policies, to, 'Ingress', from, port, protocol);

// ---------------------------------------------------------------------------------------------------------------

const reference = irOf('platform.yaml');
const env = reference.environments.find((e) => e.name === 'prod')!;
const region = env.regions[0]!;
const files = new Map(filesOf(reference).map((f) => [f.path, f.content]));
const platformDir = `terraform/prod/${region.region}/platform`;

async function platformRoot(ir: PlatformIR, envName: string, regionName: string): Promise<Json> {
  const all = new Map(filesOf(ir).map((f) => [f.path, f.content]));
  const dir = `terraform/${envName}/${regionName}/platform`;
  const merged: Json = { resource: {} };
  for (const [path, content] of all) {
    if (!path.startsWith(`${dir}/`) || !path.endsWith('.tf')) continue;
    const hcl = (await parseHcl(path, content)) as Json;
    for (const [type, byName] of Object.entries((hcl.resource ?? {}) as Json)) merged.resource[type] = { ...(merged.resource[type] ?? {}), ...byName };
  }
  return merged;
}

/** Every NetworkPolicy of the generated Kustomize files (team and platform namespaces) of an environment and region. */
function kustomizePolicies(envName: string, regionName: string): Json[] {
  return [...files]
    .filter(([p]) => p.startsWith('kustomize/base/') || p.startsWith(`kustomize/overlays/${envName}/${regionName}/`) || p.startsWith(`kustomize/overlays/${envName}/models/`))
    .filter(([p]) => p.endsWith('.yaml'))
    .flatMap(([, c]) => parseAllDocuments(c).map((d) => d.toJS() as Json))
    .filter((o) => o?.kind === 'NetworkPolicy' && o.metadata?.namespace);
}

describe('controller namespaces: created by the platform root with Pod Security labels', () => {
  let root: Json;
  beforeAll(async () => (root = await platformRoot(reference, 'prod', region.region)));

  it('each namespace a release uses (but kube-system) is a kubernetes_namespace_v1 enforcing its level, auditing and warning at restricted', () => {
    const namespaces = Object.values(root.resource.kubernetes_namespace_v1 as Record<string, Json[]>).map(([n]) => n!.metadata[0]);
    expect(Object.fromEntries(namespaces.map((m: Json) => [m.name, m.labels]))).toEqual(
      Object.fromEntries(
        [
          ['external-secrets', 'restricted'],
          ['logging', 'privileged'],
          ['monitoring', 'restricted'],
          ['node-exporters', 'privileged'],
        ].map(([name, level]) => [
          name,
          { 'pod-security.kubernetes.io/enforce': level, 'pod-security.kubernetes.io/enforce-version': 'latest', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' },
        ]),
      ),
    );
    const used = new Set(releases(reference, env).flatMap((r) => [r.namespace, ...(r.alsoIn ?? [])]));
    expect([...used].filter((n) => n !== 'kube-system').sort()).toEqual(namespaces.map((m: Json) => m.name).sort());
  });

  it('Helm creates no namespace; each release installs after its namespaces and their NetworkPolicies (so destroy uninstalls it first)', () => {
    const helm = root.resource.helm_release as Record<string, Json[]>;
    const policiesOf = (ns: string) =>
      Object.entries(root.resource.kubernetes_manifest as Record<string, Json[]>).filter(([, [m]]) => m!.manifest.metadata.namespace === ns).map(([name]) => `\${kubernetes_manifest.${name}}`);
    for (const [name, [rel]] of Object.entries(helm)) {
      expect(rel!.create_namespace, name).toBe(false);
      if (rel!.namespace === 'kube-system') continue;
      const deps: string[] = rel!.depends_on;
      expect(deps, name).toContain(`\${kubernetes_namespace_v1.${rel!.namespace.replace(/-/g, '_')}}`);
      for (const p of policiesOf(rel!.namespace)) expect(deps, name).toContain(p);
    }
    // kube-prometheus-stack puts node-exporter into node-exporters (namespaceOverride): it waits for that namespace too.
    expect(helm.kube_prometheus_stack![0]!.depends_on).toContain('${kubernetes_namespace_v1.node_exporters}');
    // A namespace is deleted last and waited for (its volume claims and pods go with it).
    for (const [, [ns]] of Object.entries(root.resource.kubernetes_namespace_v1 as Record<string, Json[]>)) expect(ns!.timeouts[0].delete).toBe('15m');
    for (const [name, [m]] of Object.entries(root.resource.kubernetes_manifest as Record<string, Json[]>)) {
      expect(m!.depends_on, name).toEqual([`\${kubernetes_namespace_v1.${m!.manifest.metadata.namespace.replace(/-/g, '_')}}`]);
    }
  });

  it('the kubernetes provider is pinned and authenticates like the helm provider', async () => {
    const versions = files.get(`${platformDir}/versions.tf`)!;
    expect(versions).toMatch(/kubernetes = \{\n\s+source\s+= "hashicorp\/kubernetes"\n\s+version = "~> 3.0"/);
    expect(files.get(`${platformDir}/.terraform.lock.hcl`)).toContain('provider "registry.terraform.io/hashicorp/kubernetes" {\n  version     = "3.0.1"');
    const providers = ((await parseHcl('providers.tf', files.get(`${platformDir}/providers.tf`)!)) as Json).provider;
    const { exec, ...cluster } = providers.kubernetes[0];
    const helm = providers.helm[0].kubernetes;
    expect(cluster).toEqual({ host: helm.host, cluster_ca_certificate: helm.cluster_ca_certificate });
    expect(exec).toEqual([helm.exec]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Pod Security: the pods of each chart, with the security contexts its pinned values and ours give them.
// ---------------------------------------------------------------------------------------------------------------
const chartValues = (file: string): Json => parseYaml(readFileSync(join(referenceDir, 'helm-charts', file), 'utf8')) as Json;
function merge(base: Json, over: Json | undefined): Json {
  if (!over) return base;
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = v && typeof v === 'object' && !Array.isArray(v) && base[k] && typeof base[k] === 'object' && !Array.isArray(base[k]) ? merge(base[k], v) : v;
  return out;
}
/** Charts write `enabled: true` into a security context to say "render it"; it is no field of the API's. */
const sc = (s: Json | undefined) => {
  const { enabled: _, ...rest } = s ?? {};
  return rest;
};
const BASELINE_CAPABILITIES = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];
/** The baseline profile's rules that these charts can break (host namespaces, hostPath, privileged, capabilities, host ports). */
function baselineViolations(pod: Json): string[] {
  const v: string[] = [];
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) v.push('host namespaces');
  for (const vol of pod.volumes ?? []) if (vol.hostPath) v.push(`hostPath ${vol.hostPath.path}`);
  for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
    if (c.securityContext?.privileged) v.push(`${c.name}: privileged`);
    for (const cap of c.securityContext?.capabilities?.add ?? []) if (!BASELINE_CAPABILITIES.includes(cap)) v.push(`${c.name}: adds ${cap}`);
  }
  return v;
}

/** Each chart's pods by namespace: pod-level and container security contexts from the chart's values merged with ours. */
function podsByNamespace(ir: PlatformIR, envName: string): Map<string, { name: string; pod: Json }[]> {
  const e = ir.environments.find((x) => x.name === envName)!;
  const list = releases(ir, e);
  const ours = (name: string) => list.find((r) => r.name === name);
  const out = new Map<string, { name: string; pod: Json }[]>();
  const add = (ns: string, name: string, pod: Json) => out.set(ns, [...(out.get(ns) ?? []), { name, pod }]);
  const eso = ours('external-secrets');
  if (eso) {
    const v = merge(chartValues('external-secrets-2.9.0.values.yaml'), eso.values);
    add(eso.namespace, 'external-secrets', { securityContext: sc(v.podSecurityContext), containers: [{ name: 'external-secrets', securityContext: sc(v.securityContext) }] });
    add(eso.namespace, 'external-secrets-webhook', { securityContext: sc(v.webhook.podSecurityContext), containers: [{ name: 'webhook', securityContext: sc(v.webhook.securityContext) }] });
    add(eso.namespace, 'external-secrets-cert-controller', { securityContext: sc(v.certController.podSecurityContext), containers: [{ name: 'cert-controller', securityContext: sc(v.certController.securityContext) }] });
  }
  const kps = ours('kube-prometheus-stack');
  if (kps) {
    const v = merge(chartValues('kube-prometheus-stack-88.5.3.values.yaml'), kps.values);
    const op = v.prometheusOperator;
    add(kps.namespace, 'prometheus-operator', { securityContext: op.securityContext, containers: [{ name: 'kube-prometheus-stack', securityContext: op.containerSecurityContext }] });
    const hooks = op.admissionWebhooks;
    add(kps.namespace, 'admission-create', { securityContext: hooks.patch.securityContext, containers: [{ name: 'create', securityContext: hooks.createSecretJob.securityContext }] });
    add(kps.namespace, 'admission-patch', { securityContext: hooks.patch.securityContext, containers: [{ name: 'patch', securityContext: hooks.patchWebhookJob.securityContext }] });
    // The operator gives its containers this context itself, not the chart's values: read-only root, no escalation,
    // every capability dropped (config-reloader and init-config-reloader: prometheus-operator pkg/operator/config_reloader.go
    // CreateConfigReloader; prometheus and alertmanager the same in their statefulset.go); the pod's comes from the values.
    const operatorContainer = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };
    for (const [name, spec] of [['prometheus', v.prometheus.prometheusSpec], ['alertmanager', v.alertmanager.alertmanagerSpec]] as const) {
      add(kps.namespace, name, { securityContext: spec.securityContext, initContainers: [{ name: 'init-config-reloader', securityContext: operatorContainer }], containers: [{ name, securityContext: operatorContainer }, { name: 'config-reloader', securityContext: operatorContainer }] });
    }
    if (v.grafana.enabled) {
      const g = merge(chartValues('grafana-12.11.1.values.yaml'), v.grafana);
      add(kps.namespace, 'grafana', {
        securityContext: g.securityContext,
        // Rendered whenever enabled, conservatively (the chart renders it for a persistent volume).
        initContainers: g.initChownData.enabled ? [{ name: 'init-chown-data', securityContext: g.initChownData.securityContext }] : [],
        containers: [{ name: 'grafana', securityContext: g.containerSecurityContext }, { name: 'grafana-sc-dashboard', securityContext: g.sidecar.securityContext }, { name: 'grafana-sc-datasources', securityContext: g.sidecar.securityContext }],
      });
    }
    const ksm = merge(chartValues('kube-state-metrics-8.4.0.values.yaml'), v['kube-state-metrics']);
    add(kps.namespace, 'kube-state-metrics', { securityContext: sc(ksm.securityContext), containers: [{ name: 'kube-state-metrics', securityContext: ksm.containerSecurityContext }] });
    const ne = merge(chartValues('prometheus-node-exporter-4.56.1.values.yaml'), v['prometheus-node-exporter']);
    add(ne.namespaceOverride || kps.namespace, 'node-exporter', {
      hostNetwork: ne.hostNetwork,
      hostPID: ne.hostPID,
      securityContext: ne.securityContext,
      volumes: ne.hostRootFsMount.enabled ? [{ name: 'root', hostPath: { path: '/' } }] : [],
      containers: [{ name: 'node-exporter', securityContext: ne.containerSecurityContext }],
    });
  }
  const dcgm = ours('dcgm-exporter');
  if (dcgm) {
    const v = merge(chartValues('dcgm-exporter-4.8.2.values.yaml'), dcgm.values);
    add(dcgm.namespace, 'dcgm-exporter', { hostPID: v.hostPID, hostNetwork: v.hostNetwork, securityContext: v.podSecurityContext, containers: [{ name: 'exporter', securityContext: v.securityContext }] });
  }
  const adapter = ours('prometheus-adapter');
  if (adapter) {
    const v = merge(chartValues('prometheus-adapter-5.3.0.values.yaml'), adapter.values);
    add(adapter.namespace, 'prometheus-adapter', { securityContext: v.podSecurityContext, containers: [{ name: 'prometheus-adapter', securityContext: v.securityContext }] });
  }
  const fluentBit = ours('fluent-bit');
  if (fluentBit) {
    const v = merge(chartValues('fluent-bit-0.58.1.values.yaml'), fluentBit.values);
    add(fluentBit.namespace, 'fluent-bit', { hostNetwork: v.hostNetwork, securityContext: v.podSecurityContext, volumes: v.daemonSetVolumes, containers: [{ name: 'fluent-bit', securityContext: v.securityContext }] });
  }
  return out;
}

describe.skipIf(!hasReference)('Pod Security level of each controller namespace: the strictest its pods meet', () => {
  let root: Json;
  beforeAll(async () => (root = await platformRoot(reference, 'prod', region.region)));

  it('a restricted namespace runs only pods that meet restricted; a privileged one holds a pod even baseline refuses', () => {
    const pods = podsByNamespace(reference, 'prod');
    const levels = Object.fromEntries(Object.values(root.resource.kubernetes_namespace_v1 as Record<string, Json[]>).map(([n]) => [n!.metadata[0].name, n!.metadata[0].labels['pod-security.kubernetes.io/enforce']]));
    // Every chart pod lands in a namespace platformc labels.
    expect([...pods.keys()].sort()).toEqual(Object.keys(levels).sort());
    for (const [ns, list] of pods) {
      if (levels[ns] === 'restricted') {
        for (const { name, pod } of list) expect(restrictedViolations(pod), `${ns}/${name}`).toEqual([]);
      } else {
        expect(levels[ns], ns).toBe('privileged');
        // Nothing stricter would admit them: each privileged namespace holds a pod baseline refuses.
        expect(list.some(({ pod }) => baselineViolations(pod).length > 0), ns).toBe(true);
      }
    }
    // The two exporters that need the host are what keeps them out of monitoring.
    expect(pods.get('node-exporters')!.map((p) => [p.name, baselineViolations(p.pod)])).toEqual([
      ['node-exporter', ['host namespaces', 'hostPath /']],
      ['dcgm-exporter', ['exporter: adds SYS_ADMIN']],
    ]);
    expect(baselineViolations(pods.get('logging')![0]!.pod)).toEqual(['hostPath /var/log', 'hostPath /var/lib/docker/containers', 'hostPath /etc/machine-id']);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// NetworkPolicies: default deny, then each flow.
// ---------------------------------------------------------------------------------------------------------------
describe('controller NetworkPolicies: default deny, and every flow the components need', () => {
  let controllerPolicies: Json[];
  let can: ReturnType<typeof flows>;
  const [a, b] = region.network.privateSubnets.map((c) => c.replace(/\.0\/\d+$/, ''));
  // Addresses in the region: a node, the control plane's network interface (EKS puts it in the private subnets), the
  // kubernetes Service's ClusterIP (what a pod dials before kube-proxy translates it), an interface endpoint.
  const node: Endpoint = { ip: `${a}.10` };
  const apiServerEni: Endpoint = { ip: `${b}.200` };
  const apiServerService: Endpoint = { ip: '172.20.0.1' };
  const logsEndpoint: Endpoint = { ip: `${a}.150` };
  const secretsManager: Endpoint = { ip: '52.94.0.10' };
  const slack: Endpoint = { ip: '34.226.0.5' };
  const imds: Endpoint = { ip: '169.254.169.254' };
  const peered: Endpoint = { ip: '192.168.7.7' };
  let n = 20;
  const pod = (namespace: string, labels: Record<string, string>): Endpoint => ({ ip: `${b}.${n++}`, namespace, labels });
  const prometheus = pod('monitoring', { 'app.kubernetes.io/name': 'prometheus' });
  const alertmanager = pod('monitoring', { 'app.kubernetes.io/name': 'alertmanager' });
  const alertmanagerPeer = pod('monitoring', { 'app.kubernetes.io/name': 'alertmanager' });
  const grafana = pod('monitoring', { 'app.kubernetes.io/name': 'grafana' });
  const adapter = pod('monitoring', { 'app.kubernetes.io/name': 'prometheus-adapter' });
  const operator = pod('monitoring', { 'app.kubernetes.io/name': 'kube-prometheus-stack-prometheus-operator' });
  const ksm = pod('monitoring', { 'app.kubernetes.io/name': 'kube-state-metrics' });
  const eso = pod('external-secrets', { 'app.kubernetes.io/name': 'external-secrets' });
  const esoWebhook = pod('external-secrets', { 'app.kubernetes.io/name': 'external-secrets-webhook' });
  const fluentBit = pod('logging', { 'app.kubernetes.io/name': 'fluent-bit' });
  const dcgm = pod('node-exporters', { 'app.kubernetes.io/name': 'dcgm-exporter' });
  const triton = pod('vision', { 'app.kubernetes.io/name': 'triton' });
  const loadTest = pod('platform', { 'app.kubernetes.io/component': 'load-test' });
  const kubeDns = pod('kube-system', { 'k8s-app': 'kube-dns' });

  beforeAll(async () => {
    const root = await platformRoot(reference, 'prod', region.region);
    controllerPolicies = Object.values(root.resource.kubernetes_manifest as Record<string, Json[]>).map(([m]) => m!.manifest);
    can = flows([...controllerPolicies, ...kustomizePolicies('prod', region.region)]);
  });

  it.skipIf(!hasReference)('every policy is a valid NetworkPolicy (strict Kubernetes schema)', () => {
    expect(controllerPolicies.length).toBeGreaterThan(10);
    expect(controllerPolicies.flatMap((p) => schemaProblems(p as KubeObject))).toEqual([]);
  });

  it('every controller namespace denies all ingress and egress by default', () => {
    for (const ns of ['external-secrets', 'monitoring', 'node-exporters', 'logging']) {
      expect(controllerPolicies.find((p) => p.metadata.namespace === ns && p.metadata.name === 'default-deny-all')?.spec, ns).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    }
    // Something not allowed stays denied: a team's pod cannot reach Grafana, the DCGM exporter or the ESO webhook.
    expect(can(triton, grafana, 3000)).toBe(false);
    expect(can(triton, dcgm, 9400)).toBe(false);
    expect(can(triton, esoWebhook, 10250)).toBe(false);
    expect(can(triton, prometheus, 9090)).toBe(false);
  });

  it('Prometheus scrapes Triton (8002) and every controller namespace, but nothing else reaches Triton that way', () => {
    expect(can(prometheus, triton, 8002)).toBe(true);
    expect(can(prometheus, triton, 8000)).toBe(false);
    expect(can(grafana, triton, 8002)).toBe(false);
    for (const [target, port] of [[dcgm, 9400], [fluentBit, 2020], [eso, 8080], [ksm, 8080], [operator, 10250], [grafana, 3000], [alertmanager, 9093], [prometheus, 9090], [kubeDns, 9153]] as const) {
      expect(can(prometheus, target, port), `${target.namespace}/${target.labels!['app.kubernetes.io/name'] ?? 'kube-dns'}:${port}`).toBe(true);
    }
  });

  it('Prometheus scrapes the nodes: kubelet (10250), node-exporter on the host network (9100), kube-proxy (10249); no other host port', () => {
    for (const port of [10250, 9100, 10249]) expect(can(prometheus, node, port), String(port)).toBe(true);
    expect(can(prometheus, node, 22)).toBe(false);
    expect(can(prometheus, peered, 9100)).toBe(false);
  });

  it('the API server reaches the admission webhooks and the custom metrics APIService from the private subnets, on those ports only', () => {
    expect(can(apiServerEni, esoWebhook, 10250)).toBe(true);
    expect(can(apiServerEni, operator, 10250)).toBe(true);
    expect(can(apiServerEni, adapter, 6443)).toBe(true);
    expect(can(apiServerEni, grafana, 3000)).toBe(false);
    expect(can(apiServerEni, eso, 8080)).toBe(false);
    expect(can(peered, esoWebhook, 10250)).toBe(false);
  });

  it('controllers reach the API server (its Service IP and its network interfaces) and AWS APIs on 443, never the metadata service', () => {
    for (const client of [eso, esoWebhook, fluentBit, prometheus, operator, grafana, ksm, adapter]) {
      const who = `${client.namespace}/${client.labels!['app.kubernetes.io/name']}`;
      expect(can(client, apiServerService, 443), who).toBe(true);
      expect(can(client, apiServerEni, 443), who).toBe(true);
      expect(can(client, imds, 80), who).toBe(false);
      expect(can(client, imds, 443), who).toBe(false);
    }
    expect(can(eso, secretsManager, 443)).toBe(true);
    expect(can(fluentBit, logsEndpoint, 443)).toBe(true);
    expect(can(eso, triton, 8000)).toBe(false);
    expect(can(fluentBit, prometheus, 9090)).toBe(false);
    // The DCGM exporter calls nothing, not even DNS.
    expect(can(dcgm, kubeDns, 53, 'UDP')).toBe(false);
    expect(can(dcgm, apiServerService, 443)).toBe(false);
  });

  it('DNS to kube-dns (53 UDP and TCP) from the namespaces that resolve names', () => {
    for (const client of [eso, fluentBit, prometheus, grafana, alertmanager]) {
      expect(can(client, kubeDns, 53, 'UDP')).toBe(true);
      expect(can(client, kubeDns, 53, 'TCP')).toBe(true);
    }
    expect(can(eso, node, 53, 'UDP')).toBe(false);
  });

  it('Grafana queries Prometheus and Alertmanager; prometheus-adapter queries Prometheus; load tests annotate Grafana', () => {
    expect(can(grafana, prometheus, 9090)).toBe(true);
    expect(can(grafana, alertmanager, 9093)).toBe(true);
    expect(can(adapter, prometheus, 9090)).toBe(true);
    expect(can(loadTest, grafana, 3000)).toBe(true);
    expect(can(loadTest, prometheus, 9090)).toBe(false);
    expect(can(ksm, prometheus, 9090)).toBe(false);
  });

  it('Alertmanager gossips with its peers (9094 TCP and UDP), receives from Prometheus, sends to the receiver; nothing else', () => {
    expect(can(prometheus, alertmanager, 9093)).toBe(true);
    expect(can(alertmanager, alertmanagerPeer, 9094)).toBe(true);
    expect(can(alertmanager, alertmanagerPeer, 9094, 'UDP')).toBe(true);
    // The reference platform's receiver is Slack: HTTPS.
    expect(reference.environments.every((e) => e.observability.alerting.receiver.type === 'slack')).toBe(true);
    expect(can(alertmanager, slack, 443)).toBe(true);
    expect(can(alertmanager, imds, 443)).toBe(false);
    expect(can(alertmanager, triton, 8000)).toBe(false);
    expect(can(alertmanager, slack, 80)).toBe(false);
  });

  it('an e-mail receiver: Alertmanager reaches the smarthost port (a relay may be private), not HTTPS; with none, only its peers', async () => {
    const base = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');
    const slackLine = '      slack: { webhookSecret: inference/alertmanager-slack, channel: "#ml-platform-alerts" }';
    expect(base).toContain(slackLine);
    const relay: Endpoint = { ip: '10.200.0.25' };
    for (const [receiver, port] of [['      email: { to: [oncall@example.com], from: alerts@example.com, smarthost: "smtp.example.com:587" }', 587], [undefined, undefined]] as const) {
      const text = receiver ? base.replace(slackLine, receiver) : base.replace(/ {4}receiver:\n {6}slack: [^\n]+\n/, '    receiver: none\n');
      expect(text).not.toBe(base);
      const ir = irOfText(text);
      const root = await platformRoot(ir, 'prod', region.region);
      const check = flows(Object.values(root.resource.kubernetes_manifest as Record<string, Json[]>).map(([m]) => m!.manifest));
      expect(check(alertmanager, relay, 587), String(receiver)).toBe(port === 587);
      expect(check(alertmanager, slack, 443), String(receiver)).toBe(false);
      expect(check(alertmanager, alertmanagerPeer, 9094)).toBe(true);
    }
  });
});

describe.each(['examples/minimal-dev.yaml', 'examples/multi-region-prod.yaml', 'examples/spot-cost-optimised.yaml', 'examples/multi-model-teams.yaml'])('controller namespaces of %s', (spec) => {
  it('every region: the namespaces its releases use, each denying by default; the API server reaches the webhooks from each private subnet; Prometheus reaches every team\'s Triton', async () => {
    const ir = irOf(spec);
    for (const e of ir.environments) {
      for (const r of e.regions) {
        const root = await platformRoot(ir, e.name, r.region);
        const names = Object.values(root.resource.kubernetes_namespace_v1 as Record<string, Json[]>).map(([ns]) => ns!.metadata[0].name).sort();
        expect(names, `${e.name}/${r.region}`).toEqual([...new Set(releases(ir, e).flatMap((x) => [x.namespace, ...(x.alsoIn ?? [])]))].filter((x) => x !== 'kube-system').sort());
        const policies = Object.values(root.resource.kubernetes_manifest as Record<string, Json[]>).map(([m]) => m!.manifest);
        for (const ns of names) expect(policies.some((p) => p.metadata.namespace === ns && p.metadata.name === 'default-deny-all'), `${e.name}/${r.region} ${ns}`).toBe(true);
        const can = flows(policies);
        for (const subnet of r.network.privateSubnets) {
          const eni: Endpoint = { ip: subnet.replace(/\.0\/\d+$/, '.200') };
          expect(can(eni, { ip: subnet.replace(/\.0\/\d+$/, '.20'), namespace: 'external-secrets', labels: {} }, 10250), `${e.name}/${r.region} ${subnet}`).toBe(true);
        }
        for (const t of ir.teams) {
          const promPod: Endpoint = { ip: r.network.privateSubnets[0]!.replace(/\.0\/\d+$/, '.30'), namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } };
          const triton: Endpoint = { ip: r.network.privateSubnets[0]!.replace(/\.0\/\d+$/, '.31'), namespace: t.namespace, labels: { 'app.kubernetes.io/name': 'triton' } };
          // Egress from Prometheus (the team namespace's own ingress allow is checked above on the reference platform).
          expect(admitted(policies, promPod, 'Egress', triton, 8002, 'TCP'), `${e.name}/${r.region} ${t.namespace}`).toBe(true);
        }
      }
    }
  });
});
