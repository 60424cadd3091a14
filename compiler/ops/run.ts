/**
 * Runs a step list: external programs through execa, cluster checks through the Kubernetes API. Each step
 * shows progress and its time (a live step line on a terminal, timestamped lines in CI), logs in full to
 * .platformc/logs/, and a failure stops the run with the tool's last lines and what to do next. Completed
 * resumable steps are recorded, so a rerun for the same inputs skips them. Ctrl-C is passed on to the
 * running tool (Terraform then stops cleanly and releases its lock) before platformc exits.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { awsQueries, type Step, type TaskSpec } from './steps.js';

export interface RunOptions {
  /** Where logs and resume state go (.platformc under the working directory). */
  readonly stateDir: string;
  /** Identifies the run for resuming: environment and operation. */
  readonly runKey: string;
  /** Changes when the inputs change: a completed step is skipped only for the same fingerprint. */
  readonly fingerprint: string;
  readonly tasks: TaskRunner;
  readonly out?: NodeJS.WriteStream;
  /** Timeouts of the waiting tasks, in ms (tests shorten them). */
  readonly waitMs?: number;
  readonly pollMs?: number;
}

export type TaskRunner = (task: TaskSpec, log: (line: string) => void, opts: { waitMs: number; pollMs: number }) => Promise<string | undefined>;

export interface RunResult {
  readonly ok: boolean;
  readonly completed: readonly string[];
  readonly skipped: readonly string[];
  readonly failed?: string;
}

export const commandLine = (argv: readonly string[]) => argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');

/** --dry-run: every step and its exact command line, in order. */
export function describeSteps(steps: readonly Step[]): string {
  return `${steps.map((s, i) => `${String(i + 1).padStart(2)}. ${s.title}\n    ${s.kind === 'exec' ? `$ ${commandLine(s.argv)}` : s.describe}`).join('\n')}\n`;
}

const elapsed = (start: number) => `${((Date.now() - start) / 1000).toFixed(1)}s`;

export async function runSteps(steps: readonly Step[], o: RunOptions): Promise<RunResult> {
  const out = o.out ?? process.stderr;
  const tty = out.isTTY === true && !process.env.CI;
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  const logDir = join(o.stateDir, 'logs', `${o.runKey}-${runId}`);
  const statePath = join(o.stateDir, 'state', `${o.runKey}.json`);
  mkdirSync(logDir, { recursive: true });
  mkdirSync(join(o.stateDir, 'state'), { recursive: true });
  const previous = existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as { fingerprint: string; completed: string[] }) : undefined;
  const done = new Set(previous?.fingerprint === o.fingerprint ? previous.completed : []);
  const save = () => writeFileSync(statePath, `${JSON.stringify({ fingerprint: o.fingerprint, completed: [...done].sort() }, null, 2)}\n`);
  const say = (line: string) => out.write(tty ? `${line}\n` : `${new Date().toISOString()} ${line}\n`);
  const completed: string[] = [];
  const skipped: string[] = [];

  let current: ReturnType<typeof execa> | undefined;
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    say(`${signal}: passing it to the running step and waiting for it to stop cleanly`);
    current?.kill(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    for (const [i, step] of steps.entries()) {
      const label = `[${i + 1}/${steps.length}] ${step.title}`;
      const logFile = join(logDir, `${String(i + 1).padStart(2, '0')}-${step.id.replace(/[^\w.-]+/g, '_')}.log`);
      const log = (line: string) => appendFileSync(logFile, `${line}\n`);
      if (step.kind === 'exec' && step.resumable && done.has(step.id)) {
        say(`${label}: done in an earlier run, skipped`);
        skipped.push(step.id);
        continue;
      }
      const start = Date.now();
      const ticker = tty ? setInterval(() => out.write(`\r${label} ... ${elapsed(start)}`), 1000) : undefined;
      say(tty ? `${label} ...` : `${label}: started`);
      let problem: string | undefined;
      let tail = '';
      try {
        if (step.kind === 'exec') {
          log(`$ ${commandLine(step.argv)}`);
          current = execa(step.argv[0]!, step.argv.slice(1), { reject: false, all: true, stdin: 'ignore', env: { TF_IN_AUTOMATION: '1', TF_INPUT: '0' } });
          const r = await current;
          current = undefined;
          log(String(r.all ?? ''));
          tail = String(r.stderr || r.stdout || '').split('\n').slice(-15).join('\n');
          const benign = step.argv[0] === 'kubectl' && step.argv[1] === 'diff' && r.exitCode === 1;
          if (interrupted) problem = 'interrupted';
          else if (r.failed && !benign) problem = r.exitCode === undefined ? `could not run ${step.argv[0]}: ${r.shortMessage}` : `${step.argv[0]} exited with code ${r.exitCode}`;
          else if (step.check) problem = step.check(String(r.stdout ?? ''));
        } else {
          problem = await o.tasks(step.task, log, { waitMs: o.waitMs ?? 20 * 60_000, pollMs: o.pollMs ?? 10_000 });
        }
      } finally {
        if (ticker) clearInterval(ticker);
        if (tty) out.write('\r');
      }
      if (problem) {
        say(`${label}: FAILED after ${elapsed(start)}: ${problem}`);
        if (tail.trim()) out.write(`${tail.split('\n').map((l) => `    | ${l}`).join('\n')}\n`);
        if (step.hint) out.write(`  what to do: ${step.hint}\n`);
        out.write(`  full log: ${logFile}\n`);
        return { ok: false, completed, skipped, failed: step.id };
      }
      say(`${label}: ok (${elapsed(start)})`);
      completed.push(step.id);
      if (step.kind === 'exec' && step.resumable) {
        done.add(step.id);
        save();
      }
    }
    // A finished run starts from scratch next time.
    writeFileSync(statePath, `${JSON.stringify({ fingerprint: o.fingerprint, completed: [] }, null, 2)}\n`);
    return { ok: true, completed, skipped };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The in-process tasks, against the real cluster and AWS CLI. */
export function realTasks(checkGenerated: () => string | undefined): TaskRunner {
  return async (task, log, { waitMs, pollMs }) => {
    if (task.type === 'check-generated') return checkGenerated();
    if (task.type === 'wait-load-balancers-gone' || task.type === 'leftovers') {
      const queries = task.type === 'leftovers' ? awsQueries.leftovers(task.region, task.cluster) : [awsQueries.loadBalancers(task.region, task.cluster)];
      const deadline = Date.now() + (task.type === 'leftovers' ? 0 : waitMs);
      for (;;) {
        const found: string[] = [];
        for (const q of queries) {
          log(`$ ${commandLine(q)}`);
          const r = await execa(q[0]!, q.slice(1), { reject: false });
          if (r.failed) return `${commandLine(q)} failed: ${String(r.stderr).split('\n').slice(-3).join(' ')}`;
          found.push(...String(r.stdout).split(/\s+/).filter((x) => x && x !== 'None'));
        }
        log(found.join('\n'));
        if (found.length === 0) return undefined;
        if (Date.now() >= deadline) return task.type === 'leftovers' ? `still tagged for ${task.cluster}: ${found.join(', ')} (delete them, or check what else uses them)` : `load balancers still exist: ${found.join(', ')}`;
        await new Promise((r) => setTimeout(r, pollMs));
      }
    }
    if (task.type === 'empty-bucket') {
      // A versioned bucket is empty only without versions and delete markers: delete them 1000 at a time.
      for (;;) {
        const list = awsQueries.objectVersions(task.region, task.bucket);
        log(`$ ${commandLine(list)}`);
        const r = await execa(list[0]!, list.slice(1), { reject: false });
        if (r.failed) {
          if (/NoSuchBucket/.test(String(r.stderr))) return undefined; // already gone
          return `${commandLine(list)} failed: ${String(r.stderr).split('\n').slice(-3).join(' ')}`;
        }
        const objects = (JSON.parse(String(r.stdout || '{}')) as { Objects?: { Key: string; VersionId: string }[] | null }).Objects ?? [];
        if (objects.length === 0) return undefined;
        const del = awsQueries.deleteObjects(task.region, task.bucket, objects);
        log(`$ aws s3api delete-objects --bucket ${task.bucket} (${objects.length} versions)`);
        const d = await execa(del[0]!, del.slice(1), { reject: false });
        if (d.failed) return `deleting versions of ${task.bucket} failed: ${String(d.stderr).split('\n').slice(-3).join(' ')}`;
      }
    }
    const { connect, deploymentNotReady, gpuNodesNotReady, waitFor } = await import('./kube.js');
    const cluster = await connect(task.context);
    if (task.type === 'wait-gpu-nodes') {
      const left = await waitFor(async () => gpuNodesNotReady(await cluster.listNodes(), task.pools), waitMs, pollMs, (p) => log(p.join('; ')));
      return left.length ? left.join('; ') : undefined;
    }
    if (task.type === 'wait-deployments') {
      const left = await waitFor(
        async () => (await Promise.all(task.deployments.map(async (d) => {
          const why = deploymentNotReady(await cluster.readDeployment(d.namespace, d.name));
          return why ? `${d.namespace}/${d.name}: ${why}` : '';
        }))).filter(Boolean),
        waitMs,
        pollMs,
        (p) => log(p.join('; ')),
      );
      return left.length ? left.join('; ') : undefined;
    }
    const failures: string[] = [];
    for (const m of task.models) {
      for (const path of ['/v2/health/ready', `/v2/models/${m.model}/ready`]) {
        const status = await cluster.proxyGet(m.namespace, m.service, 'http', path);
        log(`GET ${m.namespace}/${m.service}${path}: ${status}`);
        if (status !== 200) failures.push(`${m.model}: ${path} answered ${status || 'nothing'}`);
      }
    }
    return failures.length ? failures.join('; ') : undefined;
  };
}
