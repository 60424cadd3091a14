/** `platformc plan`, `apply`, `destroy`, `status` and `loadtest`: the only commands that touch AWS and the cluster. */
import { createInterface } from 'node:readline/promises';
import { dirname, join, relative } from 'node:path';
import { checkTree, hasDrift } from '../output/check.js';
import { checkPlatform, generateFiles } from '../pipeline.js';
import { LOADTEST_JOB_PREFIX, NAMESPACES, TRITON_PORTS } from '../resolve/conventions.js';
import type { EnvironmentIR, PlatformIR } from '../resolve/ir.js';
import { compilerVersion } from '../version.js';
import { EXIT, UsageError } from './exit.js';
import { committedEstimate, outputFormat, platformFile, printDiagnostics } from './io.js';
import { applySteps, destroySteps, planSteps } from '../ops/steps.js';
import type { Invocation } from './main.js';

interface Context { file: string; generated: string; ir: PlatformIR; env: EnvironmentIR; region?: string; freshness: () => string | undefined }

function load(inv: Invocation): Context | number {
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
    const drift = checkTree(generated, generateFiles(ir));
    return hasDrift(drift) ? `${generated} is stale: ${[...drift.changed, ...drift.missing].length} files differ from a fresh compile, ${drift.orphaned.length} are orphaned` : undefined;
  };
  return { file, generated, ir, env, ...(region ? { region } : {}), freshness };
}

async function execute(kind: 'plan' | 'apply' | 'destroy', inv: Invocation): Promise<number> {
  const ctx = load(inv);
  if (typeof ctx === 'number') return ctx;
  const build = { plan: planSteps, apply: applySteps, destroy: destroySteps }[kind];
  const steps = build(ctx.ir, ctx.env, { generated: ctx.generated, ...(ctx.region ? { region: ctx.region } : {}) });
  const { describeSteps, realTasks, runSteps } = await import('../ops/run.js');
  if (inv.values['dry-run']) {
    process.stdout.write(`${kind} ${ctx.env.name} (dry run: nothing is executed)\n${describeSteps(steps)}`);
    return EXIT.ok;
  }
  if (kind === 'apply' || kind === 'destroy') {
    // Refuse a stale generated/ before touching anything.
    const stale = ctx.freshness();
    if (stale) {
      process.stderr.write(`platformc: refusing to ${kind}: ${stale}.\n  what to do: run \`npx platformc compile\`, review and commit the change, then rerun.\n`);
      return EXIT.failure;
    }
  }
  if (kind === 'destroy' && !inv.values['auto-approve']) {
    if (!process.stdin.isTTY) {
      process.stderr.write(`platformc: destroy deletes every resource of ${ctx.env.name} in account ${ctx.env.account}; pass --auto-approve to run it without a terminal.\n`);
      return EXIT.usage;
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`This deletes every resource of ${ctx.env.name} (account ${ctx.env.account}). Type the environment name to confirm: `);
    rl.close();
    if (answer.trim() !== ctx.env.name) {
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
  return EXIT.ok;
}

export const runPlan = (inv: Invocation) => execute('plan', inv);
export const runApply = (inv: Invocation) => execute('apply', inv);
export const runDestroy = (inv: Invocation) => execute('destroy', inv);

/** status / verify: is the environment healthy, as platform.yaml describes it? */
export async function runStatus(inv: Invocation): Promise<number> {
  const format = outputFormat(inv.values.format);
  const ctx = load(inv);
  if (typeof ctx === 'number') return ctx;
  const { allocatableGpus, connect, deploymentNotReady, POOL_LABEL } = await import('../ops/kube.js');
  const stale = ctx.freshness();
  const report: Record<string, unknown> = { environment: ctx.env.name, generatedUpToDate: !stale, regions: [] as unknown[] };
  let healthy = !stale;
  for (const r of ctx.env.regions.filter((x) => !ctx.region || x.region === ctx.region)) {
    const context = r.names.kubeContext;
    const region: Record<string, unknown> = { region: r.region, context };
    (report.regions as unknown[]).push(region);
    try {
      const cluster = await connect(context);
      const nodes = await cluster.listNodes();
      region.reachable = true;
      region.pools = r.nodePools.map((p) => {
        const ofPool = nodes.filter((n) => n.metadata?.labels?.[POOL_LABEL] === p.name);
        return { pool: p.name, nodes: ofPool.length, gpus: ofPool.map((n) => ({ node: n.metadata?.name, allocatable: allocatableGpus(n) })) };
      });
      region.models = await Promise.all(
        r.deployments.map(async (d) => {
          const why = deploymentNotReady(await cluster.readDeployment(d.namespace, d.workload).catch(() => ({ status: {}, spec: { replicas: 1 } }) as never));
          const ready = why ? 0 : await cluster.proxyGet(d.namespace, d.workload, 'http', `/v2/models/${d.model}/ready`);
          const ok = !why && ready === 200;
          healthy &&= ok;
          return { model: d.model, available: !why, ...(why ? { reason: why } : {}), endpoint: ready === 200 ? 'ready' : `not ready (${ready || 'no answer'})` };
        }),
      );
      for (const p of region.pools as { pool: string; gpus: { allocatable: number }[] }[]) {
        const pool = r.nodePools.find((x) => x.name === p.pool)!;
        if (pool.role === 'gpu' && p.gpus.some((g) => g.allocatable === 0)) healthy = false;
      }
    } catch (error) {
      region.reachable = false;
      region.error = (error as Error).message;
      healthy = false;
    }
  }
  report.healthy = healthy;
  if (format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    const lines = [`${ctx.env.name}: ${healthy ? 'healthy' : 'NOT healthy'}`, `  generated/: ${stale ?? 'up to date'}`];
    for (const r of report.regions as Record<string, any>[]) {
      lines.push(`  ${r.region}: ${r.reachable ? 'cluster reachable' : `cluster unreachable (${r.error})`}`);
      for (const p of r.pools ?? []) lines.push(`    pool ${p.pool}: ${p.nodes} nodes${p.gpus.some((g: { allocatable: number }) => g.allocatable) ? `, GPUs ${p.gpus.map((g: { node: string; allocatable: number }) => `${g.node}=${g.allocatable}`).join(' ')}` : ''}`);
      for (const m of r.models ?? []) lines.push(`    model ${m.model}: ${m.available ? 'available' : `not available (${m.reason})`}, endpoint ${m.endpoint}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return healthy ? EXIT.ok : EXIT.failure;
}

/** loadtest: start a model's load test from its suspended CronJob, follow it, report the verdict. */
export async function runLoadtest(inv: Invocation): Promise<number> {
  const ctx = load(inv);
  if (typeof ctx === 'number') return ctx;
  const model = inv.values.model;
  const region = ctx.env.regions.find((r) => !ctx.region || r.region === ctx.region)!;
  if (typeof model !== 'string' || !region.deployments.some((d) => d.model === model)) {
    throw new UsageError(`--model is required (one of ${region.deployments.map((d) => d.model).join(', ')})`);
  }
  const context = region.names.kubeContext;
  const job = `${LOADTEST_JOB_PREFIX}${model}-${Date.now().toString(36)}`.slice(0, 63);
  const kubectl = (...args: string[]) => ['kubectl', '--context', context, '--namespace', NAMESPACES.platform, ...args];
  const create = kubectl('create', 'job', job, `--from=cronjob/${LOADTEST_JOB_PREFIX}${model}`);
  const get = kubectl('get', 'job', job, '--output', 'jsonpath={.status.succeeded}/{.status.failed}');
  const logs = kubectl('logs', `job/${job}`, '--tail=60');
  const { commandLine } = await import('../ops/run.js');
  if (inv.values['dry-run']) {
    process.stdout.write(`loadtest ${model} in ${ctx.env.name} (dry run)\n  $ ${commandLine(create)}\n  $ ${commandLine(get)}   (every 10s until the Job finishes)\n  $ ${commandLine(logs)}\n`);
    return EXIT.ok;
  }
  const { execa } = await import('execa');
  const run = async (argv: string[]) => execa(argv[0]!, argv.slice(1), { reject: false });
  const created = await run(create);
  if (created.failed) {
    process.stderr.write(`platformc: could not start the load test: ${String(created.stderr).trim()}\n  what to do: apply the environment first (npx platformc apply --env ${ctx.env.name})\n`);
    return EXIT.failure;
  }
  process.stderr.write(`started Job platform/${job}; its run shows as an annotation on the Grafana dashboards\n`);
  const poll = Number(process.env.PLATFORMC_WAIT_MS ?? 10_000);
  const deadline = Date.now() + 40 * 60_000;
  let verdict: 'passed' | 'failed' | undefined;
  while (!verdict && Date.now() < deadline) {
    const r = await run(get);
    const [succeeded, failed] = String(r.stdout).split('/').map((x) => Number(x || 0));
    if (succeeded) verdict = 'passed';
    else if (failed) verdict = 'failed';
    else await new Promise((res) => setTimeout(res, Math.min(poll, 10_000)));
  }
  const out = await run(logs);
  process.stdout.write(`${String(out.stdout).trim()}\n`);
  if (!verdict) {
    process.stderr.write(`platformc: the load test did not finish in 40 minutes (Job platform/${job})\n`);
    return EXIT.failure;
  }
  const d = region.deployments.find((x) => x.model === model)!;
  process.stdout.write(`load test of ${model}: ${verdict.toUpperCase()} (SLO: p99 < ${d.slo.latencyP99Ms} ms, errors < ${Number((100 - d.slo.availability).toPrecision(4))}% at ${d.slo.targetRps} requests/s)\n`);
  return verdict === 'passed' ? EXIT.ok : EXIT.failure;
}
