/**
 * Lookups by name over the IR's lists, built once per list: `list.find` for every model of a 500-model
 * platform is quadratic. Cached per list object (the IR is frozen), so every emitter shares one index.
 */
const indexes = new WeakMap<readonly object[], ReadonlyMap<string, unknown>>();

export function byName<T extends object>(list: readonly T[], key: (item: T) => string): ReadonlyMap<string, T> {
  let index = indexes.get(list) as ReadonlyMap<string, T> | undefined;
  if (!index) {
    index = new Map(list.map((item) => [key(item), item]));
    indexes.set(list, index);
  }
  return index;
}
