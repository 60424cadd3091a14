/**
 * Two ways to run the CLI. `cli`/`cliAsync` start the built CLI (dist/) in a new node process, as a user
 * would: for one smoke test per command and for what needs a real process (exit status, signals, stdin).
 * `run` calls the CLI's own entry point (compiler/cli/main.ts) in this process, with the same argv, working
 * directory and environment, capturing what it writes and the exit code it sets: for every test about what
 * the compiler does, without a node start per case (most of the suite's time before).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const bin = `${repoRoot}bin/platformc.js`;

export interface CliResult { readonly code: number | null; readonly stdout: string; readonly stderr: string }

export function cli(args: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined>; input?: string } = {}): CliResult {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', ...options.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: options.cwd ?? repoRoot, env, encoding: 'utf8', input: options.input, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** True when output looks like a stack trace (what a user must never see). */
export const hasStackTrace = (text: string) => /\n\s+at .+:\d+:\d+\)?/.test(text);

/** Like cli(), but asynchronous: the test process stays responsive (for servers it runs itself). */
export function cliAsync(args: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', ...options.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd ?? repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Offline copies of upstream interfaces (module inputs, provider schema, chart values, Kubernetes and
 * Grafana schemas) live beside the repository in ../shared/reference. Tests that need them skip, saying
 * so, where that folder is absent (a plain clone on GitHub).
 */
export const referenceDir = fileURLToPath(new URL('../../../shared/reference', import.meta.url));
export const hasReference = existsSync(referenceDir);
if (!hasReference) console.warn(`reference checks skipped: ${referenceDir} is absent`);

/**
 * Whether an external tool the tests check output with (terraform, kubectl, promtool) is installed. Locally
 * a missing tool skips those tests visibly; under CI (CI=true, where .ci/run installs them) it is an error,
 * so a check can never pass by not running.
 */
export function hasTool(command: string, args: readonly string[] = ['--version']): boolean {
  const ok = spawnSync(command, [...args], { encoding: 'utf8' }).status === 0;
  if (!ok && process.env.CI === 'true') throw new Error(`${command} is required under CI (see .ci/run) but is not installed`);
  return ok;
}

export interface RunOptions { readonly cwd?: string; readonly env?: Record<string, string | undefined> }

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs the CLI in this process (see above). Runs are queued one after another, since each borrows the
 * process's working directory, environment, exit code and stdout/stderr for its duration. Needs vitest's
 * default `forks` pool: worker threads cannot change the working directory.
 */
export function run(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const job = queue.then(() => runNow(args, options));
  queue = job.catch(() => undefined);
  return job;
}

async function runNow(args: readonly string[], options: RunOptions): Promise<CliResult> {
  const { main } = await import('../../compiler/cli/main.js');
  const env: Record<string, string | undefined> = { NO_COLOR: '1', GITHUB_ACTIONS: '', ...options.env };
  const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const savedCwd = process.cwd();
  const savedWrite = { stdout: process.stdout.write, stderr: process.stderr.write };
  const captured = { stdout: '', stderr: '' };
  const capture = (name: 'stdout' | 'stderr') =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      captured[name] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      if (done) queueMicrotask(done);
      return true;
    }) as typeof process.stdout.write;
  const setEnv = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  process.exitCode = undefined;
  try {
    setEnv(env);
    process.chdir(options.cwd ?? repoRoot);
    process.stdout.write = capture('stdout');
    process.stderr.write = capture('stderr');
    await main(args);
    return { code: Number(process.exitCode ?? 0), stdout: captured.stdout, stderr: captured.stderr };
  } finally {
    process.stdout.write = savedWrite.stdout;
    process.stderr.write = savedWrite.stderr;
    process.chdir(savedCwd);
    setEnv(savedEnv);
    process.exitCode = undefined;
  }
}
