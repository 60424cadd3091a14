/**
 * SLO rules in the style of Sloth and the Google SRE workbook: SLI error ratios recorded over every alert
 * window, multi-window multi-burn-rate alerts (page on fast burn, ticket on slow burn), error budget
 * remaining; plus GPU alerts from DCGM.
 *
 * The logic is written once per environment, whatever the number of models; each model's SLOs are data. Per
 * model and SLO one constant recording, `slo:error_budget:ratio`, carries what differs between models as its
 * value (the budget) and labels (model, namespace and team, the period, the objective in words, and for latency
 * the bucket that measures the bound), in its team's file (sloObjectivesGroup). The generic rules
 * (sloRuleGroups) join on it `on (model, namespace, slo)`: the objective, the period's ratio per distinct
 * period, the budget remaining, the burn-rate alerts (the factors depend on the period only), and the no-data
 * alerts as "models this environment serves, unless their series are there". A model outside this
 * environment's objectives (another environment's, or one removed from platform.yaml: its recording, and with
 * it every joined series, goes stale when the rules are reloaded) has no SLO here and never alerts.
 *
 * Joins with the budget put it on the "one" side (group_left): a duplicate on the "many" side (an SLI series
 * under two label sets) is tolerated, a duplicate budget would fail the whole rule, and cannot happen (a model
 * is recorded once per environment).
 * @see https://sre.google/workbook/alerting-on-slos/
 * @see https://sloth.dev/introduction/
 */
import { compareCodeUnits } from '../../lib/order.js';
import { groupBy } from '../../lib/collections.js';
import { durationSeconds } from '../../lib/durations.js';
import type { DeploymentIR, EnvironmentIR, PlatformIR } from '../../resolve/ir.js';
import { LATENCY_HISTOGRAM, workloadName } from '../../lib/conventions.js';

export interface Rule { record?: string; alert?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
export interface RuleGroup { name: string; interval?: string; rules: Rule[] }

/** Windows of the SLI recordings; the SLO period is added per distinct period. */
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

/** The generic SLO alerts, one rule each for every model of an environment (the README names them). */
const SLO_ALERTS = {
  page: 'SloErrorBudgetBurnFast',
  ticket: 'SloErrorBudgetBurnSlow',
  tritonDown: 'TritonDown',
  availabilityNoData: 'AvailabilitySliNoData',
  latencyNoData: 'LatencySliNoData',
} as const;

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
 * `team`, the label alerts are routed by.
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
/** Per model and SLO: its error budget (1 - objective), the model's SLO parameters as labels. */
export const BUDGET_RECORD = 'slo:error_budget:ratio';

/** The objective of an SLO as a ratio: the availability target, or 0.99 within the bound for a p99 latency objective. */
export const objectiveRatio = (d: DeploymentIR, slo: 'availability' | 'latency') => (slo === 'availability' ? d.slo.availability / 100 : d.latency.objective);

/** The objective in words, a label of the budget that the alerts' annotations quote. */
const objectiveText = (d: DeploymentIR, slo: 'availability' | 'latency') =>
  slo === 'availability' ? `${d.slo.availability}% availability` : `${Number((d.latency.objective * 100).toPrecision(6))}% of requests within ${d.latency.boundMs} ms`;

/** Every SLO join matches on these: a model, its namespace, and which of its SLOs. */
const ON = 'on (model, namespace, slo)';

/**
 * The SLOs of one team's models in an environment, as data: one constant per model and SLO. The latency
 * budget also names the bucket that measures its bound (`le`, as Triton writes it), for the no-data alert.
 */
export function sloObjectivesGroup(ir: PlatformIR, env: EnvironmentIR, namespace: string, deployments: readonly DeploymentIR[]): RuleGroup {
  return {
    name: `platformc-slo-objectives-${namespace}`,
    interval: '30s',
    rules: deployments.flatMap((d) =>
      (['availability', 'latency'] as const).map((slo) => ({
        record: BUDGET_RECORD,
        expr: String(Number((1 - objectiveRatio(d, slo)).toPrecision(6))),
        labels: {
          model: d.model,
          namespace: d.namespace,
          team: d.namespace,
          slo,
          period: d.slo.period,
          objective: objectiveText(d, slo),
          ...(slo === 'latency' ? { le: d.latency.le } : {}),
          platform: ir.name,
          environment: env.name,
        },
      })),
    ),
  };
}

/** A model's no-data alert labels: who it is and who gets it, from the budget of one of its SLOs. */
const MODEL_LABELS = 'model, namespace, team, platform, environment';
/** The models of a selection of budgets, one series each, labelled as the no-data alerts are. */
const expected = (matchers: string, extra = '') => `group by (${MODEL_LABELS}${extra}) (${BUDGET_RECORD}{${matchers}})`;
/** A series of a model's Triton objects (Service, Deployment: named workloadName(model)) with the model as a label. */
const withModel = (expr: string, from: string) => `label_replace(${expr}, "model", "$1", "${from}", "${workloadName('(.+)')}")`;

/**
 * The generic SLO rules of an environment: recordings and alerts that join on the budgets of its models
 * (sloObjectivesGroup). Expressions grow with the distinct periods and latency bounds, never with the models.
 */
export function sloRuleGroups(env: EnvironmentIR, deployments: readonly DeploymentIR[]): RuleGroup[] {
  const periods = [...new Set(deployments.map((d) => d.slo.period))].sort(compareCodeUnits);
  const budget = (period: string) => `${BUDGET_RECORD}{period="${period}"}`;
  const recordings: Rule[] = [
    { record: 'slo:objective:ratio', expr: `1 - ${BUDGET_RECORD}` },
    ...periods.flatMap((period) => [
      // The period's ratio from the 5m recordings (as Sloth does): cheap to evaluate over 30 days; only for the
      // models with this period (each period is its own recording, named after it).
      { record: SLI_RECORD(period), expr: `avg_over_time(${SLI_RECORD('5m')}[${period}])\nand ${ON}\n${budget(period)}` },
      { record: 'slo:period_error_budget_remaining:ratio', expr: `1 - (${SLI_RECORD(period)} / ${ON} group_left () ${budget(period)})` },
    ]),
  ];

  const burn = (severity: 'page' | 'ticket'): Rule => {
    const conditions = periods.flatMap((period) =>
      BURN_RATE_POLICY.filter((p) => p.severity === severity).map((p) => {
        const threshold = `(${burnFactor(p.budgetShare, p.long, period)} * ${budget(period)})`;
        // The long window's ratio is the alert's value; it brings the period and the objective text along for the annotations.
        return `(\n  ${SLI_RECORD(p.long)} > ${ON} group_left (period, objective) ${threshold}\n  and ${ON}\n  ${SLI_RECORD(p.short)} > ${ON} group_left () ${threshold}\n)`;
      }),
    );
    const fast = severity === 'page';
    return {
      alert: fast ? SLO_ALERTS.page : SLO_ALERTS.ticket,
      // No `for`: the short window already confirms the burn (as in the SRE workbook and Sloth).
      expr: conditions.join('\nor\n'),
      labels: { severity },
      annotations: {
        summary: `{{ $labels.model }}: ${fast ? 'fast' : 'slow'} burn of the {{ $labels.slo }} error budget`,
        description: `{{ $labels.model }} in ${env.name} is spending its error budget for {{ $labels.objective }} over {{ $labels.period }} too fast (${fast ? 'it runs out within days' : 'it runs out before the period ends'}).`,
        runbook: 'Check the model dashboard (errors by reason, queue vs compute time, replicas) and recent deploys.',
      },
    };
  };

  // A dead SLI never burns budget: these say so instead of staying silent. Each is "the models this environment
  // serves, unless their series are there", which also fires for a model that never had a series (as absent()
  // did). With working hours the schedule scales the models to zero on purpose: no alert for a model while its
  // Deployment is at zero, nor in the 30 minutes after (new GPU nodes, the Triton image and the model load), read
  // from kube-state-metrics.
  const scheduledOff = `\nunless on (model, namespace)\n${withModel(`min_over_time(kube_deployment_spec_replicas{deployment=~"${workloadName('.+')}"}[30m]) == 0`, 'deployment')}`;
  const noData = (alert: string, expr: string, severity: string, summary: string, description: string): Rule => ({
    alert,
    // Parenthesised: `unless` binds tighter than the `or` between latency bounds.
    expr: env.workingHours ? `(\n${expr.replace(/^/gm, '  ')}\n)${scheduledOff}` : expr,
    for: '15m',
    labels: { severity },
    annotations: { summary, description },
  });
  const bounds = [...new Map(deployments.map((d) => [d.latency.le, latencyBucketMatcher(d)])).entries()].sort(([a], [b]) => compareCodeUnits(a, b));
  const latencyNoData = bounds.map(([le, bucket]) => `(\n  ${expected(`slo="latency",le="${le}"`, ', objective')}\n  unless on (model, namespace)\n  ${LATENCY_HISTOGRAM}_bucket{${bucket}}\n)`);
  return [
    { name: 'platformc-slo', interval: '30s', rules: recordings },
    { name: 'platformc-slo-alerts', rules: [burn('page'), burn('ticket')] },
    {
      name: 'platformc-slo-data',
      rules: [
        noData(
          SLO_ALERTS.tritonDown,
          // up of the Triton pods' metrics endpoint (ServiceMonitor `triton`): its service label is the model's Service.
          `${expected('slo="availability"')}\nunless on (model, namespace)\n${withModel(`up{service=~"${workloadName('.+')}",endpoint="metrics"} == 1`, 'service')}`,
          'page',
          '{{ $labels.model }}: no Triton pod is scraped',
          `Prometheus has no healthy target for the Service of {{ $labels.model }} in {{ $labels.namespace }} (${env.name}): the model is down or not scraped, and its SLOs have no data.`,
        ),
        noData(
          SLO_ALERTS.availabilityNoData,
          `${expected('slo="availability"')}\nunless on (model, namespace)\nnv_inference_request_success`,
          'ticket',
          '{{ $labels.model }}: the availability SLI has no data',
          `Triton exports no nv_inference_request_success for {{ $labels.model }} in ${env.name}: the availability SLO cannot burn.`,
        ),
        noData(
          SLO_ALERTS.latencyNoData,
          latencyNoData.join('\nor\n'),
          'ticket',
          '{{ $labels.model }}: the latency SLI has no data',
          `No ${LATENCY_HISTOGRAM} bucket at the bound of the latency objective of {{ $labels.model }} ({{ $labels.objective }}) in ${env.name}: check the Triton release (>= 26.01 for non-decoupled models), --metrics-config histogram_latencies=true and the buckets in config.pbtxt.`,
        ),
      ],
    },
  ];
}

/**
 * The SLI recordings of every model of an environment over every alert window, written once (not once per
 * model: at 500 models they were most of the rules). Models with the same latency bound share one
 * expression; when bounds differ, each bound's part selects its models by name.
 */
export function sliRuleGroup(ir: PlatformIR, env: EnvironmentIR, deployments: readonly DeploymentIR[]): RuleGroup {
  const labels = (slo: string) => ({ slo, platform: ir.name, environment: env.name });
  const bounds = [...groupBy(deployments, latencyBucketMatcher).entries()].sort(([a], [b]) => compareCodeUnits(a, b));
  // Model names are DNS labels (letters, digits, '-'): nothing to escape in the regular expression.
  const latency = bounds.map(([bucket, ds]) => ({ bucket, models: bounds.length > 1 ? `model=~"${ds.map((d) => d.model).join('|')}"` : '' }));
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

