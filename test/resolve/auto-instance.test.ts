/**
 * `instanceTypes: auto` against an independent exhaustive search: every catalog GPU type x every node count up to the
 * pool's maxSize, each combination checked against memory, throughput at replicas.max, maxSize, team quotas and the
 * region, the cheapest month winning (ties by name). Plus the realistic case from issue #17 (a T4 chosen that then
 * failed its own capacity check), and what `platformc cost` shows of the choice in the table and the JSON.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { instanceCatalog, priceCatalog } from '../../compiler/catalog.js';
import { nodesFor } from '../../compiler/resolve/fleet.js';
import { environmentSpec } from '../../compiler/front/environments.js';
import { rankInstanceTypes, type InstanceChoice } from '../../compiler/resolve/auto-instance.js';
import { repoRoot, run } from '../helpers/cli.js';
import { irOfText, validated, writeSpec } from '../helpers/platform.js';

type Spec = ReturnType<typeof environmentSpec>;
type Defs = ReturnType<typeof validated>['models'];

/** Does `n` nodes of `perNode` GPUs hold these replicas (GPU counts), each replica on one node? Plain backtracking. */
function holds(replicas: number[], n: number, perNode: number): boolean {
  const free = Array.from({ length: n }, () => perNode);
  const sorted = [...replicas].sort((a, b) => b - a);
  const place = (i: number): boolean => {
    if (i === sorted.length) return true;
    const tried = new Set<number>();
    for (let k = 0; k < n; k++) {
      if (free[k]! < sorted[i]! || tried.has(free[k]!)) continue;
      tried.add(free[k]!);
      free[k]! -= sorted[i]!;
      if (place(i + 1)) return true;
      free[k]! += sorted[i]!;
    }
    return false;
  };
  return place(0);
}

interface Found { type: string; nodes: number; monthlyUsd: number }

/** Every (type, node count) that serves the pool, and the cheapest: written from the rules, not from the implementation. */
function exhaustive(spec: Spec, defs: Defs, pool: string, region: string): { best?: Found; feasible: Map<string, Found> } {
  const p = spec.nodePools[pool]!;
  const models = Object.values(spec.models).filter((m) => m.nodePool === pool);
  const feasible = new Map<string, Found>();
  for (const [type, f] of Object.entries(instanceCatalog.instances)) {
    const acc = f.accelerator;
    // The region's own price at the pool's capacity type, read straight from the price table.
    const hourly = f.regions.includes(region) ? priceCatalog()[p.capacityType][type]?.[region]?.usd : undefined;
    if (!acc || acc.kind !== 'nvidia' || hourly === undefined) continue;
    for (let n = 1; n <= p.maxSize; n++) {
      if (n < p.minSize) continue;
      const replicas: number[] = [];
      const teamGpus = new Map<string, number>();
      let ok = true;
      for (const m of models) {
        const def = defs.get(m.definition)!;
        const per = def.throughput.perGpu[acc.model];
        if (!per || m.gpusPerReplica > acc.count || def.memory.gpuGiB > acc.memoryGiB * 0.9 * m.gpusPerReplica) ok = false;
        else {
          // The fewest replicas whose combined throughput reaches the target, but never fewer than replicas.min.
          let r = m.replicas.min;
          while (r * per * def.throughput.derate * m.gpusPerReplica < m.slo.targetRps) r++;
          if (r > m.replicas.max) ok = false;
          for (let i = 0; i < r; i++) replicas.push(m.gpusPerReplica);
          teamGpus.set(m.team, (teamGpus.get(m.team) ?? 0) + r * m.gpusPerReplica);
        }
      }
      for (const [team, gpus] of teamGpus) {
        const elsewhere = Object.values(spec.models).filter((m) => m.team === team && m.nodePool !== pool).reduce((a, m) => a + m.replicas.min * m.gpusPerReplica, 0);
        if (gpus + elsewhere > spec.teams[team]!.gpuQuota) ok = false;
      }
      if (!ok || !holds(replicas, n, acc.count)) continue;
      feasible.set(type, { type, nodes: n, monthlyUsd: Math.round(n * hourly * 730 * 100) / 100 });
      break; // the first n that holds is the cheapest fleet of this type
    }
  }
  let best: Found | undefined;
  for (const c of feasible.values()) if (!best || c.monthlyUsd < best.monthlyUsd || (c.monthlyUsd === best.monthlyUsd && c.type < best.type)) best = c;
  return { best, feasible };
}

// The reference platform with ResNet50 alone on an `auto` GPU pool (MobileNet has T4 figures only).
const base = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8')
  .replace('instanceTypes: [g4dn.xlarge]', 'instanceTypes: auto')
  .replace(/    minSize: 1\n    maxSize: 4\n    diskSizeGiB: 100/, '    minSize: 1\n    maxSize: 40\n    diskSizeGiB: 100')
  .replace(/\n  mobilenet:\n    definition[\s\S]*?targetRps: 400\n/, '\n')
  // MobileNet's per-environment replicas (dev and prod) go with it; prod (the environment ranked here) keeps the
  // shared maxSize 40 and resnet50's shared replicas, as the cases below set them.
  .replace(/\n\s+mobilenet: \{ replicas: \{ min: \d+, max: \d+ \} \}/g, '')
  .replace(/\n {6}nodePools:\n {8}gpu: \{ maxSize: 7 \}/, '')
  .replace(/\n {6}models:\n {8}resnet50: \{ replicas: \{ min: 2, max: 3 \} \}/, '')
  .replace('gpuQuota: 7', 'gpuQuota: 40')
  .replace('  monthlyUsd: 3000', '  monthlyUsd: 100000')
  .replace('budget: { monthlyUsd: 1800 }', 'budget: { monthlyUsd: 100000 }')
  .replace('budget: { monthlyUsd: 3500 }', 'budget: { monthlyUsd: 100000 }');
/** resnet50's target rate and replicas, in prod and dev alike. */
const load = (text: string, rps: number, min: number, max: number) =>
  text.replace('targetRps: 200', `targetRps: ${rps}`).replace('replicas: { min: 1, max: 2 }', `replicas: { min: ${min}, max: ${max} }`).replace(/resnet50: \{ replicas: \{ min: \d+, max: \d+ \} \}/g, `resnet50: { replicas: { min: ${min}, max: ${max} } }`);
/** The issue's case: 3000/s, exactly 2 replicas. T4 needs 3 (1390.75/s each); L4 and A10G serve it with 2. */
const issueCase = load(base, 3000, 2, 2);
const euWest = (text: string) => text.replaceAll('us-east-1', 'eu-west-1');

function rankOf(text: string, region = 'us-east-1') {
  const v = validated(writeSpec(text));
  const spec = environmentSpec(v.source.value as Record<string, unknown>, 'prod');
  return { ranked: rankInstanceTypes('gpu', spec, v.models, region), brute: exhaustive(spec, v.models, 'gpu', region) };
}
const byType = (ranked: readonly InstanceChoice[], type: string) => ranked.find((c) => c.type === type)!;

describe('auto equals an exhaustive search over every type x node count', () => {
  const cases: [string, string, string, string?][] = [
    ['light load: the cheapest single T4', base, 'g4dn.xlarge'],
    ['heavy load: L4 beats the cheaper-per-hour T4 on the fleet', load(base, 20000, 1, 30), 'g6.xlarge'],
    ['moderate load with room for replicas: 3 T4 cost less than 2 L4', load(base, 3000, 2, 10), 'g4dn.xlarge'],
    ['the issue: T4 would need 3 replicas, replicas.max is 2, so the L4 that fits wins', issueCase, 'g6.xlarge'],
    ['the issue in eu-west-1, where the catalog has no L4: the A10G that fits wins', euWest(issueCase), 'g5.xlarge', 'eu-west-1'],
    ['maxSize 2 at 20000/s: only multi-GPU nodes fit, the 4 x L4 node wins', load(base, 20000, 1, 30).replace('maxSize: 40', 'maxSize: 2'), 'g6.12xlarge'],
    ['a quota of 3 GPUs: 4 T4 replicas would be cheaper than 3 L4, but exceed it', load(base, 5000, 3, 10).replace('gpuQuota: 40', 'gpuQuota: 3'), 'g6.xlarge'],
    ['two GPUs a replica: single-GPU types cannot hold one', load(base, 6000, 1, 10).replace('gpusPerReplica: 1', 'gpusPerReplica: 2'), 'g6.12xlarge'],
    ['a spot pool: the same fleet at the spot price', base.replace('    instanceTypes: auto\n', '    instanceTypes: auto\n    capacityType: spot\n'), 'g4dn.xlarge'],
  ];
  for (const [name, text, expected, region] of cases) {
    it(name, () => {
      const { ranked, brute } = rankOf(text, region);
      const win = ranked[0]!;
      expect(win.lost).toBeUndefined();
      expect({ type: win.type, nodes: win.nodes, monthlyUsd: win.monthlyUsd }).toEqual(brute.best);
      expect(win.type).toBe(expected);
      // The same set of types can serve the pool, each with the same fleet; everything else lost for a stated reason.
      const fits = ranked.filter((c) => c.nodes !== undefined);
      expect(new Map(fits.map((c) => [c.type, { type: c.type, nodes: c.nodes, monthlyUsd: c.monthlyUsd }]))).toEqual(brute.feasible);
      for (const c of ranked.slice(1)) expect(c.lost?.detail).toBeTruthy();
      for (const c of fits.slice(1)) expect(c.lost).toEqual({ criterion: 'cost', detail: expect.stringMatching(/ a month more than |costs the same as /) });
      // Ranked cheapest first.
      expect(fits.map((c) => c.monthlyUsd)).toEqual([...fits.map((c) => c.monthlyUsd!)].sort((a, b) => a - b));
    });
  }

  it('why each candidate lost, in the issue case', () => {
    const { ranked } = rankOf(issueCase);
    expect(byType(ranked, 'g4dn.xlarge').lost).toEqual({ criterion: 'replicas-max', detail: "'resnet50' needs 3 replicas for 3000/s at 1390.75/s each on T4; replicas.max is 2" });
    // 2 x g6.xlarge = 2 x 0.8048 x 730 = 1175.01; 2 x g5.xlarge = 2 x 1.006 x 730 = 1468.76.
    expect(ranked[0]).toMatchObject({ type: 'g6.xlarge', nodes: 2, monthlyUsd: 1175.01 });
    expect(byType(ranked, 'g5.xlarge')).toMatchObject({ nodes: 2, monthlyUsd: 1468.76, lost: { criterion: 'cost', detail: '$293.75 a month more than g6.xlarge' } });
    expect(byType(ranked, 'inf2.xlarge').lost!.criterion).toBe('accelerator');
    expect(byType(ranked, 'g6e.xlarge').lost).toEqual({ criterion: 'throughput-data', detail: "models/resnet50.yaml has no throughput figure for L40S, so the capacity of 'resnet50' on it is unknown" });
    const eu = rankOf(euWest(issueCase), 'eu-west-1').ranked;
    expect(byType(eu, 'g6.xlarge').lost).toEqual({ criterion: 'region', detail: 'not offered in eu-west-1 (specs/instances.json)' });
    // 2 x g5.xlarge in eu-west-1 = 2 x 1.123 x 730 = 1639.58.
    expect(eu[0]).toMatchObject({ type: 'g5.xlarge', nodes: 2, monthlyUsd: 1639.58 });
  });

  it('maxSize and quota losses name their figures', () => {
    const small = rankOf(load(base, 20000, 1, 30).replace('maxSize: 40', 'maxSize: 2')).ranked;
    // 20000 / (5563 x 0.25) = 14.4 -> 15 T4 replicas: 15 single-GPU nodes, or 4 four-GPU nodes.
    expect(byType(small, 'g4dn.xlarge').lost).toEqual({ criterion: 'max-size', detail: "15 GPUs for the target rates take 15 x g4dn.xlarge; the pool's maxSize is 2" });
    expect(byType(small, 'g4dn.12xlarge').lost).toEqual({ criterion: 'max-size', detail: "15 GPUs for the target rates take 4 x g4dn.12xlarge; the pool's maxSize is 2" });
    const quota = rankOf(load(base, 5000, 3, 10).replace('gpuQuota: 40', 'gpuQuota: 3')).ranked;
    expect(byType(quota, 'g4dn.xlarge').lost).toEqual({ criterion: 'quota', detail: "team 'vision' would request 4 GPUs (4 on this pool); its gpuQuota is 3" });
  });

  it('a spot pool is priced at the spot price the estimate uses', () => {
    const { ranked } = rankOf(base.replace('    instanceTypes: auto\n', '    instanceTypes: auto\n    capacityType: spot\n'));
    // g4dn.xlarge spot in us-east-1 (specs/prices.json, V-SPOT: the mean zone spot price on 2025-11-30) 0.1766 x 730 = 128.92.
    expect(ranked[0]).toMatchObject({ type: 'g4dn.xlarge', capacityType: 'spot', nodes: 1, usdPerHour: 0.1766, monthlyUsd: 128.92 });
  });
});

describe('the issue case through the whole pipeline', () => {
  it('compiles with the L4 instead of failing slo-capacity on a T4', async () => {
    const ir = irOfText(issueCase);
    for (const env of ir.environments) expect(env.regions[0]!.nodePools.find((p) => p.name === 'gpu')!.instance.type).toBe('g6.xlarge');
    const r = await run(['validate', writeSpec(issueCase)]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('slo-capacity');
  });

  it('`cost` shows the winner, the runners-up and why the rest lost, in the table', async () => {
    const r = await run(['cost', writeSpec(issueCase), '--env', 'prod']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('    auto pool gpu: g6.xlarge wins, 2 x g6.xlarge (1 x L4, $0.8048/h) for 2 GPU(s): resnet50 2, $1,175.01 a month');
    expect(r.stdout).toContain('      next: g5.xlarge, 2 x g5.xlarge (1 x A10G, $1.006/h) for 2 GPU(s): resnet50 2: $293.75 a month more than g6.xlarge');
    expect(r.stdout).toContain("      lost (replicas-max): g4dn.12xlarge, g4dn.16xlarge, g4dn.2xlarge, g4dn.4xlarge, g4dn.8xlarge, g4dn.xlarge: 'resnet50' needs 3 replicas for 3000/s at 1390.75/s each on T4; replicas.max is 2");
    expect(r.stdout).toContain('      lost (accelerator): inf2.24xlarge, inf2.48xlarge, inf2.8xlarge, inf2.xlarge: AWS Inferentia2 is not an NVIDIA GPU');
  });

  it('`cost --format json` carries autoChoices per project, valid against schema/cost-estimate.schema.json', async () => {
    const r = await run(['cost', writeSpec(issueCase), '--format', 'json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    const ajv = new Ajv({ strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'schema/cost-estimate.schema.json'), 'utf8')));
    expect(validate(json), ajv.errorsText(validate.errors)).toBe(true);
    const prod = json.projects.find((p: { name: string }) => p.name === 'inference/prod/us-east-1');
    expect(prod.autoChoices).toHaveLength(1);
    const [a] = prod.autoChoices;
    expect(a.pool).toBe('gpu');
    expect(a.chosen).toBe('g6.xlarge');
    expect(a.candidates[0]).toEqual({ instanceType: 'g6.xlarge', gpu: 'L4', capacityType: 'onDemand', status: 'chosen', nodes: 2, hourlyPrice: '0.8048', monthlyCost: '1175.01', reason: '2 x g6.xlarge (1 x L4, $0.8048/h) for 2 GPU(s): resnet50 2' });
    const t4 = a.candidates.find((c: { instanceType: string }) => c.instanceType === 'g4dn.xlarge');
    expect(t4).toMatchObject({ status: 'lost', lostOn: 'replicas-max' });
    expect(t4.monthlyCost).toBeUndefined();
    // Every GPU type in the catalog is a candidate, and only the winner is not lost.
    expect(a.candidates).toHaveLength(Object.values(instanceCatalog.instances).filter((f) => f.accelerator).length);
    expect(a.candidates.filter((c: { status: string }) => c.status === 'chosen')).toHaveLength(1);
    // Projects without an auto pool carry none.
    expect(JSON.parse((await run(['cost', '--format', 'json'])).stdout).projects.every((p: object) => !('autoChoices' in p))).toBe(true);
  });
});

describe('nodesFor packs replicas onto nodes', () => {
  it('equals an exhaustive packing for small mixes', () => {
    for (const perNode of [1, 2, 4, 8]) {
      for (const mix of [[1], [1, 1, 1], [2, 2, 1], [4, 2, 2, 1, 1], [8], [2, 2, 2, 2, 2], [4, 4, 1, 1, 1, 1, 1]]) {
        if (mix.some((g) => g > perNode)) {
          expect(nodesFor(mix, perNode)).toBe(Infinity);
          continue;
        }
        let n = 1;
        while (!holds(mix, n, perNode)) n++;
        expect(nodesFor(mix, perNode), `${mix} on ${perNode}`).toBe(n);
      }
    }
    expect(nodesFor([], 4)).toBe(0);
  });
});
