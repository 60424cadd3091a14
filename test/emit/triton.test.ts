/** config.pbtxt for every model, checked against its model definition and platform.yaml. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitTritonConfigs, modelConfig } from '../../compiler/emit/triton/model-config.js';
import { LATENCY_HISTOGRAM } from '../../compiler/lib/conventions.js';
import { irOf } from '../helpers/platform.js';
import { hasReference, referenceDir, repoRoot } from '../helpers/cli.js';

/** Field names used in protobuf text (string literals removed first). */
const fieldNames = (text: string) => new Set([...text.replace(/"(?:[^"\\]|\\.)*"/g, '""').matchAll(/\b([a-z_][a-z0-9_]*)\s*(?=[:{[])/g)].map((m) => m[1]!));

/**
 * buf's own executable, from the package npm installs for this platform (@bufbuild/buf-linux-x64...): the
 * `buf` script in node_modules/.bin is a node program that starts it, and took 0.14 s of CPU a call where buf
 * alone takes 0.06. The script where the platform has no such package.
 */
const buf = (() => {
  try {
    return createRequire(import.meta.url).resolve(`@bufbuild/buf-${process.platform}-${process.arch}/bin/buf`);
  } catch {
    return join(repoRoot, 'node_modules/.bin/buf');
  }
})();

/**
 * config.pbtxt parsed by `buf convert` against Triton's model_config.proto: the JSON form, or the error.
 * buf refuses wrong types and enum values but silently drops unknown fields, so every field name of the
 * text must also be declared in the proto.
 */
function parseWithBuf(text: string): { ok: true; json: Record<string, any> } | { ok: false; error: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'pbtxt-')), 'config.pbtxt');
  writeFileSync(file, text);
  const json = spawnSync(buf, ['convert', 'model_config.proto', '--type', 'inference.ModelConfig', '--from', `${file}#format=txtpb`, '--to', '-#format=json'], {
    cwd: join(referenceDir, 'triton'),
    encoding: 'utf8',
  });
  if (json.status !== 0) return { ok: false, error: json.stderr };
  // map<k, v> fields are written as { key: .. value: .. } entries.
  const declared = [...readFileSync(join(referenceDir, 'triton/model_config.proto'), 'utf8').matchAll(/^\s*(?:repeated\s+)?[\w.<>, ]+\s+(\w+)\s*=\s*\d+\s*;/gm)].map((m) => m[1]!);
  const known = new Set(['key', 'value', ...declared]);
  const unknown = [...fieldNames(text)].filter((f) => !known.has(f));
  return unknown.length ? { ok: false, error: `fields unknown to model_config.proto: ${unknown.join(', ')}` } : { ok: true, json: JSON.parse(json.stdout) };
}

describe.skipIf(!hasReference).each(['platform.yaml', 'examples/minimal-dev.yaml', 'examples/multi-model-teams.yaml', 'examples/multi-region-prod.yaml', 'examples/spot-cost-optimised.yaml'])(
  'config.pbtxt from %s parses against model_config.proto (buf)',
  (file) => {
    const ir = irOf(file);
    for (const f of emitTritonConfigs(ir)) {
      const m = ir.models.find((x) => f.path === `triton/models/${x.name}/config.pbtxt`)!;
      it(`${m.name}: parses, and warms up at every batch size the batcher forms with zeros for every input (K8s #27)`, () => {
        const r = parseWithBuf(f.content);
        if (!r.ok) throw new Error(r.error);
        const warmups = r.json.modelWarmup as { batchSize: number; inputs: Record<string, { zeroData: boolean; dims: string[] }> }[];
        expect(warmups.map((w) => w.batchSize)).toEqual([...new Set([1, ...m.preferredBatchSizes, m.maxBatchSize])].sort((a, b) => a - b));
        for (const w of warmups) expect(Object.keys(w.inputs).sort()).toEqual(m.definition.inputs.map((i) => i.name).sort());
        expect(r.json.modelMetrics.metricControl[0].histogramOptions.buckets).toEqual([...m.latencyBucketsMs]);
      });
    }
  },
);

describe.skipIf(!hasReference)('execution accelerator from the model definition', () => {
  const ir = irOf('platform.yaml');
  const m = ir.models[0]!;
  it('none asked for: no optimization block (ORT CUDA provider)', () => {
    expect(modelConfig(m)).not.toContain('optimization');
  });
  it('tensorrt FP16 asked for: gpu_execution_accelerator tensorrt with precision_mode FP16, valid against the proto', () => {
    const withTrt = { ...m, definition: { ...m.definition, accelerator: { name: 'tensorrt' as const, precision: 'FP16' as const, maxWorkspaceBytes: 2 ** 30 } } };
    const r = parseWithBuf(modelConfig(withTrt));
    if (!r.ok) throw new Error(r.error);
    expect(r.json.optimization.executionAccelerators.gpuExecutionAccelerator).toEqual([{ name: 'tensorrt', parameters: { precision_mode: 'FP16', max_workspace_size_bytes: '1073741824' } }]);
  });
  it('the check can fail: a misspelt field is refused by buf', () => {
    expect(parseWithBuf(modelConfig(m).replace('max_batch_size', 'max_batch_sizes')).ok).toBe(false);
  });
});

/** The value of `key: value` lines in protobuf text format, in order. */
const values = (text: string, key: string) => [...text.matchAll(new RegExp(`^\\s*${key}: (.+)$`, 'gm'))].map((m) => m[1]!.trim());

describe.each(['platform.yaml', 'examples/multi-model-teams.yaml'])('config.pbtxt from %s', (file) => {
  const ir = irOf(file);
  const configs = new Map(emitTritonConfigs(ir).map((f) => [f.path, f.content]));

  it('has one config per model, under triton/models/<model>/', () => {
    expect([...configs.keys()]).toEqual(ir.models.map((m) => `triton/models/${m.name}/config.pbtxt`));
  });

  for (const model of ir.models) {
    it(`${model.name}: name, platform and batching follow the definition and the spec`, () => {
      const c = configs.get(`triton/models/${model.name}/config.pbtxt`)!.split('model_warmup')[0]!;
      const def = model.definition;
      expect(values(c, 'name')[0]).toBe(`"${model.name}"`);
      expect(values(c, 'platform')).toEqual(['"onnxruntime_onnx"']);
      expect(values(c, 'max_batch_size')).toEqual([String(model.maxBatchSize)]);
      expect(model.maxBatchSize).toBeLessThanOrEqual(def.maxBatchSize);
      // inputs then outputs, without the batch dimension
      expect(values(c, 'name').slice(1)).toEqual([...def.inputs, ...def.outputs].map((t) => `"${t.name}"`));
      expect(values(c, 'data_type')).toEqual([...def.inputs, ...def.outputs].map((t) => t.dataType));
      expect(values(c, 'dims')).toEqual([...def.inputs, ...def.outputs].map((t) => `[ ${t.dims.join(', ')} ]`));
      expect(values(c, 'max_queue_delay_microseconds')).toEqual([String(model.maxQueueDelayMicroseconds)]);
      expect(values(c, 'preferred_batch_size')).toEqual(model.preferredBatchSizes.length ? [`[ ${model.preferredBatchSizes.join(', ')} ]`] : []);
    });

    it(`${model.name}: one instance per GPU of a replica, on GPUs`, () => {
      const c = configs.get(`triton/models/${model.name}/config.pbtxt`)!.split('model_warmup')[0]!;
      expect(values(c, 'kind')).toEqual(['KIND_GPU']);
      expect(values(c, 'gpus')).toEqual([`[ ${Array.from({ length: model.gpusPerReplica }, (_, i) => i).join(', ')} ]`]);
    });

    it(`${model.name}: latency histogram buckets bracket the p99 objective`, () => {
      const c = configs.get(`triton/models/${model.name}/config.pbtxt`)!.split('model_warmup')[0]!;
      expect(c).toContain(`family: "${LATENCY_HISTOGRAM}"`);
      const buckets = /buckets: \[ ([^\]]+) \]/.exec(c)![1]!.split(', ').map(Number);
      expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
      for (const env of ir.environments) {
        const slo = env.regions[0]!.deployments.find((d) => d.model === model.name)!.slo.latencyP99Ms;
        expect(buckets).toContain(slo);
        expect(buckets[0]!).toBeLessThan(slo);
        expect(buckets.at(-1)!).toBeGreaterThan(slo);
      }
    });
  }
});
