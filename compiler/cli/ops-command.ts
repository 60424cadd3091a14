/** `platformc plan`, `apply`, `destroy`, `status` and `loadtest`: the only commands that touch AWS and the cluster. */
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { dirname, join, relative } from 'node:path';
import { checkTree, hasDrift } from '../output/check.js';
import { acquireLock, OutputError, type Lock } from '../output/lock.js';
import { recoverBeforeRead } from '../output/write.js';
import { generateFiles } from '../generate.js';
import { checkPlatform } from '../pipeline.js';
import { NAMESPACES, TRITON_PORTS } from '../lib/conventions.js';
import type { EnvironmentIR, PlatformIR } from '../resolve/ir.js';
import { compilerVersion } from '../version.js';
import { EXIT, UsageError } from './exit.js';
import { committedEstimate, outputFormat, platformFile, printDiagnostics } from './io.js';
import { applySteps, destroyRefusal, destroySteps, planSteps } from '../ops/steps.js';
import { afterBootstrap, bootstrapSteps } from '../ops/bootstrap.js';
import type { EnvironmentInvocation, InvocationOf } from './options.js';

interface Context { file: string; generated: string; ir: PlatformIR; env: EnvironmentIR; region?: string; freshness: () => string | undefined }

function load(inv: EnvironmentInvocation): Context | number {
  const file = platformFile(inv.positionals);
  const { diagnostics, ir } = checkPlatform(file, { compilerVersion });
  if (!ir) {
    printDiagnostics(diagnostics);
    return EXIT.failure;
  }
  const name = inv.values.env;
  if (typeof name !== 'string') throw new UsageError(`--env is required (one of ${ir.environments.map((e) => e.name).join(', ')})`);
  const env = ir.environments.find((e) => e.name === name);
  if (!env) throw new UsageError(`no environment '${name}' in ${file} (it has ${ir.environments.map((e) => e.name).join(', ')})`);
  const region = typeof inv.values.region === 'string' ? inv.values.region : undefined;
  if (region && !env.regions.some((r) => r.region === region)) throw new UsageError(`${name} does not run in ${region} (it runs in ${env.regions.map((r) => r.region).join(', ')})`);
  const generated = relative(process.cwd(), typeof inv.values.out === 'string' ? inv.values.out : join(dirname(file), 'generated')) || '.';
  const freshness = () => {
    // A kill between the two renames of a compile leaves the old tree aside: put it back before judging (D20).
    try {
      recoverBeforeRead(generated);
    } catch (error) {
      if (error instanceof OutputError) return error.message;
      throw error;
    }
    const drift = checkTree(generated, generateFiles(ir));
    return hasDrift(drift) ? `${generated} is stale: ${[...drift.changed, ...drift.missing].length} files differ from a fresh compile, ${drift.orphaned.length} are orphaned` : undefined;
  };
  return { file, generated, ir, env, ...(region ? { region } : {}), freshness };
}

/**
 * Asks for the environment name on the terminal. Ctrl-C and Ctrl-D are a plain "no" (D22): readline rejects
 * the question with an AbortError on both, which must not surface as an internal error.
 */
async function confirmed(name: string, account: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string | undefined>((resolve) => {
      rl.on('SIGINT', () => resolve(undefined));
      rl.on('close', () => resolve(undefined));
      rl.question(`This deletes every resource of ${name} (account ${account}). Type the environment name to confirm: `).then(resolve, () => resolve(undefined));
    });
    if (answer === undefined) process.stderr.write('\n');
    return answer?.trim() === name;
  } finally {
    rl.close();
  }
}

type Kind = 'plan' | 'apply' | 'destroy' | 'bootstrap';

async function execute(kind: Kind, inv: InvocationOf<'plan'>, autoApprove = false, disableDeletionProtection = false): Promise<number> {
  const ctx = load(inv);
  if (typeof ctx === 'number') return ctx;
  if (inv.values['dry-run']) return executeLocked(kind, inv, ctx, autoApprove, disableDeletionProtection);
  // One plan, apply, destroy or bootstrap at a time per environment on this machine: they share .platformc/state
  // and terraform's working data in generated/ (Terraform's state lock guards only the remote side).
  let lock: Lock;
  const stateDir = join(dirname(ctx.file), '.platformc');
  try {
    mkdirSync(stateDir, { recursive: true });
    lock = acquireLock(join(stateDir, `${ctx.env.name}.lock`), (pid) => `${ctx.env.name} is being planned, applied or destroyed by another platformc (pid ${pid || 'unknown'}); wait for it to finish, or remove ${join(stateDir, `${ctx.env.name}.lock`)} if none is running`, 2000);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!(error instanceof OutputError) && !code) throw error;
    process.stderr.write(`platformc: ${error instanceof OutputError ? error.message : code === 'EEXIST' || code === 'ENOTDIR' ? `${stateDir} is a file; platformc keeps logs, state and locks in that folder: move the file away` : `cannot use ${stateDir} (${code})`}\n`);
    return EXIT.failure;
  }
  try {
    return await executeLocked(kind, inv, ctx, autoApprove, disableDeletionProtection);
  } finally {
    lock.release();
  }
}

async function executeLocked(kind: Kind, inv: InvocationOf<'plan'>, ctx: Context, autoApprove: boolean, disableDeletionProtection = false): Promise<number> {
  const build = { plan: planSteps, apply: applySteps, destroy: destroySteps, bootstrap: bootstrapSteps }[kind];
  const skip = kind === 'apply' && (inv.values as { 'skip-loadtests'?: boolean })['skip-loadtests'] === true;
  // Apply writes the Kubernetes objects with their certificate ARNs under .platformc (compiler/ops/certificates.ts).
  const options = { generated: ctx.generated, stateDir: relative(process.cwd(), join(dirname(ctx.file), '.platformc')), ...(ctx.region ? { region: ctx.region } : {}), ...(disableDeletionProtection ? { disableDeletionProtection } : {}), ...(skip ? { skipLoadtests: true } : {}) };
  const refusal = kind === 'destroy' ? destroyRefusal(ctx.env, options) : undefined;
  if (refusal) {
    process.stderr.write(`platformc: ${refusal}\n`);
    return EXIT.failure;
  }
  const steps = build(ctx.ir, ctx.env, options);
  const { describeSteps, realTasks, runSteps } = await import('../ops/run.js');
  if (inv.values['dry-run']) {
    process.stdout.write(`${kind} ${ctx.env.name} (dry run: nothing is executed)\n${describeSteps(steps)}`);
    return EXIT.ok;
  }
  if (kind !== 'plan') {
    // Refuse a stale generated/ before touching anything.
    const stale = ctx.freshness();
    if (stale) {
      process.stderr.write(`platformc: refusing to ${kind}: ${stale}.\n  what to do: run \`npx platformc compile\`, review and commit the change, then rerun.\n`);
      return EXIT.failure;
    }
  }
  if (kind === 'destroy' && !autoApprove) {
    if (!process.stdin.isTTY) {
      process.stderr.write(`platformc: destroy deletes every resource of ${ctx.env.name} in account ${ctx.env.account}; pass --auto-approve to run it without a terminal.\n`);
      return EXIT.usage;
    }
    if (!(await confirmed(ctx.env.name, ctx.env.account))) {
      process.stderr.write('platformc: not confirmed; nothing was deleted.\n');
      return EXIT.failure;
    }
  }
  const result = await runSteps(steps, {
    stateDir: join(dirname(ctx.file), '.platformc'),
    runKey: `${ctx.env.name}-${kind}${ctx.region ? `-${ctx.region}` : ''}`,
    fingerprint: ctx.ir.inputHash,
    tasks: realTasks(ctx.freshness),
    ...(process.env.PLATFORMC_WAIT_MS ? { waitMs: Number(process.env.PLATFORMC_WAIT_MS), pollMs: Math.min(1000, Number(process.env.PLATFORMC_WAIT_MS)) } : {}),
  });
  if (!result.ok) {
    process.stderr.write(`platformc: ${kind} of ${ctx.env.name} stopped at step '${result.failed}'. Fix the cause and rerun: finished steps are not repeated.\n`);
    return EXIT.failure;
  }
  if (kind === 'plan') {
    const { estimatePlatform } = await import('../cost/estimate.js');
    const { costDelta } = await import('../cost/formats.js');
    const after = estimatePlatform(ctx.ir);
    process.stdout.write(costDelta(committedEstimate(ctx.generated), { ...after, environments: after.environments.filter((e) => e.env === ctx.env.name) }));
  }
  if (kind === 'apply') {
    process.stdout.write(`${ctx.env.name} is serving:\n`);
    for (const r of ctx.env.regions.filter((x) => !ctx.region || x.region === ctx.region)) {
      for (const d of r.deployments) {
        process.stdout.write(`  ${r.region} ${d.model}: http://${d.workload}.${d.namespace}.svc:${TRITON_PORTS.http}/v2/models/${d.model} (in cluster); ALB (${d.ingressScheme}): kubectl --context ${r.names.kubeContext} -n ${d.namespace} get ingress ${d.workload}\n`);
      }
    }
  }
  if (kind === 'destroy') process.stdout.write(`${ctx.env.name} is gone: no resource tagged for its clusters is left.\n`);
  if (kind === 'bootstrap') process.stdout.write(`${afterBootstrap(ctx.env).join('\n')}\n`);
  return EXIT.ok;
}

export const runPlan = (inv: InvocationOf<'plan'>) => execute('plan', inv);
export const runApply = (inv: InvocationOf<'apply'>) => execute('apply', inv);
export const runDestroy = (inv: InvocationOf<'destroy'>) => execute('destroy', inv, inv.values['auto-approve'], inv.values['disable-deletion-protection']);
// Bootstrap is per environment, never per region.
export const runBootstrap = (inv: InvocationOf<'bootstrap'>) => execute('bootstrap', { positionals: inv.positionals, values: { ...inv.values, region: undefined } });

/** status / verify: is the environment healthy, as platform.yaml describes it? */
export async function runStatus(inv: InvocationOf<'status'>): Promise<number> {
  const format = outputFormat(inv.values.format);
  const ctx = load(inv);
  if (typeof ctx === 'number') return ctx;
  const { environmentStatus, statusText } = await import('../ops/status.js');
  const status = await environmentStatus(ctx.env, ctx.region, ctx.freshness());
  process.stdout.write(format === 'json' ? `${JSON.stringify(status, null, 2)}\n` : statusText(status));
  return status.healthy ? EXIT.ok : EXIT.failure;
}

/** loadtest: start a model's load test from its suspended CronJob, follow it, report the verdict. */
export async function runLoadtest(inv: InvocationOf<'loadtest'>): Promise<number> {
  const ctx = load(inv);
  if (typeof ctx === 'number') return ctx;
  const model = inv.values.model;
  const region = ctx.env.regions.find((r) => !ctx.region || r.region === ctx.region)!;
  const d = region.deployments.find((x) => x.model === model);
  if (typeof model !== 'string' || !d) throw new UsageError(`--model is required (one of ${region.deployments.map((x) => x.model).join(', ')})`);
  const ops = await import('../ops/loadtest.js');
  const c = ops.loadtestCommands(region.names.kubeContext, model, Date.now().toString(36));
  const { commandLine } = await import('../ops/run.js');
  if (inv.values['dry-run']) {
    process.stdout.write(`loadtest ${model} in ${ctx.env.name} (dry run)\n  $ ${commandLine(c.create)}\n  $ ${commandLine(c.status)}   (every 10s until the Job finishes)\n  $ ${commandLine(c.logs)}\n`);
    return EXIT.ok;
  }
  const poll = Math.min(Number(process.env.PLATFORMC_WAIT_MS ?? 10_000), 10_000);
  const outcome = await ops.runLoadtest(c, ops.LOADTEST_TIMEOUT_MS, poll, () => process.stderr.write(`started Job ${NAMESPACES.platform}/${c.job}; its run shows as an annotation on the Grafana dashboards\n`));
  if (!outcome.started) {
    process.stderr.write(`platformc: could not start the load test: ${outcome.error}\n  what to do: apply the environment first (npx platformc apply --env ${ctx.env.name})\n`);
    return EXIT.failure;
  }
  process.stdout.write(`${outcome.logs}\n`);
  if (!outcome.verdict) {
    process.stderr.write(`platformc: the load test did not finish in 40 minutes (Job ${NAMESPACES.platform}/${c.job})\n`);
    return EXIT.failure;
  }
  process.stdout.write(`load test of ${model}: ${outcome.verdict.toUpperCase()} (SLO: p99 < ${d.slo.latencyP99Ms} ms, errors < ${Number((100 - d.slo.availability).toPrecision(4))}% at ${d.slo.targetRps} requests/s)\n`);
  return outcome.verdict === 'passed' ? EXIT.ok : EXIT.failure;
}
