/** `platformc compile` and `platformc diff` (filled in by the compile pipeline). */
import { EXIT } from './exit.js';
import type { Invocation } from './main.js';

export async function runCompile(_inv: Invocation): Promise<number> {
  return EXIT.failure;
}
