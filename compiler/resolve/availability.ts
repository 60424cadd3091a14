/**
 * Availability of production models through rollouts and node drains, checked on the IR (the rollout
 * strategy and the GPUs left over are derived there once).
 *
 * A Deployment rolls either with a surge pod (maxSurge 1, maxUnavailable 0: needs a spare replica's GPUs in
 * the pool at maxSize and in the team's quota) or by taking one pod down first (maxSurge 0, maxUnavailable 1).
 * With replicas.min 1 the second is a full outage on every configuration or weights change, for the minutes
 * Triton takes to load the model: a warning in production that says what headroom is missing (one GPU of
 * headroom costs nothing until a rollout uses it). Not an error: a pool already at the largest size a team
 * may have (or an auto pool sized to its models) can accept the blip knowingly; the warning keeps it from
 * being silent. A single replica with headroom still goes down on every node drain, AMI upgrade or
 * scale-in: the PodDisruptionBudget (maxUnavailable 1) cannot keep it without blocking the drain, so that is
 * a warning where the availability objective (99.9% and up) has no room for it.
 */
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { overridePath } from '../front/environments.js';
import type { Path, Source } from '../front/source.js';
import type { PlatformIR } from './ir.js';

/** Availability objective (percent) from which a single replica in production is worth a warning. */
export const SINGLE_REPLICA_AVAILABILITY = 99.9;

export function checkRolloutAvailability(ir: PlatformIR, source: Source): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const env of ir.environments.filter((e) => e.production)) {
    const reported = new Set<string>();
    for (const r of env.regions) {
      for (const d of r.deployments) {
        if (d.replicas.min > 1 || reported.has(d.model)) continue;
        // A drain costs minutes (Triton loads the model again): within a 99% budget (7 hours a month), not within 99.9%'s 43 minutes.
        if (d.rollout.maxSurge > 0 && d.slo.availability < SINGLE_REPLICA_AVAILABILITY) continue;
        reported.add(d.model);
        const path: Path = ['models', d.model, 'replicas', 'min'];
        const o = overridePath(env.name, path);
        const at = o && source.has(o) ? o : source.has(path) ? path : ['models', d.model, 'replicas'];
        const team = ir.models.find((m) => m.name === d.model)!.team;
        const missing = (spare: number) => Math.max(0, d.gpusPerReplica - spare);
        const headroom = [
          ...(missing(d.rollout.spareGpus.pool) ? [`nodePools.${d.nodePool}.maxSize for ${missing(d.rollout.spareGpus.pool)} more GPU(s)`] : []),
          ...(missing(d.rollout.spareGpus.quota) ? [`teams.${team}.gpuQuota + ${missing(d.rollout.spareGpus.quota)}`] : []),
        ].join(' and ');
        out.push(
          d.rollout.maxSurge === 0
            ? diagnostic(
                'rollout-outage',
                { model: d.model, env: env.name, region: r.region, pool: d.nodePool, team, poolSpare: Math.max(0, d.rollout.spareGpus.pool), quotaSpare: Math.max(0, d.rollout.spareGpus.quota) },
                source.file,
                source.span(at),
                `set replicas.min: 2 for ${d.model} in ${env.name}, or leave GPUs for a surge pod (${headroom}); headroom costs nothing until a rollout uses it`,
              )
            : diagnostic('single-replica', { model: d.model, env: env.name, availability: d.slo.availability }, source.file, source.span(at), `set replicas.min: 2 for ${d.model} in ${env.name}: the PodDisruptionBudget then keeps one replica serving while a node drains`),
        );
      }
    }
  }
  return out;
}
