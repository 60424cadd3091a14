/** `platformc schema`: writes the editor JSON Schemas generated from the zod schema. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT } from './exit.js';
import type { InvocationOf } from './options.js';

export async function runSchema(inv: InvocationOf<'schema'>): Promise<number> {
  const { editorSchemas } = await import('../../schema/json-schema.js');
  const dir = inv.values['out-dir'];
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(editorSchemas())) {
    writeFileSync(join(dir, name), content);
    process.stderr.write(`wrote ${join(dir, name)}\n`);
  }
  return EXIT.ok;
}
