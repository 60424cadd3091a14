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
  else {
    process.stdout.write(costTable(estimate));
    // Pools that let platformc choose: why the winner won and what the runners-up would cost.
    for (const e of ir.environments.filter((x) => !env || x.name === env)) {
      for (const p of e.regions[0]!.nodePools) {
        if (!p.auto) continue;
        const [win, ...rest] = p.auto.ranked;
        if (!win) continue;
        process.stdout.write(`\n${e.name}: pool ${p.name} is auto: ${win.type} wins, ${win.reason}, $${win.monthlyUsd.toFixed(2)} a month\n`);
        for (const r of rest.slice(0, 2)) process.stdout.write(`  next: ${r.type}, ${r.reason}, $${r.monthlyUsd.toFixed(2)} a month\n`);
      }
    }
  }
  printDiagnostics(diagnostics, process.stderr);
  return hasErrors(diagnostics) ? EXIT.failure : EXIT.ok;
}
