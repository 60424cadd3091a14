/**
 * The cluster through the Kubernetes API (@kubernetes/client-node, loaded only here). The decisions are
 * pure functions over API objects, so they are tested on recorded responses.
 */
import type { V1Deployment, V1EndpointSlice, V1Node } from '@kubernetes/client-node';
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

/**
 * How many endpoints of a Service's port are ready: pods its selector matches that pass their readiness probe
 * (an endpoint without a ready condition counts as ready, as the EndpointSlice API says; a terminating one never).
 * Triton's probe is /v2/health/ready, which with strict readiness (its default) answers 200 only once every loaded
 * model is ready: a ready endpoint of `http` is a Triton that serves its model, reached through its Service.
 */
export function readyEndpoints(slices: readonly V1EndpointSlice[], port: string): number {
  return slices
    .filter((s) => s.ports?.some((p) => p.name === port))
    .flatMap((s) => s.endpoints ?? [])
    .filter((e) => e.conditions?.ready !== false && e.conditions?.terminating !== true).length;
}

export interface Cluster {
  listNodes(): Promise<V1Node[]>;
  readDeployment(namespace: string, name: string): Promise<V1Deployment>;
  /** The EndpointSlices of a Service. */
  serviceEndpoints(namespace: string, service: string): Promise<V1EndpointSlice[]>;
}

/** A client for one kubeconfig context. */
export async function connect(context: string): Promise<Cluster> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  kc.setCurrentContext(context);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const discovery = kc.makeApiClient(k8s.DiscoveryV1Api);
  return {
    listNodes: async () => (await core.listNode()).items,
    readDeployment: (namespace, name) => apps.readNamespacedDeployment({ namespace, name }),
    serviceEndpoints: async (namespace, service) =>
      (await discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${service}` })).items,
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
