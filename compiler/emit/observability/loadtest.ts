/**
 * The alert on the load tests (the CronJobs and their script are Kubernetes objects of each model:
 * compiler/emit/kubernetes/load-tests.ts).
 */
import { LOADTEST_JOB_PREFIX, NAMESPACES } from '../../lib/conventions.js';
import type { RuleGroup } from './slo.js';

/**
 * A model whose newest finished load test failed (scheduled, or started by platformc) is a ticket: the model
 * does not hold its SLO at its target rate. A failed Job stays for a day (ttlSecondsAfterFinished), so "any
 * failed Job" would keep alerting after a later run of the same model passed; the alert compares each failed
 * Job's start time with the newest start time among the model's finished Jobs instead, and resolves as soon
 * as a newer run passes. The model comes from the Job's owner: every run, scheduled or `kubectl create job
 * --from=cronjob/...` (platformc loadtest, apply), has its CronJob `loadtest-<model>` as controller owner
 * (kube_job_owner; kube-state-metrics exports Job labels only when allowlisted). Finished means what platformc's
 * verdict reads: status.succeeded or status.failed above 0.
 */
export function loadTestRuleGroup(): RuleGroup {
  const jobs = `namespace="${NAMESPACES.platform}",job_name=~"${LOADTEST_JOB_PREFIX}.+"`;
  const model = `max by (namespace, job_name, model) (label_replace(kube_job_owner{${jobs},owner_kind="CronJob",owner_name=~"${LOADTEST_JOB_PREFIX}.+"}, "model", "$1", "owner_name", "${LOADTEST_JOB_PREFIX}(.+)"))`;
  // Start time (unix seconds) of every load-test Job, with its model; max by drops the scrape target's labels.
  const started = `(max by (namespace, job_name) (kube_job_status_start_time{${jobs}}) * on (namespace, job_name) group_left (model) ${model})`;
  const failed = `kube_job_status_failed{${jobs}} > 0`;
  const finished = `kube_job_status_succeeded{${jobs}} > 0 or ${failed}`;
  return {
    name: 'platformc-load-tests',
    rules: [
      {
        alert: 'LoadTestFailed',
        expr: `(${started} and on (namespace, job_name) (${failed})) == on (namespace, model) group_left () max by (namespace, model) (${started} and on (namespace, job_name) (${finished}))`,
        labels: { severity: 'ticket' },
        annotations: {
          summary: 'The newest load test of {{ $labels.model }} failed ({{ $labels.job_name }})',
          description: 'k6 broke a threshold of the model\'s SLO (p99 latency, error rate, dropped iterations) at its target rate, or did not finish: kubectl -n platform logs job/{{ $labels.job_name }}. The alert resolves when a newer run of the model passes.',
        },
      },
    ],
  };
}
