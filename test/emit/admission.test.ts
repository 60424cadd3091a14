/**
 * One team cannot route into another team's ALB group, nor open a load balancer of its own (review K8s #16,
 * issue 15 item 2). Checked on what `kubectl kustomize` builds from every spec:
 * - the admission overlay's objects against the strict schemas: IngressClass (Kubernetes 1.31), IngressClassParams
 *   (the CRD of the pinned aws-load-balancer-controller chart 3.5.0, in the reference), ValidatingAdmissionPolicy and
 *   its binding (the reference has no kind files for them: their definitions in _definitions.strict.json of 1.31 and
 *   1.36, the versions around the clusters' 1.33);
 * - every Ingress uses a class whose params fix its group and scheme and select only its namespace;
 * - the policies' CEL, parsed and run with a real CEL implementation (@bufbuild/cel) the way the API server runs a
 *   policy (binding's namespace selector, match conditions, variables, validations), on the compiled Ingresses and
 *   Services (admitted) and on the ways around them (denied);
 * - apply and destroy handle the overlay at the right point.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { celEnv, isCelError, parse, plan, type CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { describe, expect, it } from 'vitest';
import { applySteps, destroySteps } from '../../compiler/ops/steps.js';
import type { PlatformIR } from '../../compiler/resolve/ir.js';
import { hasReference, hasTool, referenceDir } from '../helpers/cli.js';
import { AJV_FOR_LARGE_SCHEMAS, kubectlKustomize, schemaProblems, type KubeObject } from '../helpers/kube.js';
import { filesOf, irOf } from '../helpers/platform.js';

type Json = Record<string, any>;
const kubectl = hasTool('kubectl', ['version', '--client']);
const SPECS = ['platform.yaml', 'examples/minimal-dev.yaml', 'examples/multi-region-prod.yaml', 'examples/spot-cost-optimised.yaml', 'examples/multi-model-teams.yaml'];
const LBC = 'system:serviceaccount:kube-system:aws-load-balancer-controller';

/** Every region's admission overlay and main overlay, built with kubectl kustomize. */
function build(ir: PlatformIR): Map<string, { admission: Json[]; overlay: Json[] }> {
  const files = filesOf(ir);
  const kustomize = (dir: string) => kubectlKustomize(files, dir) as Json[];
  const built = new Map<string, { admission: Json[]; overlay: Json[] }>();
  for (const env of ir.environments) {
    for (const r of env.regions) {
      const dir = `kustomize/overlays/${env.name}/${r.region}`;
      built.set(`${env.name}/${r.region}`, { admission: kustomize(`${dir}/admission`), overlay: kustomize(dir) });
    }
  }
  return built;
}

/** ValidatingAdmissionPolicy(Binding) against the strict definitions of a Kubernetes version. */
const admissionValidators = new Map<string, ValidateFunction>();
function admissionValidator(version: string, kind: string): ValidateFunction {
  const key = `${version}/${kind}`;
  if (!admissionValidators.has(key)) {
    const defs = JSON.parse(readFileSync(join(referenceDir, `kubernetes/schemas/${version}-standalone-strict/_definitions.strict.json`), 'utf8'));
    const ajv = new Ajv({ allErrors: true, strictTypes: false, strict: false, validateFormats: false, ...AJV_FOR_LARGE_SCHEMAS });
    ajv.addSchema(defs, 'k8s');
    admissionValidators.set(key, ajv.compile({ $ref: `k8s#/definitions/io.k8s.api.admissionregistration.v1.${kind}` }));
  }
  return admissionValidators.get(key)!;
}

// --- A ValidatingAdmissionPolicy evaluator over @bufbuild/cel, as the API server applies one ----------------------

const env = celEnv({ funcs: strings });
/** JSON to CEL input: objects as maps, whole numbers as CEL ints. */
const cel = (v: unknown): any => (Array.isArray(v) ? v.map(cel) : v && typeof v === 'object' ? new Map(Object.entries(v).map(([k, x]) => [k, cel(x)])) : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v);
const compiled = new Map<string, ReturnType<typeof plan>>();
function evaluate(expression: string, bindings: Record<string, unknown>): CelValue {
  if (!compiled.has(expression)) compiled.set(expression, plan(env, parse(expression)));
  const r = compiled.get(expression)!(bindings as never);
  if (isCelError(r)) throw new Error(`CEL error in ${expression.slice(0, 120)}: ${r.message}`);
  return r;
}

interface Request { namespace: string; kind: { group: string; version: string; kind: string }; resource: string; object: Json; username?: string }

/** The messages of the policies that deny the request (empty: admitted), or thrown CEL errors (failurePolicy Fail). */
function admit(admission: Json[], req: Request): string[] {
  const policies = admission.filter((o) => o.kind === 'ValidatingAdmissionPolicy');
  const bindings = admission.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding');
  const denied: string[] = [];
  for (const b of bindings) {
    const p = policies.find((x) => x.metadata.name === b.spec.policyName);
    if (!p) throw new Error(`binding ${b.metadata.name} names no policy`);
    // Namespace selector on kubernetes.io/metadata.name, the only kind the compiler writes.
    const selects = (b.spec.matchResources.namespaceSelector.matchExpressions as Json[]).every((e) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'In' && e.values.includes(req.namespace));
    const group = req.kind.group;
    const rule = (p.spec.matchConstraints.resourceRules as Json[]).some((r) => r.apiGroups.includes(group) && (r.apiVersions.includes('*') || r.apiVersions.includes(req.kind.version)) && r.operations.includes('CREATE') && r.resources.includes(req.resource));
    if (!selects || !rule) continue;
    const request = cel({ namespace: req.namespace, kind: req.kind, operation: 'CREATE', userInfo: { username: req.username ?? 'arn:aws:sts::777788889999:assumed-role/Search/alice' } });
    const object = cel(req.object);
    const base = { object, oldObject: null, request };
    if (!(p.spec.matchConditions ?? []).every((c: Json) => evaluate(c.expression, base) === true)) continue;
    const variables = new Map<string, unknown>();
    for (const v of p.spec.variables ?? []) variables.set(v.name, evaluate(v.expression, { ...base, variables }));
    for (const v of p.spec.validations) {
      const ok = evaluate(v.expression, { ...base, variables });
      expect(typeof ok, v.expression).toBe('boolean');
      if (!ok) denied.push(v.messageExpression ? String(evaluate(v.messageExpression, { ...base, variables })) : v.message);
    }
  }
  return denied;
}

const ingressRequest = (namespace: string, object: Json, username?: string): Request => ({ namespace, kind: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' }, resource: 'ingresses', object, ...(username ? { username } : {}) });
const serviceRequest = (namespace: string, object: Json): Request => ({ namespace, kind: { group: '', version: 'v1', kind: 'Service' }, resource: 'services', object });
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

describe.skipIf(!kubectl).each(SPECS)('admission overlay of %s', (spec) => {
  const ir = irOf(spec);
  const built = build(ir);

  it('has a class per team and scheme that fixes the group and the scheme, for that namespace only, and every Ingress uses its own', () => {
    for (const e of ir.environments) {
      for (const r of e.regions) {
        const { admission, overlay } = built.get(`${e.name}/${r.region}`)!;
        for (const ing of overlay.filter((o) => o.kind === 'Ingress')) {
          const d = r.deployments.find((x) => x.namespace === ing.metadata.namespace && x.workload === ing.metadata.name)!;
          const cls = admission.find((o) => o.kind === 'IngressClass' && o.metadata.name === ing.spec.ingressClassName);
          expect(cls, `${ing.metadata.namespace}/${ing.metadata.name} uses ${ing.spec.ingressClassName}`).toBeDefined();
          expect(cls!.spec.controller).toBe('ingress.k8s.aws/alb');
          const params = admission.find((o) => o.kind === 'IngressClassParams' && o.metadata.name === cls!.spec.parameters.name)!;
          expect(cls!.spec.parameters).toEqual({ apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: params.metadata.name });
          expect(params.spec).toEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ing.metadata.namespace } }, group: { name: d.ingressGroup }, scheme: d.ingressScheme });
        }
        // No group is reachable from two namespaces.
        const owners = new Map<string, Set<string>>();
        for (const p of admission.filter((o) => o.kind === 'IngressClassParams')) owners.set(p.spec.group.name, (owners.get(p.spec.group.name) ?? new Set()).add(p.spec.namespaceSelector.matchLabels['kubernetes.io/metadata.name']));
        for (const [group, ns] of owners) expect([...ns], group).toHaveLength(1);
      }
    }
  });

  it.skipIf(!hasReference)('validates against the strict schemas (IngressClassParams: the chart 3.5.0 CRD; policies: Kubernetes 1.31 and 1.36)', () => {
    const problems: string[] = [];
    let policies = 0;
    for (const [where, { admission }] of built) {
      for (const o of admission as KubeObject[]) {
        const { kind, metadata } = o;
        if (kind === 'ValidatingAdmissionPolicy' || kind === 'ValidatingAdmissionPolicyBinding') {
          expect(o.apiVersion).toBe('admissionregistration.k8s.io/v1');
          policies++;
          for (const version of ['v1.31.0', 'v1.36.0']) {
            const validate = admissionValidator(version, kind);
            if (!validate(o)) problems.push(`${where} ${version} ${kind}/${metadata.name}: ${JSON.stringify(validate.errors)}`);
          }
        } else {
          problems.push(...schemaProblems(o).map((p) => `${where} ${p}`));
        }
      }
    }
    expect(problems).toEqual([]);
    expect(policies).toBe(4 * built.size);
  });

  it('admits every compiled Ingress and Service in its namespace, through the policies', () => {
    for (const { admission, overlay } of built.values()) {
      for (const o of overlay.filter((x) => x.kind === 'Ingress')) expect(admit(admission, ingressRequest(o.metadata.namespace, o)), `${o.metadata.namespace}/${o.metadata.name}`).toEqual([]);
      for (const o of overlay.filter((x) => x.kind === 'Service' && x.metadata.namespace !== undefined)) expect(admit(admission, serviceRequest(o.metadata.namespace, o))).toEqual([]);
    }
  });

  it('denies a LoadBalancer or NodePort Service and a TargetGroupBinding in a team namespace (the controller may make its own)', () => {
    for (const { admission, overlay } of built.values()) {
      const svc = overlay.find((x) => x.kind === 'Service' && ir.teams.some((t) => t.namespace === x.metadata.namespace));
      if (!svc) continue;
      for (const type of ['LoadBalancer', 'NodePort']) {
        const lb = clone(svc);
        lb.spec.type = type;
        expect(admit(admission, serviceRequest(svc.metadata.namespace, lb)).join()).toMatch(/ClusterIP/);
      }
      const tgb = { apiVersion: 'elbv2.k8s.aws/v1beta1', kind: 'TargetGroupBinding', metadata: { name: 'steal', namespace: svc.metadata.namespace }, spec: { serviceRef: { name: svc.metadata.name, port: 8000 }, targetGroupARN: 'arn:aws:elasticloadbalancing:us-east-1:777788889999:targetgroup/other/0123456789abcdef' } };
      const req: Request = { namespace: svc.metadata.namespace, kind: { group: 'elbv2.k8s.aws', version: 'v1beta1', kind: 'TargetGroupBinding' }, resource: 'targetgroupbindings', object: tgb };
      expect(admit(admission, req).join()).toMatch(/TargetGroupBinding/);
      expect(admit(admission, { ...req, username: LBC })).toEqual([]);
      // Outside the team namespaces the policies do not apply (platform components choose their own Services).
      const lb = clone(svc);
      lb.spec.type = 'LoadBalancer';
      expect(admit(admission, serviceRequest('monitoring', lb))).toEqual([]);
    }
  });

  it('denies an Ingress that leaves its team class or changes what the compiler set (scheme, CIDRs, auth, TLS)', () => {
    for (const [key, { admission, overlay }] of built) {
      const region = key.split('/')[1]!;
      const ing = overlay.find((x) => x.kind === 'Ingress');
      if (!ing) continue;
      const ns = ing.metadata.namespace;
      const a = 'alb.ingress.kubernetes.io';
      const variant = (change: (x: Json) => void) => {
        const x = clone(ing);
        x.metadata.name = 'variant';
        change(x);
        return admit(admission, ingressRequest(ns, x));
      };
      // A copy of a compiled Ingress is admitted (same guarantees), so the denials below are about the change.
      expect(variant(() => {})).toEqual([]);
      expect(variant((x) => (x.spec.ingressClassName = 'alb')).join()).toMatch(/ingressClassName/);
      expect(variant((x) => delete x.spec.ingressClassName).join()).toMatch(/ingressClassName/);
      expect(variant((x) => (x.metadata.annotations['kubernetes.io/ingress.class'] = 'alb')).join()).toMatch(/kubernetes.io\/ingress.class/);
      expect(variant((x) => (x.metadata.annotations[`${a}/scheme`] = 'internet-facing')).join()).toMatch(/annotations/);
      expect(variant((x) => (x.metadata.annotations[`${a}/inbound-cidrs`] = '0.0.0.0/0')).join()).toMatch(/annotations/);
      expect(variant((x) => (x.metadata.annotations[`${a}/listen-ports`] = '[{"HTTP": 80}, {"HTTPS": 443}]')).join()).toMatch(/annotations/);
      expect(variant((x) => (x.metadata.annotations[`${a}/group.order`] = '-1000')).join()).toMatch(/annotations/);
      expect(variant((x) => delete x.metadata.annotations[`${a}/target-type`])).not.toEqual([]);
      const auth = Object.keys(ing.metadata.annotations).filter((k) => k.startsWith(`${a}/auth-`));
      if (auth.length) expect(variant((x) => auth.forEach((k) => delete x.metadata.annotations[k])).join()).toMatch(/annotations/);
      // apply adds the certificate the platform issued for the host before the compiled ARNs (compiler/ops/certificates.ts):
      // admitted; anything but ACM certificates of the region is not.
      const cert = `${a}/certificate-arn`;
      const issued = `arn:aws:acm:${region}:111122223333:certificate/0b7c6f1e-2d3a-4c5b-9e8f-1a2b3c4d5e6f`;
      expect(variant((x) => (x.metadata.annotations[cert] = [issued, ...(ing.metadata.annotations[cert] ? [ing.metadata.annotations[cert]] : [])].join(',')))).toEqual([]);
      expect(variant((x) => (x.metadata.annotations[cert] = 'arn:aws:iam::111122223333:server-certificate/x')).join()).toMatch(/ACM certificate ARNs/);
      // Annotations of other tools stay free.
      expect(variant((x) => (x.metadata.annotations['example.com/owner'] = 'search'))).toEqual([]);
      // The controller's own updates (finalizers) are never blocked, even on an Ingress the policy no longer knows.
      const stale = clone(ing);
      stale.metadata.annotations[`${a}/inbound-cidrs`] = '10.9.0.0/16';
      expect(admit(admission, ingressRequest(ns, stale, LBC))).toEqual([]);
    }
  });
});

describe.skipIf(!kubectl)('admission between teams (multi-model-teams: vision, search, ads share prod)', () => {
  const ir = irOf('examples/multi-model-teams.yaml');
  const built = build(ir);
  const prod = ir.environments.find((e) => e.name === 'prod')!;
  const r = prod.regions[0]!;
  const { admission, overlay } = built.get(`prod/${r.region}`)!;
  const ingresses = overlay.filter((x) => x.kind === 'Ingress');
  const byTeam = (ns: string) => ingresses.find((x) => x.metadata.namespace === ns)!;

  it('serves more than one team in the region, each with its own group', () => {
    const teams = [...new Set(ingresses.map((x) => x.metadata.namespace))];
    expect(teams.length).toBeGreaterThanOrEqual(2);
    expect(new Set(r.deployments.map((d) => d.ingressGroup)).size).toBeGreaterThanOrEqual(teams.length);
  });

  it("denies an Ingress in one team's namespace that joins another team's group, by class or by annotation; admits the team's own", () => {
    const teams = [...new Set(ingresses.map((x) => x.metadata.namespace))].sort();
    for (const victim of teams) {
      for (const attacker of teams.filter((t) => t !== victim)) {
        const target = byTeam(victim);
        const own = byTeam(attacker);
        const a = 'alb.ingress.kubernetes.io';
        // The victim's Ingress as is (its class, its group annotation, order first), in the attacker's namespace.
        const copy = clone(target);
        copy.metadata.namespace = attacker;
        copy.metadata.annotations[`${a}/group.order`] = '-1000';
        expect(admit(admission, ingressRequest(attacker, copy)).join(), `${attacker} -> ${victim}`).toMatch(/ingressClassName/);
        // The controller's generic class with the victim's group name.
        const generic = clone(own);
        generic.spec.ingressClassName = 'alb';
        generic.metadata.annotations[`${a}/group.name`] = target.metadata.annotations[`${a}/group.name`];
        expect(admit(admission, ingressRequest(attacker, generic))).not.toEqual([]);
        // The attacker's own class with the victim's group name in the annotation.
        const annotated = clone(own);
        annotated.metadata.annotations[`${a}/group.name`] = target.metadata.annotations[`${a}/group.name`];
        expect(admit(admission, ingressRequest(attacker, annotated)).join()).toMatch(/annotations/);
        // And the attacker's own Ingress is admitted.
        expect(admit(admission, ingressRequest(attacker, own))).toEqual([]);
      }
    }
  });

  it("the denial names the team's class", () => {
    const own = byTeam('search');
    const x = clone(own);
    x.spec.ingressClassName = 'alb';
    expect(admit(admission, ingressRequest('search', x))).toContain(`an Ingress in search must set spec.ingressClassName to its team's class: ${own.spec.ingressClassName}`);
    // Namespaces that are not a team's are outside the bindings (the teams have no rights there).
    expect(admit(admission, ingressRequest('nobody-here', x))).toEqual([]);
  });
});

describe('apply and destroy handle the admission overlay at the right point', () => {
  for (const spec of SPECS) {
    const ir = irOf(spec);
    for (const env of ir.environments) {
      it(`${spec} ${env.name}`, () => {
        const apply = applySteps(ir, env, { generated: 'generated' }).map((s) => s.id);
        const destroy = destroySteps(ir, env, { generated: 'generated', disableDeletionProtection: true }).map((s) => s.id);
        for (const r of env.regions) {
          const at = (ids: string[], id: string) => {
            const i = ids.indexOf(`${r.region}:${id}`);
            expect(i, id).toBeGreaterThanOrEqual(0);
            return i;
          };
          // The controller and its IngressClassParams CRD come with the platform root; the Ingresses need their class.
          expect(at(apply, 'platform:apply')).toBeLessThan(at(apply, 'admission'));
          expect(at(apply, 'admission')).toBeLessThan(at(apply, 'kustomize'));
          // The controller needs an Ingress's class to delete its ALB, and must still run to do it.
          expect(at(destroy, 'lbs')).toBeLessThan(at(destroy, 'admission'));
          expect(at(destroy, 'namespaces')).toBeLessThan(at(destroy, 'admission'));
          expect(at(destroy, 'admission')).toBeLessThan(at(destroy, 'platform:destroy'));
          const step = applySteps(ir, env, { generated: 'generated' }).find((s) => s.id === `${r.region}:admission`)!;
          expect(step.kind === 'exec' && step.argv.at(-1)).toBe(`generated/kustomize/overlays/${env.name}/${r.region}/admission`);
        }
      });
    }
  }
});
