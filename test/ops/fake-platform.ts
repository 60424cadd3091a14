/**
 * What the ops tests (apply, destroy, plan, status, loadtest, signals, the ALB checks) run against: fake
 * terraform, kubectl, aws and curl executables that record their calls and fail on cue (test/fixtures/fakebin),
 * a local HTTP server standing in for the Kubernetes API, and workspaces holding a compiled platform.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { stringify } from 'yaml';
import { commandLine } from '../../compiler/ops/run.js';
import { repoRoot } from '../helpers/cli.js';
import { compileIn } from '../helpers/platform.js';

export const fakebin = join(repoRoot, 'test/fixtures/fakebin');

export interface FakeCluster {
  /** Every request the API server answered: "METHOD url". */
  readonly apiCalls: string[];
  /** What each node of the GPU pool advertises as allocatable nvidia.com/gpu ('0': the device plugin is not up). */
  gpuAllocatable: string;
  /** Ready endpoints each model's Service has ('0': no Triton pod passes its readiness probe; negative: reading them is forbidden). */
  readyEndpoints: number;
  port: number;
}

/**
 * The fake API server of one test file (started before its tests, closed after them): every node of the GPU
 * pool advertises a GPU, every Deployment is available, every Service has a ready endpoint.
 */
export function fakeCluster(): FakeCluster {
  const cluster: FakeCluster = { apiCalls: [], gpuAllocatable: '1', readyEndpoints: 1, port: 0 };
  let server: Server | undefined;
  beforeAll(async () => {
    server = createServer((req, res) => {
      cluster.apiCalls.push(`${req.method} ${req.url}`);
      const json = (code: number, body: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const url = req.url ?? '';
      if (url.startsWith('/api/v1/nodes')) {
        return json(200, { kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: [
          { metadata: { name: 'ip-10-0-1-1', labels: { 'platformc.dev/pool': 'general' } }, status: { allocatable: { cpu: '4' } } },
          { metadata: { name: 'ip-10-0-2-1', labels: { 'platformc.dev/pool': 'gpu' } }, status: { allocatable: { cpu: '4', 'nvidia.com/gpu': cluster.gpuAllocatable } } },
        ] });
      }
      const dep = /\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/?]+)/.exec(url);
      if (dep) return json(200, { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: dep[2], namespace: dep[1], generation: 1 }, spec: { replicas: 1, selector: {}, template: {} }, status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 } });
      const slices = /\/apis\/discovery\.k8s\.io\/v1\/namespaces\/([^/]+)\/endpointslices\?labelSelector=kubernetes\.io%2Fservice-name%3D([^&]+)/.exec(url);
      if (slices && cluster.readyEndpoints < 0) return json(403, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, message: 'endpointslices.discovery.k8s.io is forbidden' });
      if (slices) {
        const endpoints = Array.from({ length: cluster.readyEndpoints }, (_, i) => ({ addresses: [`10.0.3.${i + 1}`], conditions: { ready: true } }));
        return json(200, { kind: 'EndpointSliceList', apiVersion: 'discovery.k8s.io/v1', metadata: {}, items: [
          { metadata: { name: `${slices[2]}-abcde`, namespace: slices[1], labels: { 'kubernetes.io/service-name': slices[2] } }, addressType: 'IPv4', ports: [{ name: 'http', port: 8000, protocol: 'TCP' }], endpoints },
        ] });
      }
      json(404, { kind: 'Status', code: 404 });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    cluster.port = (server.address() as { port: number }).port;
  });
  afterAll(() => server?.close());
  return cluster;
}

/** The fake S3 serves 'fake weights\n' for every object: the workspace's definitions expect its sha256. */
export const FAKE_WEIGHTS_SHA256 = createHash('sha256').update('fake weights\n').digest('hex');

/**
 * A compiled workspace per platform text, made once (per test worker) and copied for each test: a compile
 * costs several times the copy, and the ops tests need a fresh folder each (they write state, logs and
 * terraform's working data into it).
 */
const templates = new Map<string, string>();

function template(text: string): string {
  let dir = templates.get(text);
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'platformc-ops-template-'));
    cpSync(join(repoRoot, 'models'), join(dir, 'models'), { recursive: true });
    for (const m of readdirSync(join(dir, 'models'))) {
      const path = join(dir, 'models', m);
      writeFileSync(path, readFileSync(path, 'utf8').replace(/sha256: [0-9a-f]{64}/, `sha256: ${FAKE_WEIGHTS_SHA256}`));
    }
    writeFileSync(join(dir, 'platform.yaml'), text);
    compileIn(dir);
    templates.set(text, dir);
  }
  return dir;
}

export interface Workspace { readonly dir: string; readonly log: string; readonly env: Record<string, string> }

/** A workspace with a compiled platform, fake tools first on PATH and a kubeconfig for the fake API. */
export function workspace(cluster: FakeCluster, spec = 'platform.yaml', edit: (text: string) => string = (t) => t): Workspace {
  const text = edit(readFileSync(join(repoRoot, spec), 'utf8').replaceAll('../models/', 'models/'));
  const dir = mkdtempSync(join(tmpdir(), 'platformc-ops-'));
  cpSync(template(text), dir, { recursive: true });
  const contexts = ['inference-prod-us-east-1', 'inference-dev-us-east-1', 'vision-prod-prod-us-east-1', 'vision-prod-prod-us-west-2'];
  writeFileSync(join(dir, 'kubeconfig'), stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': contexts[0],
    clusters: [{ name: 'fake', cluster: { server: `http://127.0.0.1:${cluster.port}`, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'fake', user: { token: 'not-a-secret' } }],
    contexts: contexts.map((c) => ({ name: c, context: { cluster: 'fake', user: 'fake' } })),
  }));
  const log = join(dir, 'calls.jsonl');
  return { dir, log, env: { PATH: `${fakebin}:${process.env.PATH}`, FAKE_LOG: log, KUBECONFIG: join(dir, 'kubeconfig'), PLATFORMC_WAIT_MS: '200', CI: 'true' } };
}

/** The recorded calls, as command lines written the way --dry-run prints them. */
export const calls = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { tool: string; argv: string[] }).map((c) => commandLine([c.tool, ...c.argv])) : []);
/** A load-test Job's run id (chosen at run time) as the dry run shows it: RUN. */
export const runIdOf = (line: string) => line.replace(/(loadtest-[a-z0-9-]+)-[0-9a-z]{8}\b/g, '$1-RUN');
/** The command lines a dry run lists, in order. */
export const dryRunCommands = (stdout: string) => [...stdout.matchAll(/^\s+\$ (.+)$/gm)].map((m) => m[1]!);

/**
 * Commands with each stretch of model-revision calls (S3 objects under <model>/...) in model order: apply checks
 * several models at once, so their calls interleave, while each model's own keep their order (a stable sort).
 */
export function modelsInOrder(commands: readonly string[]): string[] {
  const model = (c: string) => /^aws s3api (?:head|put|copy)-object .*--key ([^/\s]+)\//.exec(c)?.[1];
  const out: string[] = [];
  for (let i = 0; i < commands.length; ) {
    let j = i;
    while (j < commands.length && model(commands[j]!) !== undefined) j++;
    if (j === i) out.push(commands[i++]!);
    else {
      out.push(...commands.slice(i, j).map((c, k) => ({ c, k })).sort((a, b) => (model(a.c)! < model(b.c)! ? -1 : model(a.c)! > model(b.c)! ? 1 : a.k - b.k)).map((x) => x.c));
      i = j;
    }
  }
  return out;
}
/** The checks through the ALBs (after DNS): retried, or skipped when the runner cannot reach an ALB, so run a varying number of times. */
export const isEdgeCall = (line: string) => line.startsWith('curl ') || line.startsWith('kubectl get ingress ');
/** multi-region-prod's resnet50 is behind Cognito: through its ALB, its ready endpoint answers 401 to a caller without a login. */
export const COGNITO_401 = JSON.stringify([['/v2/models/resnet50/', '401']]);
