/**
 * The `platform` root module of one environment and region: the Helm releases, installed through
 * Terraform's Helm provider so that destroy removes them cleanly. It reads the cluster from the infra
 * module's state, so the infra module never depends on a reachable cluster.
 * @see https://registry.terraform.io/providers/hashicorp/helm/latest/docs/resources/release
 */
import type { FileOutput } from '../../output/files.js';
import type { EnvironmentIR, PlatformIR, RegionIR } from '../../resolve/ir.js';
import { releases } from '../shared/releases.js';
import { expr, quote } from './hcl.js';
import { providersTf, stateKey, versionsTf } from './infra.js';
import { dataBlock, file, localsBlock, render, resourceBlock } from './templates.js';

export function emitPlatform(ir: PlatformIR, env: EnvironmentIR, r: RegionIR): FileOutput[] {
  const dir = `terraform/${env.name}/${r.region}/platform`;
  const exec = {
    api_version: 'client.authentication.k8s.io/v1beta1',
    command: 'aws',
    args: expr(`["eks", "get-token", "--cluster-name", local.infra.cluster_name, "--region", ${quote(r.region)}]`),
  };
  const cluster = { host: expr('local.infra.cluster_endpoint'), cluster_ca_certificate: expr('base64decode(local.infra.cluster_certificate_authority_data)') };
  const kubeProviders = [
    `provider "helm" {\n${render('locals', { body: { kubernetes: { ...cluster, exec } } }).replace(/^locals \{\n/, '').replace(/\n\}\n$/, '')}\n}`,
  ].join('\n\n');
  const list = releases(ir, env);
  const releaseBlocks = list.map((rel) =>
    resourceBlock('helm_release', rel.name.replace(/-/g, '_'), {
      name: rel.name,
      namespace: rel.namespace,
      create_namespace: rel.namespace !== 'kube-system',
      repository: rel.chart.repository.replace(/\/[^/]+$/, (m) => (rel.chart.repository.startsWith('oci://') ? '' : m)),
      chart: rel.chart.chart,
      version: rel.chart.version,
      values: expr(`[file("\${path.module}/../../../../helm/${env.name}/${rel.name}.yaml")]`),
      set: rel.sets.length ? rel.sets.map((s) => ({ name: s.name, value: expr(s.value) })) : undefined,
      atomic: true,
      wait: true,
      timeout: rel.timeout,
      depends_on: rel.dependsOn.length ? rel.dependsOn.map((d) => expr(`helm_release.${d.replace(/-/g, '_')}`)) : undefined,
    }),
  );
  return [
    { path: `${dir}/versions.tf`, content: versionsTf(ir, env, r, 'platform', ['aws', 'helm']) },
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
