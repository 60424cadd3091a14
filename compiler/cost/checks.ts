/**
 * Checks that need the resolved platform: capacity (can the replicas meet each model's target throughput?)
 * and the budget gate (does the estimate at maximum scale fit each environment's budget?). Positions point
 * at the environment's override when the value came from one.
 */
import { diagnostic, inEnvironment, mergeEnvironments, type Diagnostic } from '../diagnostics/diagnostic.js';
import { overridePath } from '../front/environments.js';
import type { Path, Source } from '../front/source.js';
import type { PlatformIR } from '../resolve/ir.js';
import { estimatePlatform, topCostDrivers } from './estimate.js';
import { usd } from './formats.js';

/** Replicas a model needs for its target rate: ceil(rps / (per-GPU throughput x derate x GPUs per replica)); GPUs per replica may be a fraction. */
export function replicasNeeded(targetRps: number, perGpu: number, derate: number, gpusPerReplica: number): number {
  return Math.ceil(targetRps / (perGpu * derate * gpusPerReplica));
}

/** Where a diagnostic about `path` in an environment points: at its override if platform.yaml has one. */
function positionIn(source: Source, env: string, path: Path): Path {
  const o = overridePath(env, path);
  return o && source.has(o) ? o : path;
}

export function checkCapacity(ir: PlatformIR, source: Source): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const env of ir.environments) {
    const r = env.regions[0]!;
    for (const d of r.deployments) {
      const pool = r.nodePools.find((p) => p.name === d.nodePool);
      const m = ir.models.find((x) => x.name === d.model)!;
      const gpu = pool?.instance.gpuModel;
      if (!pool || !gpu) continue;
      const def = m.definition;
      const perGpu = def.throughput.perGpu[gpu];
      if (!perGpu) {
        out.push(inEnvironment(diagnostic('no-throughput-data', { definition: m.definitionPath, gpu, type: pool.instance.type, rps: d.slo.targetRps }, source.file, source.span(['models', d.model, 'nodePool']), `add throughput.perGpu.${gpu} to ${m.definitionPath} from a measurement (perf_analyzer)`), env.name));
        continue;
      }
      // A time slice or MIG instance serves its fraction of the GPU's throughput (d.gpu.gpus: 1/4 of a GPU serves 1/4).
      const needed = replicasNeeded(d.slo.targetRps, perGpu, def.throughput.derate, d.gpu.gpus);
      if (needed > d.replicas.max) {
        const path = positionIn(source, env.name, ['models', d.model, 'replicas', 'max']);
        const found = diagnostic('slo-capacity', { model: d.model, needed, type: pool.instance.type, rps: d.slo.targetRps, perGpu, gpu, derate: def.throughput.derate, max: d.replicas.max }, source.file, source.span(path), `raise replicas.max to ${needed} (and the pool's maxSize), pick a faster GPU, or lower slo.targetRps`);
        out.push(inEnvironment(found, env.name));
      }
    }
  }
  // Replicas and rates differ per environment: the same finding everywhere is said once, others name theirs.
  return mergeEnvironments(out, ir.environments.map((e) => e.name));
}

export function checkBudget(ir: PlatformIR, source: Source): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const env of estimatePlatform(ir).environments) {
    const max = env.monthly.max;
    if (max <= env.budgetUsd) continue;
    const drivers = topCostDrivers(env, 'max').map((d) => `${d.name} ${usd(d.monthly)}`).join(', ');
    const path = source.has(['environments', env.env, 'budget', 'monthlyUsd']) ? ['environments', env.env, 'budget', 'monthlyUsd'] : ['budget', 'monthlyUsd'];
    out.push(
      diagnostic(
        'over-budget',
        { env: env.env, max: usd(max), budget: usd(env.budgetUsd), drivers },
        source.file,
        source.span(path),
        `lower the maxSize of the largest pools or raise the budget; \`npx platformc cost --env ${env.env}\` shows every line`,
        env.enforcement,
      ),
    );
  }
  return out;
}
