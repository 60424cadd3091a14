/**
 * Runs a step list: external programs through execa, cluster checks through the Kubernetes API. Each step
 * shows progress and its time (a live step line on a terminal, timestamped lines in CI), logs in full to
 * .platformc/logs/, and a failure stops the run with the tool's last lines and what to do next. Completed
 * resumable steps are recorded, so a rerun for the same inputs skips them. Ctrl-C is passed on to the
 * running tool (Terraform then stops cleanly and releases its lock) before platformc exits.
 */
import { spawn as spawnProcess } from 'node:child_process';
import { appendFileSync, closeSync, type Dirent, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { escapeTerminal } from '../diagnostics/render.js';
import type { AcmCertificate } from './certificates.js';
import { forEachRevision, uploadRevision, verifyRevision, type Exec, type VerifiedObjects } from './models.js';
import { commandLine, stderrTail, toolFailure } from '../lib/shell.js';
import { awsQueries, type Step, type TaskSpec } from './steps.js';

/** Shell-quoted command lines, as --dry-run and the logs show them. */
export { commandLine };

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
  /** Longest an external step may run before it is stopped (SIGINT, then SIGKILL after graceMs). */
  readonly stepTimeoutMs?: number;
  /** How long a stopped tool gets to finish cleanly (terraform releases its state lock) before SIGKILL. */
  readonly graceMs?: number;
}

/** An EKS cluster with GPU node groups takes 20-40 minutes; two hours means the tool hangs. */
const DEFAULT_STEP_TIMEOUT_MS = 2 * 60 * 60_000;
const DEFAULT_GRACE_MS = 5 * 60_000;
/** How much of a step's log is read back for the tail shown on failure. The log has it all (D12). */
const KEEP_BYTES = 1024 * 1024;
/**
 * How a step's tool runs: its own process group (signals below); stopped by platformc's own grace logic, never
 * execa's SIGKILL; non-interactive terraform. Its output goes to files (runSteps), not through platformc.
 */
const TOOL_OPTIONS = {
  reject: false,
  buffer: false,
  stdin: 'ignore',
  detached: true,
  forceKillAfterDelay: false,
  env: { TF_IN_AUTOMATION: '1', TF_INPUT: '0' },
} as const;

/** The last `bytes` of a file from `from` on, as text. */
function readTail(path: string, from: number, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(from, size - bytes);
    const buffer = Buffer.alloc(Math.max(0, size - start));
    for (let at = 0; at < buffer.length; ) {
      const n = readSync(fd, buffer, at, buffer.length - at, start + at);
      if (n === 0) break;
      at += n;
    }
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** A state file cut short by a kill (it is now written atomically) or otherwise unreadable: start afresh (D22). */
function readState(path: string): { fingerprint: string; completed: string[] } | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as { fingerprint?: unknown; completed?: unknown };
    return typeof s.fingerprint === 'string' && Array.isArray(s.completed) ? { fingerprint: s.fingerprint, completed: s.completed.filter((x): x is string => typeof x === 'string') } : undefined;
  } catch {
    return undefined;
  }
}

/** Write to a temporary file and rename: a kill leaves the old state or the new one, never half of it. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/**
 * The kustomization.yaml files under `root` other than `keep`: an earlier run's, of a group that has since been
 * renamed or split. Nothing else is written there, and apply never reads them, but a folder that looks like one
 * to apply should be one. Only where apply writes them (`<namespace>/` and `<namespace>/<n>/`, regular files in
 * real folders): a symbolic link is never followed, so nothing outside the state folder is touched.
 */
function staleKustomizations(root: string, keep: ReadonlySet<string>, depth = 2): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .flatMap((e) => {
      const path = join(root, e.name);
      if (e.isDirectory() && depth > 0) return staleKustomizations(path, keep, depth - 1);
      return e.isFile() && e.name === 'kustomization.yaml' && depth < 2 && !keep.has(path) ? [path] : [];
    })
    .sort();
}

/**
 * The watchdog of a run: a small detached process that stops the running tool's process group if platformc dies
 * without cleaning up (kill -9, OOM), so no terraform is left holding the state lock (D23). One per run, not one
 * per tool: platformc tells it on a pipe which tool runs ("<pid>", "0" for none), and the end of that pipe is its
 * cue, since the kernel closes it however platformc ends. Then it sends the tool's group a SIGINT (terraform's
 * graceful stop) and a SIGKILL if the tool is still there after the grace time. A normal end closes the pipe with
 * no tool running, and the watchdog just exits. A POSIX shell script, not a node process: it waits for the whole
 * run (hours for a first apply), at ~1 MB where node held ~40 MB, and starts in a millisecond instead of ~60.
 * `sleep` comes from the system's folders first; should it fail, the watchdog leaves the interrupted tool to
 * finish its graceful stop rather than count the grace time down in a busy loop to a SIGKILL.
 */
export const WATCHDOG = `PATH=/usr/bin:/bin:$PATH
grace=$1
tool=0
while IFS= read -r line; do tool=$line; done
case $tool in '' | *[!0-9]* | 0) exit 0 ;; esac
kill -0 "$tool" 2>/dev/null || exit 0
kill -s INT -- "-$tool" 2>/dev/null
waited=0
while kill -0 "$tool" 2>/dev/null; do
  if [ "$waited" -ge "$grace" ]; then
    kill -s KILL -- "-$tool" 2>/dev/null
    exit 0
  fi
  sleep 1 || exit 0
  waited=$((waited + 1))
done`;

function watchdog(graceMs: number): { readonly running: (toolPid: number | undefined) => void; readonly close: () => void } {
  try {
    const dog = spawnProcess('/bin/sh', ['-c', WATCHDOG, 'platformc-watchdog', String(Math.ceil(graceMs / 1000))], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    // Neither the watchdog nor its pipe keeps platformc running; a watchdog that is gone costs only its protection.
    dog.unref();
    dog.on('error', () => undefined);
    const pipe = dog.stdin!;
    pipe.on('error', () => undefined);
    (pipe as unknown as { unref?: () => void }).unref?.();
    return {
      running: (toolPid) => {
        if (!pipe.destroyed) pipe.write(`${toolPid ?? 0}\n`);
      },
      close: () => pipe.end(),
    };
  } catch {
    return { running: () => undefined, close: () => undefined };
  }
}

/** A task's verdict: a problem to stop on, undefined when it passed, or a note when it passed with something to say (a check skipped). */
export type TaskOutcome = string | undefined | { readonly note: string };
/** `interrupted`: whether a SIGINT or SIGTERM has come; a task that starts work item by item stops starting more. */
export type TaskRunner = (task: TaskSpec, log: (line: string) => void, opts: { waitMs: number; pollMs: number; interrupted?: () => boolean }) => Promise<TaskOutcome>;

export interface RunResult {
  readonly ok: boolean;
  readonly completed: readonly string[];
  readonly skipped: readonly string[];
  readonly failed?: string;
}


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
  const previous = readState(statePath);
  const done = new Set(previous?.fingerprint === o.fingerprint ? previous.completed : []);
  const save = () => writeAtomic(statePath, `${JSON.stringify({ fingerprint: o.fingerprint, completed: [...done].sort() }, null, 2)}\n`);
  const say = (line: string) => out.write(tty ? `${line}\n` : `${new Date().toISOString()} ${line}\n`);
  const completed: string[] = [];
  const skipped: string[] = [];

  /** The step's tool, as started below. */
  let current: ResultPromise<typeof TOOL_OPTIONS> | undefined;
  let interrupted = false;
  /**
   * Tools run in their own process group, so a Ctrl-C at the terminal reaches platformc only, and platformc
   * passes exactly one SIGINT on (two make terraform exit at once, "data loss may have occurred": D3). SIGTERM
   * (CI cancel, pod eviction) becomes that same graceful SIGINT, never a SIGKILL after 5 s (D4).
   */
  const stop = (pid: number | undefined) => {
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGINT');
    } catch {
      /* already gone */
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    say(`${signal}: passing SIGINT to the running step and waiting for it to stop cleanly`);
    stop(current?.pid);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let dog: ReturnType<typeof watchdog> | undefined;

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
      let note: string | undefined;
      let tail = '';
      try {
        // A signal between steps: the next one does not start (a cancelled CI job applied nothing more).
        if (interrupted) problem = 'interrupted';
        else if (step.kind === 'exec') {
          log(`$ ${commandLine(step.argv)}`);
          // The tool writes straight into the step log (stdout to a file of its own when a check reads it), not
          // into pipes platformc reads: a kill mid-apply leaves what terraform said so far, nothing is held in
          // memory (D12), and a platformc that dies (kill -9) leaves no pipe behind whose next write would kill
          // terraform with SIGPIPE (Go's default on stdout and stderr) before the watchdog's graceful stop (D23).
          const fd = openSync(logFile, 'a');
          const from = fstatSync(fd).size;
          const stdoutFile = step.check ? logFile.replace(/\.log$/, '.stdout') : undefined;
          const outFd = stdoutFile ? openSync(stdoutFile, 'w') : fd;
          let timedOut = false;
          const timers: NodeJS.Timeout[] = [];
          try {
            // execa hands a file descriptor to the child as it is (its types list only 3 to 9 for stdout and stderr;
            // its `{ file }` target would pipe through platformc again).
            current = execa(step.argv[0]!, step.argv.slice(1), { ...TOOL_OPTIONS, stdout: outFd, stderr: fd } as unknown as typeof TOOL_OPTIONS);
            const pid = current.pid;
            dog ??= watchdog(o.graceMs ?? DEFAULT_GRACE_MS);
            dog.running(pid);
            timers.push(
              setTimeout(() => {
                timedOut = true;
                stop(pid);
                timers.push(setTimeout(() => pid !== undefined && (() => { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } })(), o.graceMs ?? DEFAULT_GRACE_MS));
              }, o.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS),
            );
            const r = await current;
            current = undefined;
            // A checked step's stdout (a one-line `aws sts` answer) whole: for its check, and in the log after the rest.
            const stdout = stdoutFile ? readFileSync(stdoutFile, 'utf8') : '';
            if (stdout) appendFileSync(logFile, stdout);
            tail = readTail(logFile, from, KEEP_BYTES).split('\n').slice(-15).map(escapeTerminal).join('\n');
            const benign = step.argv[0] === 'kubectl' && step.argv[1] === 'diff' && r.exitCode === 1;
            const tool = step.argv[0];
            if (interrupted) problem = 'interrupted';
            else if (timedOut) problem = `${tool} did not finish within ${Math.round((o.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS) / 1000)} s and was stopped`;
            else if (r.failed && !benign) {
              problem = r.signal ? `${tool} was killed by ${r.signal}` : r.exitCode === undefined ? `could not run ${tool}: ${r.shortMessage}` : `${tool} exited with code ${r.exitCode}`;
            } else if (step.check) problem = step.check(stdout);
          } finally {
            for (const t of timers) clearTimeout(t);
            dog?.running(undefined);
            closeSync(fd);
            if (outFd !== fd) closeSync(outFd);
          }
        } else {
          // A task that throws (the cluster unreachable, the disk full as it logs) fails its step like any other
          // problem: with its log and hint, the run's state kept, not as an internal error of platformc.
          const outcome = await o.tasks(step.task, log, { waitMs: o.waitMs ?? 20 * 60_000, pollMs: o.pollMs ?? 10_000, interrupted: () => interrupted }).catch((error: unknown) => (error as Error)?.message ?? String(error));
          if (interrupted) problem = 'interrupted';
          else if (typeof outcome === 'object') note = outcome.note;
          else problem = outcome;
        }
      } finally {
        if (ticker) clearInterval(ticker);
        if (tty) out.write('\r');
      }
      if (problem) {
        // Every problem is printed here, whatever tool output it quotes: terminal controls escaped, line by line.
        say(`${label}: FAILED after ${elapsed(start)}: ${problem.split('\n').map(escapeTerminal).join('\n')}`);
        if (tail.trim()) out.write(`${tail.split('\n').map((l) => `    | ${l}`).join('\n')}\n`);
        if (step.hint) out.write(`  what to do: ${step.hint}\n`);
        out.write(`  full log: ${logFile}\n`);
        return { ok: false, completed, skipped, failed: step.id };
      }
      say(`${label}: ok (${elapsed(start)})${note ? `: ${escapeTerminal(note)}` : ''}`);
      completed.push(step.id);
      if (step.kind === 'exec' && step.resumable) {
        done.add(step.id);
        save();
      }
    }
    // A finished run starts from scratch next time.
    writeAtomic(statePath, `${JSON.stringify({ fingerprint: o.fingerprint, completed: [] }, null, 2)}\n`);
    return { ok: true, completed, skipped };
  } finally {
    dog?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** How the tasks run the AWS CLI, terraform output, kubectl and curl: execa, the tool found on PATH, never a shell. */
export const execTool: Exec = async (argv, { onStdout, env } = {}) => {
  const child = execa(argv[0]!, argv.slice(1), { reject: false, ...(env ? { env } : {}), ...(onStdout ? { buffer: { stdout: false }, encoding: 'buffer' as const } : {}) });
  if (onStdout) child.stdout!.on('data', onStdout);
  const r = await child;
  return { failed: r.failed, exitCode: r.exitCode, stdout: onStdout ? '' : String(r.stdout), stderr: String(r.stderr) };
};

/** The in-process tasks, against the real cluster and AWS CLI. */
export function realTasks(checkGenerated: () => string | undefined): TaskRunner {
  const verified: VerifiedObjects = new Set();
  return async (task, log, { waitMs, pollMs, interrupted = () => false }) => {
    if (task.type === 'check-generated') return checkGenerated();
    if (task.type === 'wait-load-balancers-gone' || task.type === 'leftovers') {
      const queries = task.type === 'leftovers' ? awsQueries.leftovers(task.region, task.cluster) : [awsQueries.loadBalancers(task.region, task.cluster)];
      const deadline = Date.now() + (task.type === 'leftovers' ? 0 : waitMs);
      for (;;) {
        const found: string[] = [];
        for (const q of queries) {
          log(`$ ${commandLine(q)}`);
          const r = await execTool(q);
          if (r.failed) return toolFailure(q, r.stderr);
          found.push(...r.stdout.split(/\s+/).filter((x) => x && x !== 'None'));
        }
        log(found.join('\n'));
        if (found.length === 0) return undefined;
        if (Date.now() >= deadline) return task.type === 'leftovers' ? `still tagged for ${task.cluster}: ${found.join(', ')} (delete them, or check what else uses them)` : `load balancers still exist: ${found.join(', ')}`;
        await new Promise((r) => setTimeout(r, pollMs));
      }
    }
    if (task.type === 'upload-models' || task.type === 'verify-models') {
      return forEachRevision(task.objects, task.type === 'upload-models' ? uploadRevision : verifyRevision, execTool, log, verified, interrupted);
    }
    if (task.type === 'disable-deletion-protection') {
      // Turn it off once, then wait until EKS reports it off with the cluster ACTIVE (DeleteCluster refuses a cluster
      // that is updating). A cluster that no longer exists (a rerun after it was deleted) has nothing to turn off.
      // @see https://docs.aws.amazon.com/eks/latest/userguide/deletion-protection.html
      let deadline = Date.now() + waitMs;
      let asked = false;
      for (;;) {
        const q = awsQueries.clusterProtection(task.region, task.cluster);
        log(`$ ${commandLine(q)}`);
        const r = await execTool(q);
        if (r.failed) {
          if (/ResourceNotFoundException/.test(r.stderr)) return undefined;
          return toolFailure(q, r.stderr);
        }
        const [protectedNow, status] = r.stdout.trim().split(/\s+/);
        log(`deletionProtection ${protectedNow}, status ${status}`);
        if (protectedNow === 'False' && status === 'ACTIVE') return undefined;
        // EKS deletes a cluster that is failed or already deleting whatever its protection (and updates neither).
        if (status === 'FAILED' || status === 'DELETING') return undefined;
        if (protectedNow === 'True' && !asked) {
          const u = awsQueries.disableProtection(task.region, task.cluster);
          log(`$ ${commandLine(u)}`);
          const d = await execTool(u);
          if (d.failed) return toolFailure(u, d.stderr);
          asked = true;
          deadline = Date.now() + waitMs; // the wait is for the change just asked for
          continue;
        }
        if (Date.now() >= deadline) return `${task.cluster} still reports deletion protection ${protectedNow}, status ${status}`;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    }
    if (task.type === 'empty-bucket') {
      // A versioned bucket is empty only without versions and delete markers: delete them 1000 at a time.
      for (;;) {
        const list = awsQueries.objectVersions(task.region, task.bucket);
        log(`$ ${commandLine(list)}`);
        const r = await execTool(list);
        if (r.failed) {
          if (/NoSuchBucket/.test(r.stderr)) return undefined; // already gone
          return toolFailure(list, r.stderr);
        }
        const objects = (JSON.parse(String(r.stdout || '{}')) as { Objects?: { Key: string; VersionId: string }[] | null }).Objects ?? [];
        if (objects.length === 0) return undefined;
        const del = awsQueries.deleteObjects(task.region, task.bucket, objects);
        log(`$ aws s3api delete-objects --bucket ${task.bucket} (${objects.length} versions)`);
        const d = await execTool(del);
        if (d.failed) return `deleting versions of ${task.bucket} failed: ${stderrTail(d.stderr)}`;
      }
    }
    if (task.type === 'loadtest') {
      const { k6Verdict, LOADTEST_TIMEOUT_MS, loadtestCommands, runLoadtest } = await import('./loadtest.js');
      const c = loadtestCommands(task.context, task.model, Date.now().toString(36));
      log(`$ ${commandLine(c.create)}`);
      const outcome = await runLoadtest(c, LOADTEST_TIMEOUT_MS, pollMs, () => log(`started Job ${c.job}; following it with: ${commandLine(c.status)}`));
      if (!outcome.started) return `could not start the load test of ${task.model} from cronjob/${task.cronJob}: ${outcome.error}`;
      log(outcome.logs);
      if (!outcome.verdict) return `the load test Job ${c.job} did not finish within ${LOADTEST_TIMEOUT_MS / 60_000} minutes`;
      if (outcome.verdict === 'passed') return undefined;
      const why = k6Verdict(outcome.logs);
      return `the load test of ${task.model} broke its SLO (${task.slo}); Job ${c.job}${why.length ? `; k6 summary:\n      ${why.join('\n      ')}` : ''}`;
    }
    if (task.type === 'certificate-arns') {
      const { certificateKustomization, certificateOutputCommand, readCertificateArns } = await import('./certificates.js');
      const argv = certificateOutputCommand(task.infraDir);
      log(`$ ${commandLine(argv)}`);
      const r = await execTool(argv, { env: { TF_IN_AUTOMATION: '1' } });
      log(r.stdout);
      const read = r.failed
        ? { problem: `terraform output of ${task.infraDir} failed: ${stderrTail(r.stderr, 2)}` }
        : readCertificateArns(r.stdout, task.hosts, task.infraDir);
      if ('problem' in read && !task.optional) return `${read.problem}; nothing was applied to the cluster`;
      const arns = 'arns' in read ? read.arns : {};
      for (const k of task.kustomizations) {
        mkdirSync(k.dir, { recursive: true });
        const text = certificateKustomization(relative(k.dir, k.source), 'arns' in read ? k.patches : [], arns);
        writeAtomic(join(k.dir, 'kustomization.yaml'), text);
        log(text);
      }
      // (Not by plan, which writes what its diff needs and leaves what apply wrote.)
      for (const stale of task.optional ? [] : staleKustomizations(task.root, new Set(task.kustomizations.map((k) => join(k.dir, 'kustomization.yaml'))))) {
        try {
          rmSync(stale);
        } catch (error) {
          log(`could not remove ${stale} (an earlier run's): ${(error as Error).message}`);
          continue;
        }
        log(`removed ${stale} (an earlier run's)`);
        // Its folders too, up to the region's, while they are empty.
        for (let dir = dirname(stale); dir.startsWith(`${task.root}/`); dir = dirname(dir)) {
          try {
            rmdirSync(dir);
          } catch {
            break;
          }
        }
      }
      if ('problem' in read) return { note: `${read.problem}: the diff shows the Ingresses without their certificate ARN, which apply adds once the root is applied` };
      return undefined;
    }
    if (task.type === 'check-certificates') {
      const { certificateProblems, describeCertificateCommand } = await import('./certificates.js');
      const found = new Map<string, AcmCertificate>();
      const failures: string[] = [];
      for (const c of task.check.certificates) {
        const argv = describeCertificateCommand(c.arn);
        log(`$ ${commandLine(argv)}`);
        const r = await execTool(argv);
        log(r.stdout);
        if (r.failed) {
          const why = r.stderr.trim().split('\n').filter(Boolean).at(-1) ?? `exit code ${r.exitCode}`;
          failures.push(/ResourceNotFoundException/.test(why) ? `${c.arn} (ingress.certificateArns of ${c.models.join(', ')}) does not exist in ACM of ${task.check.region}` : `could not describe ${c.arn}: ${why}`);
          continue;
        }
        try {
          found.set(c.arn, JSON.parse(r.stdout) as AcmCertificate);
        } catch {
          failures.push(`aws acm describe-certificate of ${c.arn} printed no JSON`);
        }
      }
      const problems = failures.length ? failures : certificateProblems(task.check, found);
      return problems.length ? `${problems.join('; ')}; nothing was changed` : undefined;
    }
    if (task.type === 'verify-edge') {
      const { edgeCommands, edgeSkip, probeFailure } = await import('./edge.js');
      const c = task.check;
      const local = Object.values(networkInterfaces()).flatMap((xs) => (xs ?? []).filter((x) => x.family === 'IPv4' && !x.internal).map((x) => x.address));
      let publicAddress: string | undefined;
      if (c.scheme === 'internet-facing' && c.allowedCidrs.length) {
        const q = edgeCommands.publicAddress;
        log(`$ ${commandLine(q)}`);
        const r = await execTool(q);
        publicAddress = r.failed ? undefined : r.stdout.trim() || undefined;
        log(`public address: ${publicAddress ?? `unknown (${r.stderr.trim()})`}`);
      }
      const skip = edgeSkip(c, local, publicAddress);
      if (skip) {
        log(`skipped: ${skip}`);
        return { note: `skipped: ${skip}` };
      }
      const deadline = Date.now() + waitMs;
      let alb = '';
      const last = new Map<string, string>();
      for (;;) {
        if (!alb) {
          const q = edgeCommands.albAddress(c);
          log(`$ ${commandLine(q)}`);
          const r = await execTool(q);
          alb = r.failed ? '' : r.stdout.trim();
          if (!alb) last.set('*', `the Ingress ${c.ingress.namespace}/${c.ingress.name} has no load balancer address${r.failed ? ` (${r.stderr.trim()})` : ''}`);
        }
        if (alb) {
          last.delete('*');
          for (const m of c.models) {
            const q = edgeCommands.probe(c.host, alb, m.model);
            log(`$ ${commandLine(q)}`);
            const r = await execTool(q);
            const code = r.stdout.trim();
            log(`${m.model}: ${r.failed ? `curl exit ${r.exitCode}: ${r.stderr.trim()}` : code}`);
            if (!r.failed && code === String(m.expect)) last.delete(m.model);
            else last.set(m.model, `https://${c.host}/v2/models/${m.model}/ready through ${alb}: ${r.failed ? probeFailure(r.exitCode, r.stderr) : `answered ${code || 'nothing'}, not ${m.expect}`}`);
          }
          if (last.size === 0) return undefined;
        }
        if (Date.now() >= deadline) return `${[...last.values()].join('; ')} (still so after ${Math.round(waitMs / 1000)} s)`;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    }
    const { connect, deploymentNotReady, gpuNodesNotReady, readyEndpoints, waitFor } = await import('./kube.js');
    const cluster = await connect(task.context);
    if (task.type === 'wait-gpu-nodes') {
      const left = await waitFor(async () => gpuNodesNotReady(await cluster.listNodes(), task.pools, task.resources), waitMs, pollMs, (p) => log(p.join('; ')));
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
    // Not a GET through the API server's service proxy: that connection comes from the control plane's interfaces in
    // the private subnets, which the team namespaces' NetworkPolicies do not admit to Triton (they cannot be told from
    // pods). The Service's ready endpoints say the same (see readyEndpoints); requests themselves are checked by the
    // load tests (from the platform namespace, through the Service) and the edge checks (through the ALB).
    const left = await waitFor(
      async () => (await Promise.all(task.models.map(async (m) => {
        const ready = readyEndpoints(await cluster.serviceEndpoints(m.namespace, m.service), 'http');
        log(`Service ${m.namespace}/${m.service}: ${ready} ready endpoint(s) on port http`);
        return ready ? '' : `${m.model}: Service ${m.namespace}/${m.service} has no ready endpoint on port http (its selector matches no Triton pod whose /v2/health/ready answers 200)`;
      }))).filter(Boolean),
      waitMs,
      pollMs,
    );
    return left.length ? left.join('; ') : undefined;
  };
}
