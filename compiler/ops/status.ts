/**
 * status / verify: is an environment healthy as platform.yaml describes it? Nodes per pool, GPUs allocatable,
 * every model's Deployment available and its ready endpoint answering, generated/ fresh. Read-only.
 */
import type { EnvironmentIR } from '../resolve/ir.js';
import { POOL_LABEL } from '../lib/conventions.js';
import { allocatableGpus, connect, deploymentNotReady, readyEndpoints } from './kube.js';

export interface PoolStatus { readonly pool: string; readonly nodes: number; readonly gpus: readonly { readonly node: string; readonly allocatable: number }[] }
export interface ModelStatus { readonly model: string; readonly available: boolean; readonly reason?: string; readonly endpoint: string }
export interface RegionStatus {
  readonly region: string;
  readonly context: string;
  readonly reachable: boolean;
  readonly error?: string;
  readonly pools?: readonly PoolStatus[];
  readonly models?: readonly ModelStatus[];
  readonly healthy: boolean;
}
export interface EnvironmentStatus {
  readonly environment: string;
  readonly generatedUpToDate: boolean;
  /** Why generated/ is stale, when it is. */
  readonly stale?: string;
  readonly regions: readonly RegionStatus[];
  readonly healthy: boolean;
}

async function regionStatus(env: EnvironmentIR, r: EnvironmentIR['regions'][number]): Promise<RegionStatus> {
  const context = r.names.kubeContext;
  try {
    const cluster = await connect(context);
    const nodes = await cluster.listNodes();
    const pools = r.nodePools.map((p): PoolStatus => {
      const ofPool = nodes.filter((n) => n.metadata?.labels?.[POOL_LABEL] === p.name);
      return { pool: p.name, nodes: ofPool.length, gpus: ofPool.map((n) => ({ node: n.metadata?.name ?? '?', allocatable: allocatableGpus(n, p.gpuSharing?.resource) })) };
    });
    const models = await Promise.all(
      r.deployments.map(async (d): Promise<ModelStatus> => {
        const why = deploymentNotReady(await cluster.readDeployment(d.namespace, d.workload).catch(() => ({ status: {}, spec: { replicas: 1 } }) as never));
        // The Service's ready endpoints, not a GET through the API server's proxy, which NetworkPolicy refuses (run.ts).
        // A failed read (RBAC, the API) is reported as such, not as a model without endpoints.
        const slices = await cluster.serviceEndpoints(d.namespace, d.workload).catch((error: Error) => error);
        const endpoint = slices instanceof Error ? `unknown (${slices.message})` : readyEndpoints(slices, 'http') ? 'ready' : 'not ready (no ready endpoint)';
        return { model: d.model, available: !why, ...(why ? { reason: why } : {}), endpoint };
      }),
    );
    // A GPU node that advertises no GPU means the device plugin is not working there.
    const gpusOk = pools.every((p) => r.nodePools.find((x) => x.name === p.pool)!.role !== 'gpu' || p.gpus.every((g) => g.allocatable > 0));
    const healthy = gpusOk && models.every((m) => m.available && m.endpoint === 'ready');
    return { region: r.region, context, reachable: true, pools, models, healthy };
  } catch (error) {
    return { region: r.region, context, reachable: false, error: (error as Error).message, healthy: false };
  }
}

export async function environmentStatus(env: EnvironmentIR, region: string | undefined, stale: string | undefined): Promise<EnvironmentStatus> {
  const regions = await Promise.all(env.regions.filter((r) => !region || r.region === region).map((r) => regionStatus(env, r)));
  return { environment: env.name, generatedUpToDate: !stale, ...(stale ? { stale } : {}), regions, healthy: !stale && regions.every((r) => r.healthy) };
}

/** The report as people read it. */
export function statusText(s: EnvironmentStatus): string {
  const lines = [`${s.environment}: ${s.healthy ? 'healthy' : 'NOT healthy'}`, `  generated/: ${s.stale ?? 'up to date'}`];
  for (const r of s.regions) {
    lines.push(`  ${r.region}: ${r.reachable ? 'cluster reachable' : `cluster unreachable (${r.error})`}`);
    for (const p of r.pools ?? []) lines.push(`    pool ${p.pool}: ${p.nodes} nodes${p.gpus.some((g) => g.allocatable) ? `, GPUs ${p.gpus.map((g) => `${g.node}=${g.allocatable}`).join(' ')}` : ''}`);
    for (const m of r.models ?? []) lines.push(`    model ${m.model}: ${m.available ? 'available' : `not available (${m.reason})`}, endpoint ${m.endpoint}`);
  }
  return `${lines.join('\n')}\n`;
}
