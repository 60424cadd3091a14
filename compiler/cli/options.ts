/**
 * The options of every command, as node:util parseArgs reads them. A command's run function takes an
 * Invocation typed from its own options, so a misspelt or mistyped option is a compile error. Kept apart from
 * the command modules, which main.ts loads only when their command runs.
 */
import type { ParseArgsConfig } from 'node:util';

export type Options = NonNullable<ParseArgsConfig['options']>;

type Value<D> = D extends { type: 'boolean' } ? boolean : D extends { multiple: true } ? string[] : string;
/** The values parseArgs returns for a set of options: options with a default are always present. */
export type Values<O extends Options> = { readonly [K in keyof O]: O[K] extends { default: unknown } ? Value<O[K]> : Value<O[K]> | undefined };

/** A parsed command line: positionals and the command's option values. */
export interface Invocation<O extends Options = Options> {
  readonly positionals: readonly string[];
  readonly values: Values<O>;
}

const format = { type: 'string', default: 'text' } as const;
const env = { type: 'string' } as const;
const region = { type: 'string' } as const;
const out = { type: 'string' } as const;
const dryRun = { type: 'boolean', default: false } as const;

export const OPTIONS = {
  validate: { format },
  compile: { out, check: { type: 'boolean', default: false }, format },
  diff: { out, format },
  cost: { env, format: { type: 'string', default: 'table' } },
  bootstrap: { env, out, 'dry-run': dryRun },
  plan: { env, region, out, 'dry-run': dryRun },
  apply: { env, region, out, 'dry-run': dryRun, 'skip-loadtests': { type: 'boolean', default: false } },
  destroy: { env, region, out, 'auto-approve': { type: 'boolean', default: false }, 'disable-deletion-protection': { type: 'boolean', default: false }, 'dry-run': dryRun },
  status: { env, region, out, format },
  loadtest: { env, model: { type: 'string' }, region, out, 'dry-run': dryRun },
  init: { name: { type: 'string' }, region, gpu: { type: 'string' }, force: { type: 'boolean', default: false } },
  schema: { 'out-dir': { type: 'string', default: 'schema' } },
} as const satisfies Record<string, Options>;

export type InvocationOf<C extends keyof typeof OPTIONS> = Invocation<(typeof OPTIONS)[C]>;
/** What every environment command (plan, apply, destroy, status, loadtest) reads. */
export type EnvironmentInvocation = Invocation<{ env: typeof env; region: typeof region; out: typeof out }>;
