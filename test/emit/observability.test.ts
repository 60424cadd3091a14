/**
 * Observability as it must work after apply: rules that promtool accepts and that fire on a fast burn
 * (page), a slow burn (ticket) and not when healthy; dashboards valid against Grafana's schema; every
 * PromQL expression parses; every metric queried is one a real exporter or our own rules produce.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { burnFactor, WINDOWS } from '../../compiler/emit/observability/slo.js';
import { inferenceHeader, runK6Script } from '../helpers/k6.js';
import { hasReference, hasTool, referenceDir, repoRoot } from '../helpers/cli.js';
import { filesOf, irOf, irOfText } from '../helpers/platform.js';
import { counterValues, promtoolFiles, promtoolTest, ruleGroups, rulesOfFile, sloRuleFiles, sloRules } from '../helpers/rules.js';
import { AJV_FOR_LARGE_SCHEMAS, kubectlKustomize } from '../helpers/kube.js';
import { environmentModelObjects, kustomizeObjects } from '../helpers/kustomize.js';

type Json = Record<string, any>;
const promtool = hasTool('promtool');
const kubectl = hasTool('kubectl', ['version', '--client']);
const SPECS = ['platform.yaml', 'examples/multi-region-prod.yaml', 'examples/multi-model-teams.yaml'];

/**
 * Metrics the generated rules and dashboards may query, by who produces them. A query of anything else
 * is a typo or a metric that does not exist.
 */
const KNOWN_METRICS: Record<string, string[]> = {
  // Triton (docs/user_guide/metrics.md); the histogram needs --metrics-config histogram_latencies=true.
  triton: ['nv_inference_request_success', 'nv_inference_request_failure', 'nv_inference_count', 'nv_inference_exec_count', 'nv_inference_queue_duration_us', 'nv_inference_compute_infer_duration_us', 'nv_inference_first_response_histogram_ms_bucket', 'nv_inference_first_response_histogram_ms_count'],
  // NVIDIA DCGM exporter default counters (etc/default-counters.csv).
  dcgm: ['DCGM_FI_DEV_GPU_UTIL', 'DCGM_FI_DEV_FB_USED', 'DCGM_FI_DEV_FB_FREE', 'DCGM_FI_DEV_POWER_USAGE', 'DCGM_FI_DEV_GPU_TEMP', 'DCGM_FI_DEV_XID_ERRORS'],
  // kube-state-metrics (v2.20.0, internal/store/*.go).
  ksm: ['kube_node_labels', 'kube_node_status_allocatable', 'kube_deployment_status_replicas_available', 'kube_deployment_spec_replicas', 'kube_job_status_active', 'kube_job_status_succeeded', 'kube_job_status_failed', 'kube_job_status_start_time', 'kube_job_owner'],
  // Prometheus itself (one per scrape target).
  prometheus: ['up'],
  // Our own recording rules.
  platformc: [...WINDOWS.map((w) => `slo:sli_error:ratio_rate${w}`), 'slo:sli_error:ratio_rate30d', 'slo:sli_error:ratio_rate28d', 'slo:objective:ratio', 'slo:error_budget:ratio', 'slo:period_error_budget_remaining:ratio'],
};
const known = new Set(Object.values(KNOWN_METRICS).flat());

/** Metric names an expression selects, or a parse error. */
function metricsOf(expr: string): { metrics: string[]; error?: string } {
  const concrete = expr.replace(/\$__rate_interval/g, '5m').replace(/\$\{?(\w+)\}?/g, '$1');
  const tree = parser.parse(concrete);
  const metrics: string[] = [];
  const cursor = tree.cursor();
  let error: string | undefined;
  do {
    if (cursor.type.isError) error = `parse error at ${cursor.from} in: ${concrete}`;
    if (cursor.name === 'VectorSelector') {
      const id = cursor.node.getChild('Identifier');
      if (id) metrics.push(concrete.slice(id.from, id.to));
    }
  } while (cursor.next());
  return { metrics, ...(error ? { error } : {}) };
}

describe.each(SPECS)('observability of %s', (spec) => {
  const ir = irOf(spec);
  const files = filesOf(ir);
  const ruleFiles = files.filter((f) => f.path.startsWith('prometheus/') && f.path.endsWith('.rules.yaml'));
  const dashboards = files.filter((f) => f.path.startsWith('grafana/') && f.path.endsWith('.json'));

  it('has the generic rule files and one file of SLOs per team in every environment, and three dashboards per environment whatever the number of models', () => {
    for (const env of ir.environments) {
      const names = ruleFiles.filter((f) => f.path.startsWith(`prometheus/${env.name}/`)).map((f) => f.path.split('/').pop());
      const teams = [...new Set(env.regions[0]!.deployments.map((d) => `slo-${d.namespace}.rules.yaml`))];
      expect(names.sort()).toEqual(['gpu.rules.yaml', 'load-tests.rules.yaml', 'sli.rules.yaml', 'slo.rules.yaml', ...teams].sort());
      const titles = dashboards.filter((f) => f.path.startsWith(`grafana/${env.name}/`)).map((f) => (JSON.parse(f.content) as Json).title as string);
      expect(titles.sort()).toEqual([`${ir.name} / ${env.name}: GPU fleet`, `${ir.name} / ${env.name}: SLOs`, `${ir.name} / ${env.name}: models`]);
    }
  });

  it('the model dashboard picks its model with a `model` variable of the models Triton reports, and every panel follows it', () => {
    for (const env of ir.environments) {
      const db = JSON.parse(dashboards.find((f) => f.path.startsWith(`grafana/${env.name}/`) && f.path.endsWith('-models.json'))!.content) as Json;
      const model = db.templating.list.find((v: Json) => v.name === 'model');
      expect(model).toMatchObject({ type: 'query', query: 'label_values(nv_inference_request_success, model)', multi: false, includeAll: false });
      for (const p of db.panels) for (const t of p.targets) expect(t.expr, p.title).toContain('$model');
      expect(JSON.stringify(db)).not.toMatch(new RegExp(env.regions[0]!.deployments.map((d) => `"${d.model}"|=\\"${d.model}\\"`).join('|')));
    }
  });

  it.skipIf(!promtool)('promtool check rules passes on every rule file', () => {
    const r = spawnSync('promtool', ['check', 'rules', ...promtoolFiles(ruleFiles)], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it.skipIf(!hasReference)('every dashboard validates against the Grafana dashboard schema', () => {
    const ajv = new Ajv({ strict: false, allErrors: true, ...AJV_FOR_LARGE_SCHEMAS });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(referenceDir, 'grafana/dashboard.jsonschema.json'), 'utf8')));
    for (const f of dashboards) expect(validate(JSON.parse(f.content)), `${f.path}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  });

  it('every PromQL expression parses and queries only known metrics', () => {
    const exprs: [string, string][] = [];
    for (const f of ruleFiles) for (const g of ruleGroups(f.content)) for (const r of g.rules) exprs.push([f.path, r.expr]);
    for (const f of dashboards) {
      const db = JSON.parse(f.content) as Json;
      for (const p of db.panels) for (const t of p.targets) exprs.push([f.path, t.expr]);
      for (const a of db.annotations.list) exprs.push([f.path, a.target.expr]);
      // A query variable's label_values(metric, label) reads a metric too.
      for (const v of db.templating.list) if (v.type === 'query') exprs.push([f.path, /^label_values\((\w[\w:]*)/.exec(v.query)![1]!]);
    }
    expect(exprs.length).toBeGreaterThan(20);
    for (const [file, expr] of exprs) {
      const { metrics, error } = metricsOf(expr);
      expect(error, file).toBeUndefined();
      for (const m of metrics) expect(known, `${file}: ${m} in ${expr}`).toContain(m);
    }
  });

  it.skipIf(!kubectl)('dashboards become ConfigMaps for the Grafana sidecar, with a folder, built by kustomize from the one JSON file each', () => {
    for (const env of ir.environments.filter((e) => e.observability.metrics.enabled && e.observability.dashboards.enabled)) {
      const cms = (kubectlKustomize(files, `kustomize/overlays/${env.name}/observability`) as Json[]).filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard);
      const own = dashboards.filter((f) => f.path.startsWith(`grafana/${env.name}/`));
      expect(cms.length).toBe(own.length);
      for (const f of own) {
        const uid = (JSON.parse(f.content) as Json).uid as string;
        const cm = cms.find((c) => c.metadata.name === `dashboard-${uid}`)!;
        expect(cm.metadata).toMatchObject({ namespace: 'monitoring', labels: { grafana_dashboard: '1' }, annotations: { grafana_folder: ir.name } });
        expect(cm.data).toEqual({ [`${uid}.json`]: f.content });
      }
      // The sidecar reads dashboards from that namespace only: not from the teams' namespaces (D25).
      const values = parse(files.find((g) => g.path === `helm/${env.name}/kube-prometheus-stack.yaml`)!.content) as Json;
      expect(values.grafana.sidecar.dashboards.searchNamespace).toBe('monitoring');
    }
    // The JSON lives once: no dashboard is embedded in another generated file.
    for (const f of dashboards) expect(files.filter((g) => g.content.includes(`"uid": "${(JSON.parse(f.content) as Json).uid}"`)).map((g) => g.path)).toEqual([f.path]);
  });
});

/**
 * The generic SLO rules on synthetic Triton traffic, in one promtool run: the reference platform with mobilenet
 * given other objectives (99% availability) and another spelling of its period (720h, a 30-day period that is
 * its own recording), so one rule set serves two models whose budgets, periods and texts differ. Each test
 * group is as short as the windows it exercises allow.
 */
describe.skipIf(!promtool)('generic SLO rules on synthetic traffic (promtool test rules)', () => {
  const text = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');
  const mixed = text.replace('      latencyP99Ms: 25\n      availability: 99.9\n', '      latencyP99Ms: 25\n      availability: 99\n      period: 720h\n');
  expect(mixed).not.toBe(text);
  const ir = irOfText(mixed);
  const files = filesOf(ir);
  const [resnet, mobile] = ['resnet50', 'mobilenet'].map((m) => ir.environments.find((e) => e.name === 'prod')!.regions[0]!.deployments.find((d) => d.model === m)!);
  const H = 'nv_inference_first_response_histogram_ms';

  /** Availability counters of a model from per-minute error shares per segment (1000 requests a minute). */
  const availability = (model: string, segments: [share: number, minutes: number][], namespace = 'vision') => {
    const counter = (f: (s: number) => number) => counterValues(segments.map(([s, n]) => [Number(f(s).toFixed(6)), n]));
    const target = `namespace="${namespace}",pod="triton-${model}-7d9f-abcde",service="triton-${model}",job="triton-${model}",model="${model}",version="1"`;
    return [
      { series: `nv_inference_request_success{${target}}`, values: counter((s) => 1000 * (1 - s)) },
      { series: `nv_inference_request_failure{${target}}`, values: counter((s) => 1000 * s) },
    ];
  };
  const labels = (d: typeof resnet, slo: string, objective: string, period: string) => ({ model: d!.model, namespace: 'vision', team: 'vision', slo, platform: ir.name, environment: 'prod', period, objective });
  const burn = (severity: 'page' | 'ticket', l: ReturnType<typeof labels>) => ({
    exp_labels: { severity, ...l },
    exp_annotations: {
      summary: `${l.model}: ${severity === 'page' ? 'fast' : 'slow'} burn of the ${l.slo} error budget`,
      description: `${l.model} in prod is spending its error budget for ${l.objective} over ${l.period} too fast (${severity === 'page' ? 'it runs out within days' : 'it runs out before the period ends'}).`,
      runbook: 'Check the model dashboard (errors by reason, queue vs compute time, replicas) and recent deploys.',
    },
  });
  const resnetAvailability = labels(resnet, 'availability', '99.9% availability', '30d');
  const mobileAvailability = labels(mobile, 'availability', '99% availability', '720h');
  const at = (eval_time: string, alertname: string, exp_alerts: object[]) => ({ eval_time, alertname, exp_alerts });
  const sample = (record: string, l: Record<string, string>, value: number) => ({ labels: `${record}{${Object.entries(l).map(([k, v]) => `${k}="${v}"`).join(',')}}`, value });
  const sli = (d: typeof resnet, slo: string) => ({ model: d!.model, namespace: 'vision', team: 'vision', slo, platform: ir.name, environment: 'prod' });

  const tests = [
    {
      name: 'fast burn of both models, then recovery',
      interval: '1m',
      // Healthy (0.05% errors) for an hour, 30 minutes at 20% (resnet50) and 50% (mobilenet), healthy again.
      input_series: [...availability('resnet50', [[0.0005, 60], [0.2, 30], [0.0005, 90]]), ...availability('mobilenet', [[0.0005, 60], [0.5, 30], [0.0005, 90]])],
      alert_rule_test: [
        // 70m: resnet50's 1h and 5m windows are over 14.4 x 0.1%; mobilenet's (1%) only over 6 x in the 6h and 30m windows.
        at('70m', 'SloErrorBudgetBurnFast', [burn('page', mobileAvailability), burn('page', resnetAvailability)]),
        // 125m: the short windows (5m, 30m) are healthy again: no page, although the long ones still burn; tickets stay.
        at('125m', 'SloErrorBudgetBurnFast', []),
        at('125m', 'SloErrorBudgetBurnSlow', [burn('ticket', mobileAvailability), burn('ticket', resnetAvailability)]),
      ],
    },
    {
      name: 'the same slow burn of two models with different objectives, and series of models this environment does not serve',
      interval: '1m',
      // 0.4% errors: four times resnet50's budget (0.1%), under mobilenet's (1%). resnet50 of another namespace and
      // a model of no platform.yaml fail half their requests.
      input_series: [...availability('resnet50', [[0.004, 120]]), ...availability('mobilenet', [[0.004, 120]]), ...availability('resnet50', [[0.5, 120]], 'other'), ...availability('intruder', [[0.5, 120]])],
      alert_rule_test: [
        at('60m', 'SloErrorBudgetBurnSlow', [burn('ticket', resnetAvailability)]),
        at('60m', 'SloErrorBudgetBurnFast', []),
        at('120m', 'SloErrorBudgetBurnSlow', [burn('ticket', resnetAvailability)]),
      ],
      promql_expr_test: [
        // Each period's ratio only for its own models; budget remaining 1 - 0.004 / budget; the objective is 1 - budget.
        { expr: 'slo:sli_error:ratio_rate30d{slo="availability"}', eval_time: '120m', exp_samples: [sample('slo:sli_error:ratio_rate30d', sli(resnet, 'availability'), 0.004)] },
        { expr: 'slo:sli_error:ratio_rate720h{slo="availability"}', eval_time: '120m', exp_samples: [sample('slo:sli_error:ratio_rate720h', sli(mobile, 'availability'), 0.004)] },
        { expr: 'slo:period_error_budget_remaining:ratio{slo="availability"}', eval_time: '120m', exp_samples: [sample('slo:period_error_budget_remaining:ratio', sli(mobile, 'availability'), 0.6), sample('slo:period_error_budget_remaining:ratio', sli(resnet, 'availability'), -3)] },
        { expr: 'slo:objective:ratio{slo="availability"}', eval_time: '1m', exp_samples: [{ labels: `slo:objective:ratio{${Object.entries(mobileAvailability).map(([k, v]) => `${k}="${v}"`).join(',')}}`, value: 0.99 }, { labels: `slo:objective:ratio{${Object.entries(resnetAvailability).map(([k, v]) => `${k}="${v}"`).join(',')}}`, value: 0.999 }] },
      ],
    },
    {
      name: 'latency: each model against its own bound',
      interval: '1m',
      // resnet50 (bound 50 ms: le="49") is fast; mobilenet (25 ms: le="24") has half its requests over its bound, all within resnet50's.
      input_series: [
        { series: `${H}_bucket{namespace="vision",model="resnet50",le="${resnet!.latency.le}"}`, values: '0+100x120' },
        { series: `${H}_count{namespace="vision",model="resnet50"}`, values: '0+100x120' },
        { series: `${H}_bucket{namespace="vision",model="mobilenet",le="${mobile!.latency.le}"}`, values: '0+50x120' },
        { series: `${H}_bucket{namespace="vision",model="mobilenet",le="${resnet!.latency.le}"}`, values: '0+100x120' },
        { series: `${H}_count{namespace="vision",model="mobilenet"}`, values: '0+100x120' },
      ],
      alert_rule_test: [at('60m', 'SloErrorBudgetBurnFast', [burn('page', labels(mobile, 'latency', '99% of requests within 25 ms', '720h'))])],
      promql_expr_test: [{ expr: 'slo:sli_error:ratio_rate1h{slo="latency"}', eval_time: '60m', exp_samples: [sample('slo:sli_error:ratio_rate1h', sli(mobile, 'latency'), 0.5), sample('slo:sli_error:ratio_rate1h', sli(resnet, 'latency'), 0)] }],
    },
    {
      name: 'no data: a model that never had a series, and one whose Triton stops being scraped',
      interval: '1m',
      // resnet50 is scraped by the ServiceMonitor (labels as the Prometheus Operator sets them) from two pods, one
      // not up; both go down at 10m. Its bucket has Prometheus 3's normalised bound (le="49.0"). mobilenet has no series at all.
      // Other targets are up: the DCGM exporter (also on an endpoint named metrics), resnet50 of another namespace.
      input_series: [
        { series: 'up{job="triton-resnet50",instance="10.0.3.7:8002",namespace="vision",service="triton-resnet50",endpoint="metrics",pod="triton-resnet50-7d9f-abcde",container="triton"}', values: '1x10 0x30' },
        { series: 'up{job="triton-resnet50",instance="10.0.3.8:8002",namespace="vision",service="triton-resnet50",endpoint="metrics",pod="triton-resnet50-7d9f-fghij",container="triton"}', values: '0x40' },
        { series: 'up{job="dcgm-exporter",instance="10.0.3.9:9400",namespace="monitoring",service="dcgm-exporter",endpoint="metrics"}', values: '1x40' },
        // A model of the same name in another namespace is up: not vision's resnet50.
        { series: 'up{job="triton-resnet50",instance="10.0.4.7:8002",namespace="other",service="triton-resnet50",endpoint="metrics",pod="triton-resnet50-5c8b-klmno",container="triton"}', values: '1x40' },
        { series: 'nv_inference_request_success{namespace="vision",model="resnet50",version="1"}', values: '0+10x40' },
        { series: `${H}_bucket{namespace="vision",model="resnet50",le="49.0"}`, values: '0+10x40' },
      ],
      alert_rule_test: [
        // mobilenet: pending from the first evaluation, firing after 15 minutes; resnet50's Triton pending from 11m.
        at('14m', 'TritonDown', []),
        at('20m', 'TritonDown', [{ exp_labels: { severity: 'page', model: 'mobilenet', namespace: 'vision', team: 'vision', platform: ir.name, environment: 'prod' }, exp_annotations: { summary: 'mobilenet: no Triton pod is scraped', description: 'Prometheus has no healthy target for the Service of mobilenet in vision (prod): the model is down or not scraped, and its SLOs have no data.' } }]),
        at('30m', 'TritonDown', ['mobilenet', 'resnet50'].map((model) => ({ exp_labels: { severity: 'page', model, namespace: 'vision', team: 'vision', platform: ir.name, environment: 'prod' }, exp_annotations: { summary: `${model}: no Triton pod is scraped`, description: `Prometheus has no healthy target for the Service of ${model} in vision (prod): the model is down or not scraped, and its SLOs have no data.` } }))),
        at('30m', 'AvailabilitySliNoData', [{ exp_labels: { severity: 'ticket', model: 'mobilenet', namespace: 'vision', team: 'vision', platform: ir.name, environment: 'prod' }, exp_annotations: { summary: 'mobilenet: the availability SLI has no data', description: 'Triton exports no nv_inference_request_success for mobilenet in prod: the availability SLO cannot burn.' } }]),
        at('30m', 'LatencySliNoData', [{ exp_labels: { severity: 'ticket', model: 'mobilenet', namespace: 'vision', team: 'vision', platform: ir.name, environment: 'prod', objective: '99% of requests within 25 ms' }, exp_annotations: { summary: 'mobilenet: the latency SLI has no data', description: `No ${H} bucket at the bound of the latency objective of mobilenet (99% of requests within 25 ms) in prod: check the Triton release (>= 26.01 for non-decoupled models), --metrics-config histogram_latencies=true and the buckets in config.pbtxt.` } }]),
      ],
    },
  ];

  // Each burn-rate condition at its threshold, on SLI values given as they are recorded (no SLI rule fires on
  // them: there are no Triton series): factor x budget, the factors of a 30-day period (14.4, 6, 3 and 1, as in
  // the SRE workbook and Sloth) against each model's own budget. Per model and condition three minutes: both
  // windows 1% over the threshold (fires), the short one 1% under, the long one 1% under (neither fires).
  const FACTORS = [['page', '1h', '5m', 14.4], ['page', '6h', '30m', 6], ['ticket', '1d', '2h', 3], ['ticket', '3d', '6h', 1]] as const;
  const thresholds = (() => {
    const models = [[resnet!, 0.001, resnetAvailability], [mobile!, 0.01, mobileAvailability]] as const;
    const minutes = models.length * FACTORS.length * 3 + 1;
    const values = new Map<string, number[]>();
    const checks: object[] = [];
    models.forEach(([d, budget, l], i) => {
      FACTORS.forEach(([severity, long, short, factor], j) => {
        const start = 1 + (i * FACTORS.length + j) * 3;
        const t = factor * budget;
        ([[1.01, 1.01], [1.01, 0.99], [0.99, 1.01]] as const).forEach(([a, b], k) => {
          for (const [w, v] of [[long, a * t], [short, b * t]] as const) {
            const series = `slo:sli_error:ratio_rate${w}{${Object.entries(sli(d, 'availability')).map(([x, y]) => `${x}="${y}"`).join(',')}}`;
            if (!values.has(series)) values.set(series, Array<number>(minutes).fill(0));
            values.get(series)![start + k] = v;
          }
          for (const sev of ['page', 'ticket'] as const) checks.push(at(`${start + k}m`, sev === 'page' ? 'SloErrorBudgetBurnFast' : 'SloErrorBudgetBurnSlow', k === 0 && sev === severity ? [burn(sev, l)] : []));
        });
      });
    });
    return { name: 'every burn-rate condition at its threshold, for two budgets', interval: '1m', input_series: [...values].map(([series, v]) => ({ series, values: v.join(' ') })), alert_rule_test: checks };
  })();

  it('fire for the models that burn their own budget, with their labels and texts; each burn condition at its threshold; recordings per period; no-data alerts per model (one run)', () => {
    const r = promtoolTest(promtoolFiles(sloRuleFiles(files, 'prod')), [...tests, thresholds]);
    expect(r.status, r.output).toBe(0);
  });
});

describe('SLO rules are data per model and logic per environment', () => {
  const ir = irOf('examples/multi-model-teams.yaml');
  const files = filesOf(ir);

  it('per model and SLO one budget constant, in its team\'s file; SLI windows, periods and alerts once per environment, whatever the number of models', () => {
    for (const env of ir.environments.filter((e) => e.observability.metrics.enabled)) {
      const deployments = env.regions[0]!.deployments;
      const rules = sloRules(files, env.name);
      const budgets = rules.filter((r) => r.record === 'slo:error_budget:ratio');
      // Unique per (model, namespace, slo): the "one" side of every join (a duplicate would fail the rule).
      expect(budgets.map((r) => `${r.labels.model}/${r.labels.namespace}/${r.labels.slo}`).sort()).toEqual(deployments.flatMap((d) => ['availability', 'latency'].map((s) => `${d.model}/${d.namespace}/${s}`)).sort());
      for (const b of budgets) expect(b.expr).toMatch(/^0\.\d+$/);
      for (const team of new Set(deployments.map((d) => d.namespace))) {
        const own = rulesOfFile(files.find((f) => f.path === `prometheus/${env.name}/slo-${team}.rules.yaml`)!.content);
        expect(own.every((r) => r.record === 'slo:error_budget:ratio' && r.labels.namespace === team)).toBe(true);
      }
      // Nothing else names a model: the logic is generic.
      const generic = rules.filter((r) => r.record !== 'slo:error_budget:ratio');
      for (const d of deployments) expect(generic.filter((r) => JSON.stringify(r).includes(`"${d.model}"`) || JSON.stringify(r).includes(`=\\"${d.model}\\"`))).toEqual([]);
      expect(generic.filter((r) => r.alert).map((r) => r.alert).sort()).toEqual(['AvailabilitySliNoData', 'LatencySliNoData', 'SloErrorBudgetBurnFast', 'SloErrorBudgetBurnSlow', 'TritonDown']);
    }
  });
});

describe('burn-rate factors', () => {
  it('are 14.4, 6, 3 and 1 for a 30-day period, and scale with the period', () => {
    expect([burnFactor(0.02, '1h', '30d'), burnFactor(0.05, '6h', '30d'), burnFactor(0.1, '1d', '30d'), burnFactor(0.1, '3d', '30d')]).toEqual([14.4, 6, 3, 1]);
    expect(burnFactor(0.02, '1h', '28d')).toBe(13.44);
  });
});

describe('load tests', () => {
  const ir = irOf('platform.yaml');
  const prod = ir.environments.find((e) => e.name === 'prod')!;
  const d = prod.regions[0]!.deployments.find((x) => x.model === 'resnet50')!;
  // The load tests come with the models (kustomize/models/<group>/, each environment's patches in overlays/<env>/models/<group>/),
  // their script with the platform's objects (kustomize/base/).
  const objects = (env: string) => [...kustomizeObjects(filesOf(ir), 'kustomize/base'), ...environmentModelObjects(filesOf(ir), env)].filter((x) => x.metadata.namespace === 'platform');
  it("drive the model at its target rate and fail on its SLO: the environment's one script, run with the settings on the model's CronJob", () => {
    const prodObjects = objects('prod');
    const cron = prodObjects.find((x) => x.kind === 'CronJob' && x.metadata.name === 'loadtest-resnet50')!;
    const pod = cron.spec.jobTemplate.spec.template.spec;
    const script = prodObjects.find((x) => x.kind === 'ConfigMap' && x.metadata.name === pod.volumes.find((v: Json) => v.name === 'script').configMap.name)!.data['script.js'];
    expect(pod.containers[0].args.at(-1)).toBe('/scripts/script.js');
    const env = Object.fromEntries(pod.containers[0].env.map((e: Json) => [e.name, e.value]));
    const { options, posts } = runK6Script(script, env);
    expect(options.scenarios.target_rps).toMatchObject({ executor: 'constant-arrival-rate', rate: d.slo.targetRps, timeUnit: '1s', duration: '5m' });
    expect(options.thresholds.http_req_duration).toEqual([{ threshold: `p(99)<${d.slo.latencyP99Ms}`, abortOnFail: false }]);
    expect(options.thresholds.http_req_failed).toEqual(['rate<0.001']);
    expect(posts.map((p) => p.url)).toEqual([`http://triton-resnet50.${d.namespace}.svc:8000/v2/models/resnet50/infer`]);
    expect(posts[0]!.params.tags).toEqual({ model: 'resnet50' });
    // The binary header announces exactly the tensor's bytes (3 x 224 x 224 FP32), and they follow it.
    const header = inferenceHeader(posts[0]!);
    expect(header).toContain('"binary_data_size":602112');
    expect(posts[0]!.body.byteLength).toBe(header.length + 602112);
  });
  it('write the script once for the platform, not per model or environment; every environment has it', () => {
    for (const env of ir.environments) {
      const configMaps = objects(env.name).filter((x) => x.kind === 'ConfigMap');
      expect(configMaps.map((x) => x.metadata.name)).toEqual(['platformc-k6-script']);
    }
    expect(filesOf(ir).filter((f) => f.content.includes('const c = JSON.parse(__ENV.LOADTEST)')).map((f) => f.path)).toEqual(['kustomize/base/load-test-script.yaml']);
  });
  it('are suspended CronJobs without a schedule in platform.yaml, so they run only when asked (dev)', () => {
    const cron = objects('dev').find((x) => x.kind === 'CronJob' && x.metadata.name === 'loadtest-resnet50')!;
    expect(cron.spec.suspend).toBe(true);
    expect(cron.spec.jobTemplate.spec.backoffLimit).toBe(0);
  });
});

describe.skipIf(!hasReference)('dashboard types', () => {
  it('are what json-schema-to-typescript generates from the reference schema', async () => {
    // @ts-expect-error: a plain ESM script without types
    const { dashboardTypes } = await import('../../compiler/emit/grafana/generate-types.mjs');
    const fresh = await dashboardTypes(join(referenceDir, 'grafana/dashboard.jsonschema.json'));
    expect(readFileSync(join(repoRoot, 'compiler/emit/grafana/dashboard-types.ts'), 'utf8')).toBe(fresh);
  });
});
