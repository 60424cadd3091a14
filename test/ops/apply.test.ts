/**
 * apply against the fake tools and API (./fake-platform.ts): the dry run's commands in its order, the load tests,
 * the refusals (stale generated/, another account, tampered weights), an injected failure in each step and the
 * rerun, the standby's secrets, the GPU nodes. Most runs call the CLI in this process (`run`: a node start with
 * the Kubernetes client costs over a second); one apply starts the built CLI as a user would (`cliAsync`).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliAsync, run } from '../helpers/cli.js';
import { calls, COGNITO_401, dryRunCommands, fakeCluster, FAKE_WEIGHTS_SHA256, isEdgeCall, modelsInOrder, runIdOf, workspace } from './fake-platform.js';

const cluster = fakeCluster();

describe('apply', () => {
  for (const [spec, env, account] of [['platform.yaml', 'prod', '222222222222'], ['examples/multi-region-prod.yaml', 'prod', '444400000003']] as const) {
    it(`${spec} --env ${env}: runs the dry run's commands, in its order, and verifies through the API`, async () => {
      const w = workspace(cluster, spec);
      const dry = await run(['apply', '--env', env, '--dry-run'], { cwd: w.dir, env: w.env });
      expect(dry.code).toBe(0);
      expect(calls(w.log)).toEqual([]); // a dry run runs nothing
      const r = await (spec === 'platform.yaml' ? cliAsync : run)(['apply', '--env', env], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: account, FAKE_CURL: COGNITO_401 } });
      expect(r.code, r.stderr).toBe(0);
      expect(modelsInOrder(calls(w.log).map(runIdOf).filter((c) => !isEdgeCall(c)))).toEqual(modelsInOrder(dryRunCommands(dry.stdout).filter((c) => !isEdgeCall(c))));
      // primary region first, then the standby; infra before platform; Kubernetes objects last
      const order = calls(w.log);
      const idx = (s: string) => order.findIndex((c) => c.includes(s));
      expect(idx('infra apply')).toBeLessThan(idx('platform apply'));
      expect(idx('platform apply')).toBeLessThan(idx('kubectl apply'));
      if (spec.includes('multi-region')) {
        expect(idx('us-east-1/infra apply')).toBeLessThan(idx('us-west-2/infra apply'));
        // DNS failover records once both regions' load balancers exist, then the load tests (primary region only).
        expect(order.filter((c) => !c.includes('loadtest-') && !isEdgeCall(c)).at(-1)).toBe('terraform -chdir=generated/terraform/prod/us-east-1/dns apply -input=false -auto-approve -lock-timeout=5m');
        expect(order.filter((c) => c.includes('create job loadtest-')).every((c) => c.includes('--context vision-prod-prod-us-east-1'))).toBe(true);
      }
      // The endpoint check reads each Service's EndpointSlices; nothing goes through the API server's proxy (refused
      // by the team namespaces' NetworkPolicies on a real cluster).
      expect(cluster.apiCalls.some((c) => c.includes('/namespaces/vision/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dtriton-resnet50'))).toBe(true);
      expect(cluster.apiCalls.filter((c) => c.includes('/proxy'))).toEqual([]);
      expect(r.stdout).toContain('is serving');
    });
  }

  it('ends with each model\'s load test (issue #15 item 7): a broken SLO threshold fails the step with the k6 summary and what to do; --skip-loadtests leaves them out', async () => {
    const w = workspace(cluster);
    const ok = await run(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222' } });
    expect(ok.code, ok.stderr).toBe(0);
    const jobs = calls(w.log).filter((c) => c.includes(' create job '));
    expect(jobs.map(runIdOf)).toEqual([
      'kubectl --context inference-prod-us-east-1 --namespace platform create job loadtest-mobilenet-RUN --from=cronjob/loadtest-mobilenet',
      'kubectl --context inference-prod-us-east-1 --namespace platform create job loadtest-resnet50-RUN --from=cronjob/loadtest-resnet50',
    ]);
    // After everything else: the load tests are the last word of apply.
    const order = calls(w.log);
    expect(order.findIndex((c) => c.includes(' create job '))).toBeGreaterThan(order.findIndex((c) => c.includes('kubectl apply')));
    expect(ok.stderr).toMatch(/load test of resnet50 meets its SLO \(p99 < 50 ms, errors < 0\.1% at 200 requests\/s, us-east-1\): ok/);

    writeFileSync(w.log, '');
    const failed = await run(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222', FAKE_LOADTEST: 'fail' } });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/load test of mobilenet meets its SLO .*: FAILED after [\d.]+s: the load test of mobilenet broke its SLO \(p99 < 25 ms, errors < 0\.1% at 400 requests\/s\); Job loadtest-mobilenet-\w+; k6 summary:/);
    expect(failed.stderr).toContain('http_req_duration..............: avg=12ms p(99)=31ms');
    expect(failed.stderr).toContain('what to do: mobilenet does not hold its SLO at its target rate');
    expect(failed.stderr).toContain('--skip-loadtests');
    expect(failed.stderr).toContain("stopped at step 'us-east-1:loadtest:mobilenet'");

    writeFileSync(w.log, '');
    const skipped = await run(['apply', '--env', 'prod', '--skip-loadtests'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222', FAKE_LOADTEST: 'fail' } });
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(calls(w.log).filter((c) => c.includes(' create job '))).toEqual([]);
  });

  it('refuses a stale generated/', async () => {
    const w = workspace(cluster);
    writeFileSync(join(w.dir, 'generated/README.md'), 'edited by hand\n');
    const r = await run(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refusing to apply: generated is stale');
    expect(calls(w.log)).toEqual([]);
  });

  it('stops when the weights in the model bucket are not the bytes weights.sha256 names (K8s #17), and says what to check', async () => {
    const w = workspace(cluster);
    const tampered = createHash('sha256').update('tampered weights\n').digest('hex');
    const r = await run(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222', FAKE_S3_OBJECT: 'tampered weights\n' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/verify the revisions of mobilenet \(revision [0-9a-f]{16}\), resnet50 \(revision [0-9a-f]{16}\): config and weights have the sha256 they should \(us-east-1\): FAILED/);
    expect(r.stderr).toMatch(new RegExp(`mobilenet: s3://[^ ]+/mobilenet/[0-9a-f]{16}/mobilenet/1/model.onnx has sha256 ${tampered}, not ${FAKE_WEIGHTS_SHA256}`));
    expect(r.stderr).toContain('are not the ones models/mobilenet.yaml names');
    // The upload went to the revision's own prefix, and nothing that serves the model ran after the failed check:
    // the Deployments still name the revision they had.
    const log = calls(w.log);
    expect(log.some((c) => /copy-object .*--key mobilenet\/[0-9a-f]{16}\/mobilenet\/1\/model.onnx/.test(c))).toBe(true);
    expect(log.some((c) => c.startsWith('kubectl apply'))).toBe(false);
  });

  it('refuses credentials of another account', async () => {
    const w = workspace(cluster);
    const r = await run(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '999999999999' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the AWS credentials are for account 999999999999, but prod lives in 222222222222');
    expect(calls(w.log).filter((c) => c.startsWith('terraform'))).toEqual([]);
  });

  it('stops at an injected failure in each step with the tail and a hint, and a rerun finishes without repeating finished work', async () => {
    const w = workspace(cluster);
    const dry = dryRunCommands((await run(['apply', '--env', 'prod', '--dry-run'], { cwd: w.dir, env: w.env })).stdout);
    const faults = ['infra init', 'infra apply', 'update-kubeconfig', 'platform apply', 'resnet50/config.pbtxt', 'resnet50-v1-12.onnx', 'kubectl apply'];
    for (const fault of faults) {
      const r = await run(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222', FAKE_FAIL: fault } });
      expect(r.code, fault).toBe(1);
      expect(r.stderr).toContain('FAILED');
      // An exec step shows the tool's last lines; the model upload (a task) names the command that failed and its error.
      expect(r.stderr).toContain(fault.includes('resnet50') ? 'something went wrong on the provider side' : '| something went wrong on the provider side');
      expect(r.stderr).toMatch(/full log: .*\.platformc\/logs\//);
      expect(r.stderr).toContain('Fix the cause and rerun');
      if (fault.endsWith('.onnx')) expect(r.stderr).toContain('resnet50: the weights must be readable at s3://platformc-model-zoo/resnet50/resnet50-v1-12.onnx and the bucket writable by the credentials apply runs with');
    }
    writeFileSync(w.log, '');
    const r = await run(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222' } });
    expect(r.code, r.stderr).toBe(0);
    // terraform apply of both modules finished in earlier runs: not repeated.
    expect(calls(w.log).filter((c) => c.includes(' apply -input=false'))).toEqual([]);
    expect(r.stderr).toContain('done in an earlier run, skipped');
    expect(calls(w.log).length).toBeLessThan(dry.length);
    // terraform init left .terraform/ and .terraform.lock.hcl in generated/ (as the real one does): the reruns
    // above passed the freshness check with them, and a compile neither calls them drift nor removes them (D5).
    const locks = execFileSync('find', ['generated', '-name', '.terraform.lock.hcl'], { cwd: w.dir, encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    expect(locks.length).toBeGreaterThan(0);
    expect((await run(['compile', 'platform.yaml', '--check'], { cwd: w.dir })).code).toBe(0);
    expect((await run(['compile', 'platform.yaml'], { cwd: w.dir })).code).toBe(0);
    for (const lock of locks) expect(existsSync(join(w.dir, lock)), lock).toBe(true);
  });

  it("stops before the standby's platform module when a secret it reads is missing in the standby region, and says how to replicate it", async () => {
    const w = workspace(cluster, 'examples/multi-region-prod.yaml');
    const r = await run(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '444400000003', FAKE_FAIL: 'describe-secret --secret-id vision-prod/grafana-admin --region us-west-2' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('aws secretsmanager replicate-secret-to-regions --secret-id vision-prod/grafana-admin --add-replica-regions Region=us-west-2 --region us-east-1');
    expect(calls(w.log).some((c) => c.includes('us-west-2/platform apply'))).toBe(false);
    expect(calls(w.log).some((c) => c.includes('us-east-1/platform apply'))).toBe(true);
  });

  it('waits until GPU nodes advertise nvidia.com/gpu, and fails when they never do', async () => {
    const w = workspace(cluster);
    cluster.gpuAllocatable = '0';
    try {
      const r = await run(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222' } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('ip-10-0-2-1: no allocatable nvidia.com/gpu');
      expect(r.stderr).toContain('nvidia-device-plugin');
    } finally {
      cluster.gpuAllocatable = '1';
    }
  });
});
