/**
 * SLO rules in the style of Sloth and the Google SRE workbook: SLI error ratios recorded over every alert
 * window, multi-window multi-burn-rate alerts per model (page on fast burn, ticket on slow burn), error
 * budget remaining; plus GPU alerts from DCGM. The window recordings are the same expression for every
 * model, so they are written once per environment, `by (model)` (sliRuleGroup); what differs per model (the
 * objective, the budget, the period, the alerts and their names) stays in the model's own group.
 * @see https://sre.google/workbook/alerting-on-slos/
 * @see https://sloth.dev/introduction/
 */
import { compareCodeUnits } from '../../lib/order.js';
import { durationSeconds } from '../../lib/durations.js';
import type { DeploymentIR, EnvironmentIR, PlatformIR } from '../../resolve/ir.js';
import { LATENCY_HISTOGRAM } from '../../lib/conventions.js';

export interface Rule { record?: string; alert?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
export interface RuleGroup { name: string; interval?: string; rules: Rule[] }

/** Windows of the SLI recordings; the SLO period is added per model. */
export const WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

/**
 * Burn-rate alert conditions for a 30-day period (SRE workbook table 5-6): the share of the error budget
 * spent in the long window decides the factor, so other periods derive theirs from the same shares.
 */
export const BURN_RATE_POLICY = [
  { severity: 'page', long: '1h', short: '5m', budgetShare: 0.02 },
  { severity: 'page', long: '6h', short: '30m', budgetShare: 0.05 },
  { severity: 'ticket', long: '1d', short: '2h', budgetShare: 0.1 },
  { severity: 'ticket', long: '3d', short: '6h', budgetShare: 0.1 },
] as const;

/** The burn-rate factor for a long window and an SLO period: 14.4, 6, 3 and 1 for 30 days. */
export function burnFactor(budgetShare: number, longWindow: string, period: string): number {
  return Number(((budgetShare * durationSeconds(period)) / durationSeconds(longWindow)).toPrecision(4));
}

const sel = (model: string, extra = '') => `{model="${model}"${extra}}`;

/**
 * The latency bucket of a deployment: the bound exactly as Triton writes it (from the IR), and as Prometheus 3
 * normalises classic-histogram `le` labels on scrape (a trailing ".0" on whole numbers).
 */
export const latencyBucketMatcher = (d: DeploymentIR) => `le=~"${d.latency.le.replace(/\./g, '\\\\.')}(\\\\.0+)?"`;

/** The labels an SLI aggregation keeps: the model, and its namespace (its team's, see `team` below). */
const BY = 'by (model, namespace)';

/**
 * The SLIs of every model, one expression per window: availability from success/failure counters, latency
 * from the histogram (the share of requests over the bound; `bucket` selects the bound, and `models` the
 * models that have it when bounds differ). The denominator is filtered to traffic (`> 0`): an idle window records
 * nothing instead of NaN, so one idle hour no longer turns the period's ratio and budget into NaN for 30
 * days. The namespace is the model's team (resolve puts a model in its team's namespace): copied into
 * `team`, the label the per-model recordings carry.
 */
function sliErrorRatio(slo: 'availability' | 'latency', window: string, bounds: readonly { bucket: string; models: string }[] = []): string {
  const sum = (metric: string, matchers = '') => `sum ${BY} (rate(${metric}${matchers ? `{${matchers}}` : ''}[${window}]))`;
  let ratio: string;
  if (slo === 'availability') {
    const fail = sum('nv_inference_request_failure');
    ratio = `${fail} / ((${sum('nv_inference_request_success')} + ${fail}) > 0)`;
  } else {
    // One rule per window whatever the bounds (two rules recording the same series would clash): the bounds' ratios, or-ed.
    ratio = bounds
      .map(({ bucket, models }) => {
        const total = sum(`${LATENCY_HISTOGRAM}_count`, models);
        return `(${total} - ${sum(`${LATENCY_HISTOGRAM}_bucket`, models ? `${models},${bucket}` : bucket)}) / (${total} > 0)`;
      })
      .join(' or ');
  }
  return `label_replace(${ratio}, "team", "$1", "namespace", "(.+)")`;
}

export const SLI_RECORD = (window: string) => `slo:sli_error:ratio_rate${window}`;

/** The objective of an SLO as a ratio: the availability target, or 0.99 within the bound for a p99 latency objective. */
export const objectiveRatio = (d: DeploymentIR, slo: 'availability' | 'latency') => (slo === 'availability' ? d.slo.availability / 100 : d.latency.objective);

export function sloRuleGroups(ir: PlatformIR, env: EnvironmentIR, d: DeploymentIR): RuleGroup[] {
  const period = d.slo.period;
  const groups: RuleGroup[] = [];
  for (const slo of ['availability', 'latency'] as const) {
    const objective = objectiveRatio(d, slo);
    const budget = Number((1 - objective).toPrecision(6));
    const labels = { model: d.model, slo, team: d.namespace, platform: ir.name, environment: env.name };
    const match = `{model="${d.model}",slo="${slo}"}`;
    // The windows are recorded for every model at once (sliRuleGroup); the period's is per model (periods differ).
    const recordings: Rule[] = [
      // The period's ratio from the 5m recordings (as Sloth does): cheap to evaluate over 30 days.
      { record: SLI_RECORD(period), expr: `avg_over_time(${SLI_RECORD('5m')}${match}[${period}])`, labels },
      { record: 'slo:objective:ratio', expr: String(objective), labels },
      { record: 'slo:error_budget:ratio', expr: String(budget), labels },
      { record: 'slo:period_error_budget_remaining:ratio', expr: `1 - (${SLI_RECORD(period)}${match} / ${budget})`, labels },
    ];
    groups.push({ name: `platformc-slo-${d.model}-${slo}`, interval: '30s', rules: recordings });

    const alerts: Rule[] = (['page', 'ticket'] as const).map((severity) => {
      const conditions = BURN_RATE_POLICY.filter((p) => p.severity === severity).map((p) => {
        const factor = burnFactor(p.budgetShare, p.long, period);
        return `(${SLI_RECORD(p.long)}${match} > (${factor} * ${budget}) and ${SLI_RECORD(p.short)}${match} > (${factor} * ${budget}))`;
      });
      const what = slo === 'availability' ? `${d.slo.availability}% availability` : `99% of requests within ${d.latency.boundMs} ms`;
      return {
        alert: `${pascal(d.model)}${pascal(slo)}ErrorBudgetBurn${severity === 'page' ? 'Fast' : 'Slow'}`,
        // No `for`: the short window already confirms the burn (as in the SRE workbook and Sloth).
        expr: conditions.join('\nor\n'),
        labels: { severity, model: d.model, slo, team: d.namespace, namespace: d.namespace },
        annotations: {
          summary: `${d.model}: ${severity === 'page' ? 'fast' : 'slow'} burn of the ${slo} error budget`,
          description: `${d.model} in ${env.name} is spending its error budget for ${what} over ${period} too fast (${severity === 'page' ? 'it runs out within days' : 'it runs out before the period ends'}).`,
          runbook: 'Check the model dashboard (errors by reason, queue vs compute time, replicas) and recent deploys.',
        },
      };
    });
    groups.push({ name: `platformc-slo-${d.model}-${slo}-alerts`, rules: alerts });
  }
  // A dead SLI never burns budget: these say so instead of staying silent. With working hours the schedule scales
  // the model to zero on purpose: no alert while its Deployment is at zero, nor in the 30 minutes after (new GPU
  // nodes, the Triton image and the model load), read from kube-state-metrics.
  const scheduledOff = `\nunless on() (min_over_time(kube_deployment_spec_replicas{namespace="${d.namespace}",deployment="${d.workload}"}[30m]) == 0)`;
  const noData = (alert: string, expr: string, severity: string, summary: string, description: string): Rule => ({
    alert,
    expr: env.workingHours ? `${expr}${scheduledOff}` : expr,
    for: '15m',
    labels: { severity, model: d.model, team: d.namespace, namespace: d.namespace },
    annotations: { summary, description },
  });
  groups.push({
    name: `platformc-slo-${d.model}-data`,
    rules: [
      noData(
        `${pascal(d.model)}TritonDown`,
        `absent(up{namespace="${d.namespace}",service="${d.workload}",endpoint="metrics"} == 1)`,
        'page',
        `${d.model}: no Triton pod is scraped`,
        `Prometheus has no healthy target for ${d.workload} in ${d.namespace} (${env.name}): the model is down or not scraped, and its SLOs have no data.`,
      ),
      noData(
        `${pascal(d.model)}AvailabilitySliNoData`,
        `absent(nv_inference_request_success${sel(d.model)})`,
        'ticket',
        `${d.model}: the availability SLI has no data`,
        `Triton exports no nv_inference_request_success for ${d.model} in ${env.name}: the availability SLO cannot burn.`,
      ),
      noData(
        `${pascal(d.model)}LatencySliNoData`,
        `absent(${LATENCY_HISTOGRAM}_bucket${sel(d.model, `,${latencyBucketMatcher(d)}`)})`,
        'ticket',
        `${d.model}: the latency SLI has no data`,
        `No ${LATENCY_HISTOGRAM} bucket at ${d.latency.boundMs} ms for ${d.model} in ${env.name}: check the Triton release (>= 26.01 for non-decoupled models), --metrics-config histogram_latencies=true and the buckets in config.pbtxt.`,
      ),
    ],
  });
  return groups;
}

/**
 * The SLI recordings of every model of an environment over every alert window, written once (not once per
 * model: at 500 models they were most of the rules). Models with the same latency bound share one
 * expression; when bounds differ, each bound's part selects its models by name.
 */
export function sliRuleGroup(ir: PlatformIR, env: EnvironmentIR, deployments: readonly DeploymentIR[]): RuleGroup {
  const labels = (slo: string) => ({ slo, platform: ir.name, environment: env.name });
  const byBound = new Map<string, string[]>();
  for (const d of deployments) {
    const bucket = latencyBucketMatcher(d);
    const models = byBound.get(bucket);
    if (models) models.push(d.model);
    else byBound.set(bucket, [d.model]);
  }
  const bounds = [...byBound.entries()].sort(([a], [b]) => compareCodeUnits(a, b));
  // Model names are DNS labels (letters, digits, '-'): nothing to escape in the regular expression.
  const latency = bounds.map(([bucket, models]) => ({ bucket, models: bounds.length > 1 ? `model=~"${models.join('|')}"` : '' }));
  return {
    name: 'platformc-sli',
    interval: '30s',
    rules: [
      ...WINDOWS.map((w) => ({ record: SLI_RECORD(w), expr: sliErrorRatio('availability', w), labels: labels('availability') })),
      ...WINDOWS.map((w) => ({ record: SLI_RECORD(w), expr: sliErrorRatio('latency', w, latency), labels: labels('latency') })),
    ],
  };
}

/** GPU health and cost alerts from the DCGM exporter. */
export function gpuRuleGroup(env: EnvironmentIR): RuleGroup {
  return {
    name: 'platformc-gpu',
    rules: [
      {
        alert: 'GpuMemoryNearlyFull',
        expr: 'max by (Hostname, gpu) (DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE)) > 0.95',
        for: '10m',
        labels: { severity: 'ticket' },
        annotations: { summary: 'GPU {{ $labels.gpu }} on {{ $labels.Hostname }} has used over 95% of its memory for 10 minutes', description: 'Model loads and larger batches will fail with out-of-memory errors.' },
      },
      {
        alert: 'GpuXidError',
        // The gauge holds the last XID until the exporter restarts: alert when it changes to a new error, not while it
        // sticks. The gauge is the left operand so that {{ $value }} is the XID code (79: fell off the bus), not the count of changes.
        expr: 'max by (Hostname, gpu) (DCGM_FI_DEV_XID_ERRORS) > 0 and max by (Hostname, gpu) (changes(DCGM_FI_DEV_XID_ERRORS[5m])) > 0',
        labels: { severity: 'page' },
        annotations: { summary: 'GPU {{ $labels.gpu }} on {{ $labels.Hostname }} reported XID error {{ $value }}', description: 'XID errors signal driver or hardware faults; drain the node if they repeat.' },
      },
      {
        alert: 'GpuIdle',
        // GPUs no pod holds (dcgm-exporter adds pod/namespace from the kubelet's pod-resources socket to a GPU in
        // use): a GPU a replica holds is idle by design at night, when replicas.min keeps a model available.
        expr: 'avg by (Hostname) (avg_over_time(DCGM_FI_DEV_GPU_UTIL{pod=""}[1h])) < 5',
        for: '1h',
        labels: { severity: 'ticket' },
        annotations: { summary: 'GPUs on {{ $labels.Hostname }} have been held by no pod and idle for 2 hours', description: `A GPU node no model uses costs money in ${env.name}: lower the pool's minSize (or let the autoscaler remove it).` },
      },
    ],
  };
}

const pascal = (s: string) => s.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
