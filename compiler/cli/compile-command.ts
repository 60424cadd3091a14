/** `platformc compile` and `platformc diff`. */
import { dirname, join, relative } from 'node:path';
import type { PlatformEstimate } from '../cost/estimate.js';
import { costDelta } from '../cost/formats.js';
import { ESTIMATE_FILE } from '../emit/cost.js';
import { checkTree, hasDrift } from '../output/check.js';
import { writeTree } from '../output/write.js';
import { checkPlatform, generateFiles } from '../pipeline.js';
import { compilerVersion } from '../version.js';
import { EXIT } from './exit.js';
import { committedEstimate, outputFormat, platformFile, printDiagnostics, useColor } from './io.js';
import type { InvocationOf } from './options.js';

/** The monthly cost before (the committed estimate) and after (this compile), per environment. */
function costDeltaText(out: string, files: readonly { path: string; content: string }[]): string {
  const fresh = files.find((f) => f.path === ESTIMATE_FILE);
  if (!fresh) return '';
  return costDelta(committedEstimate(out), JSON.parse(fresh.content) as PlatformEstimate);
}

export async function runCompile(inv: InvocationOf<'compile'>): Promise<number> {
  const started = process.hrtime.bigint();
  const format = outputFormat(inv.values.format);
  const file = platformFile(inv.positionals);
  const out = typeof inv.values.out === 'string' ? inv.values.out : join(dirname(file), 'generated');
  const shown = relative(process.cwd(), out) || '.';
  const { diagnostics, ir } = checkPlatform(file, { compilerVersion });
  if (format === 'text') printDiagnostics(diagnostics);
  if (!ir) {
    if (format === 'json') process.stdout.write(`${JSON.stringify({ file, ok: false, diagnostics }, null, 2)}\n`);
    else process.stderr.write(`${shown} was not changed\n`);
    return EXIT.failure;
  }
  const files = generateFiles(ir);
  const ms = () => Number((process.hrtime.bigint() - started) / 1_000_000n);

  if (inv.values.check) {
    const drift = checkTree(out, files);
    const delta = costDeltaText(out, files);
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify({ file, out: shown, upToDate: !hasDrift(drift), ...drift, ms: ms() }, null, 2)}\n`);
    } else if (hasDrift(drift)) {
      const color = useColor(process.stdout);
      const paint = (code: string, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
      for (const d of drift.diffs) {
        process.stdout.write(`${d.diff.split('\n').map((l) => (l.startsWith('+') ? paint('32', l) : l.startsWith('-') ? paint('31', l) : l)).join('\n')}\n`);
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
    process.stderr.write(`${shown}: ${summary.written.length} written, ${summary.unchanged.length} unchanged, ${summary.removed.length} removed (${ms()} ms)\n`);
  }
  return EXIT.ok;
}
