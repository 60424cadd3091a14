/**
 * The platformc command line: argument parsing, exit codes and dispatch. Command modules are imported
 * only when their command runs, so `validate` never loads Terraform templates or the Kubernetes client.
 */
import { parseArgs } from 'node:util';
import { EXIT, UsageError } from './exit.js';
import { OPTIONS, type Invocation, type Options } from './options.js';

interface Command<O extends Options = Options> {
  readonly summary: string;
  readonly usage: string;
  readonly details: string;
  readonly options: O;
  readonly run: (inv: Invocation<O>) => Promise<number>;
}

/** A command of the table, its run function typed from its own options. */
const command = <O extends Options>(c: Command<O>): Command => c as unknown as Command;

/** status and verify are one command under two names. */
function statusCommand(summary: string, name: string): Command {
  return command({
    summary,
    usage: `platformc ${name} [FILE] --env ENV [--region REGION] [--format text|json]`,
    details: 'Cluster reachable, nodes per pool, GPUs allocatable per node, every model ready, endpoints healthy, generated/ fresh. Exit code 0 when healthy, 1 when not.',
    options: OPTIONS.status,
    run: async (inv) => (await import('./ops-command.js')).runStatus(inv),
  });
}

const commands: Record<string, Command> = {
  validate: command({
    summary: 'Check platform.yaml and report every problem with its position',
    usage: 'platformc validate [FILE] [--format text|json]',
    details: `FILE defaults to platform.yaml. Problems are printed as FILE:LINE:COL: error CODE: message,
sorted by position, with a hint where one exists. Under GitHub Actions (GITHUB_ACTIONS=true) they are
also printed as workflow annotations. Exit code 0 when valid, 1 when there are errors.`,
    options: OPTIONS.validate,
    run: async (inv) => (await import('./validate-command.js')).runValidate(inv),
  }),
  compile: command({
    summary: 'Compile platform.yaml into generated/ (or check that generated/ is up to date)',
    usage: 'platformc compile [FILE] [--out DIR] [--check] [--format text|json]',
    details: `Renders every target in memory, then replaces DIR (default: generated/ next to FILE) atomically.
Unchanged files keep their bytes; files no longer produced are removed. With --check nothing is
written: exit 0 when DIR matches a fresh compile, 3 when it differs (with a diff per file).`,
    options: OPTIONS.compile,
    run: async (inv) => (await import('./compile-command.js')).runCompile(inv),
  }),
  diff: command({
    summary: 'Show how generated/ differs from a fresh compile (writes nothing)',
    usage: 'platformc diff [FILE] [--out DIR] [--format text|json]',
    details: 'The same as compile --check. Exit code 0 when there is no difference, 3 when there is.',
    options: OPTIONS.diff,
    run: async (inv) => (await import('./compile-command.js')).runCompile({ ...inv, values: { ...inv.values, check: true } }),
  }),
  cost: command({
    summary: 'Estimate the monthly cost per environment, region and component',
    usage: 'platformc cost [FILE] [--env ENV] [--format table|json|markdown]',
    details: `Prices come from specs/ (each with its source and date), 730 hours a month. The table shows every
component at min, desired and max scale; json is shaped like Infracost's --format json; markdown suits a
pull-request comment. Exit code 1 when an environment's maximum exceeds a budget enforced as an error.`,
    options: OPTIONS.cost,
    run: async (inv) => (await import('./cost-command.js')).runCost(inv),
  }),
  bootstrap: command({
    summary: 'Prepare an account for an environment, once, as its administrator: state buckets, GitHub OIDC, CI and operator roles',
    usage: 'platformc bootstrap [FILE] --env ENV [--dry-run]',
    details: `Run by an administrator of the environment's account before CI can plan or apply. Creates the Terraform
state bucket of each region if missing, then applies generated/terraform/ENV/bootstrap: the buckets' settings, the
GitHub OIDC provider (or its lookup), the permissions boundary, the read-only plan role, the apply role and the
operator roles. Afterwards CI applies the environment; the administrator is needed again only to change these.`,
    options: OPTIONS.bootstrap,
    run: async (inv) => (await import('./ops-command.js')).runBootstrap(inv),
  }),
  plan: command({
    summary: 'Show what apply would change: terraform plan per root module, a server-side diff, the cost delta',
    usage: 'platformc plan [FILE] --env ENV [--region REGION] [--dry-run]',
    details: 'Checks that generated/ is fresh and the AWS account is the environment\'s, then plans every root module.',
    options: OPTIONS.plan,
    run: async (inv) => (await import('./ops-command.js')).runPlan(inv),
  }),
  apply: command({
    summary: 'Build or update an environment and prove it serves',
    usage: 'platformc apply [FILE] --env ENV [--region REGION] [--skip-loadtests] [--dry-run]',
    details: `Refuses a stale generated/ or the wrong AWS account. Then: terraform apply of each infra module, kubeconfig,
terraform apply of each platform module (Helm releases), GPU nodes advertise nvidia.com/gpu, Triton configs and
weights uploaded, Kustomize applied server-side, every Deployment available, every endpoint ready, DNS, and
(observability.loadTests.afterApply) each model's load test against its SLO; --skip-loadtests leaves those out.
A rerun skips what finished. Logs: .platformc/logs/ next to platform.yaml.`,
    options: OPTIONS.apply,
    run: async (inv) => (await import('./ops-command.js')).runApply(inv),
  }),
  destroy: command({
    summary: 'Delete an environment without leftovers',
    usage: 'platformc destroy [FILE] --env ENV [--region REGION] [--auto-approve] [--disable-deletion-protection] [--dry-run]',
    details: `Stops load tests, deletes Ingresses and waits for their load balancers to go, deletes our namespaces, then
terraform destroy (platform, then infra; standby region first), then reports anything still tagged for the
cluster. Asks for the environment name unless --auto-approve. A cluster with deletion protection (the default
in production environments) is destroyed only with --disable-deletion-protection, which turns the protection off
just before terraform deletes it; without it destroy refuses and changes nothing.`,
    options: OPTIONS.destroy,
    run: async (inv) => (await import('./ops-command.js')).runDestroy(inv),
  }),
  status: statusCommand('Check that an environment is healthy: nodes, GPUs, models, endpoints, generated/', 'status'),
  verify: statusCommand('The same as status', 'verify'),
  loadtest: command({
    summary: "Run a model's load test in the cluster and report whether it meets its SLO",
    usage: 'platformc loadtest [FILE] --env ENV --model MODEL [--region REGION] [--dry-run]',
    details: 'Starts a Job from the suspended CronJob loadtest-MODEL, follows it and prints its summary. Exit code 0 when the SLO held.',
    options: OPTIONS.loadtest,
    run: async (inv) => (await import('./ops-command.js')).runLoadtest(inv),
  }),
  init: command({
    summary: 'Start a platform repository: platform.yaml, editor schema, CI workflow',
    usage: 'platformc init [DIR] [--name NAME] [--region REGION] [--gpu TYPE] [--force]',
    details: `Writes a commented platform.yaml that validates (budgets sized from its own estimate), the model
definitions it uses, the JSON Schemas and .vscode/settings.json for the editor, .gitattributes, .gitignore and
.github/workflows/platform.yml. Existing files are kept unless --force; the output says what was skipped.`,
    options: OPTIONS.init,
    run: async (inv) => (await import('./init-command.js')).runInit(inv),
  }),
  schema: command({
    summary: 'Write the JSON Schemas editors use for platform.yaml and model definitions',
    usage: 'platformc schema [--out-dir DIR]',
    details: 'Writes platform.schema.json and model-definition.schema.json into DIR (default: schema/).',
    options: OPTIONS.schema,
    run: async (inv) => (await import('./schema-command.js')).runSchema(inv),
  }),
};

function helpText(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return `platformc: compile one platform.yaml into a GPU inference platform on AWS EKS

Usage: platformc <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  .join('\n')}

Options:
  -h, --help     Show help (also: platformc <command> --help)
  -v, --version  Show the version

Exit codes: 0 success, 1 invalid input or failed step, 2 usage error, 3 generated/ out of date.
`;
}

async function version(): Promise<string> {
  return (await import('../version.js')).compilerVersion;
}

/** Runs the CLI and returns its exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    if (topic && commands[topic]) return printCommandHelp(topic);
    process.stdout.write(helpText());
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  if (first === '-v' || first === '--version') {
    process.stdout.write(`${await version()}\n`);
    return EXIT.ok;
  }
  const command = commands[first];
  if (!command) {
    const { didYouMean } = await import('../diagnostics/suggest.js');
    const hint = didYouMean(first, Object.keys(commands));
    throw new UsageError(`unknown command '${first}'${hint ? `: ${hint}` : ''}`);
  }
  if (rest.includes('-h') || rest.includes('--help')) return printCommandHelp(first);
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/, ''));
  }
  // parseArgs returns exactly the values the command's options describe.
  return command.run(parsed as unknown as Invocation);
}

function printCommandHelp(name: string): number {
  const c = commands[name]!;
  process.stdout.write(`${c.summary}\n\nUsage: ${c.usage}\n\n${c.details}\n`);
  return EXIT.ok;
}

/** Entry point for bin/platformc.js: sets the exit code; expected failures never print a stack trace. */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    process.exitCode = await run(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`platformc: ${error.message}\nRun 'platformc --help' for usage.\n`);
      process.exitCode = EXIT.usage;
    } else {
      process.stderr.write(`platformc: internal error: ${(error as Error)?.message ?? String(error)}\nThis is a bug in platformc; please report it with the input that caused it. Set PLATFORMC_DEBUG=1 for details.\n`);
      if (process.env.PLATFORMC_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
      process.exitCode = EXIT.failure;
    }
  }
}
