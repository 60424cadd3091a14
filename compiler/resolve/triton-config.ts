/**
 * The text of a model's Triton configuration (config.pbtxt). It lives in resolve, not in its emitter, because the
 * model revision (ModelIR.revision) is derived from its exact bytes: the emitter writes the same text.
 * @see https://github.com/triton-inference-server/server/blob/main/docs/user_guide/model_configuration.md
 */
import { createHash } from 'node:crypto';
import { withHeader } from '../lib/header.js';
import { LATENCY_HISTOGRAM } from '../lib/conventions.js';
import type { ModelIR } from './ir.js';

/** What config.pbtxt is made of: the model without the facts derived from the config itself. */
export type TritonConfigModel = Omit<ModelIR, 'configSha256' | 'revision' | 'repository' | 'kustomizeGroup'>;

/** The file under generated/. */
export const tritonConfigPath = (model: string) => `triton/models/${model}/config.pbtxt`;

/** sha256 of config.pbtxt as generated/ holds it and apply uploads it: framed with the header every generated file has. */
export function configSha256(m: TritonConfigModel, sourceFile: string): string {
  return createHash('sha256').update(withHeader(tritonConfigPath(m.name), modelConfig(m), sourceFile)).digest('hex');
}

/** A protobuf text-format string literal. */
const str = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
const list = (xs: readonly (number | string)[]) => `[ ${xs.join(', ')} ]`;

export function modelConfig(m: TritonConfigModel): string {
  const tensor = (t: TritonConfigModel['definition']['inputs'][number]) =>
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
    ...accelerators(m),
    warmup(m),
    '',
  ].join('\n');
}

/**
 * Warm-up requests Triton runs before it reports the model ready: zeros at every batch size the batcher
 * forms, so cuDNN/ORT initialisation happens before the ALB sends traffic, not on the first user requests.
 * @see https://github.com/triton-inference-server/server/blob/main/docs/user_guide/model_configuration.md#model-warmup
 */
function warmup(m: TritonConfigModel): string {
  const sizes = [...new Set([1, ...m.preferredBatchSizes, m.maxBatchSize])].sort((a, b) => a - b);
  const input = (t: TritonConfigModel['definition']['inputs'][number]) =>
    `      {\n        key: ${str(t.name)}\n        value: { data_type: ${t.dataType} dims: ${list(t.dims.map((d) => (d < 0 ? 1 : d)))} zero_data: true }\n      }`;
  const samples = sizes.map((b) => ['  {', `    name: ${str(`zeros-batch-${b}`)}`, `    batch_size: ${b}`, `    inputs [\n${m.definition.inputs.map(input).join(',\n')}\n    ]`, '  }'].join('\n'));
  return `model_warmup [\n${samples.join(',\n')}\n]`;
}

/**
 * The GPU execution accelerator the model definition asks for (ONNX Runtime's TensorRT execution provider,
 * with its precision), or nothing: ORT's CUDA provider.
 * @see https://github.com/triton-inference-server/onnxruntime_backend#onnx-runtime-with-tensorrt-optimization
 */
function accelerators(m: TritonConfigModel): string[] {
  const a = m.definition.accelerator;
  if (!a) return [];
  const params = Object.entries({ precision_mode: a.precision, max_workspace_size_bytes: String(a.maxWorkspaceBytes) }).map(
    ([k, v]) => `        parameters { key: ${str(k)} value: ${str(v)} }`,
  );
  return [['optimization {', '  execution_accelerators {', '    gpu_execution_accelerator [', '      {', `        name: ${str(a.name)}`, ...params, '      }', '    ]', '  }', '}'].join('\n')];
}
