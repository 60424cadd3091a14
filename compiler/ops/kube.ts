/**
 * The cluster through the Kubernetes API (@kubernetes/client-node, loaded only here). The decisions are
 * pure functions over API objects, so they are tested on recorded responses.
 */
import http from 'node:http';
import https from 'node:https';
import type { V1Deployment, V1Node } from '@kubernetes/client-node';
import { GPU_RESOURCE, POOL_LABEL } from '../lib/conventions.js';
export { POOL_LABEL } from '../lib/conventions.js';


/** GPUs a node offers to pods (what `kubectl describe node | grep nvidia.com/gpu` shows as allocatable). */
export function allocatableGpus(node: V1Node, resource: string = GPU_RESOURCE): number {
  return Number(node.status?.allocatable?.[resource] ?? 0);
}

/**
 * Nodes of the given pools that do not (yet) advertise GPUs; empty when every one does and there is at least one.
 * `resources` names what a pool's nodes advertise when it is not whole GPUs (time slices, MIG instances).
 */
export function gpuNodesNotReady(nodes: readonly V1Node[], pools: readonly string[], resources: Readonly<Record<string, string>> = {}): string[] {
  const ofPools = nodes.filter((n) => pools.includes(n.metadata?.labels?.[POOL_LABEL] ?? ''));
  const missing = pools.filter((p) => !ofPools.some((n) => n.metadata?.labels?.[POOL_LABEL] === p)).map((p) => `pool ${p}: no node yet`);
  const resourceOf = (n: V1Node) => resources[n.metadata?.labels?.[POOL_LABEL] ?? ''] ?? GPU_RESOURCE;
  return [...missing, ...ofPools.filter((n) => allocatableGpus(n, resourceOf(n)) === 0).map((n) => `${n.metadata?.name}: no allocatable ${resourceOf(n)}`)];
}

/** Why a Deployment is not available yet, or undefined when it is. */
export function deploymentNotReady(d: V1Deployment): string | undefined {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  if ((s.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) return 'rollout not observed yet';
  const failed = s.conditions?.find((c) => c.type === 'Progressing' && c.status === 'False');
  if (failed) return `rollout failed: ${failed.reason ?? ''} ${failed.message ?? ''}`.trim();
  if ((s.updatedReplicas ?? 0) < want) return `${s.updatedReplicas ?? 0}/${want} replicas updated`;
  if ((s.availableReplicas ?? 0) < want) return `${s.availableReplicas ?? 0}/${want} replicas available`;
  return undefined;
}

export interface Cluster {
  listNodes(): Promise<V1Node[]>;
  readDeployment(namespace: string, name: string): Promise<V1Deployment>;
  /** GET through the API server's service proxy; returns the HTTP status. */
  proxyGet(namespace: string, service: string, port: string, path: string): Promise<number>;
}

/** A client for one kubeconfig context. */
export async function connect(context: string): Promise<Cluster> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  kc.setCurrentContext(context);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  return {
    listNodes: async () => (await core.listNode()).items,
    readDeployment: (namespace, name) => apps.readNamespacedDeployment({ namespace, name }),
    // A plain GET through the API server's service proxy, authenticated as the kubeconfig says
    // (the generated client would URL-encode the slashes of the path).
    proxyGet: async (namespace, service, port, path) => {
      const server = new URL(kc.getCurrentCluster()?.server ?? '');
      const options: https.RequestOptions = { method: 'GET', headers: {} };
      await kc.applyToHTTPSOptions(options);
      const url = new URL(`${server.pathname.replace(/\/$/, '')}/api/v1/namespaces/${namespace}/services/${service}:${port}/proxy${path}`, server);
      const request = url.protocol === 'https:' ? https.request : http.request;
      return new Promise<number>((resolve) => {
        const req = request(url, options, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.setTimeout(10_000, () => req.destroy());
        req.on('error', () => resolve(0));
        req.end();
      });
    },
  };
}

/** Polls until check returns no problem, or the deadline passes; returns the last problems. */
export async function waitFor(check: () => Promise<string[]>, timeoutMs: number, intervalMs: number, onProgress?: (problems: string[]) => void): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let problems: string[];
    try {
      problems = await check();
    } catch (error) {
      problems = [`API error: ${(error as Error).message}`];
    }
    if (problems.length === 0 || Date.now() >= deadline) return problems;
    onProgress?.(problems);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
