/** Arithmetic of GPUs shared by time-slicing, where nothing isolates the replicas' memory. */

/**
 * GPU memory the replicas on one time-sliced GPU can need together in the worst case: the device plugin hands
 * out a GPU's `slices` replicas to any pods that ask, so the largest `slices` of all the replicas that can run
 * on the pool may land on the same GPU.
 */
export function worstCaseSharedGiB(replicaGiB: readonly number[], slices: number): number {
  const top = [...replicaGiB].sort((a, b) => b - a).slice(0, slices);
  return Math.round(top.reduce((a, g) => a + g, 0) * 100) / 100;
}
