/**
 * Determinism rule: order by plain UTF-16 code-unit comparison, never localeCompare, whose collation
 * differs between machines and would break byte-identical output.
 */
export const compareCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Entries of a record sorted by key. */
export function sortedEntries<V>(record: Readonly<Record<string, V>>): [string, V][] {
  return Object.entries(record).sort(([a], [b]) => compareCodeUnits(a, b));
}

/** A copy of a record with its keys in sorted order. */
export function byKey<V>(record: Readonly<Record<string, V>>): Record<string, V> {
  return Object.fromEntries(sortedEntries(record));
}
