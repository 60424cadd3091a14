/**
 * Nothing written twice (issue #16). Each model's objects written once per environment (kustomize/overlays/<env>/models), the other regions
 * patching what differs (issue #16: the primary and standby copies differed in three lines and were written
 * in full). The rendered overlays are checked by kustomize.test.ts with the real kubectl kustomize; this file
 * checks the patch generator and what the overlays of a two-region environment hold.
 */
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { generateFiles } from '../../compiler/generate.js';
import { modelObjects } from '../../compiler/emit/kubernetes/objects.js';
import { jsonPatch } from '../../compiler/emit/shared/json-patch.js';
import { applyJsonPatch } from '../helpers/json-patch.js';
import { irOf } from '../helpers/platform.js';

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

describe('a two-region environment (examples/multi-region-prod.yaml, prod with a standby region)', () => {
  const ir = irOf('examples/multi-region-prod.yaml');
  const files = generateFiles(ir);
  const content = (path: string) => files.find((f) => f.path === path)?.content;
  const prod = ir.environments.find((e) => e.regions.length > 1)!;
  const [primary, standby] = prod.regions;
  const dir = `kustomize/overlays/${prod.name}`;

  it('writes each model once, under <env>/models, and no model file in a region overlay', () => {
    for (const d of primary!.deployments) expect(content(`${dir}/models/${d.model}.yaml`), d.model).toBeDefined();
    for (const r of prod.regions) expect(files.filter((f) => f.path.startsWith(`${dir}/${r.region}/models/`))).toEqual([]);
    expect(parse(content(`${dir}/models/kustomization.yaml`)!).resources).toEqual(primary!.deployments.map((d) => `${d.model}.yaml`));
    for (const r of prod.regions) expect(parse(content(`${dir}/${r.region}/kustomization.yaml`)!).resources).toContain('../models');
  });

  it("the primary's overlay patches nothing; the standby's patches give exactly the standby's objects, and touch only the role ARN, the bucket and the region (fetch-model's AWS_REGION and SOURCE) and the (regional) certificate", () => {
    const patchesOf = (r: string) => ((parse(content(`${dir}/${r}/kustomization.yaml`)!).patches ?? []) as Json[]).filter((p) => p.target.name);
    expect(patchesOf(primary!.region)).toEqual([]);
    const patches = patchesOf(standby!.region);
    const paths = new Set<string>();
    for (const d of standby!.deployments) {
      const model = ir.models.find((m) => m.name === d.model)!;
      const shared = parseAllDocuments(content(`${dir}/models/${d.model}.yaml`)!).map((doc) => doc.toJS() as Json);
      const expected = modelObjects(ir, model, d, standby!);
      shared.forEach((o, i) => {
        for (const p of patches.filter((x) => x.target.kind === o.kind && x.target.name === o.metadata.name && x.target.namespace === o.metadata.namespace)) {
          const ops = parse(p.patch) as { op: string; path: string }[];
          ops.forEach((op) => paths.add(op.path));
          applyJsonPatch(o, ops);
        }
        expect(o, `${d.model} ${o.kind}`).toEqual(JSON.parse(JSON.stringify(expected[i])));
      });
    }
    expect([...paths].sort()).toEqual(['/metadata/annotations/alb.ingress.kubernetes.io~1certificate-arn', '/metadata/annotations/eks.amazonaws.com~1role-arn', '/spec/template/spec/initContainers/0/env/1/value', '/spec/template/spec/initContainers/0/env/4/value']);
  });
});

describe('rules written once (issue #16: each rule group was a plain rule file and again the spec of a PrometheusRule)', () => {
  const ir = irOf('platform.yaml');
  const files = generateFiles(ir);
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
