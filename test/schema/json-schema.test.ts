/** The committed JSON Schemas are fresh, and Ajv with them agrees with zod on every example and fixture. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { editorSchemas } from '../../schema/json-schema.js';
import { ModelDefinitionSchema, PlatformSchema } from '../../schema/platform.js';
import { repoRoot } from '../helpers/cli.js';

describe('schema/ is generated from the zod schema', () => {
  for (const [name, content] of Object.entries(editorSchemas())) {
    it(`${name} is up to date (run: npx platformc schema)`, () => {
      expect(readFileSync(join(repoRoot, 'schema', name), 'utf8')).toBe(content);
    });
  }
});

describe('Ajv and zod agree', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const platform = ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'schema/platform.schema.json'), 'utf8')));
  const model = ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'schema/model-definition.schema.json'), 'utf8')));

  const files = [
    'platform.yaml',
    ...readdirSync(join(repoRoot, 'examples')).map((f) => `examples/${f}`),
    ...readdirSync(join(repoRoot, 'test/fixtures/invalid')).filter((f) => f.endsWith('.yaml')).map((f) => `test/fixtures/invalid/${f}`),
  ];
  const outcomes = new Set<boolean>();
  for (const file of files) {
    it(file, () => {
      const doc = parseDocument(readFileSync(join(repoRoot, file)).toString('utf8'), { uniqueKeys: true });
      let value: unknown;
      try {
        value = doc.errors.length ? undefined : doc.toJS({ maxAliasCount: 200 });
      } catch {
        value = undefined;
      }
      if (value === undefined || value === null) return; // not YAML: neither validator sees it
      const byZod = PlatformSchema.safeParse(value).success;
      outcomes.add(byZod);
      expect(platform(value), JSON.stringify(platform.errors?.slice(0, 3))).toBe(byZod);
    });
  }
  it('saw both valid and invalid structures', () => expect([...outcomes].sort()).toEqual([false, true]));

  for (const file of [...readdirSync(join(repoRoot, 'models')).map((f) => `models/${f}`), ...readdirSync(join(repoRoot, 'test/fixtures/models')).map((f) => `test/fixtures/models/${f}`)]) {
    it(file, () => {
      const value = parseDocument(readFileSync(join(repoRoot, file), 'utf8')).toJS();
      expect(model(value)).toBe(ModelDefinitionSchema.safeParse(value).success);
    });
  }
});
