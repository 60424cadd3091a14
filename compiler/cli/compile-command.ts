/** `platformc compile` and `platformc diff`. */
import { dirname, join, relative } from 'node:path';
import type { PlatformEstimate } from '../cost/estimate.js';
import { costDelta } from '../cost/formats.js';
import { ESTIMATE_FILE } from '../emit/cost.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { validateFile } from '../front/validate.js';
import { checkTree, hasDrift } from '../output/check.js';
import { generateFiles } from '../output/generate.js';
import { OutputError, recoverBeforeRead, unsafeOutDir, writeTree } from '../output/write.js';
import { resolvePlatform } from '../resolve/resolve.js';
import { compilerVersion } from '../version.js';
import { EXIT } from './exit.js';
import { committedEstimate, outputFormat, platformFile, printDiagnostics, useColor } from './io.js';
import type { Invocation } from './main.js';

/** The monthly cost before (the committed estimate) and after (this compile), per environment. */
function costDeltaText(out: string, files: readonly { path: string; content: string }[]): string {
  const fresh = files.find((f) => f.path === ESTIMATE_FILE);
  if (!fresh) return '';
  return costDelta(committedEstimate(out), JSON.parse(fresh.content) as PlatformEstimate);
}

export async function runCompile(inv: Invocation): Promise<number> {
  const started = process.hrtime.bigint();
  const format = outputFormat(inv.values.format);
  const file = platformFile(inv.positionals);
  const out = typeof inv.values.out === 'string' ? inv.values.out : join(dirname(file), 'generated');
  const shown = relative(process.cwd(), out) || '.';
  try {
    return await compileInto(inv, file, out, shown, format, started);
  } catch (error) {
    // Folder problems (not ours, locked, a file, unreadable) are the user's to fix: one line, exit 1.
    const code = (error as NodeJS.ErrnoException).code;
    if (error instanceof OutputError || (code && /^E[A-Z]+$/.test(code) && (error as NodeJS.ErrnoException).path)) {
      const message = error instanceof OutputError ? error.message : `cannot use ${shown}: ${code} on ${(error as NodeJS.ErrnoException).path}`;
      process.stderr.write(`platformc: ${message}\n${inv.values.check ? '' : `${shown} was not changed\n`}`);
      return EXIT.failure;
    }
    throw error;
  }
}

async function compileInto(inv: Invocation, file: string, out: string, shown: string, format: 'text' | 'json', started: bigint): Promise<number> {
  const unsafe = unsafeOutDir(out, file);
  if (unsafe) throw new OutputError(unsafe);
  const { diagnostics, validated } = validateFile(file);
  if (format === 'text') printDiagnostics(diagnostics);
  if (!validated || hasErrors(diagnostics)) {
    if (format === 'json') process.stdout.write(`${JSON.stringify({ file, ok: false, diagnostics }, null, 2)}\n`);
    else process.stderr.write(`${shown} was not changed\n`);
    return EXIT.failure;
  }
  const files = generateFiles(resolvePlatform(validated, { compilerVersion }));
  const ms = () => Number((process.hrtime.bigint() - started) / 1_000_000n);

  if (inv.values.check) {
    recoverBeforeRead(out);
    const drift = checkTree(out, files, { prefix: shown === '.' ? '' : shown.split('\\').join('/') });
    const delta = costDeltaText(out, files);
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify({ file, out: shown, upToDate: !hasDrift(drift), ...drift, ms: ms() }, null, 2)}\n`);
    } else if (hasDrift(drift)) {
      const color = useColor(process.stdout);
      const paint = (code: string, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
      for (const d of drift.diffs) {
        process.stdout.write(`${d.diff.split('\n').map((l) => (l.startsWith('+') && !l.startsWith('+++') ? paint('32', l) : l.startsWith('-') && !l.startsWith('---') ? paint('31', l) : l)).join('\n')}\n`);
      }
      const list = (label: string, paths: readonly string[]) => paths.map((p) => `  ${label} ${shown}/${p}\n`).join('');
      process.stdout.write(list('changed: ', drift.changed) + list('missing: ', drift.missing) + list('orphaned:', drift.orphaned));
      process.stdout.write(delta);
      process.stderr.write(`${shown} is out of date with ${file}: ${drift.changed.length} changed, ${drift.missing.length} missing, ${drift.orphaned.length} orphaned. Run \`npx platformc compile\` and commit the result.\n`);
    } else {
      process.stderr.write(`${shown} is up to date (${files.length} files, ${ms()} ms)\n`);
    }
    return hasDrift(drift) ? EXIT.drift : EXIT.ok;
  }

  const summary = writeTree(out, files);
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify({ file, ok: true, out: shown, ...summary, ms: ms() }, null, 2)}\n`);
  } else {
    process.stderr.write(`${shown}: ${summary.written.length} written, ${summary.unchanged.length} unchanged, ${summary.removed.length} removed (${ms()} ms)${summary.kept.length ? `; kept ${summary.kept.length} files platformc did not write` : ''}\n`);
  }
  return EXIT.ok;
}
