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
