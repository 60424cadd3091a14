/**
 * The command line as users meet it: help, version, usage errors, output formats, exit codes. Most cases run
 * the CLI in this process (`run`); --version, --help, no command, schema, an unknown command and `validate`
 * with no argument also start the built CLI as a user would, for its real exit status.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, hasStackTrace, repoRoot, run } from '../helpers/cli.js';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const commands = ['validate', 'compile', 'diff', 'cost', 'plan', 'apply', 'destroy', 'status', 'verify', 'loadtest', 'schema'];

describe('help and version', () => {
  it('--version prints the package version', () => {
    const r = cli(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${version}\n` });
  });
  it('--help lists every command', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of commands) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\s`, 'm'));
  });
  for (const c of commands) {
    it(`${c} --help shows its usage`, async () => {
      const r = await run([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: platformc ${c}`);
    });
  }
  it('no command prints help and exits 2', () => expect(cli([]).code).toBe(2));
  it('schema writes the committed JSON Schemas (the built CLI, in its own process)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'platformc-schema-'));
    const r = cli(['schema', '--out-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['platform.schema.json', 'model-definition.schema.json']) expect(readFileSync(join(dir, f), 'utf8'), f).toBe(readFileSync(join(repoRoot, 'schema', f), 'utf8'));
  });
});

describe('usage errors exit 2 in one line', () => {
  it('unknown command, with a suggestion', () => {
    const r = cli(['validte']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'validte': did you mean 'validate'?");
  });
  it('unknown option', async () => {
    const r = await run(['validate', '--strict']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown option '--strict'/);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
  it('bad --format', async () => expect((await run(['validate', '--format', 'xml'])).code).toBe(2));
  it('two files', async () => expect((await run(['validate', 'a.yaml', 'b.yaml'])).code).toBe(2));
});

describe('validate', () => {
  it('accepts platform.yaml and every example', async () => {
    for (const f of ['platform.yaml', 'examples/minimal-dev.yaml', 'examples/multi-region-prod.yaml', 'examples/spot-cost-optimised.yaml', 'examples/multi-model-teams.yaml']) {
      const r = await run(['validate', f]);
      expect(r.code, `${f}: ${r.stdout}`).toBe(0);
      expect(r.stdout).not.toContain(' error ');
    }
  });
  it('defaults to platform.yaml in the working directory', () => expect(cli(['validate']).code).toBe(0));

  it('reports a missing file in one line', async () => {
    const r = await run(['validate', 'nope.yaml']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('nope.yaml:1:1: error file-unreadable: nope.yaml does not exist\n');
  });
  it('reports a directory in one line', async () => {
    const r = await run(['validate', 'examples']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^examples:1:1: error file-unreadable: examples is a directory/);
  });
  it('refuses a huge file without reading it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'platformc-'));
    const file = join(dir, 'huge.yaml');
    writeFileSync(file, `x: "${'a'.repeat(5 * 1024 * 1024)}"\n`);
    const r = await run(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('error file-too-large');
  });

  it('prints warnings but exits 0 when there is no error', async () => {
    const r = await run(['validate', 'test/fixtures/warnings/platform.yaml']);
    expect(r.code).toBe(0);
    const codes = [...r.stdout.matchAll(/warning ([a-z-]+):/g)].map((m) => m[1]);
    // prod runs one replica of each model with no GPU left for a surge pod (the quota is short): rollout-outage.
    expect(codes.sort()).toEqual(['general-pool-with-gpu', 'mfa-disabled', 'open-endpoint', 'rollout-outage', 'rollout-outage', 'single-nat-prod', 'team-quota']);
    expect(r.stderr).toContain('0 errors, 7 warnings');
  });

  it('--format json prints machine-readable diagnostics on stdout', async () => {
    const r = await run(['validate', 'test/fixtures/invalid/enum-typo-role.yaml', '--format', 'json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { valid: boolean; diagnostics: Record<string, unknown>[] };
    expect(out.valid).toBe(false);
    expect(out.diagnostics[0]).toMatchObject({ code: 'invalid-value', severity: 'error', line: 36, col: 11, hint: "did you mean 'gpu'?" });
  });

  it('adds GitHub Actions annotations under Actions', async () => {
    const r = await run(['validate', 'test/fixtures/invalid/enum-typo-role.yaml'], { env: { GITHUB_ACTIONS: 'true' } });
    expect(r.stdout).toContain('::error file=test/fixtures/invalid/enum-typo-role.yaml,line=36,col=11,endLine=36,endColumn=15,title=invalid-value::');
  });

  it('colours only when asked or on a terminal, and never under NO_COLOR', async () => {
    const file = 'test/fixtures/invalid/enum-typo-role.yaml';
    expect((await run(['validate', file])).stdout).not.toContain('\u001b[');
    expect((await run(['validate', file], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } })).stdout).toContain('\u001b[');
    expect((await run(['validate', file], { env: { NO_COLOR: '1', FORCE_COLOR: '1' } })).stdout).not.toContain('\u001b[');
  });

  it('recognises a model definition and checks it against the model schema', async () => {
    const ok = await run(['validate', 'models/resnet50.yaml']);
    expect(ok.stdout).toBe('');
    expect(ok.stderr).toContain('models/resnet50.yaml is a valid model definition');
    expect(ok.code).toBe(0);
    // A broken one: positioned errors of the model schema, not "unknown key" for every field of a platform.
    const dir = mkdtempSync(join(tmpdir(), 'platformc-'));
    const file = join(dir, 'broken.yaml');
    const text = readFileSync(join(repoRoot, 'models/resnet50.yaml'), 'utf8').replace('maxBatchSize: 32', 'maxBatchSize: lots').replace('  gpuGiB: 2.5', '  gpuGB: 2.5');
    writeFileSync(file, text);
    const lines = text.split('\n');
    const at = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    const bad = await run(['validate', file]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`${file}:${at('maxBatchSize: lots')}:15: error invalid-type: maxBatchSize: expected a number, got the string 'lots'`);
    expect(bad.stdout).toContain(`${file}:${at('gpuGB')}:3: error unknown-key: unknown key 'gpuGB' in memory`);
    expect(bad.stdout).not.toContain('metadata');
    // Where a platform is expected, a model definition is one clear error.
    const compile = await run(['compile', 'models/resnet50.yaml', '--check']);
    expect(compile.code).toBe(1);
    expect(compile.stdout).toMatch(/^models\/resnet50.yaml:3:7: error not-a-platform: /);
  });

  it('puts diagnostics on stdout and the tally on stderr', async () => {
    const r = await run(['validate', 'test/fixtures/invalid/enum-typo-role.yaml']);
    expect(r.stdout).toContain('error invalid-value');
    expect(r.stderr).toBe('1 error, 0 warnings\n');
  });
});
