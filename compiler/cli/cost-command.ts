/** `platformc cost`: the monthly estimate per environment, region and component. */
import { estimatePlatform } from '../cost/estimate.js';
import { costMarkdown, costTable, infracostJson } from '../cost/formats.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { validateFile } from '../front/validate.js';
import { rankInstanceTypes } from '../resolve/auto-instance.js';
import { environmentSpec } from '../resolve/environments.js';
import { resolvePlatform } from '../resolve/resolve.js';
import { compilerVersion } from '../version.js';
import { EXIT, UsageError } from './exit.js';
import { outputFormat, platformFile, printDiagnostics } from './io.js';
import type { Invocation } from './main.js';

export async function runCost(inv: Invocation): Promise<number> {
  const format = outputFormat(inv.values.format, ['table', 'json', 'markdown']) as string;
  const file = platformFile(inv.positionals);
  const { diagnostics, validated } = validateFile(file);
  // The budget gate is what `cost` explains: show its finding, but still print the estimate.
  const blocking = diagnostics.filter((d) => d.severity === 'error' && d.code !== 'over-budget');
  if (!validated && hasErrors(blocking)) {
    printDiagnostics(diagnostics);
    return EXIT.failure;
  }
  const result = validated ?? validateFile(file, file, { skipBudget: true }).validated!;
  const ir = resolvePlatform(result, { compilerVersion });
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
      const spec = environmentSpec(result.source.value as Record<string, unknown>, e.name);
      for (const [pool, p] of Object.entries(spec.nodePools)) {
        if (p.instanceTypes !== 'auto') continue;
        const [win, ...rest] = rankInstanceTypes(pool, spec, result.models, e.regions[0]!.region);
        if (!win) continue;
        process.stdout.write(`\n${e.name}: pool ${pool} is auto: ${win.type} wins, ${win.reason}, $${win.monthlyUsd.toFixed(2)} a month\n`);
        for (const r of rest.slice(0, 2)) process.stdout.write(`  next: ${r.type}, ${r.reason}, $${r.monthlyUsd.toFixed(2)} a month\n`);
      }
    }
  }
  printDiagnostics(diagnostics, process.stderr);
  return hasErrors(diagnostics) ? EXIT.failure : EXIT.ok;
}
