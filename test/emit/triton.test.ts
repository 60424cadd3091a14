/** config.pbtxt for every model, checked against its model definition and platform.yaml. */
import { describe, expect, it } from 'vitest';
import { emitTritonConfigs } from '../../compiler/emit/triton/model-config.js';
import { LATENCY_HISTOGRAM } from '../../compiler/resolve/conventions.js';
import { irOf } from '../helpers/platform.js';

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
      const c = configs.get(`triton/models/${model.name}/config.pbtxt`)!;
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
      const c = configs.get(`triton/models/${model.name}/config.pbtxt`)!;
      expect(values(c, 'kind')).toEqual(['KIND_GPU']);
      expect(values(c, 'gpus')).toEqual([`[ ${Array.from({ length: model.gpusPerReplica }, (_, i) => i).join(', ')} ]`]);
    });

    it(`${model.name}: latency histogram buckets bracket the p99 objective`, () => {
      const c = configs.get(`triton/models/${model.name}/config.pbtxt`)!;
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
