/** platformc init, the generated GitHub Actions workflow and this repository's own CI workflow. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { emitCi } from '../../compiler/emit/ci.js';
import { listFiles } from '../../compiler/output/write.js';
import { cli, repoRoot, run } from '../helpers/cli.js';
import { filesOf, irOf } from '../helpers/platform.js';

type Json = Record<string, any>;
const ajv = new Ajv({ strict: false, allErrors: true });
const validateWorkflow = ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'schema/vendor/github-workflow.schema.json'), 'utf8')));

function checkWorkflow(name: string, text: string) {
  const wf = parse(text) as Json;
  expect(validateWorkflow(wf), `${name}: ${ajv.errorsText(validateWorkflow.errors)}`).toBe(true);
  for (const [id, job] of Object.entries(wf.jobs as Record<string, Json>)) {
    for (const step of job.steps) {
      if (!step.run) continue;
      const r = spawnSync('bash', ['-n'], { input: step.run, encoding: 'utf8' });
      expect(r.status, `${name} ${id} "${step.name}": ${r.stderr}`).toBe(0);
    }
  }
  return wf;
}

describe('platformc init', () => {
  it('creates a repository that validates and compiles; a second run changes nothing; --force rewrites', async () => {
    // The first init starts the built CLI in its own process; the rest run in this process.
    const dir = mkdtempSync(join(tmpdir(), 'platformc-init-'));
    const first = cli(['init', dir, '--name', 'acme', '--region', 'us-west-2', '--gpu', 'g5.xlarge']);
    expect(first.code, first.stderr).toBe(0);
    const files = listFiles(dir);
    expect(files).toEqual(['.gitattributes', '.github/workflows/platform.yml', '.gitignore', '.vscode/settings.json', 'models/resnet50.yaml', 'package.json', 'platform.yaml', 'schema/README.md', 'schema/model-definition.schema.json', 'schema/platform.schema.json']);
    const text = readFileSync(join(dir, 'platform.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema/platform.schema.json');
    expect(text).toContain('instanceTypes: [g5.xlarge]');
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toMatch(/\*\.tfstate/);
    expect(readFileSync(join(dir, '.gitattributes'), 'utf8')).toContain('generated/** linguist-generated=true');
    const validated = await run(['validate', '--format', 'json'], { cwd: dir });
    expect(validated).toMatchObject({ code: 0 });
    // A new platform starts clean: the only finding is the example model's placeholder weights (no single NAT or
    // single-replica rollout in prod).
    expect(JSON.parse(validated.stdout).diagnostics.map((d: { code: string }) => d.code)).toEqual(['placeholder-weights']);
    expect((await run(['compile'], { cwd: dir })).code).toBe(0);
    // The workflow init wrote is the one compile generates.
    expect(readFileSync(join(dir, '.github/workflows/platform.yml'), 'utf8')).toBe(readFileSync(join(dir, 'generated/ci/platform.yml'), 'utf8'));

    writeFileSync(join(dir, 'platform.yaml'), `${text}# my edit\n`);
    const second = await run(['init', dir, '--name', 'acme', '--region', 'us-west-2', '--gpu', 'g5.xlarge']);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('nothing to do');
    expect(second.stderr).toContain('skipped platform.yaml (it exists; --force overwrites)');
    expect(readFileSync(join(dir, 'platform.yaml'), 'utf8')).toContain('# my edit');

    const forced = await run(['init', dir, '--name', 'acme', '--region', 'us-west-2', '--gpu', 'g5.xlarge', '--force']);
    expect(forced.stderr).toContain('wrote   platform.yaml');
    expect(readFileSync(join(dir, 'platform.yaml'), 'utf8')).not.toContain('# my edit');
  });

  it('refuses a GPU that does not exist or is not offered in the region, with a suggestion', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'platformc-init-'));
    const r = await run(['init', dir, '--gpu', 'g5.xlarg']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("did you mean 'g5.xlarge'?");
    expect((await run(['init', dir, '--gpu', 'g6.xlarge', '--region', 'eu-west-1'])).stderr).toContain('g6.xlarge is not offered in eu-west-1');
    expect(listFiles(dir)).toEqual([]);
  });
});

describe('the generated workflow', () => {
  it('plans every environment and region with that environment\'s plan role, never in a GitHub environment; only those jobs may request OIDC tokens', () => {
    for (const spec of ['platform.yaml', 'examples/multi-region-prod.yaml']) {
      const ir = irOf(spec);
      const wf = checkWorkflow(spec, emitCi(ir)[0]!.content);
      expect(wf.permissions).toEqual({ contents: 'read' });
      for (const env of ir.environments.filter((e) => e.identity.ci?.plan)) {
        for (const r of env.regions) {
          const job = wf.jobs[`plan-${env.name}-${r.region}`];
          expect(job, `${spec}: plan-${env.name}-${r.region}`).toBeDefined();
          // A job that names an environment presents that environment's subject: a plan job never does (TF #8).
          expect(job.environment).toBeUndefined();
          const assume = job.steps.find((s: Json) => s.uses?.startsWith('aws-actions/configure-aws-credentials'));
          expect(assume.with['role-to-assume']).toBe(`arn:aws:iam::${env.account}:role/${env.identity.ci!.plan!.roleName}`);
          expect(assume.with['aws-region']).toBe(r.region);
          expect(job.steps.map((s: Json) => s.run)).toContain(`terraform fmt -check -recursive generated/terraform/${env.name}/${r.region}`);
        }
      }
      for (const [id, job] of Object.entries(wf.jobs as Record<string, Json>)) {
        const assumes = job.steps.some((s: Json) => s.uses?.startsWith('aws-actions/configure-aws-credentials'));
        expect(job.permissions['id-token'] === 'write', `${spec}: ${id}`).toBe(assumes);
        if (id.startsWith('apply-')) {
          expect(job.concurrency).toEqual({ group: `platformc-apply-${id.slice(6)}`, 'cancel-in-progress': false });
          expect(job.environment).toBe(id.slice(6));
        }
      }
      // Every action is pinned by a full commit SHA, with its release tag as a comment on the same line.
      const text = emitCi(ir)[0]!.content;
      for (const job of Object.values(wf.jobs as Record<string, Json>)) {
        for (const s of job.steps) {
          if (!s.uses) continue;
          expect(s.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
          expect(text).toMatch(new RegExp(`uses: ${s.uses} # v\\d+\\.\\d+\\.\\d+\n`));
          // setup-node's npm cache needs a lock file a platform repository may not have (init writes none).
          if (s.uses.startsWith('actions/setup-node@')) expect(s.with?.cache).toBeUndefined();
        }
      }
    }
  });

  it('runs plan and apply on the runners platform.yaml names: self-hosted ones inside each environment\'s VPC (TF #3)', async () => {
    const ir = irOf('platform.yaml');
    const wf = parse(emitCi(ir)[0]!.content) as Json;
    for (const env of ir.environments) {
      for (const id of [`plan-${env.name}-us-east-1`, `apply-${env.name}`]) expect(wf.jobs[id]['runs-on'], id).toEqual(['self-hosted', 'linux', 'x64', `platformc-${env.name}`]);
      // The runners reach the private API endpoint: the cluster security group admits the VPC on 443.
      const eks = filesOf(ir).find((f) => f.path === `terraform/${env.name}/us-east-1/infra/eks.tf`)!.content;
      expect(eks).toMatch(new RegExp(`ingress_ci_runners = \\{[^}]*cidr_blocks\\s+= \\["${env.regions[0]!.network.vpcCidr.replace(/\./g, '\\.')}"\\]`));
    }
    expect(wf.jobs.validate['runs-on']).toBe('ubuntu-latest'); // no AWS, no cluster: a hosted runner is enough
    const hosted = parse(emitCi(irOf('examples/multi-region-prod.yaml'))[0]!.content) as Json;
    expect(hosted.jobs['apply-prod']['runs-on']).toBe('ubuntu-latest');
  });

  it('applies environments in order on main, gated by GitHub environments', () => {
    const wf = parse(emitCi(irOf('examples/multi-region-prod.yaml'))[0]!.content) as Json;
    expect(wf.jobs['apply-staging'].needs).toBe('apply-dev');
    expect(wf.jobs['apply-prod'].needs).toBe('apply-staging');
    expect(wf.jobs['apply-prod'].if).toContain("github.ref == 'refs/heads/main'");
  });
});

describe('workflow files in this repository', () => {
  for (const file of ['.github/workflows/ci.yml', 'generated/ci/platform.yml']) {
    it(`${file} validates against the GitHub Actions workflow schema and its shell steps parse`, () => {
      checkWorkflow(file, readFileSync(join(repoRoot, file), 'utf8'));
    });
  }
  it('ci.yml runs the same steps as .ci/run on Node 20 and 22', () => {
    const ci = parse(readFileSync(join(repoRoot, '.github/workflows/ci.yml'), 'utf8')) as Json;
    expect(ci.jobs.test.strategy.matrix.node).toEqual(['20', '22']);
    const runs = ci.jobs.test.steps.map((s: Json) => s.run).filter(Boolean).join('\n');
    const local = readFileSync(join(repoRoot, '.ci/run'), 'utf8');
    for (const command of ['npm ci', 'npm test', 'node bin/platformc.js compile --check']) {
      expect(runs).toContain(command);
      expect(local).toContain(command);
    }
  });
  it('the schema rejects a workflow with a misspelt key', () => {
    expect(validateWorkflow({ on: 'push', jobs: { a: { 'runs-on': 'ubuntu-latest', steps: [{ run: 'true', shel: 'bash' }] } } })).toBe(false);
    expect(validateWorkflow({ on: 'push', jobs: { a: { 'runs-on': 'ubuntu-latest', permissions: { 'id-tokens': 'write' }, steps: [{ run: 'true' }] } } })).toBe(false);
  });
});
