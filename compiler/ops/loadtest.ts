/**
 * loadtest: start a model's k6 load test as a Job from its suspended CronJob, follow it until it finishes,
 * and read its summary. k6 exits non-zero when the SLO thresholds break, so the Job's outcome is the verdict.
 */
import { LOADTEST_JOB_PREFIX, NAMESPACES } from '../lib/conventions.js';

/** How long platformc follows a load-test Job: its activeDeadlineSeconds (30 minutes) and the time to start. */
export const LOADTEST_TIMEOUT_MS = 40 * 60_000;

export interface LoadtestCommands {
  readonly job: string;
  readonly create: readonly string[];
  readonly status: readonly string[];
  readonly logs: readonly string[];
}

/** The kubectl command lines of one run in the cluster of a kubeconfig context (shown by --dry-run, run by runLoadtest). */
export function loadtestCommands(context: string, model: string, runId: string): LoadtestCommands {
  const job = `${LOADTEST_JOB_PREFIX}${model}-${runId}`.slice(0, 63);
  const kubectl = (...args: string[]) => ['kubectl', '--context', context, '--namespace', NAMESPACES.platform, ...args];
  return {
    job,
    create: kubectl('create', 'job', job, `--from=cronjob/${LOADTEST_JOB_PREFIX}${model}`),
    status: kubectl('get', 'job', job, '--output', 'jsonpath={.status.succeeded}/{.status.failed}'),
    logs: kubectl('logs', `job/${job}`, '--tail=60'),
  };
}

export type LoadtestOutcome =
  | { readonly started: false; readonly error: string }
  | { readonly started: true; readonly verdict?: 'passed' | 'failed'; readonly logs: string };

/** Runs the Job and waits for it (at most `timeoutMs`, polling every `pollMs`). */
export async function runLoadtest(c: LoadtestCommands, timeoutMs: number, pollMs: number, onStarted: () => void): Promise<LoadtestOutcome> {
  const { execa } = await import('execa');
  const run = (argv: readonly string[]) => execa(argv[0]!, argv.slice(1), { reject: false });
  const created = await run(c.create);
  if (created.failed) return { started: false, error: String(created.stderr).trim() };
  onStarted();
  const deadline = Date.now() + timeoutMs;
  let verdict: 'passed' | 'failed' | undefined;
  while (!verdict && Date.now() < deadline) {
    const r = await run(c.status);
    const [succeeded, failed] = String(r.stdout).split('/').map((x) => Number(x || 0));
    if (succeeded) verdict = 'passed';
    else if (failed) verdict = 'failed';
    else await new Promise((res) => setTimeout(res, pollMs));
  }
  const logs = String((await run(c.logs)).stdout).trim();
  return { started: true, ...(verdict ? { verdict } : {}), logs };
}

/** The lines of a k6 summary that say why a run failed: its thresholds and the metrics they are on. */
export function k6Verdict(logs: string): string[] {
  return logs.split('\n').map((l) => l.trim()).filter((l) => /http_req_duration|http_req_failed|dropped_iterations|threshold|✗/.test(l)).slice(0, 8);
}
