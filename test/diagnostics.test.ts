/** The diagnostic catalog: every message is built from its code's template, and every template is complete. */
import { describe, expect, it } from 'vitest';
import { codes, type DiagnosticCode } from '../compiler/diagnostics/codes.js';
import { diagnostic, formatMessage, inEnvironment, startOfFile } from '../compiler/diagnostics/diagnostic.js';

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

  it('says which environment a finding in one environment comes from', () => {
    const d = inEnvironment(diagnostic('replica-order', { model: 'm', min: 3, max: 2 }, 'platform.yaml', startOfFile), 'prod');
    expect(d.message).toBe("model 'm' needs replicas.min <= replicas.max, got 3 > 2 (in environment 'prod')");
    expect(d.severity).toBe('error');
  });
});
