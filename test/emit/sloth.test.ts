/**
 * platformc's SLO rules against Sloth's for the same SLOs (issue #15, Verify): one promtool unit test loads
 * both rule sets, feeds them the same synthetic Triton traffic (fast burn, slow burn, healthy), and the same
 * alerts must fire at the same minutes, and every SLI recording must agree.
 *
 * The Sloth rules are transcribed by hand from Sloth v0.16's generator for the same SLOs (slok/sloth
 * internal/plugin/slo/core/sli_rules_v1 and alert_rules_v1, windows internal/alert/windows/google-30d.yaml,
 * golden examples/_gen/getting-started.yml): SLI ratios per window as errors/total, the 30d ratio as
 * sum_over_time/count_over_time of the 5m ratio, page = (5m and 1h > 14.4x) or (30m and 6h > 6x), ticket =
 * (2h and 1d > 3x) or (6h and 3d > 1x), no `for`. The SLOs given to Sloth: resnet50 availability 99.9%
 * (errors: failures, total: successes + failures) and latency 99% within 50 ms (errors: count minus the
 * le="49" bucket, which holds the requests under 50 ms: Triton observes whole ms, truncated; total: count).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { generateFiles } from '../../compiler/generate.js';
import { writeTree } from '../../compiler/output/write.js';
import { hasTool } from '../helpers/cli.js';
import { irOf } from '../helpers/platform.js';
import { promtoolFile } from '../helpers/rules.js';

const promtool = hasTool('promtool');
const WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];
const M = '{model="resnet50"}';
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

/** Cumulative counter values in promtool's expanding notation, from per-minute increments per segment. */
function counter(segments: [perMinute: number, minutes: number][]): string {
  let at = 0;
  return segments.map(([inc, n]) => {
    const s = `${at}+${inc}x${n}`;
    at += inc * n;
    return s;
  }).join(' ');
}

const OURS: Record<string, string> = {
  Resnet50AvailabilityErrorBudgetBurnFast: 'SlothAvailabilityPage',
  Resnet50AvailabilityErrorBudgetBurnSlow: 'SlothAvailabilityTicket',
  Resnet50LatencyErrorBudgetBurnFast: 'SlothLatencyPage',
  Resnet50LatencyErrorBudgetBurnSlow: 'SlothLatencyTicket',
};

// promtool evaluates both rule sets over days of per-minute samples: 30 to 40 s of CPU per scenario, which
// a loaded 2-core machine stretches past the default minute.
describe.skipIf(!promtool)('platformc and Sloth fire the same alerts at the same minutes', { timeout: 180_000 }, () => {
  const ir = irOf('platform.yaml');
  const out = join(mkdtempSync(join(tmpdir(), 'platformc-sloth-')), 'generated');
  writeTree(out, generateFiles(ir));
  // The model's SLO rules, and the SLI recordings of every model they read.
  const ours = promtoolFile(out, 'prometheus/prod/slo-resnet50.rules.yaml');
  const sli = promtoolFile(out, 'prometheus/prod/sli.rules.yaml');
  const sloth = join(out, 'sloth.rules.yaml');
  writeFileSync(
    sloth,
    stringify({
      groups: [
        ...slothRules('availability', 0.999, (w) => `sum(rate(nv_inference_request_failure${M}[${w}]))`, (w) => `sum(rate(nv_inference_request_success${M}[${w}])) + sum(rate(nv_inference_request_failure${M}[${w}]))`),
        ...slothRules('latency', 0.99, (w) => `sum(rate(${H}_count${M}[${w}])) - sum(rate(${H}_bucket{model="resnet50",le="49"}[${w}]))`, (w) => `sum(rate(${H}_count${M}[${w}]))`),
      ],
    }),
  );

  /** (alert, minute) pairs that fired, every 10 minutes, and the SLI windows on which the two rule sets disagree. */
  function run(name: string, requestsPerMinute: number, bad: [share: number, minutes: number][]) {
    const minutes = bad.reduce((n, [, m]) => n + m, 0);
    const input = [
      { series: `nv_inference_request_success${M}`, values: counter(bad.map(([s, m]) => [requestsPerMinute * (1 - s), m])) },
      { series: `nv_inference_request_failure${M}`, values: counter(bad.map(([s, m]) => [requestsPerMinute * s, m])) },
      { series: `${H}_bucket{model="resnet50",le="49"}`, values: counter(bad.map(([s, m]) => [requestsPerMinute * (1 - s), m])) },
      { series: `${H}_count${M}`, values: counter(bad.map(([, m]) => [requestsPerMinute, m])) },
    ];
    const times = Array.from({ length: Math.floor(minutes / 10) }, (_, i) => `${(i + 1) * 10}m`);
    const alerts = [...Object.keys(OURS), ...Object.values(OURS)];
    const agree = times.flatMap((t) =>
      ['availability', 'latency'].flatMap((slo) =>
        WINDOWS.map((w) => ({
          expr: `count(abs(slo:sli_error:ratio_rate${w}{model="resnet50",slo="${slo}"} - on () slo:sli_error:ratio_rate${w}{sloth_slo="${slo}"}) > 1e-9) or vector(0)`,
          eval_time: t,
          exp_samples: [{ labels: '{}', value: 0 }],
        })),
      ),
    );
    const file = join(out, `${name}.test.yaml`);
    writeFileSync(file, stringify({
      rule_files: [ours, sli, sloth],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: input,
        alert_rule_test: times.flatMap((t) => alerts.map((a) => ({ eval_time: t, alertname: a, exp_alerts: [] }))),
        promql_expr_test: agree,
      }],
    }));
    const r = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    const text = r.stdout + r.stderr;
    const fired = [...text.matchAll(/alertname: (\w+), time: (\w+),/g)].map((m) => [m[1]!, m[2]!] as const);
    const oursFired = fired.filter(([a]) => OURS[a]).map(([a, t]) => `${OURS[a]}@${t}`).sort();
    const slothFired = fired.filter(([a]) => !OURS[a]).map(([a, t]) => `${a}@${t}`).sort();
    const disagreements = [...text.matchAll(/expr: "(.*?)", time: (\w+),\n/g)].map((m) => `${m[1]}@${m[2]}`);
    return { oursFired, slothFired, disagreements, passed: r.status === 0 };
  }

  it('fast burn (20% errors and slow requests for an hour): both page at the same minutes', () => {
    const r = run('fast', 1000, [[0.0005, 240], [0.2, 60], [0.0005, 240]]);
    expect(r.disagreements).toEqual([]);
    expect(r.oursFired.some((x) => x.startsWith('SlothAvailabilityPage@'))).toBe(true);
    expect(r.oursFired).toEqual(r.slothFired);
  });
  // A day is enough: at 4x the budget's burn, the 3d/6h ticket (factor 1) fires after 6 h and the 1d/2h one (factor 3) after 18 h,
  // while no page window (factor 6 or 14.4) can be reached.
  it('slow burn (0.4% errors, 1.5% slow for a day): both open tickets at the same minutes, neither pages', () => {
    const r = run('slow', 1000, [[0.004, 1440]]);
    expect(r.disagreements).toEqual([]);
    expect(r.oursFired.some((x) => x.startsWith('SlothAvailabilityTicket@'))).toBe(true);
    expect(r.oursFired.filter((x) => x.includes('Page@'))).toEqual([]);
    expect(r.oursFired).toEqual(r.slothFired);
  });
  it('healthy traffic (0.01% errors, 0.01% slow): neither fires', () => {
    const r = run('healthy', 1000, [[0.0001, 1000]]);
    expect(r.disagreements).toEqual([]);
    expect(r.oursFired).toEqual([]);
    expect(r.slothFired).toEqual([]);
    // Nothing fired and every recording agreed: promtool passes (so the rule files did load).
    expect(r.passed).toBe(true);
  });
});
