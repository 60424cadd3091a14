/**
 * Triton model configuration (config.pbtxt), one per model.
 * @see https://github.com/triton-inference-server/server/blob/main/docs/user_guide/model_configuration.md
 */
import type { FileOutput } from '../../output/files.js';
import { LATENCY_HISTOGRAM } from '../../resolve/conventions.js';
import type { ModelIR, PlatformIR } from '../../resolve/ir.js';


export function emitTritonConfigs(ir: PlatformIR): FileOutput[] {
  return ir.models.map((m) => ({ path: `triton/models/${m.name}/config.pbtxt`, content: modelConfig(m) }));
}

/** A protobuf text-format string literal. */
const str = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
const list = (xs: readonly (number | string)[]) => `[ ${xs.join(', ')} ]`;

export function modelConfig(m: ModelIR): string {
  const tensor = (t: ModelIR['definition']['inputs'][number]) =>
    ['  {', `    name: ${str(t.name)}`, `    data_type: ${t.dataType}`, ...(t.format && t.format !== 'FORMAT_NONE' ? [`    format: ${t.format}`] : []), `    dims: ${list(t.dims)}`, '  }'].join('\n');
  const gpus = Array.from({ length: m.gpusPerReplica }, (_, i) => i);
  return [
    `name: ${str(m.name)}`,
    `platform: ${str(m.definition.backend)}`,
    `max_batch_size: ${m.maxBatchSize}`,
    `input [\n${m.definition.inputs.map(tensor).join(',\n')}\n]`,
    `output [\n${m.definition.outputs.map(tensor).join(',\n')}\n]`,
    // One model instance on each GPU of the replica (count is per listed GPU).
    `instance_group [\n  {\n    count: 1\n    kind: KIND_GPU\n    gpus: ${list(gpus)}\n  }\n]`,
    [
      'dynamic_batching {',
      ...(m.preferredBatchSizes.length ? [`  preferred_batch_size: ${list(m.preferredBatchSizes)}`] : []),
      `  max_queue_delay_microseconds: ${m.maxQueueDelayMicroseconds}`,
      '}',
    ].join('\n'),
    // Histogram buckets around the p99 objective, so the latency SLO is measured, not estimated.
    [
      'model_metrics {',
      '  metric_control: [',
      '    {',
      `      metric_identifier: { family: ${str(LATENCY_HISTOGRAM)} }`,
      `      histogram_options: { buckets: ${list(m.latencyBucketsMs)} }`,
      '    }',
      '  ]',
      '}',
    ].join('\n'),
    '',
  ].join('\n');
}
