/**
 * destroy against the fake tools and API (./fake-platform.ts): what goes before terraform destroy and in which
 * order, leftovers, the versioned bucket, confirmation (without a terminal, and Ctrl-C / Ctrl-D at the prompt of
 * one) and deletion protection. One destroy starts the built CLI as a user would (`cliAsync`), the others run
 * in this process (`run`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliAsync, repoRoot, run } from '../helpers/cli.js';
import { calls, dryRunCommands, fakeCluster, workspace } from './fake-platform.js';

const cluster = fakeCluster();

describe('destroy', () => {
  it('deletes load tests, Ingresses and namespaces before terraform destroy, standby first', async () => {
    const w = workspace(cluster, 'examples/multi-region-prod.yaml');
    const r = await run(['destroy', '--env', 'prod', '--auto-approve', '--disable-deletion-protection'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '444400000003' } });
    expect(r.code, r.stderr).toBe(0);
    const order = calls(w.log);
    const first = (s: string) => order.findIndex((c) => c.includes(s));
    const last = (s: string) => order.map((c, i) => (c.includes(s) ? i : -1)).reduce((a, b) => Math.max(a, b), -1);
    for (const region of ['us-west-2', 'us-east-1']) {
      const ctx = `vision-prod-prod-${region}`;
      const at = (s: string) => order.findIndex((c) => c.includes(s) && (c.includes(ctx) || c.includes(`/${region}/`) || c.includes(`--region ${region}`)));
      expect(at('delete ingress')).toBeLessThan(at('resourcegroupstaggingapi'));
      expect(at('delete --context')).toBeLessThan(at('platform destroy'));
      expect(at('wait --for=delete')).toBeLessThan(at('platform destroy'));
      expect(at('platform destroy')).toBeLessThan(at('infra destroy'));
      expect(at('delete jobs,cronjobs')).toBeLessThan(at('delete ingress'));
    }
    expect(last('us-west-2/infra destroy')).toBeLessThan(first('us-east-1/platform destroy'));
    // DNS records go first, while the load balancers they look up still exist.
    expect(first('dns destroy')).toBeLessThan(first('delete ingress'));
  });

  it('never runs terraform destroy while load balancers remain, and reports leftovers', async () => {
    const w = workspace(cluster);
    const r = await run(['destroy', '--env', 'prod', '--auto-approve', '--disable-deletion-protection'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222', FAKE_LEFTOVER: 'arn:aws:elasticloadbalancing:us-east-1:222222222222:loadbalancer/app/k8s-inference/abc' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('load balancers still exist: arn:aws:elasticloadbalancing:us-east-1:222222222222:loadbalancer/app/k8s-inference/abc');
    expect(calls(w.log).filter((c) => c.includes('destroy'))).toEqual([]);
  });

  it('reports what is still tagged for the cluster after terraform destroy', async () => {
    const w = workspace(cluster);
    const r = await run(['destroy', '--env', 'prod', '--auto-approve', '--disable-deletion-protection'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222', FAKE_LEFTOVER_VOLUME: 'vol-0123456789abcdef0' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('still tagged for inference-prod: vol-0123456789abcdef0');
    // The leftover search runs last, after both terraform destroys.
    expect(calls(w.log).filter((c) => c.includes(' destroy '))).toHaveLength(2);
  });

  it('empties the versioned model bucket (every version and delete marker) and deletes volume claims before terraform destroy of infra', async () => {
    const w = workspace(cluster);
    const versions = [{ Key: 'resnet50/resnet50/1/model.onnx', VersionId: 'v2' }, { Key: 'resnet50/resnet50/1/model.onnx', VersionId: 'dm1' }];
    const r = await cliAsync(['destroy', '--env', 'prod', '--auto-approve', '--disable-deletion-protection'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222', FAKE_VERSIONS: JSON.stringify(versions) } });
    expect(r.code, r.stderr).toBe(0);
    const order = calls(w.log);
    const at = (s: string) => order.findIndex((c) => c.includes(s));
    const del = order.find((c) => c.includes('s3api delete-objects'))!;
    expect(del).toContain('--bucket inference-prod-models-222222222222-use1');
    expect(del).toContain(JSON.stringify({ Objects: versions, Quiet: true }));
    // Listed until none is left: list, delete, list again (empty).
    expect(order.filter((c) => c.includes('list-object-versions'))).toHaveLength(2);
    expect(at('platform destroy')).toBeLessThan(at('delete persistentvolumeclaims --all --all-namespaces'));
    expect(at('delete persistentvolumeclaims')).toBeLessThan(at('wait --for=delete persistentvolumes --all'));
    expect(at('wait --for=delete persistentvolumes')).toBeLessThan(at('infra destroy'));
    expect(at('s3api delete-objects')).toBeLessThan(at('infra destroy'));
  });

  it('needs confirmation without a terminal', async () => {
    const w = workspace(cluster);
    const r = await cliAsync(['destroy', '--env', 'prod', '--disable-deletion-protection'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pass --auto-approve');
    expect(calls(w.log)).toEqual([]);
  });

  it('lists the same steps in a dry run', async () => {
    const w = workspace(cluster);
    const dry = await run(['destroy', '--env', 'prod', '--dry-run', '--disable-deletion-protection'], { cwd: w.dir, env: w.env });
    const r = await run(['destroy', '--env', 'prod', '--auto-approve', '--disable-deletion-protection'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222' } });
    expect(r.code, r.stderr).toBe(0);
    // The AWS queries of the waiting steps come on top of the listed commands.
    const queries = ['resourcegroupstaggingapi', 'ec2 describe', 's3api', 'eks describe-cluster', 'eks update-cluster-config'];
    expect(calls(w.log).filter((c) => !queries.some((q) => c.includes(q)))).toEqual(dryRunCommands(dry.stdout));
  });
});

describe('destroy of a cluster with deletion protection (TF #32)', () => {
  it('refuses without --disable-deletion-protection, says what to do, and touches nothing (a dry run says the same)', async () => {
    const w = workspace(cluster);
    for (const args of [['--auto-approve'], ['--dry-run']]) {
      const r = await run(['destroy', '--env', 'prod', ...args], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222', FAKE_CLUSTER: 'protected' } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('refusing to destroy prod: inference-prod has EKS deletion protection');
      expect(r.stderr).toContain('rerun with --disable-deletion-protection');
      expect(r.stderr).toContain('Nothing was changed');
    }
    expect(calls(w.log)).toEqual([]);
  });

  it('with --disable-deletion-protection turns the protection off after everything else is gone and just before terraform destroys the cluster', async () => {
    const w = workspace(cluster);
    const r = await run(['destroy', '--env', 'prod', '--auto-approve', '--disable-deletion-protection'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222', FAKE_CLUSTER: 'protected' } });
    expect(r.code, r.stderr).toBe(0);
    const order = calls(w.log);
    const at = (s: string) => order.findIndex((c) => c.includes(s));
    const off = 'aws eks update-cluster-config --name inference-prod --region us-east-1 --no-deletion-protection';
    expect(order.filter((c) => c === off)).toHaveLength(1);
    expect(at('platform destroy')).toBeLessThan(at(off));
    expect(at('s3api list-object-versions')).toBeLessThan(at(off));
    expect(at(off)).toBeLessThan(at('infra destroy'));
    // It waits until EKS reports the protection off before terraform deletes the cluster.
    expect(order.slice(at(off), at('infra destroy')).some((c) => c.includes('eks describe-cluster'))).toBe(true);
  });

  it('a rerun after the cluster is gone has nothing to turn off and finishes', async () => {
    const w = workspace(cluster);
    const r = await run(['destroy', '--env', 'prod', '--auto-approve', '--disable-deletion-protection'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222', FAKE_CLUSTER: 'gone' } });
    expect(r.code, r.stderr).toBe(0);
    expect(calls(w.log).some((c) => c.includes('update-cluster-config'))).toBe(false);
    expect(calls(w.log).some((c) => c.includes('infra destroy'))).toBe(true);
  });

  it('an unprotected environment (dev) is destroyed without the flag and without touching the protection', async () => {
    const w = workspace(cluster);
    const r = await run(['destroy', '--env', 'dev', '--auto-approve'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '111111111111' } });
    expect(r.code, r.stderr).toBe(0);
    expect(calls(w.log).some((c) => c.includes('eks describe-cluster') || c.includes('update-cluster-config'))).toBe(false);
  });
});

describe('the destroy prompt on a terminal (D22)', () => {
  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript).each([['Ctrl-C', '\u0003'], ['Ctrl-D', '\u0004']])('%s is "not confirmed", not an internal error', async (_name, key) => {
    const w = workspace(cluster);
    // script(1) gives platformc a pseudo-terminal; the key is typed once the prompt is up.
    const child = spawn('script', ['-qec', `${process.execPath} ${join(repoRoot, 'bin/platformc.js')} destroy --env dev; echo EXIT=$?`, '/dev/null'], { cwd: w.dir, env: { ...process.env, ...w.env, NO_COLOR: '1', FAKE_ACCOUNT: '111111111111' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    for (let i = 0; i < 100 && !out.includes('Type the environment name'); i++) await new Promise((r) => setTimeout(r, 100));
    child.stdin.write(key);
    await new Promise((r) => child.on('close', r));
    expect(out).toContain('not confirmed; nothing was deleted');
    expect(out).toContain('EXIT=1');
    expect(out).not.toContain('internal error');
    expect(calls(w.log).filter((c) => c.startsWith('terraform') || c.includes('delete'))).toEqual([]);
  }, 30_000);
});
