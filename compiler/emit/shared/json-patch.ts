/**
 * The JSON Patch (RFC 6902) that turns one JSON-like value into another: what a Kustomize overlay writes to
 * change a shared object only where it differs (kustomize applies `patches` entries of this form).
 * Objects are compared key by key and arrays of the same length item by item; anything else that differs
 * (a scalar, an array of another length, a value of another type) is replaced whole. Keys are compared in
 * `from`'s order, then the added ones in `to`'s: the same inputs always give the same operations.
 */
export type PatchOperation = { op: 'add' | 'remove' | 'replace'; path: string; value?: unknown };

export function jsonPatch(from: unknown, to: unknown): PatchOperation[] {
  const ops: PatchOperation[] = [];
  diff(from, to, '', ops);
  return ops;
}

/** A JSON Pointer token (RFC 6901): ~ and / escaped. */
const token = (key: string) => (key.includes('~') || key.includes('/') ? key.replace(/~/g, '~0').replace(/\//g, '~1') : key);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function diff(a: unknown, b: unknown, path: string, ops: PatchOperation[]): void {
  if (a === b) return;
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) diff(a[i], b[i], `${path}/${i}`, ops);
    return;
  }
  if (isObject(a) && isObject(b)) {
    // An undefined value is an absent key, as in the serialised object.
    for (const key of Object.keys(a)) {
      if (a[key] === undefined) continue;
      if (b[key] === undefined) ops.push({ op: 'remove', path: `${path}/${token(key)}` });
      else diff(a[key], b[key], `${path}/${token(key)}`, ops);
    }
    for (const key of Object.keys(b)) if (b[key] !== undefined && a[key] === undefined) ops.push({ op: 'add', path: `${path}/${token(key)}`, value: b[key] });
    return;
  }
  // Equal scalars returned above; NaN is not JSON-like data.
  ops.push({ op: 'replace', path, value: b });
}

/** What `common` returns where the values have nothing in common. */
export const ABSENT: unique symbol = Symbol('absent');

/**
 * What several JSON-like values have in common, as a value that each of them extends: equal scalars; of
 * objects, the keys every one has (in the first's order) with what their values have in common, an object
 * even when that is empty (so a patch can add keys to it); of arrays of one length, the items' common parts,
 * unless an item has none (an array cannot leave a hole). From that value, `jsonPatch` to any of the values
 * is only `add` operations: each adds what that value has and the others do not share.
 */
export function common(values: readonly unknown[]): unknown {
  const [first, ...rest] = values;
  if (first === undefined) return ABSENT;
  // The same value (one object built once and given to several variants) is its own common part.
  if (rest.every((v) => v === first)) return first;
  if (Array.isArray(first)) {
    if (!rest.every((v) => Array.isArray(v) && v.length === first.length)) return ABSENT;
    const items = first.map((_, i) => common(values.map((v) => (v as unknown[])[i])));
    return items.includes(ABSENT) ? ABSENT : items;
  }
  if (isObject(first)) {
    if (!rest.every(isObject)) return ABSENT;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      const part = common(values.map((v) => (v as Record<string, unknown>)[key]));
      if (part !== ABSENT) out[key] = part;
    }
    return out;
  }
  return rest.every((v) => v === first) ? first : ABSENT;
}
