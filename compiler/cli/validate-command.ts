/** `platformc validate`. */
import { hasErrors } from '../diagnostics/diagnostic.js';
import { checkPlatform } from '../pipeline.js';
import { compilerVersion } from '../version.js';
import { EXIT } from './exit.js';
import { outputFormat, platformFile, printDiagnostics } from './io.js';
import type { InvocationOf } from './options.js';

export async function runValidate(inv: InvocationOf<'validate'>): Promise<number> {
  const format = outputFormat(inv.values.format);
  const file = platformFile(inv.positionals);
  const { diagnostics, kind } = checkPlatform(file, { compilerVersion, modelDefinitions: true });
  const valid = !hasErrors(diagnostics);
  if (format === 'json') process.stdout.write(`${JSON.stringify({ file, ...(kind ? { kind } : {}), valid, diagnostics }, null, 2)}\n`);
  else {
    printDiagnostics(diagnostics);
    if (valid) process.stderr.write(`${file} is ${kind === 'ModelDefinition' ? 'a valid model definition' : 'valid'}\n`);
  }
  return valid ? EXIT.ok : EXIT.failure;
}
