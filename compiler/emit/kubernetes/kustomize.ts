/**
 * generated/kustomize: a base with what is the same in every environment (namespaces, quotas, network
 * policies, the load tests' script), each model's objects written once (kustomize/models, see layout()), and
 * one overlay per environment and region with everything built from that environment's IR: the patches of the model objects
 * (replicas, rollout, Ingress group, role ARN, bucket...), the ALB and monitoring allows, the working hours.
 * The overlay is a set of kustomizations that apply sends one by one (RegionIR.kustomize, overlay()): the
 * platform's objects, and each group of models. `kubectl delete -k` of the platform's deletes our
 * namespaces, and with them everything in them.
 * @see https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/
 */
import { posix } from 'node:path';
import type { FileOutput } from '../../output/files.js';
import { toYaml, toYamlDocuments } from '../../output/serialize.js';
import type { EnvironmentIR, ModelIR, PlatformIR, RegionIR } from '../../resolve/ir.js';
import { NAMESPACES } from '../../lib/conventions.js';
import { workingHoursObjects } from './working-hours.js';
import {
  albIngressPolicy, modelObjects, namespace, platformNetworkPolicies, teamNetworkPolicies, teamQuota, tritonEgressPolicy, tritonServiceMonitor, type K8sObject,
} from './objects.js';
import { karpenterObjects } from './karpenter.js';
import { admissionOverlay } from './admission.js';
import { common, jsonPatch, type PatchOperation } from '../shared/json-patch.js';
import { k6ScriptObject, loadTestObjects } from './load-tests.js';
import { compareCodeUnits } from '../../lib/order.js';
import { getOrInsert } from '../../lib/collections.js';
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
  // The script every load test runs (each model's settings are on its CronJob): one ConfigMap, the same everywhere.
  if (ir.models.length) base('load-test-script.yaml', [k6ScriptObject()]);

  const resources = files.map((f) => f.path.replace('kustomize/base/', '')).sort();
  files.push({
    path: 'kustomize/base/kustomization.yaml',
    content: kustomization({
      resources,
      labels: [{ pairs: { 'app.kubernetes.io/part-of': ir.name, 'app.kubernetes.io/managed-by': 'platformc' }, includeSelectors: false, includeTemplates: true }],
    }),
  });

  const models = layout(ir);
  files.push(...modelFiles(ir, models));
  for (const env of ir.environments) {
    for (const r of env.regions) {
      files.push(...overlay(ir, env, r, models), ...admissionOverlay(ir, env, r));
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
 * Each model's objects, written once for the platform (issue #16: they were written in full for every
 * environment, and differed there in a few fields). What a model runs in an environment and region is its
 * serving objects (modelObjects) and its load test (loadTestObjects): the variants, one per environment and
 * region, that the layout is computed from, field by field, with no field named here. (The load tests' script,
 * the same everywhere, is in kustomize/base.) A model's group is its namespace, or a part of it
 * (ModelIR.kustomizeGroup):
 *
 * - kustomize/models/<group>/<model>.yaml: each object as every environment and region has it in common
 *   (`common`: a field whose value differs anywhere is left out). So no environment's account, role ARN, bucket,
 *   region, replicas or ALB group is in it unless every environment has the same; it holds the model's
 *   definition, image, command line, probes, security context, volumes, RBAC and network shape. Never applied
 *   alone. A model's load test (in the platform's namespace) is in its group.
 * - kustomize/overlays/<env>/models/<group>/kustomization.yaml: that, with JSON patches adding what the
 *   environment's primary region runs beyond it (role ARN, bucket, replicas, HPA bounds, rollout, ALB group and
 *   IngressClass, the load tests' schedule...): every value the environment sets, and only adds (the base is
 *   what every variant extends).
 * - kustomize/overlays/<env>/<region>/models/<group>/kustomization.yaml: includes the environment's, with
 *   the region's labels; a standby region patches what differs for it from the primary (role ARN, bucket,
 *   AWS_REGION, regional certificate), the primary nothing.
 *
 * One kustomization per group at every level: kustomize's build time grows with the square of the objects of a
 * kustomization (RegionIR.kustomize), and each patch's target is matched against those objects only.
 * Objects with the same operations share one patch (its target names them all), and an object that not every
 * environment has (an HPA where metrics are off elsewhere) is written in full where it exists: under
 * overlays/<env>/models/<group>/ when every region of the environment has it, else under
 * overlays/<env>/<region>/models/<group>/.
 */
type Slot = { readonly env: EnvironmentIR; readonly region: RegionIR };
type Patch = { readonly target: ReturnType<typeof target>; readonly ops: PatchOperation[] };
/** Objects written in full (by file: model) and patches, of one kustomization. */
type Level = { readonly files: Map<string, K8sObject[]>; readonly patches: Patch[] };
/**
 * By group (ModelIR.kustomizeGroup): `common`, what every environment and region has in common, by model; `env`
 * and `region` (by environment name, and by `<env>/<region>`), the levels.
 */
type Layout = { readonly common: Map<string, Map<string, K8sObject[]>>; readonly env: Map<string, Map<string, Level>>; readonly region: Map<string, Map<string, Level>> };

const MODELS_DIR = 'kustomize/models';
const envModelsDir = (env: EnvironmentIR, group: string) => `kustomize/overlays/${env.name}/models/${group}`;
const regionKey = (env: EnvironmentIR, r: RegionIR) => `${env.name}/${r.region}`;

/**
 * The objects of each model in every environment and region that runs it, model by model (so only one model's
 * variants are held at a time), in name order.
 */
function* units(ir: PlatformIR): Generator<[m: ModelIR, variants: Map<Slot, readonly K8sObject[]>]> {
  const slots = ir.environments.flatMap((env) => env.regions.map((region) => ({ env, region, deployments: byName(region.deployments, (d) => d.model) })));
  // The load tests are the environment's, built from its primary region (a standby runs them suspended: overlay()).
  const primaries = new Map(ir.environments.map((env) => {
    const primary = env.regions[0]!;
    return [env, { general: primary.nodePools.find((p) => p.role === 'general')!.name, deployments: byName(primary.deployments, (d) => d.model) }];
  }));
  for (const m of [...ir.models].sort((a, b) => compareCodeUnits(a.name, b.name))) {
    const loadTests = new Map<EnvironmentIR, K8sObject[]>();
    const variants = new Map<Slot, K8sObject[]>();
    for (const s of slots) {
      const d = s.deployments.get(m.name);
      if (!d) continue;
      const p = primaries.get(s.env)!;
      const tested = p.deployments.get(m.name);
      if (!loadTests.has(s.env)) loadTests.set(s.env, tested ? loadTestObjects(ir, s.env, m, tested, p.general) : []);
      variants.set(s, [...modelObjects(ir, m, d, s.region), ...loadTests.get(s.env)!]);
    }
    if (variants.size) yield [m, variants];
  }
}

function layout(ir: PlatformIR): Layout {
  const slots = ir.environments.reduce((n, e) => n + e.regions.length, 0);
  const out: Layout = { common: new Map(), env: new Map(), region: new Map() };
  const level = (map: Map<string, Map<string, Level>>, key: string, group: string) => getOrInsert(getOrInsert(map, key, () => new Map()), group, () => ({ files: new Map(), patches: [] }));
  const write = (files: Map<string, K8sObject[]>, unit: string, o: K8sObject) => getOrInsert(files, unit, () => []).push(o);
  const patch = (patches: Patch[], from: K8sObject, to: K8sObject) => {
    const ops = jsonPatch(from, to);
    if (ops.length) patches.push({ target: target(to), ops });
  };
  for (const [m, variants] of units(ir)) {
    const group = m.kustomizeGroup;
    // Each object of the model, by identity (in the order its first variant lists them), in every variant that has it.
    const objects = new Map<string, Map<Slot, K8sObject>>();
    for (const [s, list] of variants) for (const o of list) getOrInsert(objects, identity(o), () => new Map()).set(s, o);
    for (const present of objects.values()) {
      const base = present.size === slots ? (common([...present.values()]) as K8sObject) : undefined;
      if (base) write(getOrInsert(out.common, group, () => new Map()), m.name, base);
      for (const env of ir.environments) {
        const here = [...present].filter(([s]) => s.env === env);
        if (here.length === env.regions.length) {
          const primary = here.find(([s]) => s.region === env.regions[0])![1];
          const envLevel = level(out.env, env.name, group);
          if (base) patch(envLevel.patches, base, primary);
          else write(envLevel.files, m.name, primary);
          for (const [s, o] of here) patch(level(out.region, regionKey(env, s.region), group).patches, primary, o);
        } else {
          for (const [s, o] of here) write(level(out.region, regionKey(env, s.region), group).files, m.name, o);
        }
      }
    }
  }
  return out;
}

const identity = (o: K8sObject) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** A patch target naming exactly one object (kustomize's group is empty for the core API). */
function target(o: K8sObject): { group?: string; version: string; kind: string; namespace?: string; name: string } {
  const slash = o.apiVersion.indexOf('/');
  const [group, version] = slash < 0 ? [undefined, o.apiVersion] : [o.apiVersion.slice(0, slash), o.apiVersion.slice(slash + 1)];
  return { ...(group ? { group } : {}), version, kind: o.kind, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), name: o.metadata.name };
}

/**
 * A kustomization's patches: one per set of objects of a kind and namespace that get the same operations, its
 * target naming them all (kustomize reads `name` as a regular expression matching the whole name), in the order
 * of their first object; the operations as a YAML list, one JSON object a line.
 */
function kustomizePatches(patches: readonly Patch[]): { target: Record<string, string>; patch: string }[] {
  type Kind = Omit<Patch['target'], 'name'>;
  // Each operation with the objects that get it, then the operations that go to the same objects together.
  const ops = new Map<string, { kind: Kind; op: PatchOperation; names: string[] }>();
  for (const p of patches) {
    const { name, ...kind } = p.target;
    for (const op of p.ops) {
      const key = JSON.stringify([kind, op]);
      getOrInsert(ops, key, () => ({ kind, op, names: [] })).names.push(name);
    }
  }
  const groups = new Map<string, { kind: Kind; names: string[]; ops: PatchOperation[] }>();
  for (const { kind, op, names } of ops.values()) {
    const key = JSON.stringify([kind, names]);
    getOrInsert(groups, key, () => ({ kind, names, ops: [] as PatchOperation[] })).ops.push(op);
  }
  return [...groups.values()].map((g) => ({
    // A name may hold a dot, which a regular expression reads as any character.
    target: { ...g.kind, name: g.names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|') },
    patch: g.ops.map((op) => `- ${JSON.stringify(op)}\n`).join(''),
  }));
}

/** The files of kustomize/models/<group> and of each environment's models/<group>. */
function modelFiles(ir: PlatformIR, l: Layout): FileOutput[] {
  const files: FileOutput[] = [];
  for (const [group, units] of l.common) {
    const dir = `${MODELS_DIR}/${group}`;
    files.push(...unitFiles(dir, units), { path: `${dir}/kustomization.yaml`, content: kustomization({ resources: unitNames(units) }) });
  }
  for (const env of ir.environments) {
    const own = l.env.get(env.name) ?? new Map<string, Level>();
    for (const group of new Set([...l.common.keys(), ...own.keys()])) {
      if (!hasEnvGroup(l, env, group)) continue;
      const dir = envModelsDir(env, group);
      const written = own.get(group)?.files ?? new Map();
      const patches = kustomizePatches(own.get(group)?.patches ?? []);
      files.push(...unitFiles(dir, written), {
        path: `${dir}/kustomization.yaml`,
        content: kustomization({ resources: [...(l.common.has(group) ? [posix.relative(dir, `${MODELS_DIR}/${group}`)] : []), ...unitNames(written)], ...(patches.length ? { patches } : {}) }),
      });
    }
  }
  return files;
}

/** Whether an environment has a kustomization of the group: the group has common objects, or the environment objects in full. */
const hasEnvGroup = (l: Layout, env: EnvironmentIR, group: string) => l.common.has(group) || (l.env.get(env.name)?.get(group)?.files.size ?? 0) > 0;

/** Each model's objects as <dir>/<model>.yaml, models in name order. */
const unitFiles = (dir: string, models: ReadonlyMap<string, readonly K8sObject[]>): FileOutput[] => unitNames(models).map((file) => ({ path: `${dir}/${file}`, content: toYamlDocuments(models.get(file.slice(0, -'.yaml'.length))!) }));
const unitNames = (models: ReadonlyMap<string, unknown>) => [...models.keys()].sort(compareCodeUnits).map((model) => `${model}.yaml`);

/** The labels every object of a region carries (not on selectors: a Deployment's selector cannot change). */
const regionLabels = (ir: PlatformIR, env: EnvironmentIR, r: RegionIR) => [{ pairs: { 'app.kubernetes.io/part-of': ir.name, 'app.kubernetes.io/managed-by': 'platformc', 'platformc.dev/environment': env.name, 'platformc.dev/region': r.region }, includeSelectors: false, includeTemplates: true }];

/**
 * The region's kustomizations (RegionIR.kustomize): platform/ (base, the environment's observability, the region's
 * policies and working hours), models/<group>/ for each group of models that runs here (the environment's models of
 * the group, and what differs in this region), and the overlay that includes them all. Each carries the region's
 * labels and its own patches, so the overlay builds exactly what they build one by one.
 */
function overlay(ir: PlatformIR, env: EnvironmentIR, r: RegionIR, models: Layout): FileOutput[] {
  const k = r.kustomize;
  const files: FileOutput[] = [];
  const labels = regionLabels(ir, env, r);

  const resources = [posix.relative(k.platform, 'kustomize/base'), posix.relative(k.platform, `kustomize/overlays/${env.name}/observability`)];
  const add = (path: string, objects: readonly K8sObject[]) => {
    files.push({ path: `${k.platform}/${path}`, content: toYamlDocuments(objects) });
    resources.push(path);
  };
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
  files.push({ path: `${k.platform}/kustomization.yaml`, content: kustomization({ resources, labels }) });

  // The environment's load-test CronJobs come with the models in every region; a warm standby is not sized for the
  // target rate, so on a schedule there they would fail (and raise LoadTestFailed) every time: suspended there.
  const suspendLoadTests = r.role === 'standby' && env.observability.loadTests.schedule !== undefined;
  for (const { group, dir } of k.models) {
    const own = models.region.get(regionKey(env, r))?.get(group);
    const written = own?.files ?? new Map<string, K8sObject[]>();
    const fromEnv = hasEnvGroup(models, env, group);
    const patches: unknown[] = [
      ...kustomizePatches(own?.patches ?? []),
      ...(suspendLoadTests ? [{ target: { kind: 'CronJob', labelSelector: 'app.kubernetes.io/component=load-test' }, patch: '[{"op": "replace", "path": "/spec/suspend", "value": true}]' }] : []),
    ];
    files.push(...unitFiles(dir, written), {
      path: `${dir}/kustomization.yaml`,
      content: kustomization({ resources: [...(fromEnv ? [posix.relative(dir, envModelsDir(env, group))] : []), ...unitNames(written)], labels, ...(patches.length ? { patches } : {}) }),
    });
  }
  files.push({ path: `${k.overlay}/kustomization.yaml`, content: kustomization({ resources: [posix.relative(k.overlay, k.platform), ...k.models.map((m) => posix.relative(k.overlay, m.dir))] }) });
  return files;
}
