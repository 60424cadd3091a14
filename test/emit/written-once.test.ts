/**
 * Nothing written twice (issue #16). Each model's objects and load test are written once for the platform
 * (kustomize/models/: what every environment and region has in common), each environment's models/ kustomization
 * adds what its primary region runs beyond that, and each standby region patches what differs for it. What the
 * layout must keep: every overlay builds exactly the objects the emitters build for its environment and region
 * (in-process here for every spec, and with the real kubectl kustomize, byte for byte against an overlay with
 * every object written out in full, as the layout before wrote them), and no environment's account in the base.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, relative } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { modelObjects } from '../../compiler/emit/kubernetes/objects.js';
import { common, jsonPatch } from '../../compiler/emit/shared/json-patch.js';
import { k6ScriptObject, loadTestObjects } from '../../compiler/emit/kubernetes/load-tests.js';
import type { K8sObject } from '../../compiler/emit/shared/k8s.js';
import { CERTIFICATE_ANNOTATION } from '../../compiler/lib/conventions.js';
import { certificateArnValue, certificateKustomization, certificatePatches } from '../../compiler/ops/certificates.js';
import { toYaml, toYamlDocuments } from '../../compiler/output/serialize.js';
import { writeTree } from '../../compiler/output/write.js';
import type { EnvironmentIR, PlatformIR, RegionIR } from '../../compiler/resolve/ir.js';
// @ts-expect-error bench/synthetic.mjs is plain JavaScript (syntheticSpec(models: number): string)
import { syntheticSpec } from '../../bench/synthetic.mjs';
import { hasTool, repoRoot } from '../helpers/cli.js';
import { kubectlKustomizeText, kustomizeRun } from '../helpers/kube.js';
import { environmentModelObjects, kustomizeObjects } from '../helpers/kustomize.js';
import { applyJsonPatch } from '../helpers/json-patch.js';
import { filesOf, irOf, irOfText, oneTeamSpec } from '../helpers/platform.js';

type Json = Record<string, any>;

describe('jsonPatch', () => {
  const cases: [string, unknown, unknown][] = [
    ['equal', { a: 1, b: [1, 2] }, { a: 1, b: [1, 2] }],
    ['scalar in a nested array', { s: { c: [{ args: ['x', 'y'], env: [{ name: 'R', value: 'a' }] }] } }, { s: { c: [{ args: ['z', 'y'], env: [{ name: 'R', value: 'b' }] }] } }],
    ['keys added and removed, escaped', { m: { 'a/b': 1, 'c~d': 2, gone: 3 } }, { m: { 'a/b': 10, 'c~d': 2, 'new/key~': { x: [1] } } }],
    ['arrays of another length', { l: [1, 2, 3] }, { l: [1, 2] }],
    ['a change of type', { v: { x: 1 }, w: null, n: 1 }, { v: [1], w: 'w', n: '1' }],
    ['undefined is absent', { a: undefined, b: 1 }, { a: 2, b: undefined }],
  ];
  it.each(cases)('%s: applying the patch to the first value gives the second', (_name, from, to) => {
    const ops = jsonPatch(from, to);
    expect(JSON.parse(JSON.stringify(applyJsonPatch(structuredClone(from), ops)))).toEqual(JSON.parse(JSON.stringify(to)));
    if (JSON.stringify(from) === JSON.stringify(to)) expect(ops).toEqual([]);
  });
  it('replaces only what differs', () => {
    expect(jsonPatch({ a: { b: 1, c: [1, 2] } }, { a: { b: 1, c: [1, 3] } })).toEqual([{ op: 'replace', path: '/a/c/1', value: 3 }]);
    expect(jsonPatch({ 'x/y': 'a' }, { 'x/y': 'b' })).toEqual([{ op: 'replace', path: '/x~1y', value: 'b' }]);
  });
});

/** Every model object a region runs, as the emitters build them: serving objects, the load tests (the environment's, from its primary region) and their script. */
function variantObjects(ir: PlatformIR, env: EnvironmentIR, r: RegionIR): K8sObject[] {
  const primary = env.regions[0]!;
  const general = primary.nodePools.find((p) => p.role === 'general')!.name;
  const model = (name: string) => ir.models.find((m) => m.name === name)!;
  return [
    ...r.deployments.flatMap((d) => modelObjects(ir, model(d.model), d, r)),
    ...primary.deployments.flatMap((d) => loadTestObjects(ir, env, model(d.model), d, general)),
    ...(primary.deployments.length ? [k6ScriptObject()] : []),
  ];
}
const identity = (o: Json) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
/** The model an object serves or load-tests, from the labels the emitters give them. */
const modelOf = (o: Json): string | undefined => o.metadata.labels?.['platformc.dev/model'] ?? (o.metadata.labels?.['app.kubernetes.io/component'] === 'inference' ? o.metadata.labels['app.kubernetes.io/instance'] : undefined);
const kubectl = hasTool('kubectl', ['version', '--client']);
const reference = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');

/**
 * A platform, and which of its regions the real kubectl renders too (all when not said; kubectl's build of a group
 * of 25 models takes about a second, and a region that is built like another adds nothing).
 */
const SPECS: [string, () => PlatformIR, { kubectl: (env: EnvironmentIR, r: RegionIR) => boolean }?][] = [
  ['platform.yaml', () => irOf('platform.yaml')],
  ...readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.yaml')).sort().map((f): [string, () => PlatformIR] => [`examples/${f}`, () => irOf(`examples/${f}`)]),
  // staging is written like dev (bench/synthetic.mjs: neither is a production environment): kubectl renders dev and prod.
  ['the synthetic platform (12 models, 3 environments with a standby region each)', () => irOfText(syntheticSpec(12) as string), { kubectl: (env) => env.name !== 'staging' }],
  // dev without metrics: no HPA there (an object prod has alone), and spec.replicas on dev's Deployments only.
  ['platform.yaml with metrics off in dev', () => irOfText(reference.replace('        mobilenet: { replicas: { min: 1, max: 1 } }', '        mobilenet: { replicas: { min: 1, max: 1 } }\n      observability:\n        metrics: { enabled: false }\n        dashboards: { enabled: false }'))],
  // 26 models in one namespace (with the certificates of a DNS zone): two kustomizations, of 25 models and of 1.
  ['the synthetic platform with its 26 models in one team and a DNS zone', () => irOfText(oneTeamSpec(26, 'ml.example.com')), { kubectl: (env, r) => env.name === 'prod' && r.role === 'standby' }],
];

describe('common', () => {
  const cases: [string, unknown[]][] = [
    ['equal', [{ a: 1, b: [1, 2] }, { a: 1, b: [1, 2] }]],
    ['a scalar differs in a nested array', [{ s: { c: [{ args: ['x'], env: [{ name: 'R', value: 'a' }] }] } }, { s: { c: [{ args: ['x'], env: [{ name: 'R', value: 'b' }] }] } }, { s: { c: [{ args: ['x'], env: [{ name: 'R', value: 'c' }] }] } }]],
    ['keys in some only', [{ m: { a: 1, b: 2 } }, { m: { a: 1, c: { x: 1 } } }]],
    ['arrays of another length, an array item with nothing in common', [{ l: [1, 2, 3], k: [1, 2] }, { l: [1, 2], k: [1, 3] }]],
    ['types differ; undefined is absent', [{ v: { x: 1 }, w: null, u: undefined }, { v: [1], w: 'w', u: 1 }]],
  ];
  it.each(cases)('%s: every value is the common part plus add operations', (_name, values) => {
    const base = common(values);
    for (const v of values) {
      const ops = jsonPatch(base, v);
      expect(ops.every((op) => op.op === 'add'), JSON.stringify(ops)).toBe(true);
      expect(JSON.parse(JSON.stringify(applyJsonPatch(structuredClone(base), ops)))).toEqual(JSON.parse(JSON.stringify(v)));
    }
  });
  it('keeps what all share, and an object even when empty', () => {
    expect(common([{ a: { b: 1, c: 2 }, l: ['x', 'y'] }, { a: { b: 1, c: 3 }, l: ['x', 'z'] }])).toEqual({ a: { b: 1 } });
    expect(common([{ m: { x: 1 } }, { m: { x: 2 } }])).toEqual({ m: {} });
  });
});

describe.each(SPECS)('models written once: %s', (_name, irOfSpec, options) => {
  const ir = irOfSpec();
  const files = filesOf(ir);
  const content = (path: string) => files.find((f) => f.path === path)?.content;

  it('writes each model once, under kustomize/models/<group>, and no full model object in an environment or region when every region has it', () => {
    const groups = [...new Set(ir.models.map((m) => m.kustomizeGroup))];
    for (const g of groups) expect(parse(content(`kustomize/models/${g}/kustomization.yaml`)!).resources, g).toEqual(ir.models.filter((m) => m.kustomizeGroup === g).map((m) => `${m.name}.yaml`).sort());
    // The load tests' script, the same everywhere, with the platform's objects.
    expect(parse(content('kustomize/base/kustomization.yaml')!).resources).toContain('load-test-script.yaml');
    for (const env of ir.environments) {
      for (const g of groups) expect(parse(content(`kustomize/overlays/${env.name}/models/${g}/kustomization.yaml`)!).resources[0]).toBe(posix.relative(`kustomize/overlays/${env.name}/models/${g}`, `kustomize/models/${g}`));
      for (const r of env.regions) {
        expect(r.kustomize.models.map((m) => m.group)).toEqual(groups.sort());
        for (const m of r.kustomize.models) expect(parse(content(`${m.dir}/kustomization.yaml`)!).resources).toContain(posix.relative(m.dir, `kustomize/overlays/${env.name}/models/${m.group}`));
      }
    }
    const full = files.filter((f) => /^kustomize\/overlays\/[^/]+\/([^/]+\/)?models\/.+\.yaml$/.test(f.path) && !f.path.endsWith('/kustomization.yaml'));
    // Only objects that some environment does not have (the HPA of an environment without metrics) are written in full.
    for (const f of full) for (const doc of parseAllDocuments(f.content)) expect((doc.toJS() as Json).kind, f.path).toBe('HorizontalPodAutoscaler');
  });

  it('each overlay builds exactly the objects the emitters build for its environment and region', () => {
    for (const env of ir.environments) {
      for (const r of env.regions) {
        const built = new Map(kustomizeObjects(files, `kustomize/overlays/${env.name}/${r.region}`).map((o) => [identity(o), o]));
        const expected = variantObjects(ir, env, r);
        // A standby is not sized for the target rate: its scheduled load tests are suspended (kustomize.ts overlay()).
        const suspended = r.role === 'standby' && env.observability.loadTests.schedule !== undefined;
        for (const o of JSON.parse(JSON.stringify(expected)) as Json[]) {
          if (suspended && o.kind === 'CronJob') o.spec.suspend = true;
          expect(built.get(identity(o)), `${env.name}/${r.region} ${identity(o)}`).toEqual(o);
        }
        const models = [...built.values()].filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'inference' || o.metadata.labels?.['app.kubernetes.io/component'] === 'load-test');
        expect(models.map(identity).sort()).toEqual(expected.map(identity).sort());
      }
    }
  });

  it("holds no environment's account (so no role ARN or bucket of one) in the shared base when the environments' accounts differ", () => {
    const accounts = [...new Set(ir.environments.map((e) => e.account))];
    if (accounts.length < 2) return;
    for (const f of files.filter((x) => x.path.startsWith('kustomize/models/'))) for (const a of accounts) expect(f.content.includes(a), `${f.path} holds ${a}`).toBe(false);
  });

  it('each region is kustomizations of at most 25 models of one namespace, which the overlay only includes; destroy\'s namespaces hold them all', () => {
    for (const env of ir.environments) {
      for (const r of env.regions) {
        const k = r.kustomize;
        // Nothing but resources: its build is the builds of these, one after another (what apply sends).
        expect(parse(content(`${k.overlay}/kustomization.yaml`)!), k.overlay).toEqual({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['platform', ...k.models.map((m) => `models/${m.group}`)] });
        const platform = kustomizeObjects(files, k.platform);
        expect(platform.filter((o) => modelOf(o) !== undefined).map(identity), `${k.platform}: model objects`).toEqual([]);
        // destroy deletes platform/ and waits for our namespaces: every model object lives in one of them.
        const namespaces = platform.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
        expect(namespaces).toEqual(expect.arrayContaining(['platform', ...ir.teams.map((t) => t.namespace)]));
        expect(k.models.flatMap((m) => m.models).sort()).toEqual(r.deployments.map((d) => d.model).sort());
        for (const m of k.models) {
          expect(m.models.length, m.group).toBeLessThanOrEqual(25);
          const objects = kustomizeObjects(files, m.dir);
          // The group's models and their load tests (in the platform's namespace), nothing else.
          expect([...new Set(objects.map(modelOf))].sort(), m.dir).toEqual([...m.models].sort());
          for (const o of objects) expect([m.namespace, 'platform'], `${m.dir}: ${identity(o)}`).toContain(o.metadata.namespace);
        }
      }
    }
  });

  it.skipIf(!kubectl)('kubectl kustomize renders every overlay byte-identical to the overlay with every object in full, each object with the region\'s labels, and the directories apply writes with the certificates', () => {
    const out = mkdtempSync(join(tmpdir(), 'platformc-once-'));
    writeTree(out, files);
    for (const env of ir.environments) {
      for (const r of env.regions.filter((x) => !options?.kubectl || options.kubectl(env, x))) {
        const k = r.kustomize;
        const rendered = kubectlKustomizeText(files, k.overlay);
        expect(rendered.length).toBeGreaterThan(0);
        // The layout before: the region's labels and its load-test suspension over the platform's objects and every
        // model object written out (no models/ kustomizations, no model patches).
        const full = join(out, `${k.overlay}.full`);
        mkdirSync(full);
        const labels = (parse(readFileSync(join(out, k.platform, 'kustomization.yaml'), 'utf8')) as Json).labels;
        const suspend = k.models.flatMap((m) => ((parse(readFileSync(join(out, m.dir, 'kustomization.yaml'), 'utf8')) as Json).patches ?? []) as Json[]).find((p) => !p.target.name);
        // (The load tests' script comes with the platform's objects.)
        writeFileSync(join(full, 'objects.yaml'), toYamlDocuments(variantObjects(ir, env, r).filter((o) => identity(o) !== identity(k6ScriptObject()))));
        writeFileSync(join(full, 'kustomization.yaml'), toYaml({ resources: [relative(full, join(out, k.platform)), 'objects.yaml'], labels, ...(suspend ? { patches: [suspend] } : {}) }));
        expect(rendered, `${env.name}/${r.region}`).toBe(kustomizeRun(full));
        // The overlay adds no label: each of its kustomizations gave every object the region's.
        const before = parseAllDocuments(rendered).map((d) => d.toJS() as Json);
        for (const o of before) expect(o.metadata.labels, identity(o)).toMatchObject({ 'platformc.dev/environment': env.name, 'platformc.dev/region': r.region, 'app.kubernetes.io/managed-by': 'platformc' });
        // apply's directory of each group with an Ingress of a platform certificate (compiler/ops/certificates.ts):
        // that group's models with the ARN on each such Ingress, and nothing else changed.
        const { hosts, patches: certificates } = certificatePatches(env, r);
        const arns = Object.fromEntries(hosts.map((h, i) => [h, `arn:aws:acm:${r.region}:${env.account}:certificate/00000000-0000-0000-0000-00000000000${i}`]));
        for (const m of k.models) {
          const own = certificates.filter((c) => m.models.includes(c.model));
          if (own.length === 0) continue;
          const apply = join(out, '.platformc/apply', env.name, r.region, m.group);
          mkdirSync(apply, { recursive: true });
          writeFileSync(join(apply, 'kustomization.yaml'), certificateKustomization(relative(apply, join(out, m.dir)), own, arns));
          const withArns = parseAllDocuments(kustomizeRun(apply)).map((d) => d.toJS() as Json);
          const expected = before.filter((o) => withArns.some((x) => identity(x) === identity(o)));
          expect(withArns.map(identity)).toEqual(expected.map(identity));
          for (const [i, o] of withArns.entries()) {
            const p = own.find((c) => o.kind === 'Ingress' && c.namespace === o.metadata.namespace && c.ingress === o.metadata.name);
            const x = structuredClone(expected[i]!);
            if (p) x.metadata.annotations = { ...x.metadata.annotations, [CERTIFICATE_ANNOTATION]: certificateArnValue(p, arns) };
            expect(o, `${env.name}/${r.region} ${identity(o)}`).toEqual(x);
          }
          for (const c of own) expect(withArns.some((o) => o.kind === 'Ingress' && o.metadata.namespace === c.namespace && o.metadata.name === c.ingress), `${c.namespace}/${c.ingress}`).toBe(true);
        }
      }
    }
  });
});

describe('rules written once (issue #16: each rule group was a plain rule file and again the spec of a PrometheusRule)', () => {
  const ir = irOf('platform.yaml');
  const files = filesOf(ir);
  it('each rule file is a PrometheusRule, listed by prometheus/<env>/kustomization.yaml, which the observability overlay includes; no group is written anywhere else', () => {
    for (const env of ir.environments) {
      const rules = files.filter((f) => f.path.startsWith(`prometheus/${env.name}/`) && f.path.endsWith('.rules.yaml'));
      // gpu, load-tests, sli and slo, and each team's SLOs.
      expect(rules.length).toBe(new Set(env.regions[0]!.deployments.map((d) => d.namespace)).size + 4);
      const k = parse(files.find((f) => f.path === `prometheus/${env.name}/kustomization.yaml`)!.content);
      expect([...k.resources].sort()).toEqual(rules.map((f) => f.path.split('/').pop()).sort());
      expect(parse(files.find((f) => f.path === `kustomize/overlays/${env.name}/observability/kustomization.yaml`)!.content).resources).toContain(`../../../../prometheus/${env.name}`);
      for (const f of rules) {
        const o = parse(f.content);
        expect([o.apiVersion, o.kind, o.metadata.namespace, o.metadata.labels.release]).toEqual(['monitoring.coreos.com/v1', 'PrometheusRule', 'monitoring', 'kube-prometheus-stack']);
        for (const g of o.spec.groups) {
          const elsewhere = files.filter((x) => x !== f && x.path.split('/').includes(env.name) && x.content.includes(`name: ${g.name}\n`)).map((x) => x.path);
          expect(elsewhere, g.name).toEqual([]);
        }
      }
    }
  });
});

describe('a namespace with more models than one kustomization holds (kustomize#5084)', () => {
  it('is split into groups of 25 models in name order, <namespace>/1, /2..., the same in every environment and region', () => {
    const ir = irOfText(oneTeamSpec(60));
    const names = ir.models.map((m) => m.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const expected = [names.slice(0, 25), names.slice(25, 50), names.slice(50)];
    expect(expected.map((chunk) => chunk.map((n) => ir.models.find((m) => m.name === n)!.kustomizeGroup))).toEqual(expected.map((chunk, i) => chunk.map(() => `team-0/${i + 1}`)));
    for (const env of ir.environments) for (const r of env.regions) expect(r.kustomize.models.map((m) => [m.group, m.models])).toEqual(expected.map((chunk, i) => [`team-0/${i + 1}`, chunk]));
    // Groups in number order (team-0/2 before team-0/10: 260 models).
    expect(irOfText(oneTeamSpec(260)).environments[0]!.regions[0]!.kustomize.models.map((m) => m.group)).toEqual(Array.from({ length: 11 }, (_, i) => `team-0/${i + 1}`));
    // 25 models is one kustomization named after the namespace; 26 are two, the 26th in name order (model-9) alone.
    expect(new Set(irOfText(oneTeamSpec(25)).models.map((m) => m.kustomizeGroup))).toEqual(new Set(['team-0']));
    const two = irOfText(oneTeamSpec(26));
    expect(two.environments[0]!.regions[0]!.kustomize.models.map((m) => [m.group, m.models.length])).toEqual([['team-0/1', 25], ['team-0/2', 1]]);
    expect(two.models.find((m) => m.kustomizeGroup === 'team-0/2')!.name).toBe('model-9');
    // Before apply sends them, an environment's models are every group's (test/helpers/kustomize.ts).
    expect(environmentModelObjects(filesOf(two), 'prod').filter((o) => o.kind === 'Deployment')).toHaveLength(26);
  });
});
