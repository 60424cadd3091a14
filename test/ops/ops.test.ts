/**
 * apply, destroy, plan, status and loadtest against fake terraform, kubectl and aws executables that record
 * their calls and fail on cue, and a local HTTP server standing in for the Kubernetes API. Most runs call
 * the CLI in this process (`run`: a node start with the Kubernetes client costs over a second); one run
 * of apply, destroy, plan, status/verify and loadtest each starts the built CLI as a user would
 * (`cliAsync`), as does the Ctrl-C test.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { deploymentNotReady, gpuNodesNotReady } from '../../compiler/ops/kube.js';
import { edgeChecks, type EdgeCheck } from '../../compiler/ops/edge.js';
import { commandLine, realTasks, runSteps } from '../../compiler/ops/run.js';
import { cli, cliAsync, repoRoot, run } from '../helpers/cli.js';
import { compileIn, irOf } from '../helpers/platform.js';

const fakebin = join(repoRoot, 'test/fixtures/fakebin');

/** The fake API server: every node of the GPU pool advertises a GPU, every Deployment is available, Triton answers 200. */
let server: Server;
let port = 0;
const apiCalls: string[] = [];
let gpuAllocatable = '1';
beforeAll(async () => {
  server = createServer((req, res) => {
    apiCalls.push(`${req.method} ${req.url}`);
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = req.url ?? '';
    if (url.startsWith('/api/v1/nodes')) {
      return json(200, { kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: [
        { metadata: { name: 'ip-10-0-1-1', labels: { 'platformc.dev/pool': 'general' } }, status: { allocatable: { cpu: '4' } } },
        { metadata: { name: 'ip-10-0-2-1', labels: { 'platformc.dev/pool': 'gpu' } }, status: { allocatable: { cpu: '4', 'nvidia.com/gpu': gpuAllocatable } } },
      ] });
    }
    const dep = /\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/?]+)/.exec(url);
    if (dep) return json(200, { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: dep[2], namespace: dep[1], generation: 1 }, spec: { replicas: 1, selector: {}, template: {} }, status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 } });
    if (/\/services\/[^/]+\/proxy\//.test(url)) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('');
    }
    json(404, { kind: 'Status', code: 404 });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => server?.close());

/** A workspace with a compiled platform, fake tools first on PATH and a kubeconfig for the fake API. */
const FAKE_WEIGHTS_SHA256 = createHash('sha256').update('fake weights\n').digest('hex');

function workspace(spec = 'platform.yaml', edit: (text: string) => string = (t) => t): { dir: string; log: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'platformc-ops-'));
  cpSync(join(repoRoot, 'models'), join(dir, 'models'), { recursive: true });
  // The fake S3 serves 'fake weights\n' for every object: the workspace's definitions expect its sha256.
  for (const m of readdirSync(join(dir, 'models'))) {
    const path = join(dir, 'models', m);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/sha256: [0-9a-f]{64}/, `sha256: ${FAKE_WEIGHTS_SHA256}`));
  }
  const text = edit(readFileSync(join(repoRoot, spec), 'utf8').replaceAll('../models/', 'models/'));
  writeFileSync(join(dir, 'platform.yaml'), text);
  compileIn(dir);
  const contexts = ['inference-prod-us-east-1', 'inference-dev-us-east-1', 'vision-prod-prod-us-east-1', 'vision-prod-prod-us-west-2'];
  writeFileSync(join(dir, 'kubeconfig'), stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': contexts[0],
    clusters: [{ name: 'fake', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'fake', user: { token: 'not-a-secret' } }],
    contexts: contexts.map((c) => ({ name: c, context: { cluster: 'fake', user: 'fake' } })),
  }));
  const log = join(dir, 'calls.jsonl');
  return { dir, log, env: { PATH: `${fakebin}:${process.env.PATH}`, FAKE_LOG: log, KUBECONFIG: join(dir, 'kubeconfig'), PLATFORMC_WAIT_MS: '200', CI: 'true' } };
}

/** The recorded calls, as command lines written the way --dry-run prints them. */
const calls = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { tool: string; argv: string[] }).map((c) => commandLine([c.tool, ...c.argv])) : []);
/** A load-test Job's run id (chosen at run time) as the dry run shows it: RUN. */
const runIdOf = (line: string) => line.replace(/(loadtest-[a-z0-9-]+)-[0-9a-z]{8}\b/g, '$1-RUN');
/** The command lines a dry run lists, in order. */
const dryRunCommands = (stdout: string) => [...stdout.matchAll(/^\s+\$ (.+)$/gm)].map((m) => m[1]!);
/** The checks through the ALBs (after DNS): retried, or skipped when the runner cannot reach an ALB, so run a varying number of times. */
const isEdgeCall = (line: string) => line.startsWith('curl ') || line.startsWith('kubectl get ingress ');
/** multi-region-prod's resnet50 is behind Cognito: through its ALB, its ready endpoint answers 401 to a caller without a login. */
const COGNITO_401 = JSON.stringify([['/v2/models/resnet50/', '401']]);

describe('apply', () => {
  for (const [spec, env, account] of [['platform.yaml', 'prod', '222222222222'], ['examples/multi-region-prod.yaml', 'prod', '444400000003']] as const) {
    it(`${spec} --env ${env}: runs the dry run's commands, in its order, and verifies through the API`, async () => {
      const w = workspace(spec);
      const dry = await run(['apply', '--env', env, '--dry-run'], { cwd: w.dir, env: w.env });
      expect(dry.code).toBe(0);
      expect(calls(w.log)).toEqual([]); // a dry run runs nothing
      const r = await (spec === 'platform.yaml' ? cliAsync : run)(['apply', '--env', env], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: account, FAKE_CURL: COGNITO_401 } });
      expect(r.code, r.stderr).toBe(0);
      expect(calls(w.log).map(runIdOf).filter((c) => !isEdgeCall(c))).toEqual(dryRunCommands(dry.stdout).filter((c) => !isEdgeCall(c)));
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
      expect(apiCalls.some((c) => c.includes('/proxy/v2/models/resnet50/ready'))).toBe(true);
      expect(r.stdout).toContain('is serving');
    });
  }

  it('ends with each model\'s load test (issue #15 item 7): a broken SLO threshold fails the step with the k6 summary and what to do; --skip-loadtests leaves them out', async () => {
    const w = workspace();
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
    const w = workspace();
    writeFileSync(join(w.dir, 'generated/README.md'), 'edited by hand\n');
    const r = await run(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refusing to apply: generated is stale');
    expect(calls(w.log)).toEqual([]);
  });

  it('stops when the weights in the model bucket are not the bytes weights.sha256 names (K8s #17), and says what to check', async () => {
    const w = workspace();
    const tampered = createHash('sha256').update('tampered weights\n').digest('hex');
    const r = await run(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222', FAKE_S3_OBJECT: 'tampered weights\n' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/revision [0-9a-f]{16} of mobilenet holds config sha256 [0-9a-f]{64} and weights sha256 [0-9a-f]{64} \(us-east-1\): FAILED/);
    expect(r.stderr).toMatch(new RegExp(`mobilenet/[0-9a-f]{16}/mobilenet/1/model.onnx has sha256 ${tampered}, not ${FAKE_WEIGHTS_SHA256}`));
    expect(r.stderr).toContain('are not the ones models/mobilenet.yaml names');
    // The upload went to the revision's own prefix, and nothing that serves the model ran after the failed check:
    // the Deployments still name the revision they had.
    const log = calls(w.log);
    expect(log.some((c) => /copy-object .*--key mobilenet\/[0-9a-f]{16}\/mobilenet\/1\/model.onnx/.test(c))).toBe(true);
    expect(log.some((c) => c.startsWith('kubectl apply'))).toBe(false);
  });

  it('refuses credentials of another account', async () => {
    const w = workspace();
    const r = await run(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '999999999999' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the AWS credentials are for account 999999999999, but prod lives in 222222222222');
    expect(calls(w.log).filter((c) => c.startsWith('terraform'))).toEqual([]);
  });

  it('stops at an injected failure in each step with the tail and a hint, and a rerun finishes without repeating finished work', async () => {
    const w = workspace();
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
      if (fault.endsWith('.onnx')) expect(r.stderr).toContain('what to do: the weights of resnet50 must be readable at s3://platformc-model-zoo/resnet50/resnet50-v1-12.onnx');
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
    expect(cli(['compile', 'platform.yaml', '--check'], { cwd: w.dir }).code).toBe(0);
    expect(cli(['compile', 'platform.yaml'], { cwd: w.dir }).code).toBe(0);
    for (const lock of locks) expect(existsSync(join(w.dir, lock)), lock).toBe(true);
  });

  it("stops before the standby's platform module when a secret it reads is missing in the standby region, and says how to replicate it", async () => {
    const w = workspace('examples/multi-region-prod.yaml');
    const r = await cliAsync(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '444400000003', FAKE_FAIL: 'describe-secret --secret-id vision-prod/grafana-admin --region us-west-2' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('aws secretsmanager replicate-secret-to-regions --secret-id vision-prod/grafana-admin --add-replica-regions Region=us-west-2 --region us-east-1');
    expect(calls(w.log).some((c) => c.includes('us-west-2/platform apply'))).toBe(false);
    expect(calls(w.log).some((c) => c.includes('us-east-1/platform apply'))).toBe(true);
  });

  it('waits until GPU nodes advertise nvidia.com/gpu, and fails when they never do', async () => {
    const w = workspace();
    gpuAllocatable = '0';
    try {
      const r = await run(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222' } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('ip-10-0-2-1: no allocatable nvidia.com/gpu');
      expect(r.stderr).toContain('nvidia-device-plugin');
    } finally {
      gpuAllocatable = '1';
    }
  });
});

describe('destroy', () => {
  it('deletes load tests, Ingresses and namespaces before terraform destroy, standby first', async () => {
    const w = workspace('examples/multi-region-prod.yaml');
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
    const w = workspace();
    const r = await run(['destroy', '--env', 'prod', '--auto-approve', '--disable-deletion-protection'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222', FAKE_LEFTOVER: 'arn:aws:elasticloadbalancing:us-east-1:222222222222:loadbalancer/app/k8s-inference/abc' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('load balancers still exist: arn:aws:elasticloadbalancing:us-east-1:222222222222:loadbalancer/app/k8s-inference/abc');
    expect(calls(w.log).filter((c) => c.includes('destroy'))).toEqual([]);
  });

  it('reports what is still tagged for the cluster after terraform destroy', async () => {
    const w = workspace();
    const r = await run(['destroy', '--env', 'prod', '--auto-approve', '--disable-deletion-protection'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222', FAKE_LEFTOVER_VOLUME: 'vol-0123456789abcdef0' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('still tagged for inference-prod: vol-0123456789abcdef0');
    // The leftover search runs last, after both terraform destroys.
    expect(calls(w.log).filter((c) => c.includes(' destroy '))).toHaveLength(2);
  });

  it('empties the versioned model bucket (every version and delete marker) and deletes volume claims before terraform destroy of infra', async () => {
    const w = workspace();
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
    const w = workspace();
    const r = await cliAsync(['destroy', '--env', 'prod', '--disable-deletion-protection'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pass --auto-approve');
    expect(calls(w.log)).toEqual([]);
  });

  it('lists the same steps in a dry run', async () => {
    const w = workspace();
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
    const w = workspace();
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
    const w = workspace();
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
    const w = workspace();
    const r = await run(['destroy', '--env', 'prod', '--auto-approve', '--disable-deletion-protection'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222', FAKE_CLUSTER: 'gone' } });
    expect(r.code, r.stderr).toBe(0);
    expect(calls(w.log).some((c) => c.includes('update-cluster-config'))).toBe(false);
    expect(calls(w.log).some((c) => c.includes('infra destroy'))).toBe(true);
  });

  it('an unprotected environment (dev) is destroyed without the flag and without touching the protection', async () => {
    const w = workspace();
    const r = await run(['destroy', '--env', 'dev', '--auto-approve'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '111111111111' } });
    expect(r.code, r.stderr).toBe(0);
    expect(calls(w.log).some((c) => c.includes('eks describe-cluster') || c.includes('update-cluster-config'))).toBe(false);
  });
});

describe('Ctrl-C', () => {
  it('is passed on to the running terraform, which stops cleanly, and the run stops', async () => {
    const w = workspace();
    const env: NodeJS.ProcessEnv = { ...process.env, ...w.env, NO_COLOR: '1', FAKE_ACCOUNT: '222222222222', FAKE_SLOW: 'infra apply' };
    const child = spawn(process.execPath, [join(repoRoot, 'bin/platformc.js'), 'apply', '--env', 'prod'], { cwd: w.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Wait until the slow terraform apply runs, then interrupt platformc as a terminal would.
    for (let i = 0; i < 100 && !calls(w.log).some((c) => c.includes('infra apply')); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(1);
    expect(calls(w.log)).toContain('terraform received SIGINT');
    expect(stderr).toContain('passing SIGINT to the running step');
    expect(calls(w.log).some((c) => c.includes('platform apply'))).toBe(false);
  });
});

describe('plan, status, loadtest', () => {
  it('plan runs terraform plan per module and a server-side diff, then the cost delta', async () => {
    const w = workspace();
    const r = await cliAsync(['plan', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222' } });
    expect(r.code, r.stderr).toBe(0);
    expect(calls(w.log).filter((c) => c.includes(' plan ') || c.includes('diff'))).toEqual([
      'terraform -chdir=generated/terraform/prod/us-east-1/infra plan -input=false -lock-timeout=5m',
      'terraform -chdir=generated/terraform/prod/us-east-1/platform plan -input=false -lock-timeout=5m',
      'kubectl diff --server-side --context inference-prod-us-east-1 -k generated/kustomize/overlays/prod/us-east-1',
      'kubectl diff --server-side --context inference-prod-us-east-1 -k generated/kustomize/overlays/prod/us-east-1/admission',
    ]);
    expect(r.stdout).toContain('prod       $2,123.99 -> $2,123.99 (±$0.00 a month) [max $3,198.07 -> $3,198.07]');
  });

  it('status reports nodes, GPUs, models and endpoints, as text or JSON', async () => {
    const w = workspace();
    const r = await run(['status', '--env', 'prod', '--format', 'json'], { cwd: w.dir, env: w.env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ environment: 'prod', healthy: true, generatedUpToDate: true });
    expect(s.regions[0].pools.find((p: { pool: string }) => p.pool === 'gpu')).toEqual({ pool: 'gpu', nodes: 1, gpus: [{ node: 'ip-10-0-2-1', allocatable: 1 }] });
    expect(s.regions[0].models.map((m: { endpoint: string }) => m.endpoint)).toEqual(['ready', 'ready']);
    gpuAllocatable = '0';
    try {
      expect((await cliAsync(['verify', '--env', 'prod'], { cwd: w.dir, env: w.env })).code).toBe(1);
    } finally {
      gpuAllocatable = '1';
    }
  });

  it('loadtest starts a Job from the suspended CronJob and reports the verdict', async () => {
    const w = workspace();
    const pass = await run(['loadtest', '--env', 'dev', '--model', 'resnet50'], { cwd: w.dir, env: w.env });
    expect(pass.code, pass.stderr).toBe(0);
    expect(pass.stdout).toContain('load test of resnet50: PASSED');
    expect(calls(w.log)[0]).toMatch(/^kubectl --context inference-dev-us-east-1 --namespace platform create job loadtest-resnet50-\w+ --from=cronjob\/loadtest-resnet50$/);
    const fail = await run(['loadtest', '--env', 'dev', '--model', 'resnet50'], { cwd: w.dir, env: { ...w.env, FAKE_LOADTEST: 'fail' } });
    expect(fail.code).toBe(1);
    expect(fail.stdout).toContain('FAILED (SLO: p99 < 50 ms, errors < 0.1% at 200 requests/s)');
    expect((await cliAsync(['loadtest', '--env', 'dev', '--model', 'nope'], { cwd: w.dir, env: w.env })).code).toBe(2);
  });
});

describe('cluster checks on recorded API responses', () => {
  const node = (name: string, pool: string, gpus?: string) => ({ metadata: { name, labels: { 'platformc.dev/pool': pool } }, status: { allocatable: { cpu: '4', ...(gpus ? { 'nvidia.com/gpu': gpus } : {}) } } });
  it('a GPU node with allocatable GPUs is ready; one without is not; a pool without nodes is not', async () => {
    expect(gpuNodesNotReady([node('a', 'gpu', '1'), node('b', 'general')], ['gpu'])).toEqual([]);
    expect(gpuNodesNotReady([node('a', 'gpu', '0')], ['gpu'])).toEqual(['a: no allocatable nvidia.com/gpu']);
    expect(gpuNodesNotReady([node('a', 'gpu')], ['gpu'])).toEqual(['a: no allocatable nvidia.com/gpu']);
    expect(gpuNodesNotReady([node('b', 'general')], ['gpu'])).toEqual(['pool gpu: no node yet']);
  });
  it('a Deployment is ready only when its rollout is observed and all replicas are available', async () => {
    const base = { metadata: { name: 'triton-resnet50', generation: 2 }, spec: { replicas: 2, selector: {}, template: {} } };
    expect(deploymentNotReady({ ...base, status: { observedGeneration: 2, updatedReplicas: 2, availableReplicas: 2 } } as never)).toBeUndefined();
    expect(deploymentNotReady({ ...base, status: { observedGeneration: 2, updatedReplicas: 2, availableReplicas: 1 } } as never)).toBe('1/2 replicas available');
    expect(deploymentNotReady({ ...base, status: { observedGeneration: 1, updatedReplicas: 2, availableReplicas: 2 } } as never)).toBe('rollout not observed yet');
    expect(deploymentNotReady({ ...base, status: { observedGeneration: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' }] } } as never)).toBe('rollout failed: ProgressDeadlineExceeded timed out');
  });
});

describe('signals, faults and hygiene (D3, D4, D12, D22, D23)', () => {
  const start = (w: ReturnType<typeof workspace>, extra: Record<string, string>, args = ['apply', '--env', 'prod']) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...w.env, NO_COLOR: '1', FAKE_ACCOUNT: '222222222222', ...extra };
    // detached: platformc leads its own process group, as a shell's foreground job does.
    const child = spawn(process.execPath, [join(repoRoot, 'bin/platformc.js'), ...args], { cwd: w.dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const done = new Promise<number | null>((r) => child.on('close', r));
    return { child, done, stderr: () => stderr };
  };
  const untilCalled = async (log: string, text: string) => {
    for (let i = 0; i < 150 && !calls(log).some((c) => c.includes(text)); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
  };

  it('Ctrl-C at a terminal (SIGINT to the whole foreground group) reaches terraform exactly once', async () => {
    const w = workspace();
    const run = start(w, { FAKE_SLOW: 'infra apply', FAKE_GRACE_MS: '1500' });
    await untilCalled(w.log, 'infra apply');
    process.kill(-run.child.pid!, 'SIGINT');
    expect(await run.done).toBe(1);
    // Before: terraform shared platformc's group, got the terminal's SIGINT and platformc's: "Two interrupts received".
    expect(calls(w.log).filter((c) => c === 'terraform received SIGINT')).toHaveLength(1);
    expect(calls(w.log)).toContain('terraform stopped cleanly');
  }, 30_000);

  it('SIGTERM gives terraform its graceful stop (a SIGINT), with no SIGKILL after 5 s', async () => {
    const w = workspace();
    const run = start(w, { FAKE_SLOW: 'infra apply', FAKE_GRACE_MS: '6000' });
    await untilCalled(w.log, 'infra apply');
    const t0 = Date.now();
    run.child.kill('SIGTERM');
    expect(await run.done).toBe(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(5900);
    expect(calls(w.log)).toContain('terraform received SIGINT');
    expect(calls(w.log)).toContain('terraform stopped cleanly');
  }, 30_000);

  it('kill -9 of platformc does not leave terraform running: its watchdog stops it gracefully (D23)', async () => {
    const w = workspace();
    const run = start(w, { FAKE_SLOW: 'infra apply', FAKE_SLOW_MS: '15000' });
    await untilCalled(w.log, 'infra apply');
    run.child.kill('SIGKILL');
    await run.done;
    for (let i = 0; i < 50 && !calls(w.log).includes('terraform stopped cleanly'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(calls(w.log)).toContain('terraform received SIGINT');
    expect(calls(w.log)).toContain('terraform stopped cleanly');
  }, 30_000);

  it('the step log holds the tool output while the tool runs, not only when it ends', async () => {
    const w = workspace();
    const run = start(w, { FAKE_SLOW: 'infra apply', FAKE_SLOW_MS: '4000' });
    await untilCalled(w.log, 'infra apply');
    const logs = execFileSync('grep', ['-rl', 'terraform: working', join(w.dir, '.platformc/logs')], { encoding: 'utf8' });
    expect(logs).toMatch(/infra_apply\.log/);
    run.child.kill('SIGINT');
    await run.done;
  }, 30_000);

  it('a truncated state file (a kill during its write) does not block the next apply', async () => {
    const w = workspace();
    mkdirSync(join(w.dir, '.platformc/state'), { recursive: true });
    writeFileSync(join(w.dir, '.platformc/state/prod-apply.json'), '{"fingerprint": "ab');
    const r = await cliAsync(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222' } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(w.dir, '.platformc/state/prod-apply.json'), 'utf8'))).toMatchObject({ completed: [] });
  }, 60_000);

  it('a second apply of the same environment is refused while one holds its lock', async () => {
    const w = workspace();
    mkdirSync(join(w.dir, '.platformc'), { recursive: true });
    writeFileSync(join(w.dir, '.platformc/prod.lock'), `${process.pid}\n`);
    const r = await cliAsync(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`prod is being planned, applied or destroyed by another platformc (pid ${process.pid})`);
    expect(calls(w.log)).toEqual([]);
  }, 60_000);
});

describe('runSteps with fake tools', () => {
  const env = (extra: Record<string, string>) => Object.assign(process.env, { PATH: `${fakebin}:${process.env.PATH}`, ...extra });
  /** Puts process.env back in place: the worker runs other test files after this one (isolate: false), which must find the real tools on PATH. */
  const restore = (saved: NodeJS.ProcessEnv) => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  };
  const quiet = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
  const run = (argv: string[], o: Partial<Parameters<typeof runSteps>[1]> = {}) =>
    runSteps([{ kind: 'exec', id: 'tool', title: 'tool', argv }], { stateDir: mkdtempSync(join(tmpdir(), 'platformc-run-')), runKey: 'k', fingerprint: 'f', tasks: async () => undefined, out: quiet, ...o });

  it('a hung tool is stopped at the step timeout (SIGINT, then SIGKILL after the grace time)', async () => {
    const saved = { ...process.env };
    try {
      env({ FAKE_SLOW: 'terraform apply', FAKE_SLOW_MS: '20000', FAKE_GRACE_MS: '20000' });
      const t0 = Date.now();
      const r = await run(['terraform', 'apply'], { stepTimeoutMs: 500, graceMs: 500 });
      expect(r.ok).toBe(false);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      restore(saved);
    }
  }, 30_000);

  it('20 MiB of tool output streams to the log; the tail is kept (no buffer limit, D12)', async () => {
    const saved = { ...process.env };
    try {
      env({ FAKE_OUTPUT_MB: '20' });
      const stateDir = mkdtempSync(join(tmpdir(), 'platformc-run-'));
      const r = await run(['terraform', 'plan'], { stateDir });
      expect(r.ok).toBe(true);
      const log = execFileSync('sh', ['-c', `cat ${stateDir}/logs/*/*.log | wc -c; tail -n 2 ${stateDir}/logs/*/*.log`], { encoding: 'utf8' });
      expect(Number(log.split('\n')[0])).toBeGreaterThan(20 * 1024 * 1024);
      expect(log).toContain('last line of a verbose run');
    } finally {
      restore(saved);
    }
  }, 60_000);
});

describe('the destroy prompt on a terminal (D22)', () => {
  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript).each([['Ctrl-C', '\u0003'], ['Ctrl-D', '\u0004']])('%s is "not confirmed", not an internal error', async (_name, key) => {
    const w = workspace();
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

describe('ALB certificates and the path through the ALBs (issue #15: certificates, edge checks)', () => {
  const MR = 'examples/multi-region-prod.yaml';
  const prod = (extra: Record<string, string> = {}) => ({ FAKE_ACCOUNT: '444400000003', FAKE_CURL: COGNITO_401, ...extra });
  const kustomized = (dir: string) => parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> } });
  const certificateOf = (objects: ReturnType<typeof kustomized>, name: string) => objects.find((o) => o.kind === 'Ingress' && o.metadata.name === name)?.metadata.annotations?.['alb.ingress.kubernetes.io/certificate-arn'];

  it('the ARN terraform outputs for a platform certificate reaches the Ingress by annotation, not by discovery; the dry run shows it; after DNS each host answers through its ALB', async () => {
    const w = workspace(MR);
    const dry = await run(['apply', '--env', 'prod', '--dry-run'], { cwd: w.dir, env: w.env });
    expect(dry.stdout).toContain('$ terraform -chdir=generated/terraform/prod/us-east-1/infra output -json certificate_arns');
    expect(dry.stdout).toContain('write .platformc/apply/prod/us-east-1/kustomization.yaml: generated/kustomize/overlays/prod/us-east-1 with alb.ingress.kubernetes.io/certificate-arn on Ingress vision/triton-mobilenet');
    expect(dry.stdout).toContain('$ kubectl apply --server-side --force-conflicts --context vision-prod-prod-us-east-1 -k .platformc/apply/prod/us-east-1');
    const r = await run(['apply', '--env', 'prod', '--skip-loadtests'], { cwd: w.dir, env: { ...w.env, ...prod() } });
    expect(r.code, r.stderr).toBe(0);
    for (const region of ['us-east-1', 'us-west-2']) {
      // generated/ is what platform.yaml says: no ARN there (the certificate exists only after the infra root).
      expect(certificateOf(kustomized(join(w.dir, `generated/kustomize/overlays/prod/${region}`)), 'triton-mobilenet')).toBeUndefined();
      const applied = kustomized(join(w.dir, `.platformc/apply/prod/${region}`));
      expect(certificateOf(applied, 'triton-mobilenet')).toBe(`arn:aws:acm:${region}:444400000003:certificate/fake-vision.internal.prod.ml.example.com`);
      // A model with its own ARN (and no platform certificate in its group) keeps it.
      expect(certificateOf(applied, 'triton-resnet50')).toMatch(new RegExp(`^arn:aws:acm:${region}:444400000003:certificate/[0-9a-f-]+$`));
      // Everything else is the generated overlay, object for object.
      expect(applied.length).toBe(kustomized(join(w.dir, `generated/kustomize/overlays/prod/${region}`)).length);
    }
    const order = calls(w.log);
    const at = (s: string) => order.findIndex((c) => c.includes(s));
    expect(at('us-east-1/infra output -json certificate_arns')).toBeGreaterThan(at('us-east-1/infra apply'));
    expect(at('us-east-1/infra output -json certificate_arns')).toBeLessThan(at('update-kubeconfig'));

    // After DNS, through each region's ALB, TLS verified (never --insecure); Cognito answers 401.
    const probes = order.filter((c) => c.startsWith('curl '));
    expect(probes).toEqual(['us-east-1', 'us-west-2'].map((region) => `curl --silent --show-error --output /dev/null --write-out '%{http_code}' --max-time 10 --connect-to vision.prod.ml.example.com:443:k8s-vision-vision-prod-prod-${region}.elb.amazonaws.com:443 https://vision.prod.ml.example.com/v2/models/resnet50/ready`));
    expect(at('curl ')).toBeGreaterThan(at('dns apply'));
    expect(probes.some((c) => / (-k|--insecure)( |$)/.test(c))).toBe(false);
    // The internal ALB: this machine is not in the VPC.
    expect(r.stderr).toMatch(/https:\/\/vision\.internal\.prod\.ml\.example\.com answers through the ALB of us-east-1 \(mobilenet 200\): ok \([\d.]+s\): skipped: vision\.internal\.prod\.ml\.example\.com is an internal ALB and this machine \([^)]*\) is not in the VPC 10\.10\.0\.0\/16 of us-east-1: run apply from inside it to check it/);

    // plan diffs what apply sends, and writes the same kustomization (a rerun is idempotent).
    const first = readFileSync(join(w.dir, '.platformc/apply/prod/us-east-1/kustomization.yaml'), 'utf8');
    writeFileSync(w.log, '');
    const plan = await run(['plan', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, ...prod() } });
    expect(plan.code, plan.stderr).toBe(0);
    expect(calls(w.log)).toContain('kubectl diff --server-side --context vision-prod-prod-us-east-1 -k .platformc/apply/prod/us-east-1');
    expect(readFileSync(join(w.dir, '.platformc/apply/prod/us-east-1/kustomization.yaml'), 'utf8')).toBe(first);
  });

  it("puts the host's certificate first on every Ingress of its group, so the listener's default does not depend on which Ingress sorts first", async () => {
    // mobilenet joins resnet50's internet-facing group; resnet50 keeps its own ARN, mobilenet has none: the group gets a platform certificate.
    const w = workspace(MR, (t) => t.replace('  mobilenet:\n    definition: models/mobilenet.yaml', '  mobilenet:\n    ingress: { scheme: internet-facing, authentication: none }\n    definition: models/mobilenet.yaml'));
    const r = await run(['apply', '--env', 'prod', '--region', 'us-east-1', '--skip-loadtests'], { cwd: w.dir, env: { ...w.env, ...prod() } });
    expect(r.code, r.stderr).toBe(0);
    const applied = kustomized(join(w.dir, '.platformc/apply/prod/us-east-1'));
    const host = 'arn:aws:acm:us-east-1:444400000003:certificate/fake-vision.prod.ml.example.com';
    expect(certificateOf(applied, 'triton-mobilenet')).toBe(host);
    expect(certificateOf(applied, 'triton-resnet50')).toBe(`${host},arn:aws:acm:us-east-1:444400000003:certificate/0b7c6f1e-2d3a-4c5b-9e8f-1a2b3c4d5e6f`);
  });

  it('a missing certificate output stops apply with a clear message before anything reaches the cluster', async () => {
    for (const [extra, message] of [
      [{ FAKE_TF_OUTPUT: '{}' }, 'the infra root generated/terraform/prod/us-east-1/infra has no issued ACM certificate for vision.internal.prod.ml.example.com in its output certificate_arns; nothing was applied to the cluster'],
      [{ FAKE_FAIL: 'output -json certificate_arns' }, 'terraform output of generated/terraform/prod/us-east-1/infra failed: Error: injected failure in:'],
    ] as const) {
      const w = workspace(MR);
      const r = await run(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, ...prod(extra) } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('what to do: the infra root of us-east-1 outputs the certificates once they are issued');
      expect(r.stderr).toContain("stopped at step 'us-east-1:certificates'");
      expect(calls(w.log).filter((c) => c.startsWith('kubectl') || c.includes('update-kubeconfig') || c.includes('platform apply'))).toEqual([]);
    }
  });

  it('plan before the infra root has the ARNs diffs the plain overlay and says apply adds them', async () => {
    const w = workspace(MR);
    const fresh = await run(['plan', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, ...prod({ FAKE_TF_OUTPUT: '{}' }) } });
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stderr).toContain('the diff shows the Ingresses without their certificate ARN, which apply adds once the root is applied');
    expect(calls(w.log)).toContain('kubectl diff --server-side --context vision-prod-prod-us-east-1 -k .platformc/apply/prod/us-east-1');
    expect(certificateOf(kustomized(join(w.dir, '.platformc/apply/prod/us-east-1')), 'triton-mobilenet')).toBeUndefined();
  });

  it('stops before terraform when a certificate of platform.yaml is not ISSUED, does not cover its host, or does not exist', async () => {
    const arn = 'arn:aws:acm:us-east-1:444400000003:certificate/0b7c6f1e-2d3a-4c5b-9e8f-1a2b3c4d5e6f';
    for (const [cert, message] of [
      [{ Status: 'PENDING_VALIDATION', DomainName: 'vision.prod.ml.example.com' }, `${arn} (ingress.certificateArns of resnet50) is PENDING_VALIDATION in ACM, not ISSUED`],
      // A wildcard covers one label: *.ml.example.com is not valid for vision.prod.ml.example.com.
      [{ Status: 'ISSUED', DomainName: 'ml.example.com', SubjectAlternativeNames: ['ml.example.com', '*.ml.example.com'] }, `no certificate of vision.prod.ml.example.com in us-east-1 covers it, so clients would fail TLS verification (${arn} is for ml.example.com, *.ml.example.com; a wildcard covers one label only)`],
      ['missing', `${arn} (ingress.certificateArns of resnet50) does not exist in ACM of us-east-1`],
    ] as const) {
      const w = workspace(MR);
      const r = await run(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, ...prod({ FAKE_ACM: JSON.stringify({ [arn]: cert }) }) } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain("stopped at step 'us-east-1:certificates:check'");
      expect(r.stderr).toContain('what to do: fix ingress.certificateArns in platform.yaml');
      expect(calls(w.log).filter((c) => c.startsWith('terraform'))).toEqual([]);
    }
  });

  describe('the check through an ALB, as apply runs it (realTasks with the fake curl and kubectl)', () => {
    const [internal, pub] = edgeChecks(irOf(MR).environments.find((e) => e.name === 'prod')!.regions[0]!);
    const edge = async (check: EdgeCheck, extra: Record<string, string>, waitMs = 200) => {
      const saved = { ...process.env };
      const log = mkdtempSync(join(tmpdir(), 'platformc-edge-'));
      try {
        Object.assign(process.env, { PATH: `${fakebin}:${process.env.PATH}`, FAKE_LOG: join(log, 'calls.jsonl'), ...extra });
        const outcome = await realTasks(() => undefined)({ type: 'verify-edge', check }, () => {}, { waitMs, pollMs: 50 });
        return { outcome, calls: calls(join(log, 'calls.jsonl')) };
      } finally {
        process.env = saved;
      }
    };

    it('retries while the ALB provisions (its name does not resolve yet), then passes on the answer expected (Cognito: 401)', async () => {
      const r = await edge(pub!, { FAKE_CURL: JSON.stringify([['/v2/models/resnet50/', 'exit 6', '401']]), FAKE_CURL_AFTER: '2' }, 5000);
      expect(r.outcome).toBeUndefined();
      expect(r.calls.filter((c) => c.startsWith('curl '))).toHaveLength(3);
    });

    it('fails with the reason and the time it waited: a certificate not trusted for the host, or 200 where Cognito should deny', async () => {
      const untrusted = await edge(pub!, { FAKE_CURL: JSON.stringify([['/v2/models/resnet50/', 'exit 60']]) });
      expect(untrusted.outcome).toMatch(/^https:\/\/vision\.prod\.ml\.example\.com\/v2\/models\/resnet50\/ready through k8s-vision-vision-prod-prod-us-east-1\.elb\.amazonaws\.com: the ALB's certificate is not trusted for the host \(curl: \(60\) SSL certificate problem: unable to get local issuer certificate\) \(still so after [\d.]+ s\)$/);
      const open = await edge(pub!, {});
      expect(open.outcome).toMatch(/resnet50\/ready through k8s-vision-vision-prod-prod-us-east-1\.elb\.amazonaws\.com: answered 200, not 401/);
    });

    it('skips an ALB restricted to allowedCidrs from outside them, with a sentence, and checks it from inside; an internal one from outside its VPC', async () => {
      const restricted = { ...pub!, allowedCidrs: ['203.0.113.0/24'] };
      const outside = await edge(restricted, { FAKE_PUBLIC_IP: '198.51.100.7' });
      expect(outside.outcome).toEqual({ note: "skipped: vision.prod.ml.example.com admits only 203.0.113.0/24 (allowedCidrs) and this machine's public address 198.51.100.7 is outside them" });
      expect(outside.calls).toEqual(['curl --silent --show-error --max-time 10 https://checkip.amazonaws.com']);
      const inside = await edge(restricted, { FAKE_PUBLIC_IP: '203.0.113.9', FAKE_CURL: COGNITO_401 });
      expect(inside.outcome).toBeUndefined();
      expect(inside.calls.filter((c) => c.includes('/v2/models/resnet50/ready'))).toHaveLength(1);
      const vpc = await edge(internal!, {});
      expect(vpc.outcome).toMatchObject({ note: expect.stringContaining('is an internal ALB and this machine') });
      expect(vpc.calls).toEqual([]);
    });
  });
});
