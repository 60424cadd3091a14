/**
 * plan, status/verify and loadtest against the fake tools and API (./fake-platform.ts), and the cluster checks on
 * recorded API responses. apply, destroy, signals and the ALB checks have their own files (apply.test.ts,
 * destroy.test.ts, signals.test.ts, alb-edge.test.ts), so that vitest runs them in parallel. One run of plan,
 * verify and loadtest each starts the built CLI as a user would (`cliAsync`); the others run in this process.
 */
import { describe, expect, it } from 'vitest';
import { deploymentNotReady, gpuNodesNotReady, readyEndpoints } from '../../compiler/ops/kube.js';
import { cliAsync, run } from '../helpers/cli.js';
import { calls, fakeCluster, workspace } from './fake-platform.js';

const cluster = fakeCluster();

describe('plan, status, loadtest', () => {
  it('plan runs terraform plan per module and a server-side diff, then the cost delta', async () => {
    const w = workspace(cluster);
    const r = await cliAsync(['plan', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222' } });
    expect(r.code, r.stderr).toBe(0);
    expect(calls(w.log).filter((c) => c.includes(' plan ') || c.includes('diff'))).toEqual([
      'terraform -chdir=generated/terraform/prod/us-east-1/infra plan -input=false -lock-timeout=5m',
      'terraform -chdir=generated/terraform/prod/us-east-1/platform plan -input=false -lock-timeout=5m',
      // One kustomization at a time, as apply sends them: the platform's objects, then each group of models.
      'kubectl diff --server-side --context inference-prod-us-east-1 -k generated/kustomize/overlays/prod/us-east-1/platform',
      'kubectl diff --server-side --context inference-prod-us-east-1 -k generated/kustomize/overlays/prod/us-east-1/models/vision',
      'kubectl diff --server-side --context inference-prod-us-east-1 -k generated/kustomize/overlays/prod/us-east-1/admission',
    ]);
    expect(r.stdout).toContain('prod       $2,123.99 -> $2,123.99 (±$0.00 a month) [max $3,198.07 -> $3,198.07]');
  });

  it('plan goes on through every diff that finds differences (kubectl diff exits 1 then), one kustomization after another', async () => {
    const w = workspace(cluster);
    const r = await run(['plan', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222', FAKE_FAIL: 'diff --server-side' } });
    expect(r.code, r.stderr).toBe(0);
    expect(calls(w.log).filter((c) => c.startsWith('kubectl diff')).map((c) => c.split(' -k ')[1])).toEqual([
      'generated/kustomize/overlays/prod/us-east-1/platform',
      'generated/kustomize/overlays/prod/us-east-1/models/vision',
      'generated/kustomize/overlays/prod/us-east-1/admission',
    ]);
  });

  it('status reports nodes, GPUs, models and endpoints, as text or JSON', async () => {
    const w = workspace(cluster);
    const r = await run(['status', '--env', 'prod', '--format', 'json'], { cwd: w.dir, env: w.env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ environment: 'prod', healthy: true, generatedUpToDate: true });
    expect(s.regions[0].pools.find((p: { pool: string }) => p.pool === 'gpu')).toEqual({ pool: 'gpu', nodes: 1, gpus: [{ node: 'ip-10-0-2-1', allocatable: 1 }] });
    expect(s.regions[0].models.map((m: { endpoint: string }) => m.endpoint)).toEqual(['ready', 'ready']);
    cluster.gpuAllocatable = '0';
    try {
      expect((await cliAsync(['verify', '--env', 'prod'], { cwd: w.dir, env: w.env })).code).toBe(1);
    } finally {
      cluster.gpuAllocatable = '1';
    }
  });

  it('status and apply read model readiness from the Services\' EndpointSlices, never through the API server\'s proxy', async () => {
    const w = workspace(cluster);
    cluster.readyEndpoints = 0;
    try {
      const r = await run(['status', '--env', 'prod', '--format', 'json'], { cwd: w.dir, env: w.env });
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).regions[0].models.map((m: { endpoint: string }) => m.endpoint)).toEqual(['not ready (no ready endpoint)', 'not ready (no ready endpoint)']);
      const apply = await run(['apply', '--env', 'prod', '--skip-loadtests'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222' } });
      expect(apply.code).toBe(1);
      expect(apply.stdout + apply.stderr).toMatch(/every model's Service has ready endpoints \(us-east-1\): FAILED after [\d.]+s: mobilenet: Service vision\/triton-mobilenet has no ready endpoint on port http/);
      // A read the API refuses is reported as unknown, with why, not as a model without endpoints.
      cluster.readyEndpoints = -1;
      const forbidden = await run(['status', '--env', 'prod', '--format', 'json'], { cwd: w.dir, env: w.env });
      expect(forbidden.code).toBe(1);
      for (const m of JSON.parse(forbidden.stdout).regions[0].models) expect(m.endpoint).toMatch(/^unknown \(.*403/);
    } finally {
      cluster.readyEndpoints = 1;
    }
    expect(cluster.apiCalls.filter((c) => c.includes('/proxy'))).toEqual([]);
  });

  it('loadtest starts a Job from the suspended CronJob and reports the verdict', async () => {
    const w = workspace(cluster);
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
  it('counts the ready endpoints of a Service port as the EndpointSlice API defines them', () => {
    const slice = (port: string, ...conditions: object[]) => ({ ports: [{ name: port, port: 8000 }], endpoints: conditions.map((c) => ({ addresses: ['10.0.3.1'], conditions: c })) });
    // No condition means ready (the API's "unknown"); not ready and terminating endpoints do not count.
    expect(readyEndpoints([slice('http', {}, { ready: true }, { ready: false }, { ready: true, terminating: true })] as never, 'http')).toBe(2);
    expect(readyEndpoints([slice('metrics', { ready: true })] as never, 'http')).toBe(0);
    expect(readyEndpoints([slice('http', { ready: true }), slice('http', { ready: true })] as never, 'http')).toBe(2);
    expect(readyEndpoints([], 'http')).toBe(0);
  });

  it('a Deployment is ready only when its rollout is observed and all replicas are available', async () => {
    const base = { metadata: { name: 'triton-resnet50', generation: 2 }, spec: { replicas: 2, selector: {}, template: {} } };
    expect(deploymentNotReady({ ...base, status: { observedGeneration: 2, updatedReplicas: 2, availableReplicas: 2 } } as never)).toBeUndefined();
    expect(deploymentNotReady({ ...base, status: { observedGeneration: 2, updatedReplicas: 2, availableReplicas: 1 } } as never)).toBe('1/2 replicas available');
    expect(deploymentNotReady({ ...base, status: { observedGeneration: 1, updatedReplicas: 2, availableReplicas: 2 } } as never)).toBe('rollout not observed yet');
    expect(deploymentNotReady({ ...base, status: { observedGeneration: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' }] } } as never)).toBe('rollout failed: ProgressDeadlineExceeded timed out');
  });
});
