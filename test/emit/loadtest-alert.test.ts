/**
 * LoadTestFailed says whether a model's NEWEST finished load test failed (issue #15, item "LoadTestFailed keeps
 * firing after a passing rerun"). A failed Job stays up to a day (ttlSecondsAfterFinished: 86400), so the old
 * rule (`kube_job_status_failed > 0` per Job) kept firing after a later run of the same model passed.
 *
 * The input series are what kube-state-metrics v2.20.0 (kube-prometheus-stack 88.5.3's subchart 8.4.0) exports
 * for a Job (internal/store/job.go): kube_job_owner{owner_kind, owner_name, owner_is_controller}, the start time
 * in unix seconds, kube_job_status_succeeded, and kube_job_status_failed - a single unlabelled 0 until a pod
 * fails, then one series per known reason (1 for the Failed condition's reason, 0 for the others). Every run,
 * scheduled by the CronJob or created by `kubectl create job --from=cronjob/loadtest-<model>` (platformc loadtest
 * and apply), has the CronJob as its controller owner (kubectl pkg/cmd/create/create_job.go). The series carry
 * the scrape target's labels, as they do in a real cluster.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadTestRuleGroup } from '../../compiler/emit/observability/loadtest.js';
import { hasTool } from '../helpers/cli.js';
import { promtoolTest } from '../helpers/rules.js';

const promtool = hasTool('promtool');
const target = 'job="kube-state-metrics",instance="10.0.3.7:8080",pod="kube-state-metrics-6d9f-x2k"';

interface Run {
  readonly model: string;
  readonly job: string;
  /** Minute the Job starts (its series appear then) and minute it finishes. */
  readonly start: number;
  readonly end: number;
  readonly passes: boolean;
  /** Minutes the test lasts. */
  readonly minutes: number;
}

/** promtool series values: absent (`_`) before the Job exists, then `before` until `end`, then `after`. */
function values(r: Run, before: number | '_', after: number | '_'): string {
  const parts: string[] = [];
  if (r.start > 0) parts.push(`_x${r.start - 1}`);
  if (r.end > r.start) parts.push(`${before}x${r.end - r.start - 1}`);
  parts.push(`${after}x${r.minutes - r.end}`);
  return parts.join(' ');
}

/** The kube-state-metrics series of one load-test Job. */
function jobSeries(r: Run) {
  const l = `namespace="platform",job_name="${r.job}",${target}`;
  const series = [
    { series: `kube_job_owner{${l},owner_kind="CronJob",owner_name="loadtest-${r.model}",owner_is_controller="true"}`, values: values(r, 1, 1) },
    { series: `kube_job_status_start_time{${l}}`, values: values(r, r.start * 60, r.start * 60) },
    { series: `kube_job_status_succeeded{${l}}`, values: values(r, 0, r.passes ? 1 : 0) },
  ];
  if (r.passes) return [...series, { series: `kube_job_status_failed{${l}}`, values: values(r, 0, 0) }];
  return [
    ...series,
    { series: `kube_job_status_failed{${l}}`, values: values(r, 0, '_') },
    { series: `kube_job_status_failed{${l},reason="BackoffLimitExceeded"}`, values: values(r, '_', 1) },
    { series: `kube_job_status_failed{${l},reason="DeadlineExceeded"}`, values: values(r, '_', 0) },
    { series: `kube_job_status_failed{${l},reason="Evicted"}`, values: values(r, '_', 0) },
  ];
}

const firing = (model: string, job: string) => ({
  exp_labels: { severity: 'ticket', namespace: 'platform', model, job_name: job },
  exp_annotations: {
    summary: `The newest load test of ${model} failed (${job})`,
    description: `k6 broke a threshold of the model's SLO (p99 latency, error rate, dropped iterations) at its target rate, or did not finish: kubectl -n platform logs job/${job}. The alert resolves when a newer run of the model passes.`,
  },
});

describe.skipIf(!promtool)('LoadTestFailed: the newest finished run per model decides (promtool test rules)', () => {
  const minutes = 60;
  // bert-large: its model name has a dash, like the Job-name suffix the CronJob adds (minutes since epoch).
  const fail = { model: 'bert-large', job: 'loadtest-bert-large-29000001', start: 1, end: 6, passes: false, minutes };
  const pass = { model: 'bert-large', job: 'loadtest-bert-large-manual-x7', start: 20, end: 26, passes: true, minutes };
  const failAgain = { model: 'bert-large', job: 'loadtest-bert-large-29000041', start: 40, end: 46, passes: false, minutes };
  const passed = { model: 'resnet50', job: 'loadtest-resnet50-29000001', start: 1, end: 6, passes: true, minutes };
  const failed = { model: 'resnet', job: 'loadtest-resnet-29000002', start: 2, end: 7, passes: false, minutes };
  // resnet50 also failed long ago; that run is older than its pass, so it does not count.
  const older = { model: 'resnet50', job: 'loadtest-resnet50-28999990', start: 0, end: 1, passes: false, minutes };

  it('a failed run fires, a later passing run of the same model resolves it, a failure after a pass fires again; of two models only the failed one fires (one run)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'platformc-loadtest-alert-'));
    writeFileSync(join(dir, 'load-tests.rules.yaml'), stringify({ groups: [loadTestRuleGroup()] }));
    const r = promtoolTest([join(dir, 'load-tests.rules.yaml')], [
      {
        name: 'fail, pass, fail again',
        interval: '1m',
        input_series: [fail, pass, failAgain].flatMap(jobSeries),
        alert_rule_test: [
          { eval_time: '3m', alertname: 'LoadTestFailed', exp_alerts: [] }, // running: no verdict yet
          { eval_time: '10m', alertname: 'LoadTestFailed', exp_alerts: [firing('bert-large', fail.job)] },
          // The rerun is running: the failure is still the newest verdict.
          { eval_time: '22m', alertname: 'LoadTestFailed', exp_alerts: [firing('bert-large', fail.job)] },
          // The rerun passed: resolved, although the failed Job is still there.
          { eval_time: '30m', alertname: 'LoadTestFailed', exp_alerts: [] },
          { eval_time: '42m', alertname: 'LoadTestFailed', exp_alerts: [] },
          // A run after the pass failed: fires for that run only.
          { eval_time: '50m', alertname: 'LoadTestFailed', exp_alerts: [firing('bert-large', failAgain.job)] },
        ],
      },
      {
        name: 'two models, one passed and one failed',
        interval: '1m',
        input_series: [older, passed, failed].flatMap(jobSeries),
        alert_rule_test: [
          { eval_time: '10m', alertname: 'LoadTestFailed', exp_alerts: [firing('resnet', failed.job)] },
          { eval_time: '40m', alertname: 'LoadTestFailed', exp_alerts: [firing('resnet', failed.job)] },
        ],
      },
    ]);
    expect(r.status, r.output).toBe(0);
  });
});
