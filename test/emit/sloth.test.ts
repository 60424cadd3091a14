/**
 * platformc's SLO rules against Sloth's for the same SLOs (issue #15, Verify): one promtool run loads both rule
 * sets, feeds them the same synthetic Triton traffic (fast burn, slow burn, healthy), and the same alerts must
 * fire at the same minutes, and every SLI recording must agree, at every minute.
 *
 * The Sloth rules are transcribed by hand from Sloth v0.16's generator for the same SLOs (slok/sloth
 * internal/plugin/slo/core/sli_rules_v1 and alert_rules_v1, windows internal/alert/windows/google-30d.yaml,
 * golden examples/_gen/getting-started.yml): SLI ratios per window as errors/total, the 30d ratio as
 * sum_over_time/count_over_time of the 5m ratio, page = (5m and 1h > 14.4x) or (30m and 6h > 6x), ticket =
 * (2h and 1d > 3x) or (6h and 3d > 1x), no `for`. The SLOs given to Sloth: resnet50 availability 99.9%
 * (errors: failures, total: successes + failures) and latency 99% within 50 ms (errors: count minus the
 * le="49" bucket, which holds the requests under 50 ms: Triton observes whole ms, truncated; total: count).
 *
 * platformc's rules are generic (one alert per severity for every model, the SLO in the `slo` label); Sloth's are
 * per SLO. A comparison group, evaluated after both at every step, records each disagreement with its time:
 * an SLI window whose values differ (or that one side lacks), and an alert firing on one side only.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { hasTool } from '../helpers/cli.js';
import { filesOf, irOf } from '../helpers/platform.js';
import { counterValues, promtoolFiles, promtoolTest, sloRuleFiles } from '../helpers/rules.js';

const promtool = hasTool('promtool');
const WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];
const M = '{model="resnet50"}';
const T = '{namespace="vision",model="resnet50"}';
const H = 'nv_inference_first_response_histogram_ms';

/** Sloth's generated rules for one SLO, as its generator writes them (labels trimmed to the sloth_* ones). */
function slothRules(slo: string, objective: number, errors: (w: string) => string, total: (w: string) => string) {
  const id = `resnet50-${slo}`;
  const labels = { sloth_id: id, sloth_service: 'resnet50', sloth_slo: slo };
  const sel = `{sloth_id="${id}", sloth_service="resnet50", sloth_slo="${slo}"}`;
  const budget = 1 - objective;
  const cond = (short: string, long: string, f: number) =>
    `(\n    max(slo:sli_error:ratio_rate${short}${sel} > (${f} * ${budget})) without (sloth_window)\n    and\n    max(slo:sli_error:ratio_rate${long}${sel} > (${f} * ${budget})) without (sloth_window)\n)`;
  const name = slo[0]!.toUpperCase() + slo.slice(1);
  return [
    {
      name: `sloth-slo-sli-recordings-${id}`,
      rules: [
        ...WINDOWS.map((w) => ({ record: `slo:sli_error:ratio_rate${w}`, expr: `(${errors(w)})\n/\n(${total(w)})`, labels: { ...labels, sloth_window: w } })),
        { record: 'slo:sli_error:ratio_rate30d', expr: `sum_over_time(slo:sli_error:ratio_rate5m${sel}[30d])\n/ ignoring (sloth_window)\ncount_over_time(slo:sli_error:ratio_rate5m${sel}[30d])`, labels: { ...labels, sloth_window: '30d' } },
      ],
    },
    {
      name: `sloth-slo-alerts-${id}`,
      rules: [
        { alert: `Sloth${name}Page`, expr: `${cond('5m', '1h', 14.4)}\nor\n${cond('30m', '6h', 6)}`, labels: { sloth_severity: 'page' } },
        { alert: `Sloth${name}Ticket`, expr: `${cond('2h', '1d', 3)}\nor\n${cond('6h', '3d', 1)}`, labels: { sloth_severity: 'ticket' } },
      ],
    },
  ];
}

/** Our alert (generic, the SLO in a label) and Sloth's of the same SLO and severity. */
const PAIRS = ['availability', 'latency'].flatMap((slo) => [
  [`SloErrorBudgetBurnFast",slo="${slo}`, `Sloth${slo[0]!.toUpperCase()}${slo.slice(1)}Page`],
  [`SloErrorBudgetBurnSlow",slo="${slo}`, `Sloth${slo[0]!.toUpperCase()}${slo.slice(1)}Ticket`],
]);
const firing = (alertname: string) => `ALERTS{alertname="${alertname}",alertstate="firing"}`;
/** The SLI recordings of one side, with the window and the SLO as labels. */
const windows = (selector: string, slo: string) => `label_replace(label_replace({__name__=~"slo:sli_error:ratio_rate.+",${selector}}, "window", "$1", "__name__", "slo:sli_error:ratio_rate(.+)"), "slo", "$1", "${slo}", "(.+)")`;
const COMPARISON = {
  name: 'comparison',
  rules: [
    { record: 'cmp:ours', expr: windows('model="resnet50",slo!=""', 'slo') },
    { record: 'cmp:sloth', expr: windows('sloth_id!=""', 'sloth_slo') },
    // The time (seconds) of every minute an SLI window differs by more than 1e-9, or exists on one side only.
    { record: 'cmp:sli_disagreement', expr: 'timestamp(abs(cmp:ours - on (window, slo) cmp:sloth) > 1e-9 or cmp:ours unless on (window, slo) cmp:sloth or cmp:sloth unless on (window, slo) cmp:ours)' },
    // The time of every minute an alert fires on one side only.
    { record: 'cmp:alert_disagreement', expr: `timestamp(${PAIRS.map(([ours, sloth]) => `(${firing(ours!)} unless on () ${firing(sloth!)}) or (${firing(sloth!)} unless on () ${firing(ours!)})`).join(' or ')})` },
  ],
};

/**
 * A scenario at 10,000 requests a minute: per segment the share of failed and of slow requests and its minutes;
 * at its end, no disagreement, and these (alert, slo) of ours fired at some minute.
 */
function scenario(name: string, segments: [failed: number, slow: number, minutes: number][], fired: [string, string][]) {
  const minutes = segments.reduce((n, [, , m]) => n + m, 0);
  // Requests a minute as whole numbers (10,000 x a share given to four decimals, up to the float's last bit).
  const per = (f: (s: [number, number, number]) => number) => counterValues(segments.map((s) => [Number(f(s).toFixed(6)), s[2]]));
  const end = `${minutes}m`;
  const range = `[${minutes + 1}m]`;
  return {
    name,
    interval: '1m',
    // As Prometheus scrapes them through the ServiceMonitor: with the pod's namespace.
    input_series: [
      { series: `nv_inference_request_success${T}`, values: per(([f]) => 10000 * (1 - f)) },
      { series: `nv_inference_request_failure${T}`, values: per(([f]) => 10000 * f) },
      { series: `${H}_bucket{namespace="vision",model="resnet50",le="49"}`, values: per(([, s]) => 10000 * (1 - s)) },
      { series: `${H}_count${T}`, values: per(() => 10000) },
    ],
    promql_expr_test: [
      { expr: `min_over_time(cmp:sli_disagreement${range})`, eval_time: end, exp_samples: [] },
      { expr: `min_over_time(cmp:alert_disagreement${range})`, eval_time: end, exp_samples: [] },
      {
        expr: `count by (alertname, slo) (count_over_time(ALERTS{alertname=~"SloErrorBudgetBurn.+",alertstate="firing"}${range}))`,
        eval_time: end,
        exp_samples: fired.map(([alertname, slo]) => ({ labels: `{alertname="${alertname}",slo="${slo}"}`, value: 1 })),
      },
    ],
  };
}

describe.skipIf(!promtool)('platformc and Sloth fire the same alerts at the same minutes', () => {
  it('fast burn, slow burn and healthy traffic: the same SLI values and the same alerts at every minute (one promtool run)', () => {
    const ours = promtoolFiles(sloRuleFiles(filesOf(irOf('platform.yaml')), 'prod'));
    const sloth = join(mkdtempSync(join(tmpdir(), 'platformc-sloth-')), 'sloth.rules.yaml');
    writeFileSync(sloth, stringify({
      groups: [
        ...slothRules('availability', 0.999, (w) => `sum(rate(nv_inference_request_failure${M}[${w}]))`, (w) => `sum(rate(nv_inference_request_success${M}[${w}])) + sum(rate(nv_inference_request_failure${M}[${w}]))`),
        ...slothRules('latency', 0.99, (w) => `sum(rate(${H}_count${M}[${w}])) - sum(rate(${H}_bucket{model="resnet50",le="49"}[${w}]))`, (w) => `sum(rate(${H}_count${M}[${w}]))`),
        COMPARISON,
      ],
    }, { lineWidth: 0 }));
    const r = promtoolTest([...ours, sloth], [
      // 150 healthy minutes, an hour with 3% of requests failed (30x the budget) and 30% slow (30x), two hours healthy:
      // both page and open tickets for both SLOs, and stop as the short windows recover. The burns are moderate, so
      // each window crosses its threshold minutes after the burn starts, the 1h one (14.4x, at about 29 minutes)
      // before the 6h one (6x, at about 38: the healthy minutes dilute it): a factor off by a tenth moves a page.
      scenario('fast burn', [[0.0005, 0.0005, 150], [0.03, 0.3, 60], [0.0005, 0.0005, 120]], [
        ['SloErrorBudgetBurnFast', 'availability'], ['SloErrorBudgetBurnFast', 'latency'], ['SloErrorBudgetBurnSlow', 'availability'], ['SloErrorBudgetBurnSlow', 'latency'],
      ]),
      // A healthy hour, then two hours with 0.4% failed (4x the availability budget) and 2% slow (2x the latency
      // budget): tickets (the 3d/6h condition), never a page.
      scenario('slow burn', [[0.0001, 0.0001, 60], [0.004, 0.02, 120]], [['SloErrorBudgetBurnSlow', 'availability'], ['SloErrorBudgetBurnSlow', 'latency']]),
      scenario('healthy', [[0.0001, 0.0001, 120]], []),
    ]);
    expect(r.status, r.output).toBe(0);
  });
});
