/**
 * Observability as it must work after apply: rules that promtool accepts and that fire on a fast burn
 * (page), a slow burn (ticket) and not when healthy; dashboards valid against Grafana's schema; every
 * PromQL expression parses; every metric queried is one a real exporter or our own rules produce.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { burnFactor, WINDOWS } from '../../compiler/emit/observability/slo.js';
import { inferenceHeader, runK6Script } from '../helpers/k6.js';
import { generateFiles } from '../../compiler/generate.js';
import { writeTree } from '../../compiler/output/write.js';
import { hasReference, hasTool, referenceDir, repoRoot } from '../helpers/cli.js';
import { irOf } from '../helpers/platform.js';
import { promtoolFile, ruleGroups, rulesOfFile } from '../helpers/rules.js';
import { kustomizeObjects } from '../helpers/kustomize.js';

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
  const files = generateFiles(ir);
  const ruleFiles = files.filter((f) => f.path.startsWith('prometheus/') && f.path.endsWith('.rules.yaml'));
  const dashboards = files.filter((f) => f.path.startsWith('grafana/') && f.path.endsWith('.json'));

  it('has rule files for every environment and model, and three dashboards per environment whatever the number of models', () => {
    for (const env of ir.environments) {
      for (const d of env.regions[0]!.deployments) expect(ruleFiles.map((f) => f.path)).toContain(`prometheus/${env.name}/slo-${d.model}.rules.yaml`);
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
    const out = join(mkdtempSync(join(tmpdir(), 'platformc-rules-')), 'generated');
    writeTree(out, files);
    const r = spawnSync('promtool', ['check', 'rules', ...ruleFiles.map((f) => promtoolFile(out, f.path))], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it.skipIf(!hasReference)('every dashboard validates against the Grafana dashboard schema', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
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
    const out = join(mkdtempSync(join(tmpdir(), 'platformc-dashboards-')), 'generated');
    writeTree(out, files);
    for (const env of ir.environments.filter((e) => e.observability.metrics.enabled && e.observability.dashboards.enabled)) {
      const r = spawnSync('kubectl', ['kustomize', join(out, 'kustomize/overlays', env.name, 'observability')], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const cms = parseAllDocuments(r.stdout).map((d) => d.toJS() as Json).filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard);
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

describe.skipIf(!promtool)('SLO alerts fire when they should (promtool test rules)', () => {
  const ir = irOf('platform.yaml');
  const env = ir.environments.find((e) => e.name === 'prod')!;
  const out = join(mkdtempSync(join(tmpdir(), 'platformc-promtest-')), 'generated');
  writeTree(out, generateFiles(ir));
  const ruleFile = promtoolFile(out, 'prometheus/prod/slo-resnet50.rules.yaml');
  const sliFile = promtoolFile(out, 'prometheus/prod/sli.rules.yaml');
  const recordingLabels = { model: 'resnet50', team: 'vision', platform: 'inference', environment: 'prod' };
  const alert = (slo: string, severity: string) => ({ ...recordingLabels, namespace: 'vision', slo, severity });

  const rules = (parse(readFileSync(ruleFile, 'utf8')) as Json).groups.flatMap((g: Json) => g.rules) as Json[];
  const annotationsOf = (alertname: string) => rules.find((r) => r.alert === alertname)!.annotations;

  function runTest(name: string, series: [string, string][], checks: { at: string; alert: string; expect: Json[] }[]) {
    const file = join(out, `${name}.test.yaml`);
    writeFileSync(file, stringify({
      rule_files: [ruleFile, sliFile],
      evaluation_interval: '1m',
      tests: [{ interval: '1m', input_series: series.map(([s, values]) => ({ series: s, values })), alert_rule_test: checks.map((c) => ({ eval_time: c.at, alertname: c.alert, exp_alerts: c.expect.map((labels) => ({ exp_labels: labels, exp_annotations: annotationsOf(c.alert) })) })) }],
    }));
    const r = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }

  it('pages on a fast burn of the availability budget (20% errors)', () => {
    runTest('fast-burn', [['nv_inference_request_success{model="resnet50"}', '0+80x240'], ['nv_inference_request_failure{model="resnet50"}', '0+20x240']], [
      { at: '2h', alert: 'Resnet50AvailabilityErrorBudgetBurnFast', expect: [alert('availability', 'page')] },
    ]);
  });
  it('opens a ticket, and does not page, on a slow burn (0.4% errors against a 0.1% budget)', () => {
    runTest('slow-burn', [['nv_inference_request_success{model="resnet50"}', '0+996x2000'], ['nv_inference_request_failure{model="resnet50"}', '0+4x2000']], [
      { at: '1d', alert: 'Resnet50AvailabilityErrorBudgetBurnSlow', expect: [alert('availability', 'ticket')] },
      { at: '1d', alert: 'Resnet50AvailabilityErrorBudgetBurnFast', expect: [] },
    ]);
  });
  it('stays silent when healthy (0.01% errors)', () => {
    runTest('healthy', [['nv_inference_request_success{model="resnet50"}', '0+9999x2000'], ['nv_inference_request_failure{model="resnet50"}', '0+1x2000']], [
      { at: '1d', alert: 'Resnet50AvailabilityErrorBudgetBurnFast', expect: [] },
      { at: '1d', alert: 'Resnet50AvailabilityErrorBudgetBurnSlow', expect: [] },
    ]);
  });
  it('pages when half the requests are slower than the p99 objective (latency histogram)', () => {
    // The bucket that measures the objective (Triton observes whole ms, truncated: floor(bound) - 1).
    const slo = env.regions[0]!.deployments.find((d) => d.model === 'resnet50')!.latency.le;
    runTest('latency', [[`nv_inference_first_response_histogram_ms_bucket{model="resnet50",le="${slo}"}`, '0+50x240'], ['nv_inference_first_response_histogram_ms_count{model="resnet50"}', '0+100x240']], [
      { at: '2h', alert: 'Resnet50LatencyErrorBudgetBurnFast', expect: [alert('latency', 'page')] },
    ]);
  });
});

describe('SLI recordings are written once per environment for every model', () => {
  const ir = irOf('platform.yaml');
  const env = ir.environments.find((e) => e.name === 'prod')!;
  const files = generateFiles(ir);
  const rulesIn = (path: string) => rulesOfFile(files.find((f) => f.path === path)!.content);

  it('one rule per window and SLO in sli.rules.yaml, none in the model files (which keep the objective, the period and the alerts)', () => {
    const sli = rulesIn('prometheus/prod/sli.rules.yaml');
    expect(sli.map((r) => `${r.labels.slo} ${r.record}`).sort()).toEqual(['availability', 'latency'].flatMap((slo) => WINDOWS.map((w) => `${slo} slo:sli_error:ratio_rate${w}`)).sort());
    for (const d of env.regions[0]!.deployments) {
      const own = rulesIn(`prometheus/prod/slo-${d.model}.rules.yaml`);
      expect(own.filter((r) => WINDOWS.some((w) => r.record === `slo:sli_error:ratio_rate${w}`))).toEqual([]);
      expect(own.filter((r) => r.alert).length).toBe(7);
    }
  });

  it.skipIf(!promtool)('each model gets its SLI from its own latency bound, with its team, and only its own alerts fire', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'platformc-sli-')), 'generated');
    writeTree(out, files);
    const [resnet, mobile] = ['resnet50', 'mobilenet'].map((m) => env.regions[0]!.deployments.find((d) => d.model === m)!);
    expect(resnet!.latency.le).not.toBe(mobile!.latency.le);
    const h = 'nv_inference_first_response_histogram_ms';
    const at = (d: typeof resnet) => `namespace="${d!.namespace}",model="${d!.model}"`;
    // resnet50 is fast within its bound; mobilenet has half its requests over its own (lower) bound.
    const series = [
      { series: `${h}_bucket{${at(resnet)},le="${resnet!.latency.le}"}`, values: '0+100x240' },
      { series: `${h}_count{${at(resnet)}}`, values: '0+100x240' },
      { series: `${h}_bucket{${at(mobile)},le="${mobile!.latency.le}"}`, values: '0+50x240' },
      { series: `${h}_bucket{${at(mobile)},le="${resnet!.latency.le}"}`, values: '0+100x240' },
      { series: `${h}_count{${at(mobile)}}`, values: '0+100x240' },
    ];
    const file = join(out, 'sli.test.yaml');
    writeFileSync(file, stringify({
      rule_files: ['sli', 'slo-resnet50', 'slo-mobilenet'].map((f) => promtoolFile(out, `prometheus/prod/${f}.rules.yaml`)),
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: series,
        promql_expr_test: [{
          expr: 'slo:sli_error:ratio_rate1h{slo="latency"}',
          eval_time: '2h',
          exp_samples: [resnet!, mobile!].map((d) => ({
            labels: `slo:sli_error:ratio_rate1h{environment="prod",model="${d.model}",namespace="${d.namespace}",platform="${ir.name}",slo="latency",team="${d.namespace}"}`,
            value: d === resnet ? 0 : 0.5,
          })),
        }],
        alert_rule_test: [
          { eval_time: '2h', alertname: 'Resnet50LatencyErrorBudgetBurnFast', exp_alerts: [] },
          { eval_time: '2h', alertname: 'MobilenetLatencyErrorBudgetBurnFast', exp_alerts: [{ exp_labels: { model: 'mobilenet', slo: 'latency', severity: 'page', team: mobile!.namespace, namespace: mobile!.namespace, platform: ir.name, environment: 'prod' }, exp_annotations: rulesIn('prometheus/prod/slo-mobilenet.rules.yaml').find((x) => x.alert === 'MobilenetLatencyErrorBudgetBurnFast')!.annotations }] },
        ],
      }],
    }));
    const r = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
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
  // The load tests come with the models (kustomize/models/, each environment's patches in overlays/<env>/models).
  const objects = (env: string) => kustomizeObjects(generateFiles(ir), `kustomize/overlays/${env}/models`).filter((x) => x.metadata.namespace === 'platform');
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
    expect(generateFiles(ir).filter((f) => f.content.includes('const c = JSON.parse(__ENV.LOADTEST)')).map((f) => f.path)).toEqual(['kustomize/models/_load-test-script.yaml']);
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
