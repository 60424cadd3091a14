/** Runs the built CLI (dist/) as a user would, capturing output and exit code. */
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
