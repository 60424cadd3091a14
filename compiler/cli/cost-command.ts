/** `platformc cost`: the monthly estimate per environment, region and component. */
import { estimatePlatform } from '../cost/estimate.js';
import { costMarkdown, costTable, infracostJson } from '../cost/formats.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { checkPlatform } from '../pipeline.js';
import { compilerVersion } from '../version.js';
import { EXIT, UsageError } from './exit.js';
import { outputFormat, platformFile, printDiagnostics } from './io.js';
import type { InvocationOf } from './options.js';

export async function runCost(inv: InvocationOf<'cost'>): Promise<number> {
  const format = outputFormat(inv.values.format, ['table', 'json', 'markdown']) as string;
  const file = platformFile(inv.positionals);
  // The budget gate is what `cost` explains: show its finding, but still print the estimate.
  const { diagnostics, ir } = checkPlatform(file, { compilerVersion, tolerate: ['over-budget'] });
  if (!ir) {
    printDiagnostics(diagnostics);
    return EXIT.failure;
  }
  const env = inv.values.env as string | undefined;
  if (env && !ir.environments.some((e) => e.name === env)) throw new UsageError(`no environment '${env}' in ${file} (it has ${ir.environments.map((e) => e.name).join(', ')})`);
  const full = estimatePlatform(ir);
  const estimate = env ? { ...full, environments: full.environments.filter((e) => e.env === env), monthly: full.environments.find((e) => e.env === env)!.monthly } : full;

  if (format === 'json') process.stdout.write(`${JSON.stringify(infracostJson(estimate), null, 2)}\n`);
  else if (format === 'markdown') process.stdout.write(costMarkdown(estimate));
  else process.stdout.write(costTable(estimate));
  printDiagnostics(diagnostics, process.stderr);
  return hasErrors(diagnostics) ? EXIT.failure : EXIT.ok;
}
