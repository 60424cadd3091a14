/**
 * platformc bootstrap against fake aws and terraform executables that record their calls: the state bucket is
 * made before terraform init (the bootstrap root keeps its own state there), then the bootstrap root is applied;
 * the dry run lists exactly that and runs nothing. One run starts the built CLI as a user would (`cliAsync`); the
 * others call its entry point in this process (`run`, test/helpers/cli.ts).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliAsync, repoRoot, run } from '../helpers/cli.js';
import { compileIn } from '../helpers/platform.js';

const fakebin = join(repoRoot, 'test/fixtures/fakebin');

function workspace(spec = 'platform.yaml') {
  const dir = mkdtempSync(join(tmpdir(), 'platformc-bootstrap-'));
  cpSync(join(repoRoot, 'models'), join(dir, 'models'), { recursive: true });
  writeFileSync(join(dir, 'platform.yaml'), readFileSync(join(repoRoot, spec), 'utf8').replaceAll('../models/', 'models/'));
  compileIn(dir);
  const log = join(dir, 'calls.jsonl');
  return { dir, log, env: { PATH: `${fakebin}:${process.env.PATH}`, FAKE_LOG: log, CI: 'true' } };
}
const calls = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { tool: string; argv: string[] }).map((c) => `${c.tool} ${c.argv.join(' ')}`) : []);

describe('bootstrap', () => {
  it('makes the state bucket of each region, then applies the bootstrap root; says who does what next', async () => {
    const w = workspace('examples/multi-region-prod.yaml');
    const dry = await run(['bootstrap', '--env', 'prod', '--dry-run'], { cwd: w.dir, env: w.env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(calls(w.log)).toEqual([]);
    expect(dry.stdout).toContain('$ terraform -chdir=generated/terraform/prod/bootstrap apply -input=false -auto-approve -lock-timeout=5m');
    // us-west-2 needs a LocationConstraint; us-east-1 refuses one.
    expect(dry.stdout).toMatch(/create-bucket --bucket "\$1" --region "\$2" --create-bucket-configuration LocationConstraint="\$2"' ensure-bucket vision-tfstate-prod-usw2 us-west-2/);
    expect(dry.stdout).toMatch(/create-bucket --bucket "\$1" --region "\$2"' ensure-bucket vision-tfstate-prod us-east-1/);

    const r = await cliAsync(['bootstrap', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '444400000003' } });
    expect(r.code, r.stderr).toBe(0);
    expect(calls(w.log)).toEqual([
      'aws sts get-caller-identity --query Account --output text',
      'aws s3api head-bucket --bucket vision-tfstate-prod --region us-east-1',
      'aws s3api head-bucket --bucket vision-tfstate-prod-usw2 --region us-west-2',
      'terraform -chdir=generated/terraform/prod/bootstrap init -input=false',
      'terraform -chdir=generated/terraform/prod/bootstrap apply -input=false -auto-approve -lock-timeout=5m',
    ]);
    expect(r.stdout).toContain("create the environment 'prod' with required reviewers");
  });

  it('creates a missing bucket, and refuses credentials of another account', async () => {
    const w = workspace();
    const r = await run(['bootstrap', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222', FAKE_FAIL: 's3api head-bucket' } });
    expect(r.code, r.stderr).toBe(0);
    expect(calls(w.log)).toContain('aws s3api create-bucket --bucket inference-tfstate-222222222222 --region us-east-1');
    const other = workspace();
    const denied = await run(['bootstrap', '--env', 'prod'], { cwd: other.dir, env: { ...other.env, FAKE_ACCOUNT: '999999999999' } });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('the AWS credentials are for account 999999999999, but prod lives in 222222222222');
    expect(calls(other.log).filter((c) => !c.startsWith('aws sts'))).toEqual([]);
  });
});
