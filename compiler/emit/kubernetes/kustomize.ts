/**
 * generated/kustomize: a base with what is the same in every environment (namespaces, quotas, network
 * policies), and one overlay per environment and region with everything built from that environment's IR:
 * each model's objects (replicas, HPA target, resources, rollout, Ingress group and TLS, role ARN, bucket),
 * the ALB and monitoring allows, the secret store. `kubectl delete -k` of an overlay deletes our namespaces,
 * and with them everything in them.
 * @see https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/
 */
import type { FileOutput } from '../../output/files.js';
import { toYaml, toYamlDocuments } from '../../output/serialize.js';
import type { EnvironmentIR, PlatformIR, RegionIR } from '../../resolve/ir.js';
import { NAMESPACES } from '../../lib/conventions.js';
import { workingHoursObjects } from './working-hours.js';
import {
  albIngressPolicy, modelObjects, namespace, platformNetworkPolicies, teamNetworkPolicies, teamQuota, tritonEgressPolicy, tritonServiceMonitor, type K8sObject,
} from './objects.js';
import { karpenterObjects } from './karpenter.js';
import { admissionOverlay } from './admission.js';

const kustomization = (body: Record<string, unknown>) => toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', ...body });

export function emitKustomize(ir: PlatformIR): FileOutput[] {
  const teamNamespaces = ir.teams.map((t) => t.namespace);
  const files: FileOutput[] = [];
  const base = (path: string, objects: readonly K8sObject[]) => files.push({ path: `kustomize/base/${path}`, content: toYamlDocuments(objects) });

  base('namespaces.yaml', [
    namespace(NAMESPACES.platform, 'shared platform workloads: load tests'),
    ...ir.teams.map((t) => namespace(t.namespace, `team ${t.name}: models ${t.models.join(', ') || 'none yet'}`, t.models.length > 0)),
  ]);
  base('quotas.yaml', ir.teams.flatMap((t) => teamQuota(t)));
  base('network-policies.yaml', [...platformNetworkPolicies(teamNamespaces), ...teamNamespaces.flatMap(teamNetworkPolicies)]);

  const resources = files.map((f) => f.path.replace('kustomize/base/', '')).sort();
  files.push({
    path: 'kustomize/base/kustomization.yaml',
    content: kustomization({
      resources,
      labels: [{ pairs: { 'app.kubernetes.io/part-of': ir.name, 'app.kubernetes.io/managed-by': 'platformc' }, includeSelectors: false, includeTemplates: true }],
    }),
  });

  for (const env of ir.environments) {
    for (const r of env.regions) {
      files.push(...overlay(ir, env, r), ...admissionOverlay(ir, env, r));
      if (env.cluster.provisioner === 'karpenter') files.push(...karpenterOverlay(ir, env, r));
    }
  }
  return files;
}

/**
 * kustomize/overlays/<env>/<region>/karpenter: the EC2NodeClasses and NodePools, applied after the platform root
 * (which installs Karpenter and its CRDs) and deleted before it (so Karpenter still runs to terminate their nodes).
 */
function karpenterOverlay(ir: PlatformIR, env: EnvironmentIR, r: RegionIR): FileOutput[] {
  const dir = `kustomize/overlays/${env.name}/${r.region}/karpenter`;
  const { nodeClasses, nodePools } = karpenterObjects(env, r);
  return [
    { path: `${dir}/node-classes.yaml`, content: toYamlDocuments(nodeClasses) },
    { path: `${dir}/node-pools.yaml`, content: toYamlDocuments(nodePools) },
    {
      path: `${dir}/kustomization.yaml`,
      content: kustomization({
        resources: ['node-classes.yaml', 'node-pools.yaml'],
        // Not on selectors or templates: a NodePool's template labels are the nodes' labels, which pods select on.
        labels: [{ pairs: { 'app.kubernetes.io/part-of': ir.name, 'app.kubernetes.io/managed-by': 'platformc', 'platformc.dev/environment': env.name, 'platformc.dev/region': r.region }, includeSelectors: false, includeTemplates: false }],
      }),
    },
  ];
}

function overlay(ir: PlatformIR, env: EnvironmentIR, r: RegionIR): FileOutput[] {
  const dir = `kustomize/overlays/${env.name}/${r.region}`;
  const files: FileOutput[] = [];
  const resources = ['../../../base', '../observability'];
  const add = (path: string, objects: readonly K8sObject[]) => {
    files.push({ path: `${dir}/${path}`, content: toYamlDocuments(objects) });
    resources.push(path);
  };
  for (const d of r.deployments) add(`models/${d.model}.yaml`, modelObjects(ir, ir.models.find((m) => m.name === d.model)!, d, r));
  const served = [...new Set(r.deployments.map((d) => d.namespace))].sort();
  add('region.yaml', [
    ...served.map((ns) => albIngressPolicy(ns, r.deployments.filter((d) => d.namespace === ns).flatMap((d) => d.ingress.albSubnets))),
    ...served.map((ns) => tritonEgressPolicy(ns, r.network.vpcCidr)),
    // Prometheus scrapes Triton only where this environment runs Prometheus (and so has the CRD).
    ...(env.observability.metrics.enabled ? served.map(tritonServiceMonitor) : []),
    // The secret store and the ExternalSecrets of Grafana and Alertmanager come with the platform-prerequisites
    // chart, so they exist before kube-prometheus-stack installs.
  ]);
  const schedule = workingHoursObjects(ir, env, r);
  if (schedule.length) add('working-hours.yaml', schedule);
  // The environment's load-test CronJobs come with ../observability in every region; a warm standby is not sized for
  // the target rate, so on a schedule there they would fail (and raise LoadTestFailed) every time: suspended there.
  const suspendLoadTests = r.role === 'standby' && env.observability.loadTests.schedule !== undefined;
  files.push({
    path: `${dir}/kustomization.yaml`,
    content: kustomization({
      resources,
      labels: [{ pairs: { 'app.kubernetes.io/part-of': ir.name, 'app.kubernetes.io/managed-by': 'platformc', 'platformc.dev/environment': env.name, 'platformc.dev/region': r.region }, includeSelectors: false, includeTemplates: true }],
      ...(suspendLoadTests
        ? { patches: [{ target: { kind: 'CronJob', labelSelector: 'app.kubernetes.io/component=load-test' }, patch: '[{"op": "replace", "path": "/spec/suspend", "value": true}]' }] }
        : {}),
    }),
  });
  return files;
}
