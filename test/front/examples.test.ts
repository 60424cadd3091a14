/**
 * The examples are what a new user copies: each validates without a warning a real user would be told to fix in
 * production. A warning an example keeps on purpose (a cost or sandbox choice, a throughput figure only a
 * measurement can give) is explained by a comment naming its code on the flagged line or just above it.
 * rollout-outage and single-replica never stay: prod keeps two replicas and a GPU of surge headroom.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPlatform } from '../../compiler/pipeline.js';
import { repoRoot } from '../helpers/cli.js';

const specs = ['platform.yaml', ...readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`)];

describe('examples validate without unexplained warnings', () => {
  it.each(specs)('%s', (spec) => {
    const file = join(repoRoot, spec);
    const lines = readFileSync(file, 'utf8').split('\n');
    const diagnostics = checkPlatform(file, { display: spec, compilerVersion: '0.0.0-test' }).diagnostics;
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const unexplained = diagnostics
      .filter((d) => d.severity === 'warning')
      .filter((d) => !lines.slice(Math.max(0, d.line - 4), d.line).some((l) => l.includes('#') && l.slice(l.indexOf('#')).includes(d.code)))
      .map((d) => `${spec}:${d.line}:${d.col} ${d.code}: ${d.message}`);
    expect(unexplained).toEqual([]);
    expect(diagnostics.filter((d) => d.code === 'rollout-outage' || d.code === 'single-replica').map((d) => d.message)).toEqual([]);
  });
});
