/** The JSON Schemas editors use, generated from the zod schema (never edited by hand). */
import * as z from 'zod/mini';
import { ModelDefinitionSchema, PlatformSchema } from './platform.js';
import { referenceMarkdown } from './reference.js';

type Json = Record<string, unknown>;

/**
 * Maps with a closed set of keys (regions by name) get explicit `properties`, so editors complete the
 * key names; `propertyNames` alone gives validation but no completion.
 */
function closeEnumKeyedMaps(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(closeEnumKeyedMaps);
  if (typeof node !== 'object' || node === null) return;
  const o = node as Json;
  const names = o.propertyNames as Json | undefined;
  if (names && Array.isArray(names.enum) && typeof o.additionalProperties === 'object') {
    o.properties = Object.fromEntries((names.enum as string[]).map((k) => [k, o.additionalProperties]));
    o.additionalProperties = false;
    delete o.propertyNames;
  }
  Object.values(o).forEach(closeEnumKeyedMaps);
}

function toJsonSchema(schema: z.core.$ZodType, id: string, title: string): Json {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as Json;
  closeEnumKeyedMaps(json);
  return { $schema: json.$schema, $id: id, title, ...json };
}

const text = (json: Json) => `${JSON.stringify(json, null, 2)}\n`;

/** File name to content, for schema/: the editor schemas and the reference they document. */
export function editorSchemas(): Record<string, string> {
  const platform = toJsonSchema(PlatformSchema, 'https://platformc.dev/schema/v1alpha1/platform.schema.json', 'platformc platform.yaml');
  return {
    'platform.schema.json': text(platform),
    'model-definition.schema.json': text(toJsonSchema(ModelDefinitionSchema, 'https://platformc.dev/schema/v1alpha1/model-definition.schema.json', 'platformc model definition')),
    'README.md': referenceMarkdown(platform),
  };
}
