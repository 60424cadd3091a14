/**
 * Observability per environment: SLO and GPU rules (plain files under prometheus/ for promtool, and
 * PrometheusRule objects), dashboards (JSON under grafana/, and ConfigMaps for Grafana's sidecar) and
 * load tests, gathered in kustomize/overlays/<env>/observability, which every region overlay includes.
 */
import type { FileOutput } from '../../output/files.js';
import { toJson, toYaml, toYamlDocuments } from '../../output/serialize.js';
import type { EnvironmentIR, PlatformIR } from '../../resolve/ir.js';
import { GRAFANA_DASHBOARD_LABEL, GRAFANA_FOLDER_ANNOTATION, NAMESPACES } from '../../lib/conventions.js';
import type { K8sObject } from '../shared/k8s.js';
import { gpuFleetDashboard, modelDashboard, sloDashboard } from './dashboards.js';
import { loadTestObjects } from './loadtest.js';
import { gpuRuleGroup, sloRuleGroups, type RuleGroup } from './slo.js';

export const observabilityDir = (env: string) => `kustomize/overlays/${env}/observability`;

export function emitObservability(ir: PlatformIR): FileOutput[] {
  return ir.environments.flatMap((env) => environmentObservability(ir, env));
}

/** Rule groups of an environment, by file name under prometheus/<env>/. */
export function ruleFiles(ir: PlatformIR, env: EnvironmentIR): Record<string, RuleGroup[]> {
  const r = env.regions[0]!;
  return {
    'gpu.rules.yaml': [gpuRuleGroup(env)],
    ...Object.fromEntries(r.deployments.map((d) => [`slo-${d.model}.rules.yaml`, sloRuleGroups(ir, env, d)])),
  };
}

function environmentObservability(ir: PlatformIR, env: EnvironmentIR): FileOutput[] {
  const r = env.regions[0]!;
  const dir = observabilityDir(env.name);
  const files: FileOutput[] = [];
  const resources: string[] = [];
  const add = (name: string, objects: K8sObject[]) => {
    files.push({ path: `${dir}/${name}`, content: toYamlDocuments(objects) });
    resources.push(name);
  };

  if (env.observability.metrics.enabled) {
    const objects: string[] = [];
    for (const [name, groups] of Object.entries(ruleFiles(ir, env))) {
      // Serialised once: the plain rule file for promtool, and the same text, indented, as the spec of a PrometheusRule.
      const rules = toYaml({ groups });
      files.push({ path: `prometheus/${env.name}/${name}`, content: rules });
      const metadata = toYaml({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: `platformc-${name.replace(/\.rules\.yaml$/, '')}`, namespace: NAMESPACES.monitoring, labels: { release: 'kube-prometheus-stack' } } });
      objects.push(`${metadata}spec:\n${rules.replace(/^(?=.)/gm, '  ')}`);
    }
    files.push({ path: `${dir}/prometheus-rules.yaml`, content: objects.join('---\n') });
    resources.push('prometheus-rules.yaml');
    if (env.observability.dashboards.enabled) {
      const dashboards = [gpuFleetDashboard(ir, env, r), sloDashboard(ir, env), ...r.deployments.map((d) => modelDashboard(ir, env, d.model))];
      for (const db of dashboards) {
        const name = db.uid!;
        files.push({ path: `grafana/${env.name}/${name}.json`, content: toJson(db) });
        // One ConfigMap per dashboard, as JSON (valid YAML for kustomize, and far cheaper to write than YAML).
        const configMap: K8sObject = {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `dashboard-${name}`, namespace: NAMESPACES.monitoring, labels: { [GRAFANA_DASHBOARD_LABEL]: '1' }, annotations: { [GRAFANA_FOLDER_ANNOTATION]: ir.name } },
          data: { [`${name}.json`]: JSON.stringify(db) },
        };
        files.push({ path: `${dir}/dashboards/${name}.json`, content: toJson(configMap) });
        resources.push(`dashboards/${name}.json`);
      }
    }
  }
  const general = r.nodePools.find((p) => p.role === 'general')!.name;
  add('load-tests.yaml', r.deployments.flatMap((d) => loadTestObjects(ir, env.name, ir.models.find((m) => m.name === d.model)!, d, general)));
  files.push({ path: `${dir}/kustomization.yaml`, content: toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: resources.sort() }) });
  return files;
}
