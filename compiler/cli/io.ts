/** Terminal output helpers: data goes to stdout, decoration to stderr; NO_COLOR is respected. */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlatformEstimate } from '../cost/estimate.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { ESTIMATE_FILE } from '../emit/cost.js';
import { renderGithub, renderText, summarize } from '../diagnostics/render.js';
import { UsageError } from './exit.js';

export const useColor = (stream: NodeJS.WriteStream): boolean =>
  !process.env.NO_COLOR && process.env.FORCE_COLOR !== '0' && (Boolean(process.env.FORCE_COLOR) || stream.isTTY === true);

export type OutputFormat = 'text' | 'json';

export function outputFormat(value: unknown, allowed: readonly string[] = ['text', 'json']): OutputFormat {
  if (typeof value !== 'string' || !allowed.includes(value)) throw new UsageError(`--format must be one of ${allowed.join(', ')}`);
  return value as OutputFormat;
}

/**
 * Prints diagnostics as text (and as GitHub annotations under Actions), the tally on stderr. Diagnostics are
 * the data of validate and compile, so they go to stdout; commands whose data is something else pass stderr.
 */
export function printDiagnostics(list: readonly Diagnostic[], stream: NodeJS.WriteStream = process.stdout): void {
  if (list.length === 0) return;
  const color = useColor(stream);
  const text = `${list.map((d) => renderText(d, { color })).join('\n')}\n`;
  if (process.env.GITHUB_ACTIONS === 'true') {
    // The runner executes any output line that starts with '::'. Text diagnostics quote platform.yaml, so
    // they are printed with workflow commands switched off (D9); the annotations follow, escaped, outside.
    const token = randomUUID();
    stream.write(`::stop-commands::${token}\n${text}::${token}::\n`);
    stream.write(`${list.map(renderGithub).join('\n')}\n`);
  } else stream.write(text);
  process.stderr.write(`${summarize(list)}\n`);
}

/** The platform.yaml a command works on: the first positional, or platform.yaml. */
export function platformFile(positionals: readonly string[]): string {
  if (positionals.length > 1) throw new UsageError(`expected at most one FILE, got ${positionals.length}`);
  return positionals[0] ?? 'platform.yaml';
}

/**
 * The estimate recorded in a generated/ folder by its last compile, if there is one. A file of another shape
 * (an older format, `{}`, hand-edited) counts as no estimate: the cost delta then says "new" instead of
 * failing (D21). Only environments with a name and finite monthly figures are read.
 */
export function committedEstimate(generated: string): PlatformEstimate | undefined {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(join(generated, ESTIMATE_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  const envs = (data as { environments?: unknown } | null)?.environments;
  if (!Array.isArray(envs)) return undefined;
  const finite = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  const environments = envs.filter((e): e is PlatformEstimate['environments'][number] => {
    const m = (e as { monthly?: { desired?: unknown; max?: unknown } } | null)?.monthly;
    return typeof (e as { env?: unknown } | null)?.env === 'string' && finite(m?.desired) && finite(m?.max);
  });
  return { ...(data as PlatformEstimate), environments };
}
