/** The diagnostic catalog: every message is built from its code's template, and every template is complete. */
import { describe, expect, it } from 'vitest';
import { codes, type DiagnosticCode } from '../compiler/diagnostics/codes.js';
import { diagnostic, formatMessage, inEnvironment, mergeEnvironments } from '../compiler/diagnostics/diagnostic.js';

describe('diagnostic catalog', () => {
  it('gives every code a severity, a message template and a doc', () => {
    for (const [code, c] of Object.entries(codes)) {
      expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(['error', 'warning']).toContain(c.severity);
      expect(c.message.length, code).toBeGreaterThan(0);
      expect(c.doc.length, code).toBeGreaterThan(10);
    }
  });

  it('fills every placeholder of a template, and refuses a missing value', () => {
    expect(formatMessage('unknown-reference', { kind: 'node pool', name: 'gpu' })).toBe("no node pool named 'gpu'");
    for (const code of Object.keys(codes) as DiagnosticCode[]) {
      const names = [...codes[code].message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      const args = Object.fromEntries(names.map((n) => [n, `<${n}>`]));
      const text = formatMessage(code, args as never);
      expect(text, code).not.toMatch(/\{\w+\}|undefined/);
      if (names.length) expect(() => formatMessage(code, {} as never), code).toThrow(`no value for {${names[0]}}`);
    }
  });

  it('says which environment a finding comes from, and merges the same finding of several environments', () => {
    const at = (line: number) => ({ line, col: 1, endLine: line, endCol: 2 });
    const order = (env: string, line = 3) => inEnvironment(diagnostic('replica-order', { model: 'm', min: 3, max: 2 }, 'platform.yaml', at(line)), env);
    const capacity = (env: string, needed: number) => inEnvironment(diagnostic('gpu-capacity', { pool: 'gpu', needed, maxSize: 4, perNode: 1, capacity: 4 }, 'platform.yaml', at(9)), env);
    const merged = mergeEnvironments([order('prod'), order('dev', 5), order('staging', 5), order('prod', 5), capacity('dev', 6), capacity('prod', 8), order('dev', 7), order('staging', 7)], ['dev', 'prod', 'staging']);
    expect(merged.map((d) => `${d.line}: ${d.message}`)).toEqual([
      "3: model 'm' needs replicas.min <= replicas.max, got 3 > 2 (in environment 'prod')",
      "5: model 'm' needs replicas.min <= replicas.max, got 3 > 2",
      "9: models on 'gpu' need up to 6 GPUs at maximum replicas; 4 nodes x 1 GPUs give 4 (in environment 'dev')",
      "9: models on 'gpu' need up to 8 GPUs at maximum replicas; 4 nodes x 1 GPUs give 4 (in environment 'prod')",
      "7: model 'm' needs replicas.min <= replicas.max, got 3 > 2 (in environments 'dev' and 'staging')",
    ]);
    expect(merged[0]!.environments).toEqual(['prod']);
    expect(merged[1]!.environments).toBeUndefined();
    expect(merged[0]!.severity).toBe('error');
  });
});
