/**
 * Day one, for real (issue #18): the package a platform repository pins, installed from the packed tarball with
 * no registry, and the first week of a team on it: init, a model with its own definition, `auto`, a staging
 * environment with a standby region, a team, compile, compile --check, cost --format json and the workflow.
 * Also what init must never do (D24: write through symbolic links out of its folder).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFiles } from '../../compiler/output/write.js';
import { repoRoot, run as inProcess } from '../helpers/cli.js';

type Json = Record<string, any>;
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const run = (cmd: string, args: string[], cwd: string) => spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 180_000, env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });

describe('the packed package', () => {
  let work: string;
  let tarball: string;
  let platformc: (args: string[], cwd: string) => { code: number | null; stdout: string; stderr: string };

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'platformc-pack-'));
    // dist/ is built by `npm test` (and `npm pack` would run prepare = build again); pack what is there.
    const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], repoRoot);
    expect(packed.status, packed.stderr).toBe(0);
    tarball = join(work, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
    // A tool folder, as `npx platformc@VERSION` would have: installed with an empty cache and --offline, so any
    // dependency the tarball did not carry would fail the install.
    const tool = join(work, 'tool');
    mkdirSync(tool);
    writeFileSync(join(tool, 'package.json'), '{"name":"tool","private":true}\n');
    const installed = run('npm', ['install', '--offline', '--cache', join(work, 'empty-cache'), '--no-package-lock', tarball], tool);
    expect(installed.status, installed.stderr).toBe(0);
    const bin = join(tool, 'node_modules', 'platformc', 'bin', 'platformc.js');
    platformc = (args, cwd) => {
      const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '' } });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
  }, 240_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('holds the built CLI, specs, schemas and init models, and nothing a platform repository has to fetch', () => {
    const listed = run('tar', ['-tzf', tarball], work).stdout.split('\n').filter(Boolean).map((p) => p.replace(/^package\//, ''));
    for (const f of ['bin/platformc.js', 'dist/main.cjs', 'specs/instances.json', 'specs/regions.json', 'specs/versions.json', 'models/resnet50.yaml', 'schema/platform.schema.json', 'schema/README.md', 'README.md']) expect(listed).toContain(f);
    expect(listed.filter((p) => p.startsWith('compiler/') || p.startsWith('test/') || p.endsWith('.ts'))).toEqual([]);
    const manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], work).stdout) as Json;
    // Everything the CLI runs is bundled into dist/ (the Kubernetes client in a chunk of its own).
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.version).toBe(version);
  });

  it('runs the first week of a platform repository', () => {
    const repo = join(work, 'acme');
    const init = platformc(['init', repo, '--name', 'acme'], work);
    expect(init.code, init.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).devDependencies).toEqual({ platformc: version });
    // The example weights are flagged until replaced.
    const first = platformc(['validate'], repo);
    expect(first.code, first.stdout).toBe(0);
    expect(first.stdout).toContain('warning placeholder-weights: models/resnet50.yaml still has the example weights location s3://amzn-s3-demo-bucket/');

    // The week: real weights, a second model with its own definition and its own team, `auto`, staging with a standby region.
    const resnet = readFileSync(join(repo, 'models/resnet50.yaml'), 'utf8');
    writeFileSync(join(repo, 'models/resnet50.yaml'), resnet.replace(/uri: s3:\/\/amzn-s3-demo-bucket\/\S+/, 'uri: s3://acme-model-weights/resnet50/resnet50-v1-12.onnx'));
    writeFileSync(join(repo, 'models/classifier.yaml'), resnet.replace('name: resnet50', 'name: classifier').replace(/uri: s3:\/\/amzn-s3-demo-bucket\/\S+/, 'uri: s3://acme-model-weights/classifier/model.onnx'));
    let spec = readFileSync(join(repo, 'platform.yaml'), 'utf8');
    spec = spec
      .replace('    natGateways: single              # perAz survives an AZ outage, at a NAT gateway per AZ\n', '    natGateways: single              # perAz survives an AZ outage, at a NAT gateway per AZ\n  us-west-2:\n    vpcCidr: 10.1.0.0/16\n')
      .replace('    instanceTypes: [g4dn.xlarge]\n    minSize: 0\n    maxSize: 2', '    instanceTypes: auto\n    minSize: 0\n    maxSize: 4')
      .replace('teams:\n  ml:\n    gpuQuota: 2\n', 'teams:\n  ml:\n    gpuQuota: 2\n  search:\n    gpuQuota: 2\n')
      .replace('\nbudget:\n', '\n  classifier:\n    definition: models/classifier.yaml\n    team: search\n    nodePool: gpu\n    replicas: { min: 1, max: 2 }\n    slo: { latencyP99Ms: 50, availability: 99.9, targetRps: 50 }\n\nbudget:\n')
      .replace(/^  monthlyUsd: \d+$/m, '  monthlyUsd: 30000')
      .replace(/budget: \{ monthlyUsd: \d+ \}/, 'budget: { monthlyUsd: 30000 }')
      .replace('\n  prod:\n', '\n  staging:\n    account: "333333333333"\n    region: us-east-1\n    standby: { region: us-west-2 }\n    state: { bucket: acme-tfstate-333333333333 }\n  prod:\n');
    writeFileSync(join(repo, 'platform.yaml'), spec);

    // Staging is not yet a GitHub environment CI applies: a positioned warning (it has no apply role and no apply job).
    const missing = platformc(['validate'], repo);
    expect(missing.code).toBe(0);
    const line = spec.split('\n').findIndex((l) => l.includes('environments: [dev, prod]')) + 1;
    expect(missing.stdout).toContain(`platform.yaml:${line}:21: warning ci-environment: environment 'staging' is not in identity.ci.github.environments`);
    spec = spec.replace('environments: [dev, prod]', 'environments: [dev, staging, prod]');
    writeFileSync(join(repo, 'platform.yaml'), spec);
    const valid = platformc(['validate'], repo);
    expect(valid.code, valid.stdout).toBe(0);
    expect(valid.stdout).not.toContain('placeholder-weights');

    // Before compiling, --check reports the stale workflow copy too; compile brings both up to date.
    const stale = platformc(['compile', '--check'], repo);
    expect(stale.code).toBe(3);
    expect(stale.stdout).toContain('--- a/.github/workflows/platform.yml');
    const compiled = platformc(['compile'], repo);
    expect(compiled.code, compiled.stdout + compiled.stderr).toBe(0);
    expect(compiled.stderr).toContain('.github/workflows/platform.yml: updated from generated/ci/platform.yml');
    const check = platformc(['compile', '--check'], repo);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(listFiles(join(repo, 'generated'))).toContain('terraform/staging/us-west-2/infra/network.tf');

    const cost = platformc(['cost', '--format', 'json'], repo);
    expect(cost.code, cost.stderr).toBe(0);
    const estimate = JSON.parse(cost.stdout) as Json;
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validEstimate = ajv.compile(JSON.parse(readFileSync(join(work, 'tool', 'node_modules', 'platformc', 'schema', 'cost-estimate.schema.json'), 'utf8')));
    expect(validEstimate(estimate), ajv.errorsText(validEstimate.errors)).toBe(true);
    expect(estimate.projects.map((p: Json) => `${p.name} ${p.metadata.role}`)).toEqual(expect.arrayContaining(['acme/staging/us-east-1 primary', 'acme/staging/us-west-2 standby']));

    const workflowText = readFileSync(join(repo, '.github/workflows/platform.yml'), 'utf8');
    expect(workflowText).toBe(readFileSync(join(repo, 'generated/ci/platform.yml'), 'utf8'));
    const validWorkflow = ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'schema/vendor/github-workflow.schema.json'), 'utf8')));
    const workflow = parse(workflowText) as Json;
    expect(validWorkflow(workflow), ajv.errorsText(validWorkflow.errors)).toBe(true);
    expect(Object.keys(workflow.jobs)).toContain('apply-staging');
  });
});

describe('platformc init', () => {
  it('writes examples that say so: placeholder weights, one model, the field reference, no made-up links', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'platformc-init-'));
    expect((await inProcess(['init', dir])).code).toBe(0);
    const files = listFiles(dir);
    expect(files.filter((f) => f.startsWith('models/'))).toEqual(['models/resnet50.yaml']);
    // The header points at schema/README.md: it is there.
    expect(readFileSync(join(dir, 'platform.yaml'), 'utf8')).toContain('documented in schema/README.md');
    expect(readFileSync(join(dir, 'schema/README.md'), 'utf8')).toContain('apiVersion');
    // Links a reader would follow; the JSON Schemas' "$id" is an identifier, never fetched.
    for (const f of files) expect(readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => !l.includes('"$id"')).join('\n'), f).not.toMatch(/https?:\/\/platformc\.dev/);
    expect(readFileSync(join(dir, 'models/resnet50.yaml'), 'utf8')).toContain('uri: s3://amzn-s3-demo-bucket/');
  });

  it('never writes through a dangling symbolic link or into a linked folder outside its directory (D24)', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'platformc-outside-'));
    const dir = mkdtempSync(join(tmpdir(), 'platformc-init-'));
    symlinkSync(join(outside, 'victim.yaml'), join(dir, 'platform.yaml'));
    const dangling = await inProcess(['init', dir]);
    expect(dangling.code).toBe(2);
    expect(dangling.stderr).toContain('refusing to write platform.yaml: platform.yaml is a symbolic link to nothing');
    expect(existsSync(join(outside, 'victim.yaml'))).toBe(false);
    expect(listFiles(dir)).toEqual(['platform.yaml']); // the link itself, and nothing written

    const second = mkdtempSync(join(tmpdir(), 'platformc-init-'));
    symlinkSync(outside, join(second, '.github'));
    const linked = await inProcess(['init', second, '--force']);
    expect(linked.code).toBe(2);
    expect(linked.stderr).toContain(`refusing to write .github/workflows/platform.yml: .github is a symbolic link to ${outside}, outside ${second}`);
    expect(listFiles(outside)).toEqual([]);

    // A link that stays inside the directory is fine.
    const third = mkdtempSync(join(tmpdir(), 'platformc-init-'));
    mkdirSync(join(third, 'ci-config'));
    symlinkSync(join(third, 'ci-config'), join(third, '.github'));
    expect((await inProcess(['init', third])).code).toBe(0);
    expect(existsSync(join(third, 'ci-config/workflows/platform.yml'))).toBe(true);
  });
});

describe('the workflow copy in .github/workflows', () => {
  it('compile --check reports it stale (exit 3), compile rewrites it; a workflow without the header is left alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'platformc-copy-'));
    expect((await inProcess(['init', dir])).code).toBe(0);
    expect((await inProcess(['compile'], { cwd: dir })).code).toBe(0);
    const path = join(dir, '.github/workflows/platform.yml');
    const fresh = readFileSync(path, 'utf8');
    writeFileSync(path, fresh.replace('npx platformc validate platform.yaml', 'npx platformc validate platform.yaml --old'));
    const check = await inProcess(['compile', '--check'], { cwd: dir });
    expect(check.code).toBe(3);
    expect(check.stdout).toContain('--- a/.github/workflows/platform.yml\n+++ b/.github/workflows/platform.yml\n');
    expect(check.stdout).toContain('-        run: npx platformc validate platform.yaml --old\n+        run: npx platformc validate platform.yaml\n');
    expect(check.stderr).toContain('.github/workflows/platform.yml is out of date with generated/ci/platform.yml');
    const json = JSON.parse((await inProcess(['compile', '--check', '--format', 'json'], { cwd: dir })).stdout) as Json;
    expect(json).toMatchObject({ upToDate: false, workflowCopy: '.github/workflows/platform.yml' });
    expect((await inProcess(['compile'], { cwd: dir })).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(fresh);
    expect((await inProcess(['compile', '--check'], { cwd: dir })).code).toBe(0);

    writeFileSync(path, 'name: our own\non: push\njobs: {}\n');
    expect((await inProcess(['compile', '--check'], { cwd: dir })).code).toBe(0);
    expect((await inProcess(['compile'], { cwd: dir })).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe('name: our own\non: push\njobs: {}\n');
  });
});
