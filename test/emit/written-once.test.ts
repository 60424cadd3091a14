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
import { join, relative } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { modelObjects } from '../../compiler/emit/kubernetes/objects.js';
import { common, jsonPatch } from '../../compiler/emit/shared/json-patch.js';
import { k6ScriptObject, loadTestObjects } from '../../compiler/emit/kubernetes/load-tests.js';
import type { K8sObject } from '../../compiler/emit/shared/k8s.js';
import { CERTIFICATE_ANNOTATION, certificateArnValue, certificateKustomization, certificatePatches } from '../../compiler/ops/certificates.js';
import { toYaml, toYamlDocuments } from '../../compiler/output/serialize.js';
import { writeTree } from '../../compiler/output/write.js';
import type { EnvironmentIR, PlatformIR, RegionIR } from '../../compiler/resolve/ir.js';
// @ts-expect-error bench/synthetic.mjs is plain JavaScript (syntheticSpec(models: number): string)
import { syntheticSpec } from '../../bench/synthetic.mjs';
import { hasTool, repoRoot } from '../helpers/cli.js';
import { kubectlKustomizeText, kustomizeRun } from '../helpers/kube.js';
import { kustomizeObjects } from '../helpers/kustomize.js';
import { applyJsonPatch } from '../helpers/json-patch.js';
import { filesOf, irOf, irOfText } from '../helpers/platform.js';

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
const kubectl = hasTool('kubectl', ['version', '--client']);
const reference = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');

const SPECS: [string, () => PlatformIR][] = [
  ['platform.yaml', () => irOf('platform.yaml')],
  ...readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.yaml')).sort().map((f): [string, () => PlatformIR] => [`examples/${f}`, () => irOf(`examples/${f}`)]),
  ['the synthetic platform (12 models, 3 environments with a standby region each)', () => irOfText(syntheticSpec(12) as string)],
  // dev without metrics: no HPA there (an object prod has alone), and spec.replicas on dev's Deployments only.
  ['platform.yaml with metrics off in dev', () => irOfText(reference.replace('        mobilenet: { replicas: { min: 1, max: 1 } }', '        mobilenet: { replicas: { min: 1, max: 1 } }\n      observability:\n        metrics: { enabled: false }\n        dashboards: { enabled: false }'))],
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

describe.each(SPECS)('models written once: %s', (_name, irOfSpec) => {
  const ir = irOfSpec();
  const files = filesOf(ir);
  const content = (path: string) => files.find((f) => f.path === path)?.content;

  it('writes each model once, under kustomize/models/<namespace>, and no full model object in an environment or region when every region has it', () => {
    const namespaces = [...new Set(ir.models.map((m) => m.namespace))];
    for (const ns of namespaces) {
      const models = parse(content(`kustomize/models/${ns}/kustomization.yaml`)!).resources as string[];
      expect(models).toEqual(ir.models.filter((m) => m.namespace === ns).map((m) => `${m.name}.yaml`).sort());
    }
    expect(parse(content('kustomize/models/platform/kustomization.yaml')!).resources).toEqual(['_load-test-script.yaml']);
    for (const env of ir.environments) {
      for (const ns of [...namespaces, 'platform']) expect(parse(content(`kustomize/overlays/${env.name}/models/${ns}/kustomization.yaml`)!).resources[0]).toBe(`../../../../models/${ns}`);
      for (const r of env.regions) {
        expect(r.kustomize.models.map((m) => m.namespace)).toEqual([...namespaces, 'platform'].sort());
        for (const m of r.kustomize.models) expect(parse(content(`${m.dir}/kustomization.yaml`)!).resources).toContain(`../../../models/${m.namespace}`);
      }
    }
    const full = files.filter((f) => /^kustomize\/overlays\/[^/]+\/([^/]+\/)?models\/[^/]+\/[^/]+\.yaml$/.test(f.path) && !f.path.endsWith('/kustomization.yaml'));
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

  it('each region is kustomizations of one namespace each, which the overlay only includes: the platform\'s objects with no model, and each namespace\'s models with their load tests', () => {
    for (const env of ir.environments) {
      for (const r of env.regions) {
        const k = r.kustomize;
        // Nothing but resources: its build is the builds of these, one after another (what apply sends).
        expect(parse(content(`${k.overlay}/kustomization.yaml`)!), k.overlay).toEqual({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['platform', ...k.models.map((m) => `models/${m.namespace}`)] });
        const component = (o: Json) => o.metadata.labels?.['app.kubernetes.io/component'];
        expect(kustomizeObjects(files, k.platform).filter((o) => ['inference', 'load-test'].includes(component(o))).map(identity), `${k.platform}: model objects`).toEqual([]);
        for (const m of k.models) {
          const objects = kustomizeObjects(files, m.dir);
          expect(objects.length, m.dir).toBeGreaterThan(0);
          // One namespace's models and their load tests (in the platform's namespace), or the load tests' script.
          for (const o of objects) expect([m.namespace, 'platform'], `${m.dir}: ${identity(o)}`).toContain(o.metadata.namespace);
          if (m.namespace !== 'platform') for (const o of objects.filter((x) => x.metadata.namespace === 'platform')) expect(component(o), identity(o)).toBe('load-test');
        }
      }
    }
  });

  it.skipIf(!kubectl)('kubectl kustomize renders every overlay byte-identical to the overlay with every object in full, each object with the region\'s labels, and the directories apply writes with the certificates', () => {
    const out = mkdtempSync(join(tmpdir(), 'platformc-once-'));
    writeTree(out, files);
    for (const env of ir.environments) {
      for (const r of env.regions) {
        const k = r.kustomize;
        const rendered = kubectlKustomizeText(files, k.overlay);
        expect(rendered.length).toBeGreaterThan(0);
        // The layout before: the region's labels and its load-test suspension over the platform's objects and every
        // model object written out (no models/ kustomizations, no model patches).
        const full = join(out, `${k.overlay}.full`);
        mkdirSync(full);
        const labels = (parse(readFileSync(join(out, k.platform, 'kustomization.yaml'), 'utf8')) as Json).labels;
        const suspend = k.models.flatMap((m) => ((parse(readFileSync(join(out, m.dir, 'kustomization.yaml'), 'utf8')) as Json).patches ?? []) as Json[]).find((p) => !p.target.name);
        writeFileSync(join(full, 'objects.yaml'), toYamlDocuments(variantObjects(ir, env, r)));
        writeFileSync(join(full, 'kustomization.yaml'), toYaml({ resources: [relative(full, join(out, k.platform)), 'objects.yaml'], labels, ...(suspend ? { patches: [suspend] } : {}) }));
        expect(rendered, `${env.name}/${r.region}`).toBe(kustomizeRun(full));
        // The overlay adds no label: each of its kustomizations gave every object the region's.
        const before = parseAllDocuments(rendered).map((d) => d.toJS() as Json);
        for (const o of before) expect(o.metadata.labels, identity(o)).toMatchObject({ 'platformc.dev/environment': env.name, 'platformc.dev/region': r.region, 'app.kubernetes.io/managed-by': 'platformc' });
        // apply's directory of each namespace with an Ingress of a platform certificate (compiler/ops/certificates.ts):
        // that namespace's models with the ARN on each such Ingress, and nothing else changed.
        const { hosts, patches: certificates } = certificatePatches(env, r);
        const arns = Object.fromEntries(hosts.map((h, i) => [h, `arn:aws:acm:${r.region}:${env.account}:certificate/00000000-0000-0000-0000-00000000000${i}`]));
        for (const m of k.models) {
          const own = certificates.filter((c) => c.namespace === m.namespace);
          if (own.length === 0) continue;
          const apply = join(out, '.platformc/apply', env.name, r.region, m.namespace);
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
