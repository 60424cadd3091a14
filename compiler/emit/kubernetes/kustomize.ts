/**
 * generated/kustomize: a base with everything shared, and one overlay per environment and region with
 * what differs (replicas, role ARNs, bucket, region, image tag, VPC CIDR). `kubectl delete -k` of an
 * overlay deletes our namespaces, and with them everything in them.
 * @see https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/
 */
import type { FileOutput } from '../../output/files.js';
import { toYaml, toYamlDocuments } from '../../output/serialize.js';
import type { EnvironmentIR, PlatformIR, RegionIR } from '../../resolve/ir.js';
import { NAMESPACES } from '../../resolve/conventions.js';
import {
  albIngressPolicy, grafanaAdminSecret, modelObjects, namespace, platformNetworkPolicies, replicaResources, secretStore, teamNetworkPolicies, teamQuota, tritonArgs,
  tritonServiceMonitor, type K8sObject,
} from './objects.js';

const kustomization = (body: Record<string, unknown>) => toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', ...body });

export function emitKustomize(ir: PlatformIR): FileOutput[] {
  // The base is built from the first environment's primary region; overlays patch what differs.
  const reference = ir.environments[0]!;
  const r0 = reference.regions[0]!;
  const teamNamespaces = ir.teams.map((t) => t.namespace);
  const files: FileOutput[] = [];
  const base = (path: string, objects: readonly K8sObject[]) => files.push({ path: `kustomize/base/${path}`, content: toYamlDocuments(objects) });

  base('namespaces.yaml', [namespace(NAMESPACES.platform, 'shared platform workloads: load tests'), ...ir.teams.map((t) => namespace(t.namespace, `team ${t.name}: models ${t.models.join(', ') || 'none yet'}`))]);
  base('quotas.yaml', ir.teams.flatMap((t) => teamQuota(t)));
  base('network-policies.yaml', [...platformNetworkPolicies(teamNamespaces), ...teamNamespaces.flatMap(teamNetworkPolicies)]);
  for (const m of ir.models) base(`models/${m.name}.yaml`, modelObjects(ir, m, r0.deployments.find((d) => d.model === m.name)!, r0, reference.observability.metrics.enabled));
  const monitoring = reference.observability.metrics.enabled;
  if (monitoring) base('monitoring.yaml', teamNamespaces.filter((ns) => ir.models.some((m) => m.namespace === ns)).map(tritonServiceMonitor));

  const resources = files.map((f) => f.path.replace('kustomize/base/', '')).sort();
  files.push({
    path: 'kustomize/base/kustomization.yaml',
    content: kustomization({
      resources,
      labels: [{ pairs: { 'app.kubernetes.io/part-of': ir.name, 'app.kubernetes.io/managed-by': 'platformc' }, includeSelectors: false, includeTemplates: true }],
    }),
  });

  for (const env of ir.environments) for (const r of env.regions) files.push(...overlay(ir, env, r));
  return files;
}

function overlay(ir: PlatformIR, env: EnvironmentIR, r: RegionIR): FileOutput[] {
  const dir = `kustomize/overlays/${env.name}/${r.region}`;
  const files: FileOutput[] = [];
  const patches: { path: string }[] = [];
  const triton = ir.versions.images.triton!;
  for (const d of r.deployments) {
    const m = ir.models.find((x) => x.name === d.model)!;
    const name = d.workload;
    const res = replicaResources(d, r);
    const patch: K8sObject[] = [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: d.serviceAccount, namespace: d.namespace, annotations: { 'eks.amazonaws.com/role-arn': d.roleArn } } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: d.namespace },
        spec: {
          replicas: d.replicas.min,
          template: {
            spec: {
              containers: [
                {
                  name: 'triton',
                  args: tritonArgs(m, r.names.modelBucket),
                  env: [{ name: 'HOME', value: '/tmp' }, { name: 'AWS_REGION', value: r.region }],
                  // The pool's instance type may differ per environment: size the replica for this one.
                  resources: {
                    requests: { cpu: String(res.cpu), memory: `${res.memoryGiB}Gi`, 'nvidia.com/gpu': String(d.gpusPerReplica) },
                    limits: { cpu: String(res.cpu * 2), memory: `${res.memoryGiB}Gi`, 'nvidia.com/gpu': String(d.gpusPerReplica) },
                  },
                },
              ],
            },
          },
        },
      },
      { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name, namespace: d.namespace }, spec: { minReplicas: d.replicas.min, maxReplicas: d.replicas.max } },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name, namespace: d.namespace, annotations: { 'alb.ingress.kubernetes.io/scheme': d.ingressScheme, 'alb.ingress.kubernetes.io/group.name': d.ingressGroup } },
      },
    ];
    const path = `patches/${d.model}.yaml`;
    files.push({ path: `${dir}/${path}`, content: toYamlDocuments(patch) });
    patches.push({ path });
  }
  const extra: K8sObject[] = [
    ...ir.teams.filter((t) => t.models.length).map((t) => albIngressPolicy(t.namespace, r.network.vpcCidr)),
    secretStore(r.region),
    ...(env.observability.metrics.enabled && env.observability.dashboards.enabled ? [grafanaAdminSecret(env)] : []),
  ];
  files.push({ path: `${dir}/region.yaml`, content: toYamlDocuments(extra) });
  files.push({
    path: `${dir}/kustomization.yaml`,
    content: kustomization({
      resources: ['../../../base', '../observability', 'region.yaml'],
      labels: [{ pairs: { 'app.kubernetes.io/part-of': ir.name, 'app.kubernetes.io/managed-by': 'platformc', 'platformc.dev/environment': env.name, 'platformc.dev/region': r.region }, includeSelectors: false, includeTemplates: true }],
      images: [{ name: triton.repository, newTag: triton.tag }],
      patches,
    }),
  });
  return files;
}
