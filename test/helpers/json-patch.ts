/** Applies RFC 6902 add/remove/replace operations in place, as kustomize does with an overlay's JSON patches. */
type Op = { op: string; path: string; value?: unknown };

export function applyJsonPatch(target: unknown, ops: readonly Op[]): unknown {
  let root = target;
  for (const { op, path, value } of ops) {
    if (path === '') {
      if (op !== 'replace') throw new Error(`${op} at the root`);
      root = structuredClone(value);
      continue;
    }
    const tokens = path.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = tokens.pop()!;
    let parent: any = root;
    for (const t of tokens) {
      if (parent === null || typeof parent !== 'object' || !(t in parent)) throw new Error(`${path}: ${t} does not exist`);
      parent = parent[t];
    }
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (op === 'add') parent.splice(i, 0, structuredClone(value));
      else if (!(i in parent)) throw new Error(`${path}: no item ${i}`);
      else if (op === 'remove') parent.splice(i, 1);
      else parent[i] = structuredClone(value);
    } else {
      if (op !== 'add' && !(last in parent)) throw new Error(`${path}: ${op} of a missing key`);
      if (op === 'remove') delete parent[last];
      else parent[last] = structuredClone(value);
    }
  }
  return root;
}
