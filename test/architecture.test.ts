/**
 * The layering rules of the README's Architecture section, checked over the import graph of compiler/ and
 * schema/: each room imports only the rooms below it, emitters never import each other (emit/shared is the
 * shared part), and nothing under emit/ does I/O.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/cli.js';

/** A module's room: the first folder under compiler/ (or a top-level file's name), schema, or emit/<target>. */
function room(path: string): string {
  const rel = relative(repoRoot, path).replace(/\\/g, '/');
  if (rel.startsWith('schema/')) return 'schema';
  const parts = rel.replace(/^compiler\//, '').split('/');
  if (parts.length === 1) return parts[0]!.replace(/\.(ts|mjs)$/, '');
  if (parts[0] === 'emit') return parts.length === 2 ? `emit:${parts[1]!.replace(/\.ts$/, '')}` : `emit/${parts[1]}`;
  return parts[0]!;
}

/** What each room may import (besides itself). emit/<target> rooms are checked by EMIT_MAY. */
const MAY: Record<string, readonly string[]> = {
  lib: [],
  catalog: ['lib'],
  version: ['catalog'],
  diagnostics: ['lib'],
  schema: ['catalog', 'diagnostics', 'lib'],
  front: ['schema', 'catalog', 'diagnostics', 'lib'],
  resolve: ['front', 'schema', 'catalog', 'diagnostics', 'lib'],
  cost: ['resolve', 'front', 'catalog', 'diagnostics', 'lib'],
  output: ['lib'],
  pipeline: ['front', 'resolve', 'cost', 'diagnostics', 'lib'],
  generate: ['emit:registry', 'output', 'resolve'],
  ops: ['resolve', 'output', 'diagnostics', 'lib'],
};
/** Emitters read the IR and serialise; they never read the catalog or platform.yaml, and never each other. */
const EMIT_MAY = ['resolve', 'output', 'lib', 'cost', 'schema', 'emit/shared', 'emit/grafana'];
const IO_MODULES = /^(node:)?(fs|fs\/promises|child_process|net|http|https)$|^execa$|^@kubernetes\/client-node$/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const files = [...sources(join(repoRoot, 'compiler')), ...sources(join(repoRoot, 'schema'))];
const imports = files.map((file) => {
  const text = readFileSync(file, 'utf8');
  // `import type` brings no code: it counts for layering but not as I/O.
  const specs = [...text.matchAll(/(import\s+type\b[^']*?from\s*|(?:from|import)\s*\(?\s*)'([^']+)'/g)].map((m) => (m[1]!.startsWith('import type') ? `type:${m[2]}` : m[2]!));
  return { file, specs };
});

function violations(): string[] {
  const out: string[] = [];
  for (const { file, specs } of imports) {
    const from = room(file);
    if (from === 'cli' || from === 'build' || from === 'emit/grafana') continue;
    for (const written of specs) {
      const typeOnly = written.startsWith('type:');
      const spec = written.replace(/^type:/, '');
      if (!spec.startsWith('.')) {
        if (from.startsWith('emit') && !typeOnly && IO_MODULES.test(spec)) out.push(`${relative(repoRoot, file)} imports ${spec} (emitters do no I/O)`);
        continue;
      }
      const to = room(join(dirname(file), spec).replace(/\.js$/, '.ts'));
      if (to === from) continue;
      const allowed = from.startsWith('emit') ? (from === 'emit:registry' ? [...EMIT_MAY, 'emit'] : EMIT_MAY) : MAY[from];
      if (!allowed) {
        out.push(`${relative(repoRoot, file)}: room '${from}' has no layering rule`);
        continue;
      }
      const ok = allowed.some((a) => a === to || (a === 'emit' && to.startsWith('emit')));
      if (!ok) out.push(`${relative(repoRoot, file)} (${from}) imports ${spec} (${to})`);
    }
  }
  return out;
}

describe('architecture', () => {
  it('finds the modules it checks', () => {
    expect(files.length).toBeGreaterThan(40);
    expect(imports.some((i) => i.specs.length > 0)).toBe(true);
  });

  it('keeps every import inside the layering rules', () => {
    expect(violations()).toEqual([]);
  });

  it('catches a broken rule (an emitter importing another emitter, the catalog or the front end)', () => {
    const fake = [
      { file: join(repoRoot, 'compiler/emit/kubernetes/x.ts'), specs: ['../terraform/infra.js', '../../catalog.js', '../../front/source.js', '../shared/k8s.js', 'node:fs'] },
      { file: join(repoRoot, 'compiler/output/x.ts'), specs: ['../emit/registry.js'] },
      { file: join(repoRoot, 'compiler/ops/x.ts'), specs: ['../emit/terraform/dns.js'] },
    ];
    imports.push(...fake);
    try {
      const found = violations().filter((v) => v.includes('/x.ts'));
      expect(found).toHaveLength(6);
    } finally {
      imports.splice(imports.length - fake.length, fake.length);
    }
  });
});
