/**
 * The emit half of the pipeline (compiler/pipeline.ts): every emitter's files, framed. A module of its own so
 * that `validate` and `cost`, which stop after the checks, load no emitter, template engine or serialiser.
 */
import { emitAll } from './emit/registry.js';
import type { FileOutput } from './output/files.js';
import { frameFiles } from './output/generate.js';
import type { PlatformIR } from './resolve/ir.js';

/** The complete generated/ tree of a platform, in memory: every emitter's files, framed, manifest last. */
export function generateFiles(ir: PlatformIR): FileOutput[] {
  return frameFiles(emitAll(ir), ir);
}
