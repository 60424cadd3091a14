/**
 * Observability per environment: SLO and GPU rules (PrometheusRule objects under prometheus/<env>/, one
 * file per rule file, with a kustomization beside them), dashboards (JSON under grafana/<env>/, turned into
 * ConfigMaps for Grafana's sidecar by a configMapGenerator beside them), gathered in
 * kustomize/overlays/<env>/observability, which every region's platform/ kustomization includes. (The load tests are objects of
 * their models: compiler/emit/kubernetes/load-tests.ts.)
 *
 * Nothing is written twice. The rules were once also written as plain rule files for promtool; their only
 * reader at run time is the Prometheus Operator, which reads PrometheusRule objects, so only those are
 * written, and promtool (check rules, test rules) reads their `spec`, which is a rule file as it stands.
 * A dashboard's JSON is written once: kustomize builds its ConfigMap from the file at apply time.
 */
import type { FileOutput } from '../../output/files.js';
import { toJson, toYaml } from '../../output/serialize.js';
import type { EnvironmentIR, PlatformIR } from '../../resolve/ir.js';
import { compareCodeUnits } from '../../lib/order.js';
import { groupBy } from '../../lib/collections.js';
import { GRAFANA_DASHBOARD_LABEL, GRAFANA_FOLDER_ANNOTATION, NAMESPACES } from '../../lib/conventions.js';
import { gpuFleetDashboard, modelDashboard, sloDashboard } from './dashboards.js';
import { loadTestRuleGroup } from './loadtest.js';
import { gpuRuleGroup, sliRuleGroup, sloObjectivesGroup, sloRuleGroups, type RuleGroup } from './slo.js';

export const observabilityDir = (env: string) => `kustomize/overlays/${env}/observability`;
export const grafanaDir = (env: string) => `grafana/${env}`;
export const prometheusDir = (env: string) => `prometheus/${env}`;

export function emitObservability(ir: PlatformIR): FileOutput[] {
  return ir.environments.flatMap((env) => environmentObservability(ir, env));
}

/**
 * Rule groups of an environment, by file name under prometheus/<env>/: the GPU alerts, the load-test alert,
 * the SLI recordings of every model (sli.rules.yaml), the generic SLO recordings and alerts (slo.rules.yaml),
 * and each team's SLOs as data (slo-<team>.rules.yaml: no fixed name starts with `slo-`). Load the SLI, SLO
 * and team files together: the SLO rules read the other two. A team's file bounds the size of each
 * PrometheusRule by the size of a team, not of the platform (an object is at most 1.5 MiB in etcd).
 */
export function ruleFiles(ir: PlatformIR, env: EnvironmentIR): Record<string, RuleGroup[]> {
  const deployments = env.regions[0]!.deployments;
  const teams = groupBy(deployments, (d) => d.namespace);
  return {
    'gpu.rules.yaml': [gpuRuleGroup(env)],
    'load-tests.rules.yaml': [loadTestRuleGroup()],
    ...(deployments.length === 0
      ? {}
      : {
          'sli.rules.yaml': [sliRuleGroup(ir, env, deployments)],
          'slo.rules.yaml': sloRuleGroups(env, deployments),
          ...Object.fromEntries([...teams.entries()].sort(([a], [b]) => compareCodeUnits(a, b)).map(([team, ds]) => [`slo-${team}.rules.yaml`, [sloObjectivesGroup(ir, env, team, ds)]])),
        }),
  };
}

function environmentObservability(ir: PlatformIR, env: EnvironmentIR): FileOutput[] {
  const dir = observabilityDir(env.name);
  const files: FileOutput[] = [];
  const resources: string[] = [];

  if (env.observability.metrics.enabled) {
    const rulesDir = prometheusDir(env.name);
    const names = Object.entries(ruleFiles(ir, env)).map(([name, groups]) => {
      const rule = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: `platformc-${name.replace(/\.rules\.yaml$/, '')}`, namespace: NAMESPACES.monitoring, labels: { release: 'kube-prometheus-stack' } }, spec: { groups } };
      // `spec` is a Prometheus rule file as it stands: promtool reads it (test/helpers/rules.ts).
      files.push({ path: `${rulesDir}/${name}`, content: toYaml(rule) });
      return name;
    });
    files.push({ path: `${rulesDir}/kustomization.yaml`, content: toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: names }) });
    resources.push(`../../../../${rulesDir}`);
    if (env.observability.dashboards.enabled) {
      files.push(...dashboardFiles(ir, env));
      resources.push(`../../../../${grafanaDir(env.name)}`);
    }
  }
  files.push({ path: `${dir}/kustomization.yaml`, content: toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: resources.sort() }) });
  return files;
}

/**
 * The dashboards of an environment as JSON files for Grafana (import, or provisioning from files), and a
 * kustomization beside them whose configMapGenerator makes one ConfigMap per file for the Grafana sidecar
 * (label and folder annotation as kube-prometheus-stack's sidecar expects). The names carry no content hash,
 * so a changed dashboard updates its ConfigMap instead of leaving the old one behind.
 */
function dashboardFiles(ir: PlatformIR, env: EnvironmentIR): FileOutput[] {
  const dir = grafanaDir(env.name);
  const dashboards = [gpuFleetDashboard(ir, env, env.regions[0]!), modelDashboard(ir, env), sloDashboard(ir, env)];
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    generatorOptions: { disableNameSuffixHash: true, labels: { [GRAFANA_DASHBOARD_LABEL]: '1' }, annotations: { [GRAFANA_FOLDER_ANNOTATION]: ir.name } },
    configMapGenerator: dashboards.map((db) => ({ name: `dashboard-${db.uid}`, namespace: NAMESPACES.monitoring, files: [`${db.uid}.json`] })),
  };
  return [...dashboards.map((db) => ({ path: `${dir}/${db.uid}.json`, content: toJson(db) })), { path: `${dir}/kustomization.yaml`, content: toYaml(kustomization) }];
}
