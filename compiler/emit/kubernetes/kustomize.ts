/**
 * generated/kustomize: a base with what is the same in every environment (namespaces, quotas, network
 * policies), and one overlay per environment and region with everything built from that environment's IR:
 * each model's objects (replicas, HPA target, resources, rollout, Ingress group and TLS, role ARN, bucket;
 * written once per environment under <env>/models, each region patching the few fields that differ for it),
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
import { jsonPatch } from '../shared/json-patch.js';
import { byName } from '../shared/lookup.js';

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
    const shared = sharedModels(ir, env);
    files.push(...shared.files);
    for (const r of env.regions) {
      files.push(...overlay(ir, env, r, shared), ...admissionOverlay(ir, env, r));
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

/**
 * kustomize/overlays/<env>/models: each model's objects written once for an environment, where every region of
 * it runs the model with the same objects up to a few fields (the role ARN, the model bucket and AWS_REGION
 * differ by region). The file holds them as the first region (the primary) runs them; every other region's
 * overlay patches the fields that differ for it (JSON patches in its kustomization, aimed at the object by
 * kind, namespace and name). A model whose objects differ in shape between regions (or which does not run in
 * every region) keeps its own file in each region overlay, under <region>/models/, as before.
 */
type SharedModels = { files: FileOutput[]; models: ReadonlySet<string>; patches: ReadonlyMap<string, KustomizePatch[]> };
type KustomizePatch = { target: { group?: string; version: string; kind: string; namespace?: string; name: string }; patch: string };

const modelDir = (env: EnvironmentIR) => `kustomize/overlays/${env.name}/models`;

function sharedModels(ir: PlatformIR, env: EnvironmentIR): SharedModels {
  const [primary, ...others] = env.regions;
  const files: FileOutput[] = [];
  const models = new Set<string>();
  const patches = new Map<string, KustomizePatch[]>(others.map((r) => [r.region, []]));
  for (const d of primary!.deployments) {
    const model = byName(ir.models, (m) => m.name).get(d.model)!;
    const base = modelObjects(ir, model, d, primary!);
    const perRegion: [RegionIR, K8sObject[]][] = [];
    for (const r of others) {
      const rd = byName(r.deployments, (x) => x.model).get(d.model);
      if (!rd) break;
      const objects = modelObjects(ir, model, rd, r);
      if (!sameIdentities(base, objects)) break;
      perRegion.push([r, objects]);
    }
    if (perRegion.length !== others.length) continue;
    models.add(d.model);
    files.push({ path: `${modelDir(env)}/${d.model}.yaml`, content: toYamlDocuments(base) });
    for (const [r, objects] of perRegion) {
      base.forEach((o, i) => {
        const ops = jsonPatch(o, objects[i]);
        if (ops.length) patches.get(r.region)!.push({ target: target(o), patch: toYaml(ops).trimEnd() });
      });
    }
  }
  if (files.length) {
    files.push({ path: `${modelDir(env)}/kustomization.yaml`, content: kustomization({ resources: files.map((f) => f.path.slice(modelDir(env).length + 1)) }) });
  }
  return { files, models, patches };
}

const identity = (o: K8sObject) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const sameIdentities = (a: readonly K8sObject[], b: readonly K8sObject[]) => a.length === b.length && a.every((o, i) => identity(o) === identity(b[i]!));

/** A patch target naming exactly one object (kustomize's group is empty for the core API). */
function target(o: K8sObject): KustomizePatch['target'] {
  const slash = o.apiVersion.indexOf('/');
  const [group, version] = slash < 0 ? [undefined, o.apiVersion] : [o.apiVersion.slice(0, slash), o.apiVersion.slice(slash + 1)];
  return { ...(group ? { group } : {}), version, kind: o.kind, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), name: o.metadata.name };
}

function overlay(ir: PlatformIR, env: EnvironmentIR, r: RegionIR, shared: SharedModels): FileOutput[] {
  const dir = `kustomize/overlays/${env.name}/${r.region}`;
  const files: FileOutput[] = [];
  const resources = ['../../../base', '../observability', ...(shared.models.size ? ['../models'] : [])];
  const add = (path: string, objects: readonly K8sObject[]) => {
    files.push({ path: `${dir}/${path}`, content: toYamlDocuments(objects) });
    resources.push(path);
  };
  for (const d of r.deployments) if (!shared.models.has(d.model)) add(`models/${d.model}.yaml`, modelObjects(ir, byName(ir.models, (m) => m.name).get(d.model)!, d, r));
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
  const patches: unknown[] = [
    ...(shared.patches.get(r.region) ?? []),
    ...(suspendLoadTests ? [{ target: { kind: 'CronJob', labelSelector: 'app.kubernetes.io/component=load-test' }, patch: '[{"op": "replace", "path": "/spec/suspend", "value": true}]' }] : []),
  ];
  files.push({
    path: `${dir}/kustomization.yaml`,
    content: kustomization({
      resources,
      labels: [{ pairs: { 'app.kubernetes.io/part-of': ir.name, 'app.kubernetes.io/managed-by': 'platformc', 'platformc.dev/environment': env.name, 'platformc.dev/region': r.region }, includeSelectors: false, includeTemplates: true }],
      ...(patches.length ? { patches } : {}),
    }),
  });
  return files;
}
