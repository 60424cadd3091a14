/**
 * No injection, by construction (issue #19 item 5, D2, D16, D17): hostile text through every free-text string
 * field of the schema either fails validation with a positioned diagnostic, or compiles to files that parse to
 * the same structure as with a plain value, with no live Terraform interpolation and the text kept as data.
 */
import { parseHcl } from '../helpers/hcl.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { checkPlatform } from '../../compiler/pipeline.js';
import { repoRoot } from '../helpers/cli.js';
import { filesOf, writeSpec } from '../helpers/platform.js';

const reference = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');
const WORKLOAD = `identity:
  workloads:
    batch:
      namespace: vision
      serviceAccount: batch
      access:
        - { service: s3, bucket: models, prefix: "PREFIX" }
        - { service: secretsManager, secretPrefix: "SECRET" }
        - { service: cloudwatchLogs, logGroup: "LOGGROUP" }
  operators:`;
const base = reference
  .replace('identity:\n  operators:', WORKLOAD)
  .replace('environments: [dev, prod]', 'environments: [dev, "GHENV"]')
  .replace('branches: [main]', 'branches: [main, "BRANCH"]')
  .replace('owner: ml-platform@example.com', 'owner: "OWNER"')
  .replace('    project: gpu-inference', '    project: gpu-inference\n    note: "TAGVALUE"')
  .replace('      workload: inference', '      workload: inference\n      extra: "LABELVALUE"\n    taints:\n      - { key: dedicated, value: "TAINTVALUE" }')
  .replace('  prod:\n    account:', '  prod:\n    workingHours: { days: [mon], start: "08:00", end: "18:00", timeZone: "TIMEZONE" }\n    account:');

/** Every free-text field, by its placeholder in `base`, with the plain value it takes in the baseline. */
const FIELDS: Record<string, string> = {
  OWNER: 'ml-platform@example.com',
  TAGVALUE: 'plain',
  LABELVALUE: 'plain',
  TAINTVALUE: 'plain',
  BRANCH: 'release',
  GHENV: 'prod',
  PREFIX: 'data/',
  SECRET: 'batch/',
  LOGGROUP: '/batch/app',
  TIMEZONE: 'Europe/Berlin',
};
const PAYLOADS = ['"q"', "'s'", 'a\nb', 'a\\b', '${x}', '%{x}', '$${x}', '{{ x }}', 'a: b', '- a', '# c', '&a *a', '!tag', '| >', '`id`', '$(id)', '@a', 'a=b+c', 'a/b:c'];

const yamlString = (s: string) => JSON.stringify(s); // a JSON string is a YAML double-quoted scalar
const withValues = (values: Record<string, string>) => Object.entries(values).reduce((text, [k, v]) => text.replace(`"${k}"`, yamlString(v)), base);

type Parsed = { kind: 'hcl' | 'yaml' | 'json'; value: unknown };
async function parseFile(path: string, content: string): Promise<Parsed | undefined> {
  if (path.endsWith('.tf')) return { kind: 'hcl', value: await parseHcl(path, content) };
  if (/\.ya?ml$/.test(path)) {
    const docs = parseAllDocuments(content);
    const list = Array.isArray(docs) ? docs : [docs];
    for (const d of list) if (d.errors.length) throw new Error(`${path}: ${d.errors[0]!.message}`);
    return { kind: 'yaml', value: list.map((d) => d.toJS()) };
  }
  if (path.endsWith('.json')) return { kind: 'json', value: JSON.parse(content) };
  return undefined;
}
/**
 * The structure with every scalar made its type, and keys left out (a name can become a key, such as a job
 * per GitHub environment): what must not change when only a value's text changes. An injected key or list
 * item changes a count; a value broken out of its string changes a type.
 */
const shape = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(shape) : v && typeof v === 'object' ? Object.values(v).map(shape).map((x) => JSON.stringify(x)).sort() : typeof v;
/** Live interpolations in Terraform's JSON form: `${` or `%{` not written as `$${` / `%%{`. */
const liveTemplates = (v: unknown): number => (typeof v === 'string' ? (v.match(/(?<![$%])[$%]\{/g) ?? []).length : Array.isArray(v) ? v.reduce((n: number, x) => n + liveTemplates(x), 0) : v && typeof v === 'object' ? Object.values(v).reduce((n: number, x) => n + liveTemplates(x), 0) : 0);

function compile(text: string) {
  const file = writeSpec(text);
  const r = checkPlatform(file, { display: 'platform.yaml', compilerVersion: '0.0.0-test' });
  return r.ir ? { files: filesOf(r.ir) } : { diagnostics: r.diagnostics };
}

describe('hostile text through every free-text field', () => {
  const baseline = compile(withValues(FIELDS));
  it('the baseline with plain values compiles', () => expect(baseline.diagnostics).toBeUndefined());
  const before = new Map(baseline.files?.map((f) => [f.path, f.content]));
  // The baseline's files parse the same way every time: parsed once each (HCL parsing is the slow part).
  const parsedBefore = new Map<string, Promise<Parsed | undefined>>();
  const parseBefore = (path: string) => parsedBefore.get(path) ?? parsedBefore.set(path, parseFile(path, before.get(path)!)).get(path)!;

  let accepted = 0;
  for (const [field, plain] of Object.entries(FIELDS)) {
    it(`${field}: rejected with a position, or the same structure with the text kept as data`, async () => {
      for (const payload of PAYLOADS) {
        const result = compile(withValues({ ...FIELDS, [field]: `${plain}${payload}` }));
        if (result.diagnostics) {
          expect(result.diagnostics.some((d) => d.severity === 'error' && d.line > 1), `${field} ${JSON.stringify(payload)}: ${result.diagnostics[0]?.message}`).toBe(true);
          continue;
        }
        accepted++;
        for (const file of result.files) {
          const old = before.get(file.path);
          expect(old, `${field} ${JSON.stringify(payload)} adds ${file.path}`).toBeDefined();
          if (old === file.content) continue;
          const [a, b] = [await parseBefore(file.path), await parseFile(file.path, file.content)];
          if (!a || !b) continue;
          expect(shape(b.value), `${field} ${JSON.stringify(payload)} changes the structure of ${file.path}`).toEqual(shape(a.value));
          if (b.kind === 'hcl') expect(liveTemplates(b.value), `${field} ${JSON.stringify(payload)}: live interpolation in ${file.path}`).toBe(liveTemplates(a.value));
        }
      }
    }, 120_000);
  }
  it('some hostile values are accepted (the test compiles, not only rejects)', () => expect(accepted).toBeGreaterThan(0));
});
