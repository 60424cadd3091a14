/**
 * The `platform` root module of one environment and region: the Helm releases, installed through
 * Terraform's Helm provider so that destroy removes them cleanly. It reads the cluster from the infra
 * module's state, so the infra module never depends on a reachable cluster.
 * @see https://registry.terraform.io/providers/hashicorp/helm/latest/docs/resources/release
 */
import type { FileOutput } from '../../output/files.js';
import type { EnvironmentIR, PlatformIR, RegionIR } from '../../resolve/ir.js';
import { isLocalChart, releases } from '../shared/releases.js';
import { expr } from './hcl.js';
import { lockFile, providersTf, ROOT_PROVIDERS, stateKey, versionsTf } from './infra.js';
import { dataBlock, file, localsBlock, providerBlock, resourceBlock } from './templates.js';

export function emitPlatform(ir: PlatformIR, env: EnvironmentIR, r: RegionIR): FileOutput[] {
  const dir = `terraform/${env.name}/${r.region}/platform`;
  const exec = {
    api_version: 'client.authentication.k8s.io/v1beta1',
    command: 'aws',
    args: ['eks', 'get-token', '--cluster-name', expr('local.infra.cluster_name'), '--region', r.region],
  };
  const cluster = { host: expr('local.infra.cluster_endpoint'), cluster_ca_certificate: expr('base64decode(local.infra.cluster_certificate_authority_data)') };
  const kubeProviders = providerBlock('helm', { kubernetes: { ...cluster, exec } });
  const list = releases(ir, env);
  const id = (name: string) => name.replace(/-/g, '_');
  const waits = new Map(list.filter((rel) => rel.readyWhen).map((rel) => [rel.name, `terraform_data.${id(rel.name)}_ready`]));
  const releaseBlocks = list.flatMap((rel) => {
    const local = isLocalChart(rel.chart) ? rel.chart : undefined;
    const remote = isLocalChart(rel.chart) ? undefined : rel.chart;
    const blocks = [
      resourceBlock('helm_release', id(rel.name), {
        name: rel.name,
        namespace: rel.namespace,
        create_namespace: rel.namespace !== 'kube-system',
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
        depends_on: rel.dependsOn.length ? rel.dependsOn.map((d) => expr(waits.get(d) ?? `helm_release.${id(d)}`)) : undefined,
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
    { path: `${dir}/versions.tf`, content: versionsTf(ir, env, r, 'platform', ['aws', 'helm']) },
    { path: `${dir}/.terraform.lock.hcl`, content: lockFile(ir, ROOT_PROVIDERS.platform) },
    { path: `${dir}/providers.tf`, content: file(providersTf(ir, env, [{ region: r.region }]), kubeProviders) },
    {
      path: `${dir}/infra.tf`,
      content: file(
        dataBlock('terraform_remote_state', 'infra', { backend: 's3', config: { bucket: r.names.stateBucket.bucket, key: stateKey(r, 'infra'), region: r.names.stateBucket.region } }),
        localsBlock({ infra: expr('data.terraform_remote_state.infra.outputs') }),
      ),
    },
    { path: `${dir}/releases.tf`, content: file(...releaseBlocks) },
  ];
}
