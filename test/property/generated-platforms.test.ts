/**
 * Whatever validates, compiles to valid output. A seeded generator makes platforms within the schema from the
 * reference platform and the examples: names at their length limits and names that differ by one character,
 * every enum value, sizes at their bounds, optional blocks present and absent, overrides in every
 * environment. Each platform either fails validation with positioned diagnostics, or compiles to output that
 * parses (YAML and JSON here; every case's HCL through terraform fmt, which also checks its layout); for a
 * sample the real tools check it too (kubectl kustomize and the strict schemas, promtool). Never an internal
 * error. Deterministic: the seed and case count are printed;
 * PLATFORMC_PROPERTY_SEED and PLATFORMC_PROPERTY_CASES change them.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { FileOutput } from '../../compiler/output/files.js';
import { writeTree } from '../../compiler/output/write.js';
import { generateFiles } from '../../compiler/generate.js';
import { checkPlatform } from '../../compiler/pipeline.js';
import { hasReference, hasTool, repoRoot } from '../helpers/cli.js';
import { kustomizeBuild, schemaProblems } from '../helpers/kube.js';
import { writeSpec } from '../helpers/platform.js';
import { promtoolFile } from '../helpers/rules.js';

type Json = Record<string, any>;

const SEED = Number(process.env.PLATFORMC_PROPERTY_SEED ?? 20261128);
const CASES = Number(process.env.PLATFORMC_PROPERTY_CASES ?? 160);
/** Compiled cases that also go through the real tools (each costs a few seconds). */
const TOOL_SAMPLE = 6;

/** mulberry32: a small, well-known seeded PRNG; the same seed gives the same platforms everywhere. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof rng>;

/** A DNS-1123 label of exactly `length` characters, sometimes sharing a long prefix with the last one made. */
function label(r: Rng, length: number, prefix = ''): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789-';
  let s = prefix.slice(0, Math.max(0, length - 1)) || r.pick([...'abcdefghijklmnopqrstuvwxyz']);
  while (s.length < length - 1) s += r.pick([...chars]);
  if (s.length < length) s += r.pick([...'abcdefghijklmnopqrstuvwxyz0123456789']);
  return s.replace(/--+/g, '-');
}

/** Renames a key of a map everywhere it is referred to by name. */
function renameKey(map: Json, from: string, to: string): void {
  if (!map || !(from in map) || from === to) return;
  const entries = Object.entries(map).map(([k, v]) => [k === from ? to : k, v] as const);
  for (const k of Object.keys(map)) delete map[k];
  for (const [k, v] of entries) map[k] = v;
}

const BASES = ['platform.yaml', 'examples/minimal-dev.yaml', 'examples/multi-region-prod.yaml', 'examples/spot-cost-optimised.yaml', 'examples/multi-model-teams.yaml'];
const bases = BASES.map((f) => {
  const doc = parse(readFileSync(join(repoRoot, f), 'utf8')) as Json;
  // The test folder links models/ next to platform.yaml.
  for (const m of Object.values(doc.models as Json)) m.definition = m.definition.replace(/^(\.\.\/)+/, '');
  return doc;
});

function generate(r: Rng): Json {
  const p = structuredClone(r.pick(bases)) as Json;
  const envs = () => Object.keys(p.environments as Json);

  if (r.chance(0.4)) p.metadata.name = label(r, r.pick([1, 2, 19, 20, 20]));
  if (r.chance(0.3)) p.metadata.tags = { ...(p.metadata.tags ?? {}), [r.pick(['team', 'cost-center', 'a.b/c', 'x y'])]: r.pick(['', 'v', 'a'.repeat(256), 'with spaces: and = signs']) };

  // Environments: names at the limit, names one character apart.
  if (r.chance(0.4)) {
    const old = r.pick(envs());
    const name = label(r, r.pick([1, 4, 11, 12]), old);
    if (!envs().includes(name)) {
      renameKey(p.environments, old, name);
      if (p.identity?.ci?.github?.environments) p.identity.ci.github.environments = p.identity.ci.github.environments.map((e: string) => (e === old ? name : e));
    }
  }
  // Node pools, teams and models renamed, with every reference.
  for (const [section, max, refField] of [['nodePools', 30, 'nodePool'], ['teams', 30, 'team'], ['models', 40, undefined]] as const) {
    if (!r.chance(0.35)) continue;
    const names = Object.keys(p[section] as Json);
    const old = r.pick(names);
    const name = label(r, r.pick([1, 5, max - 1, max]), old);
    if (names.includes(name)) continue;
    renameKey(p[section], old, name);
    if (refField) for (const m of Object.values(p.models as Json)) if (m[refField] === old) m[refField] = name;
    for (const e of Object.values(p.environments as Json)) {
      renameKey(e.overrides?.[section], old, name);
      if (section === 'nodePools') renameKey(e.standby?.nodePools, old, name);
    }
  }
  // Enum values and numbers at their bounds.
  for (const region of Object.values(p.regions as Json)) {
    if (r.chance(0.3)) region.natGateways = r.pick(['single', 'perAz']);
    if (r.chance(0.2)) region.availabilityZones = r.pick([2, 3, 3, 6]);
  }
  for (const pool of Object.values(p.nodePools as Json)) {
    if (r.chance(0.3)) pool.capacityType = r.pick(['onDemand', 'spot']);
    if (r.chance(0.3)) {
      pool.minSize = r.pick([0, 1, 2]);
      pool.maxSize = r.pick([2, 8, 16, 1000]);
      if (r.chance(0.3)) pool.desiredSize = r.int(pool.minSize, pool.minSize + 2);
    }
    if (r.chance(0.2)) pool.diskSizeGiB = r.pick([20, 100, 16384]);
    if (r.chance(0.2)) pool.labels = { ...(pool.labels ?? {}), [r.pick(['workload', 'example.com/tier'])]: r.pick(['a', 'b-c']) };
    if (pool.role === 'gpu' && r.chance(0.15)) pool.instanceTypes = r.pick(['auto', ['g5.xlarge'], ['g6.xlarge', 'g5.xlarge'], ['g4dn.12xlarge']]);
  }
  for (const m of Object.values(p.models as Json)) {
    if (r.chance(0.3)) {
      const min = r.int(1, 2);
      // Mostly in order; sometimes not, which validation must refuse with a position.
      m.replicas = r.chance(0.9) ? { min, max: min + r.int(0, 3) } : { min: min + 2, max: min };
    }
    if (r.chance(0.3)) m.slo = { ...m.slo, latencyP99Ms: r.pick([1, 12.34, 50, 1234, 60000]), availability: r.pick([90, 99, 99.9, 99.95, 99.999]) };
    // SLO periods are 30d (others are refused with a position, as the rare 7d shows).
    if (r.chance(0.2)) m.slo = { ...m.slo, period: r.pick(['30d', '30d', '30d', '7d']) };
    if (r.chance(0.2)) {
      // A public endpoint needs a certificate of every region and account it runs in, and an explicit authentication.
      const envs = Object.values(p.environments as Json);
      const certificateArns = envs.flatMap((e) => [e.region, e.standby?.region].filter(Boolean).map((reg: string) => `arn:aws:acm:${reg}:${e.account}:certificate/00000000-0000-4000-8000-000000000000`));
      m.ingress = r.chance(0.5) ? { scheme: 'internal' } : { scheme: 'internet-facing', certificateArns, authentication: 'none' };
    }
    if (r.chance(0.05)) m.gpusPerReplica = r.pick([2, 4]);
  }
  if (r.chance(0.2)) p.cluster = { ...(p.cluster ?? {}), logging: r.pick([[], ['api'], ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler']]) };
  if (r.chance(0.2)) p.observability = { ...(p.observability ?? {}), metrics: { enabled: r.chance(0.5) }, logs: { enabled: r.chance(0.5), retentionDays: r.pick([1, 30, 3653]) } };
  if (r.chance(0.2)) p.budget = { ...p.budget, enforcement: r.pick(['error', 'warning']), alertThresholds: r.pick([[100], [50, 80, 100], [10, 20, 30, 40, 50]]) };
  // Optional blocks present and absent.
  if (r.chance(0.2)) delete p.dns;
  else if (r.chance(0.2)) p.dns = { zone: 'ml.example.com' };
  if (r.chance(0.15) && p.identity) delete p.identity.ci;
  if (r.chance(0.15) && p.identity) p.identity.workloads = { [label(r, r.pick([3, 40]))]: { namespace: Object.keys(p.teams)[0], serviceAccount: 'exporter', access: [{ service: 's3', bucket: 'models', prefix: 'out/', access: 'write' }] } };
  for (const e of Object.values(p.environments as Json)) {
    if (r.chance(0.15)) e.workingHours = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '18:00', timeZone: r.pick(['UTC', 'Europe/Berlin']) };
    if (r.chance(0.1) && e.standby) delete e.standby;
    // Overrides in every environment.
    if (r.chance(0.4)) {
      const model = r.pick(Object.keys(p.models as Json));
      e.overrides = { ...(e.overrides ?? {}), models: { ...(e.overrides?.models ?? {}), [model]: { replicas: { min: 1, max: r.int(1, 4) }, slo: { latencyP99Ms: r.pick([20, 12.34, 1234]) } } } };
    }
    if (r.chance(0.3)) {
      const pool = r.pick(Object.keys(p.nodePools as Json));
      e.overrides = { ...(e.overrides ?? {}), nodePools: { ...(e.overrides?.nodePools ?? {}), [pool]: { minSize: 0, maxSize: r.int(2, 8) } } };
    }
  }
  return p;
}

describe('generated platforms', () => {
  const r = rng(SEED);
  const compiled: FileOutput[][] = [];
  let rejected = 0;
  const reasons = new Map<string, number>();
  /** Whether a content is new to this run (remembered by its SHA-1, not by the text). */
  const seen = (set: Set<string>) => (content: string) => {
    const key = createHash('sha1').update(content).digest('base64');
    return !set.has(key) && !!set.add(key);
  };
  const fresh = seen(new Set());
  const freshHcl = seen(new Set());
  /** Each compiled case's Terraform files that no earlier case generated byte for byte, and what the case was. */
  const hcl = new Map<number, { context: string; files: FileOutput[] }>();

  it(`validate or compile to parseable output (seed ${SEED}, ${CASES} cases)`, () => {
    for (let i = 0; i < CASES; i++) {
      const spec = generate(r);
      const file = writeSpec(stringify(spec));
      const context = `case ${i} (seed ${SEED}):\n${stringify(spec)}`;
      let result;
      try {
        result = checkPlatform(file, { display: 'platform.yaml', compilerVersion: '0.0.0-test' });
      } catch (error) {
        throw new Error(`internal error in validation: ${(error as Error).stack}\n${context}`);
      }
      if (!result.ir) {
        rejected++;
        const errors = result.diagnostics.filter((d) => d.severity === 'error');
        for (const d of errors) reasons.set(d.code, (reasons.get(d.code) ?? 0) + 1);
        expect(errors.length, context).toBeGreaterThan(0);
        for (const d of errors) expect(d.line, `${d.code}: ${d.message} has no position\n${context}`).toBeGreaterThan(0);
        continue;
      }
      let files: FileOutput[];
      try {
        files = generateFiles(result.ir);
      } catch (error) {
        throw new Error(`internal error in compile: ${(error as Error).stack}\n${context}`);
      }
      // A file that an earlier case generated byte for byte (about half: a case changes a few settings) parses
      // as it did then: each distinct content is parsed once.
      for (const f of files.filter((x) => fresh(x.content))) {
        if (/\.ya?ml$/.test(f.path)) {
          for (const d of parseAllDocuments(f.content)) expect(d.errors.map((e) => e.message), `${f.path}\n${context}`).toEqual([]);
        } else if (f.path.endsWith('.json')) expect(() => JSON.parse(f.content), `${f.path}\n${context}`).not.toThrow();
      }
      // HCL: through terraform's own parser, in the tool test below (one run for every case).
      hcl.set(i, { context, files: files.filter((f) => f.path.endsWith('.tf') && freshHcl(f.content)) });
      compiled.push(files);
    }
    console.log(`generated platforms: seed ${SEED}, ${CASES} cases: ${compiled.length} compiled, ${rejected} rejected with positioned diagnostics (${[...reasons].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ')})`);
    // The generator must exercise both outcomes, or the property says little.
    expect(compiled.length).toBeGreaterThan(CASES / 5);
    expect(rejected).toBeGreaterThan(0);
  }, 300_000);

  it.skipIf(!hasTool('terraform', ['version']))('every case\'s Terraform parses and is formatted as terraform fmt writes it', () => {
    // Each case's new Terraform files in a folder of its own: one terraform fmt parses them all (hclsyntax, as
    // terraform plan would: a syntax error is exit 2 with the file and line) and compares their layout.
    // (@cdktf/hcl2json, terraform's parser compiled to WebAssembly, took 3 s for 40 cases.)
    expect(hcl.size).toBeGreaterThan(CASES / 5);
    const root = mkdtempSync(join(tmpdir(), 'platformc-property-hcl-'));
    for (const [i, { files }] of hcl) writeTree(join(root, `case-${i}`), files);
    const fmt = spawnSync('terraform', ['fmt', '-check', '-recursive', '-no-color', root], { encoding: 'utf8', env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' } });
    const first = /\/case-(\d+)\//.exec(fmt.stdout + fmt.stderr);
    expect(fmt.status, `${fmt.stdout}${fmt.stderr}\n${first ? hcl.get(Number(first[1]))!.context : ''}`).toBe(0);
  });

  it.skipIf(!hasTool('promtool') || !hasTool('kubectl', ['version', '--client']) || !hasReference)(
    'a sample passes kubectl kustomize with the strict schemas, and promtool',
    () => {
      expect(compiled.length).toBeGreaterThan(TOOL_SAMPLE);
      const root = mkdtempSync(join(tmpdir(), 'platformc-property-'));
      const step = Math.floor(compiled.length / TOOL_SAMPLE);
      const rules: string[] = [];
      for (let i = 0; i < TOOL_SAMPLE; i++) {
        const files = compiled[i * step]!;
        const out = join(root, `case-${i}`);
        writeTree(out, files);
        rules.push(...files.filter((f) => f.path.startsWith('prometheus/') && f.path.endsWith('.rules.yaml')).map((f) => promtoolFile(out, f.path)));
        for (const f of files.filter((x) => /^kustomize\/overlays\/[^/]+\/[a-z]+-[a-z]+-\d+\/kustomization\.yaml$/.test(x.path))) {
          const objects = kustomizeBuild(join(out, f.path.replace(/\/kustomization\.yaml$/, '')));
          const problems = objects.flatMap(schemaProblems).filter((p) => !p.endsWith('no schema'));
          expect(problems, `case ${i * step} ${f.path}`).toEqual([]);
        }
      }
      if (rules.length) {
        const check = spawnSync('promtool', ['check', 'rules', ...rules], { encoding: 'utf8' });
        expect(check.status, check.stdout + check.stderr).toBe(0);
      }
    },
    300_000,
  );
});
