/** generated/cost/estimate.json: the estimate at min, desired and max scale, so a later compile --check can show the cost delta. */
import { estimatePlatform } from '../cost/estimate.js';
import type { FileOutput } from '../output/files.js';
import { toJson } from '../output/serialize.js';
import type { PlatformIR } from '../resolve/ir.js';

export const ESTIMATE_FILE = 'cost/estimate.json';

export function emitCost(ir: PlatformIR): FileOutput[] {
  return [{ path: ESTIMATE_FILE, content: toJson(estimatePlatform(ir)) }];
}
