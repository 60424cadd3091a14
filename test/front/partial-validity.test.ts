/**
 * Partial validity (#18 item 5): a structural error in one part does not hide the semantic findings of the
 * others, and the broken part causes no echoes. Each case breaks one part of the reference platform and adds one
 * semantic error elsewhere; validation must report both, and nothing else that is an error.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPlatform } from '../../compiler/pipeline.js';
import { repoRoot } from '../helpers/cli.js';

const reference = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');

function errors(text: string, files: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'platformc-partial-'));
  cpSync(join(repoRoot, 'models'), join(dir, 'models'), { recursive: true });
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content);
  writeFileSync(join(dir, 'platform.yaml'), text);
  return checkPlatform(join(dir, 'platform.yaml'), { display: 'platform.yaml', compilerVersion: '0.0.0-test' }).diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
}

/** A semantic error in the general pool: an instance type that is not in the catalog. */
const semantic = (text: string) => text.replace('instanceTypes: [m6i.xlarge]', 'instanceTypes: [m6i.xlarg]');

describe('semantic checks run on the structurally valid parts', () => {
  it('the reference has none of these errors, and the semantic one alone is found', () => {
    expect(reference).toContain('instanceTypes: [m6i.xlarge]');
    expect(errors(reference)).toEqual([]);
    expect(errors(semantic(reference))).toEqual(['unknown-instance-type']);
  });

  it('the definition file of a model with an error of its own is still checked', () => {
    const broken = reference.replace(/latencyP99Ms: \d+/, 'latencyP99Ms: fast').replace('definition: models/resnet50.yaml', 'definition: models/broken-resnet50.yaml');
    const definition = readFileSync(join(repoRoot, 'models/resnet50.yaml'), 'utf8').replace('maxBatchSize: 32', 'maxBatchSize: lots');
    expect(errors(broken, { 'models/broken-resnet50.yaml': definition }).sort()).toEqual(['invalid-type', 'invalid-type', 'model-definition']);
  });

  const breaks: [string, (t: string) => string, string[]][] = [
    ['a model field of the wrong type', (t) => t.replace(/latencyP99Ms: \d+/, 'latencyP99Ms: fast'), ['invalid-type']],
    ['a whole model that is not a map', (t) => t.replace(/\n  resnet50:\n(    .*\n)+/, '\n  resnet50: 5\n'), ['invalid-type']],
    ['a misspelt team key (the models that name it are not "unknown team")', (t) => t.replace(/\n  vision:/, '\n  Vision_Team:'), ['invalid-name']],
    ['a budget section of the wrong type', (t) => t.replace(/\nbudget:\n(  .*\n)+/, '\nbudget: lots\n'), ['invalid-type']],
    ['a missing metadata section', (t) => t.replace(/\nmetadata:\n(  .*\n)+/, '\n'), ['missing-field']],
    ['an environment with a broken override (its overrides of models are not "unknown model")', (t) => t.replace('gpu: { minSize: 0, maxSize: 2 }', 'gpu: { minSize: none, maxSize: 2 }'), ['invalid-type']],
    ['an environment whose region is not a region', (t) => t.replace(/(\n  dev:\n.*\n)    region: us-east-1/, '$1    region: 5'), ['invalid-value']],
    ['a cluster section of the wrong type', (t) => t.replace(/\ncluster:\n(  .*\n)+/, '\ncluster: []\n'), ['invalid-type']],
    ['an unknown top-level key', (t) => `${t}extra: 1\n`, ['unknown-key']],
  ];
  for (const [what, breakIt, expected] of breaks) {
    it(`${what}: reported with the semantic error of the general pool, without echoes`, () => {
      const broken = breakIt(reference);
      expect(broken).not.toBe(reference);
      const found = errors(semantic(broken));
      expect(found.filter((c) => c !== 'unknown-instance-type').sort()).toEqual([...expected].sort());
      expect(found).toContain('unknown-instance-type');
    });
  }
});
