/**
 * Grafana dashboards, typed by the dashboard JSON Schema (dashboard-types.ts is generated from it), three
 * per environment whatever the number of models: a GPU fleet dashboard, a model dashboard with a `model`
 * variable, and an SLO dashboard. Datasource and variables as kube-prometheus-stack provisions them;
 * load-test runs appear as annotations on every dashboard.
 * @see https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/
 */
import type { EnvironmentIR, PlatformIR, RegionIR } from '../../resolve/ir.js';
import { limitName } from '../../resolve/resolve.js';
import type { Dashboard, Panel, VariableModel } from '../grafana/dashboard-types.js';
import { LATENCY_HISTOGRAM, LOADTEST_JOB_PREFIX, NAMESPACES, workloadName } from '../../lib/conventions.js';
import { BUDGET_RECORD, SLI_RECORD } from './slo.js';

/** kube-prometheus-stack provisions its Prometheus datasource with this uid. */
export const DATASOURCE_UID = 'prometheus';
const ds = { type: 'prometheus', uid: '${datasource}' };

interface PanelSpec { title: string; exprs: [string, string][]; unit?: string; type?: 'timeseries' | 'stat' | 'gauge'; description?: string }

/** Panels laid out two per row, 12 columns wide. */
function layout(specs: readonly PanelSpec[]): Panel[] {
  return specs.map((p, i) => ({
    id: i + 1,
    type: p.type ?? 'timeseries',
    title: p.title,
    ...(p.description ? { description: p.description } : {}),
    datasource: ds,
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    targets: p.exprs.map(([expr, legend], j) => ({ refId: String.fromCharCode(65 + j), datasource: ds, expr, legendFormat: legend })),
    fieldConfig: { defaults: { ...(p.unit ? { unit: p.unit } : {}) }, overrides: [] },
    options: {},
  }));
}

const datasourceVariable: VariableModel = { type: 'datasource', name: 'datasource', label: 'Data source', query: 'prometheus', current: { text: 'Prometheus', value: DATASOURCE_UID }, hide: 0 };

function dashboard(uid: string, title: string, tags: string[], panels: Panel[], variables: VariableModel[] = []): Dashboard {
  return {
    uid,
    title,
    tags: ['platformc', ...tags],
    editable: false,
    schemaVersion: 41,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    timezone: 'utc',
    graphTooltip: 1,
    templating: { list: [datasourceVariable, ...variables] },
    annotations: { list: LOAD_TEST_ANNOTATIONS as never },
    panels,
  };
}

/**
 * Load-test runs and their results on every dashboard, from kube-state-metrics' Job metrics (a load test is a
 * Job in the platform namespace, whoever started it: platformc apply or loadtest, or its CronJob's schedule).
 * The run shows from start to end; the result as a region of the two minutes after the Job turned succeeded
 * or failed (its status gauges stay set for the Job's day-long life, so only the change is annotated).
 */
const jobs = `namespace="${NAMESPACES.platform}",job_name=~"${LOADTEST_JOB_PREFIX}.*"`;
const turned = (metric: string) => `max by (job_name) (${metric}{${jobs}}) > 0 unless max by (job_name) (${metric}{${jobs}} offset 2m) > 0`;
export const LOAD_TEST_ANNOTATIONS = [
  { name: 'Load tests', iconColor: 'purple', expr: `max by (job_name) (kube_job_status_active{${jobs}}) > 0`, titleFormat: 'Load test {{job_name}} running' },
  { name: 'Load tests passed', iconColor: 'green', expr: turned('kube_job_status_succeeded'), titleFormat: 'Load test {{job_name}} passed: the SLO held at the target rate' },
  { name: 'Load tests failed', iconColor: 'red', expr: turned('kube_job_status_failed'), titleFormat: 'Load test {{job_name}} FAILED: an SLO threshold broke (kubectl -n platform logs job/{{job_name}})' },
].map((a) => ({ name: a.name, enable: true, iconColor: a.iconColor, datasource: ds, target: { refId: 'Anno', expr: a.expr }, titleFormat: a.titleFormat, step: '60s' }));

/** Grafana uids are at most 40 characters: cut names keep a hash of the whole, so they stay distinct. */
const idFor = (...parts: string[]) => limitName(parts.join('-'), 40);

export function gpuFleetDashboard(ir: PlatformIR, env: EnvironmentIR, r: RegionIR): Dashboard {
  const gpuPools = r.nodePools.filter((p) => p.role === 'gpu');
  // Estimated cost per hour: nodes of each pool x its on-demand price (spot pools at the catalog's on-demand price, an upper bound).
  const cost = r.nodePools
    .map((p) => `(count(kube_node_labels{label_platformc_dev_pool="${p.name}"}) or vector(0)) * ${p.instance.onDemandUsdPerHour}`)
    .join(' + ');
  return dashboard(idFor(ir.name, env.name, 'gpu-fleet'), `${ir.name} / ${env.name}: GPU fleet`, ['gpu'], layout([
    { title: 'GPU utilisation by node', exprs: [['avg by (Hostname) (DCGM_FI_DEV_GPU_UTIL)', '{{Hostname}}']], unit: 'percent' },
    { title: 'GPU memory used by node', exprs: [['sum by (Hostname) (DCGM_FI_DEV_FB_USED) / sum by (Hostname) (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE)', '{{Hostname}}']], unit: 'percentunit' },
    { title: 'GPU power by node', exprs: [['sum by (Hostname) (DCGM_FI_DEV_POWER_USAGE)', '{{Hostname}}']], unit: 'watt' },
    { title: 'GPU temperature by node', exprs: [['max by (Hostname) (DCGM_FI_DEV_GPU_TEMP)', '{{Hostname}}']], unit: 'celsius' },
    { title: 'Nodes per pool', exprs: [['count by (label_platformc_dev_pool) (kube_node_labels{label_platformc_dev_pool!=""})', '{{label_platformc_dev_pool}}']] },
    { title: 'Allocatable GPUs per pool', exprs: gpuPools.map((p) => [`sum(kube_node_status_allocatable{resource="nvidia_com_gpu"} * on (node) group_left () kube_node_labels{label_platformc_dev_pool="${p.name}"})`, p.name] as [string, string]) },
    { title: 'Estimated cost per hour (on-demand prices)', exprs: [[cost, 'USD/h']], unit: 'currencyUSD', type: 'stat', description: 'Nodes of each pool times its on-demand price from specs/instances.json.' },
  ]));
}

/**
 * One model dashboard per environment, the model picked with the `model` variable (its values are the
 * models Triton reports), rather than a copy per model: the same panels, and an output that does not grow
 * with the number of models.
 */
export function modelDashboard(ir: PlatformIR, env: EnvironmentIR): Dashboard {
  const m = 'model="$model"';
  const rate = (metric: string, extra = '') => `sum(rate(${metric}{${m}${extra}}[$__rate_interval]))`;
  const quantile = (q: number) => [`histogram_quantile(${q}, sum by (le) (rate(${LATENCY_HISTOGRAM}_bucket{${m}}[$__rate_interval])))`, `p${Math.round(q * 100)}`] as [string, string];
  const models = 'label_values(nv_inference_request_success, model)';
  const variables: VariableModel[] = [{ type: 'query', name: 'model', label: 'Model', datasource: ds, query: models, definition: models, multi: false, includeAll: false, refresh: 1, sort: 1, hide: 0 }];
  const deployment = `deployment="${workloadName('$model')}"`;
  return dashboard(idFor(ir.name, env.name, 'models'), `${ir.name} / ${env.name}: models`, ['model'], layout([
    { title: 'Requests per second', exprs: [[rate('nv_inference_request_success'), 'success'], [rate('nv_inference_request_failure'), 'failure']], unit: 'reqps' },
    { title: 'Latency p50 / p95 / p99', exprs: [quantile(0.5), quantile(0.95), quantile(0.99)], unit: 'ms' },
    {
      title: 'Queue versus compute time per request',
      exprs: [
        [`${rate('nv_inference_queue_duration_us')} / ${rate('nv_inference_request_success')} / 1000`, 'queue'],
        [`${rate('nv_inference_compute_infer_duration_us')} / ${rate('nv_inference_request_success')} / 1000`, 'compute'],
      ],
      unit: 'ms',
    },
    { title: 'Average batch size', exprs: [[`${rate('nv_inference_count')} / ${rate('nv_inference_exec_count')}`, 'inferences per execution']] },
    { title: 'Errors by reason', exprs: [[`sum by (reason) (rate(nv_inference_request_failure{${m}}[$__rate_interval]))`, '{{reason}}']], unit: 'reqps' },
    { title: 'Replicas', exprs: [[`sum(kube_deployment_status_replicas_available{${deployment}})`, 'available'], [`sum(kube_deployment_spec_replicas{${deployment}})`, 'desired']] },
  ]), variables);
}

export function sloDashboard(ir: PlatformIR, env: EnvironmentIR): Dashboard {
  const sel = '{model=~"$model",slo=~"$slo"}';
  const variables: VariableModel[] = [
    { type: 'query', name: 'model', label: 'Model', datasource: ds, query: 'label_values(slo:objective:ratio, model)', definition: 'label_values(slo:objective:ratio, model)', multi: true, includeAll: true, refresh: 1, hide: 0 },
    { type: 'custom', name: 'slo', label: 'SLO', query: 'availability,latency', multi: true, includeAll: true, hide: 0 },
  ];
  return dashboard(idFor(ir.name, env.name, 'slo'), `${ir.name} / ${env.name}: SLOs`, ['slo'], layout([
    { title: 'SLI (good ratio, 5m)', exprs: [[`1 - ${SLI_RECORD('5m')}${sel}`, '{{model}} {{slo}}']], unit: 'percentunit' },
    { title: 'Objective', exprs: [[`slo:objective:ratio${sel}`, '{{model}} {{slo}}']], unit: 'percentunit', type: 'stat' },
    {
      title: 'Burn rate (1h, 6h, 1d, 3d)',
      exprs: ['1h', '6h', '1d', '3d'].map((w) => [`${SLI_RECORD(w)}${sel} / on (model, slo) group_left () ${BUDGET_RECORD}${sel}`, `{{model}} {{slo}} ${w}`] as [string, string]),
      description: 'Error ratio over the window divided by the error budget: 1 spends the budget exactly over the SLO period.',
    },
    { title: 'Error budget remaining', exprs: [[`slo:period_error_budget_remaining:ratio${sel}`, '{{model}} {{slo}}']], unit: 'percentunit', type: 'gauge' },
  ]), variables);
}
