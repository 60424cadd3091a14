/**
 * The model revision (K8s #13, #17): derived once in resolve from the sha256 of the weights and of config.pbtxt as
 * generated; it names the bucket prefix apply uploads to and the pods fetch from, so a change of either rolls the
 * pods, and nothing else does.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPlatform } from '../../compiler/pipeline.js';
import type { PlatformIR } from '../../compiler/resolve/ir.js';
import { repoRoot } from '../helpers/cli.js';
import { filesOf, irOf } from '../helpers/platform.js';
import { environmentModelObjects } from '../helpers/kustomize.js';

type Json = Record<string, any>;
const SPECS = ['platform.yaml', 'examples/minimal-dev.yaml', 'examples/multi-region-prod.yaml', 'examples/spot-cost-optimised.yaml', 'examples/multi-model-teams.yaml'];

/** The reference platform with its own copy of models/, after edits to platform.yaml and to a model definition. */
function variant(spec: (t: string) => string, model: (t: string) => string = (t) => t): PlatformIR {
  const dir = mkdtempSync(join(tmpdir(), 'platformc-rev-'));
  cpSync(join(repoRoot, 'models'), join(dir, 'models'), { recursive: true });
  const def = join(dir, 'models/resnet50.yaml');
  writeFileSync(def, model(readFileSync(def, 'utf8')));
  writeFileSync(join(dir, 'platform.yaml'), spec(readFileSync(join(repoRoot, 'platform.yaml'), 'utf8')));
  const r = checkPlatform(join(dir, 'platform.yaml'), { display: 'platform.yaml', compilerVersion: '0.0.0-test' });
  if (!r.ir) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.ir;
}
const same = (t: string) => t;
const resnet = (ir: PlatformIR) => ir.models.find((m) => m.name === 'resnet50')!;
/** The pod template of resnet50's Deployment in prod, as generated. */
function template(ir: PlatformIR): Json {
  return environmentModelObjects(filesOf(ir), 'prod').find((d) => d.kind === 'Deployment' && d.metadata.name === 'triton-resnet50')!.spec.template;
}

describe('model revision', () => {
  it.each(SPECS)('%s: config sha256 is that of the generated config.pbtxt, and the revision names the bucket keys', (spec) => {
    const ir = irOf(spec);
    const files = new Map(filesOf(ir).map((f) => [f.path, f.content]));
    for (const m of ir.models) {
      expect(createHash('sha256').update(files.get(`triton/models/${m.name}/config.pbtxt`)!).digest('hex')).toBe(m.configSha256);
      expect(m.revision).toMatch(/^[0-9a-f]{16}$/);
      expect(m.repository).toEqual({ prefix: `${m.name}/${m.revision}`, configKey: `${m.name}/${m.revision}/${m.name}/config.pbtxt`, weightsKey: `${m.name}/${m.revision}/${m.name}/1/model.onnx` });
    }
    expect(new Set(ir.models.map((m) => m.revision)).size).toBe(ir.models.length);
  });

  const base = variant(same);
  it('new weights (weights.sha256) make a new revision and a new pod template; the config stays', () => {
    const other = variant(same, (t) => t.replace(/sha256: [0-9a-f]{64}/, `sha256: ${'ab'.repeat(32)}`));
    expect(resnet(other).configSha256).toBe(resnet(base).configSha256);
    expect(resnet(other).revision).not.toBe(resnet(base).revision);
    expect(template(other)).not.toEqual(template(base));
    const source = (ir: PlatformIR) => template(ir).spec.initContainers[0].env.find((e: Json) => e.name === 'SOURCE').value;
    expect(source(other)).toContain(`/resnet50/${resnet(other).revision}`);
    expect(template(other).metadata.annotations['platformc.dev/model-revision']).toBe(resnet(other).revision);
  });

  it('a config change (batching) makes a new config sha256, a new revision and a new pod template', () => {
    const other = variant((t) => t.replace(/maxQueueDelayMicroseconds: \d+/, 'maxQueueDelayMicroseconds: 777'));
    expect(resnet(other).configSha256).not.toBe(resnet(base).configSha256);
    expect(resnet(other).revision).not.toBe(resnet(base).revision);
    expect(template(other)).not.toEqual(template(base));
  });

  it('what Triton does not load (the model description) leaves the revision alone: no needless rollout', () => {
    const other = variant(same, (t) => t.replace(/^description: .*$/m, 'description: edited'));
    expect(resnet(other).revision).toBe(resnet(base).revision);
  });
});
