/**
 * generated/helm/<env>/: the values files the Terraform Helm releases read, and the platform-prerequisites
 * chart platformc writes itself (StorageClass, ClusterSecretStore, ExternalSecrets).
 */
import type { FileOutput } from '../../output/files.js';
import { toYaml } from '../../output/serialize.js';
import { NAMESPACES, STORAGE_CLASS } from '../../lib/conventions.js';
import type { EnvironmentIR, PlatformIR } from '../../resolve/ir.js';
import { CONTROLLERS } from '../../lib/conventions.js';
import { isLocalChart, PREREQUISITES, releases, SECRET_STORE } from '../shared/releases.js';

export function emitHelmValues(ir: PlatformIR): FileOutput[] {
  return ir.environments.flatMap((env) => [
    ...releases(ir, env).map((r) => ({
      path: `helm/${env.name}/${r.name}.yaml`,
      content: `# Chart ${r.chart.chart} ${r.chart.version} (${isLocalChart(r.chart) ? r.chart.path : r.chart.repository}); values set per region by terraform/${env.name}/<region>/platform.\n${toYaml(r.values)}`,
    })),
    ...prerequisitesChart(env),
  ]);
}

/** Stands for the region in the templates; Terraform sets it per region (`set region`). */
const REGION = '__REGION__';
const template = (objects: readonly object[]) =>
  objects.map((o) => toYaml(o)).join('---\n').replaceAll(REGION, '{{ required "region is set by terraform" .Values.region }}');

/** The templates of platform-prerequisites; only the region is left to Helm. */
export function prerequisitesObjects(env: EnvironmentIR): Record<string, object[]> {
  const secrets = env.releaseSecrets;
  return {
    'storage-class.yaml': [
      {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: STORAGE_CLASS },
        provisioner: 'ebs.csi.aws.com',
        parameters: { type: 'gp3', encrypted: 'true' },
        // Bind where the pod is scheduled (EBS volumes live in one AZ); delete the volume with its claim.
        volumeBindingMode: 'WaitForFirstConsumer',
        reclaimPolicy: 'Delete',
        allowVolumeExpansion: true,
      },
    ],
    'secret-store.yaml': [
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ClusterSecretStore',
        metadata: { name: SECRET_STORE },
        spec: {
          // Only the platform's own namespace may read through it: a team that can create ExternalSecrets in its
          // namespace must not read the Grafana admin or the alerting webhook.
          conditions: [{ namespaces: [NAMESPACES.monitoring] }],
          provider: {
            aws: {
              service: 'SecretsManager',
              region: REGION,
              auth: { jwt: { serviceAccountRef: { name: CONTROLLERS.externalSecrets.serviceAccount, namespace: CONTROLLERS.externalSecrets.namespace } } },
            },
          },
        },
      },
    ],
    ...(secrets.length
      ? {
          'external-secrets.yaml': secrets.map((s) => ({
            apiVersion: 'external-secrets.io/v1',
            kind: 'ExternalSecret',
            metadata: { name: s.name, namespace: NAMESPACES.monitoring },
            spec: {
              refreshInterval: '1h',
              secretStoreRef: { kind: 'ClusterSecretStore', name: SECRET_STORE },
              target: { name: s.name, creationPolicy: 'Owner' },
              data: s.keys.map((k) => ({ secretKey: k.secretKey, remoteRef: { key: s.awsSecret, ...(k.property ? { property: k.property } : {}) } })),
            },
          })),
        }
      : {}),
  };
}

function prerequisitesChart(env: EnvironmentIR): FileOutput[] {
  const dir = `helm/${env.name}/charts/${PREREQUISITES}`;
  return [
    {
      path: `${dir}/Chart.yaml`,
      content: toYaml({
        apiVersion: 'v2',
        name: PREREQUISITES,
        description: 'What the platform releases need before they install: the gp3 StorageClass and the Secrets External Secrets fills from AWS Secrets Manager.',
        type: 'application',
        version: '1.0.0',
      }),
    },
    { path: `${dir}/values.yaml`, content: toYaml({ region: '' }) },
    ...Object.entries(prerequisitesObjects(env)).map(([name, objects]) => ({ path: `${dir}/templates/${name}`, content: template(objects) })),
  ];
}
