/**
 * The `platform` root module of one environment and region: the controllers' namespaces with their Pod Security
 * labels and NetworkPolicies (namespaces.ts), and the Helm releases, installed through Terraform's Helm provider so
 * that destroy removes them cleanly: a release installs after its namespace and policies, and is uninstalled before
 * them. It reads the cluster from the infra module's state, so the infra module never depends on a reachable cluster.
 * @see https://registry.terraform.io/providers/hashicorp/helm/latest/docs/resources/release
 */
import type { FileOutput } from '../../output/files.js';
import type { EnvironmentIR, PlatformIR, RegionIR } from '../../resolve/ir.js';
import { isLocalChart, releases } from '../shared/releases.js';
import { expr, type HclValue } from './hcl.js';
import { lockFile, providersTf, ROOT_PROVIDERS, stateKey, versionsTf } from './infra.js';
import { controllerNamespaces, controllerNetworkPolicies, podSecurityLabels } from './namespaces.js';
import { dataBlock, file, localsBlock, providerBlock, resourceBlock } from './templates.js';

export function emitPlatform(ir: PlatformIR, env: EnvironmentIR, r: RegionIR): FileOutput[] {
  const dir = `terraform/${env.name}/${r.region}/platform`;
  const exec = {
    api_version: 'client.authentication.k8s.io/v1beta1',
    command: 'aws',
    args: ['eks', 'get-token', '--cluster-name', expr('local.infra.cluster_name'), '--region', r.region],
  };
  const cluster = { host: expr('local.infra.cluster_endpoint'), cluster_ca_certificate: expr('base64decode(local.infra.cluster_certificate_authority_data)') };
  const kubeProviders = file(
    providerBlock('helm', { kubernetes: { ...cluster, exec } }),
    providerBlock('kubernetes', cluster, [{ type: 'exec', body: exec }]),
  );
  const list = releases(ir, env);
  const id = (name: string) => name.replace(/-/g, '_');
  const namespaces = controllerNamespaces(list);
  const policies = controllerNetworkPolicies(env, r, namespaces);
  const nsRef = (ns: string) => `kubernetes_namespace_v1.${id(ns)}`;
  const policyRef = (p: (typeof policies)[number]) => `kubernetes_manifest.${id(p.metadata.namespace)}_${id(p.metadata.name)}`;
  const namespaceBlocks = [
    ...namespaces.map((ns) =>
      resourceBlock('kubernetes_namespace_v1', id(ns.name), {}, [
        { type: 'metadata', body: { name: ns.name, labels: podSecurityLabels(ns), annotations: { 'platformc.dev/pod-security': ns.why } } },
        // Deleting a namespace waits until everything in it is gone (Prometheus's volume claim, the pods' grace periods).
        { type: 'timeouts', body: { delete: '15m' } },
      ]),
    ),
    ...policies.map((p) =>
      resourceBlock('kubernetes_manifest', policyRef(p).split('.')[1]!, { manifest: p as unknown as HclValue, depends_on: [expr(nsRef(p.metadata.namespace))] }),
    ),
  ];
  // A release waits for its namespaces and their policies (no pod starts unconfined) and is uninstalled before them.
  const namespaceDeps = (namespace: string) =>
    namespaces.some((ns) => ns.name === namespace) ? [nsRef(namespace), ...policies.filter((p) => p.metadata.namespace === namespace).map(policyRef)] : [];
  const waits = new Map(list.filter((rel) => rel.readyWhen).map((rel) => [rel.name, `terraform_data.${id(rel.name)}_ready`]));
  const releaseBlocks = list.flatMap((rel) => {
    const local = isLocalChart(rel.chart) ? rel.chart : undefined;
    const remote = isLocalChart(rel.chart) ? undefined : rel.chart;
    const dependsOn = [...[rel.namespace, ...(rel.alsoIn ?? [])].flatMap(namespaceDeps), ...rel.dependsOn.map((d) => waits.get(d) ?? `helm_release.${id(d)}`)];
    const blocks = [
      resourceBlock('helm_release', id(rel.name), {
        name: rel.name,
        namespace: rel.namespace,
        // The namespaces are the platform root's (kube-system is EKS's): Helm would create them without labels or policies.
        create_namespace: false,
        repository: remote ? remote.repository.replace(/\/[^/]+$/, (m) => (remote.repository.startsWith('oci://') ? '' : m)) : undefined,
        chart: local ? expr(`"\${path.module}/../../../../${local.path}"`) : rel.chart.chart,
        version: rel.chart.version,
        values: expr(`[file("\${path.module}/../../../../helm/${env.name}/${rel.name}.yaml")]`),
        set: rel.sets.length ? rel.sets.map((s) => ({ name: s.name, value: expr(s.value) })) : undefined,
        skip_crds: rel.skipCrds ? true : undefined,
        atomic: true,
        wait: true,
        timeout: rel.timeout,
        // A dependency with custom resources to wait for is waited for through its readiness check.
        depends_on: dependsOn.length ? dependsOn.map(expr) : undefined,
      }),
    ];
    if (rel.readyWhen) {
      const argv = ['kubectl', '--context', r.names.kubeContext, '--namespace', rel.readyWhen.namespace, 'wait', '--for=condition=Ready', ...rel.readyWhen.resources, '--timeout=10m'];
      blocks.push(
        // Helm cannot wait for custom resources: the ExternalSecrets have synced (their Secrets exist) only when
        // they report Ready. Runs where `platformc apply` runs, in the kubeconfig context it wrote.
        resourceBlock('terraform_data', `${id(rel.name)}_ready`, { depends_on: [expr(`helm_release.${id(rel.name)}`)] }, [
          { type: 'provisioner "local-exec"', body: { command: argv.join(' ') } },
        ]),
      );
    }
    return blocks;
  });
  return [
    { path: `${dir}/versions.tf`, content: versionsTf(ir, env, r, 'platform', ROOT_PROVIDERS.platform) },
    { path: `${dir}/.terraform.lock.hcl`, content: lockFile(ir, ROOT_PROVIDERS.platform) },
    { path: `${dir}/providers.tf`, content: file(providersTf(ir, env, [{ region: r.region }]), kubeProviders) },
    {
      path: `${dir}/infra.tf`,
      content: file(
        dataBlock('terraform_remote_state', 'infra', { backend: 's3', config: { bucket: r.names.stateBucket.bucket, key: stateKey(r, 'infra'), region: r.names.stateBucket.region } }),
        localsBlock({ infra: expr('data.terraform_remote_state.infra.outputs') }),
      ),
    },
    { path: `${dir}/namespaces.tf`, content: file(...namespaceBlocks) },
    { path: `${dir}/releases.tf`, content: file(...releaseBlocks) },
  ];
}
