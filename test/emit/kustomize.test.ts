/**
 * The Kustomize output, built with the real kubectl kustomize and validated against the strict Kubernetes
 * and CRD schemas (unknown fields are errors); then what each model relies on: GPUs, tolerations, probes,
 * RBAC, autoscaling bounds, Pod Security `restricted`, and no secret anywhere.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { hasReference, hasTool, repoRoot } from '../helpers/cli.js';
import { kubectlKustomize, strictValidator } from '../helpers/kube.js';
import { filesOf, irOf, irOfText } from '../helpers/platform.js';
import { restrictedViolations } from './pod-security.js';

type Json = Record<string, any>;
const kubectl = hasTool('kubectl', ['version', '--client']);

/** Kinds without an offline schema: none (the reference has the external-secrets.io/v1 CRDs). */
const UNVERIFIED_KINDS: string[] = [];
const validator = strictValidator;

/** Builds every overlay of a spec with kubectl kustomize; returns the objects per overlay. */
function buildOverlays(spec: string | ReturnType<typeof irOf>): Map<string, Json[]> {
  const files = filesOf(typeof spec === 'string' ? irOf(spec) : spec);
  const overlays = files.filter((f) => /^kustomize\/overlays\/[^/]+\/[a-z]+-[a-z]+-\d+\/kustomization\.yaml$/.test(f.path)).map((f) => f.path.replace(/\/kustomization\.yaml$/, ''));
  const built = new Map<string, Json[]>();
  for (const o of overlays) built.set(o, kubectlKustomize(files, o));
  return built;
}

const SPECS = ['platform.yaml', 'examples/minimal-dev.yaml', 'examples/multi-region-prod.yaml', 'examples/spot-cost-optimised.yaml', 'examples/multi-model-teams.yaml'];

describe.skipIf(!kubectl).each(SPECS)('Kustomize output of %s', (spec) => {
  const ir = irOf(spec);
  const overlays = buildOverlays(spec);

  it('builds one overlay per environment and region', () => {
    expect([...overlays.keys()].sort()).toEqual(ir.environments.flatMap((e) => e.regions.map((r) => `kustomize/overlays/${e.name}/${r.region}`)).sort());
  });

  it.skipIf(!hasReference)('validates against the strict Kubernetes 1.31 and CRD schemas', () => {
    const problems: string[] = [];
    for (const [o, objects] of overlays) {
      for (const doc of objects) {
        const key = `${doc.apiVersion}/${doc.kind}`;
        const validate = validator(doc.apiVersion, doc.kind);
        if (!validate) {
          if (!UNVERIFIED_KINDS.includes(key)) problems.push(`${o}: no schema for ${key}`);
          continue;
        }
        if (!validate(doc as unknown)) problems.push(`${o}: ${doc.kind}/${doc.metadata.name}: ${JSON.stringify(validate.errors)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('labels everything with name, part-of, managed-by and the environment', () => {
    for (const [o, objects] of overlays) {
      for (const doc of objects) {
        expect(doc.metadata.labels, `${o} ${doc.kind}/${doc.metadata.name}`).toMatchObject({ 'app.kubernetes.io/part-of': ir.name, 'app.kubernetes.io/managed-by': 'platformc', 'platformc.dev/environment': o.split('/')[2] });
      }
    }
  });

  for (const env of ir.environments) {
    for (const region of env.regions) {
      const o = `kustomize/overlays/${env.name}/${region.region}`;
      for (const d of region.deployments) {
        it(`${o}: ${d.model} gets its GPUs, tolerations, probes, RBAC, bounds and restricted security`, () => {
          const objects = overlays.get(o)!;
          const find = (kind: string, name: string) => objects.find((x) => x.kind === kind && x.metadata.name === name && x.metadata.namespace === d.namespace);
          const name = `triton-${d.model}`;
          const dep = find('Deployment', name)!;
          const pod = dep.spec.template.spec;
          const c = pod.containers[0];
          expect(c.resources.limits['nvidia.com/gpu']).toBe(String(d.gpusPerReplica));
          const pool = region.nodePools.find((p) => p.name === d.nodePool)!;
          expect(pod.nodeSelector).toEqual({ 'platformc.dev/pool': d.nodePool });
          for (const t of pool.taints) expect(pod.tolerations).toContainEqual({ key: t.key, operator: 'Equal', value: t.value, effect: t.effect });
          expect(c.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
          expect(c.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
          expect(c.startupProbe.httpGet.path).toBe('/v2/health/ready');
          expect(c.ports.find((p: Json) => p.name === 'http').containerPort).toBe(8000);
          // Triton loads the files the init container fetched from the model's revision prefix and checked (K8s #13, #17).
          const m = ir.models.find((x) => x.name === d.model)!;
          expect(c.args).toContain('--model-repository=/models');
          expect(c.volumeMounts).toContainEqual({ name: 'models', mountPath: '/models', readOnly: true });
          const fetch = pod.initContainers.find((x: Json) => x.name === 'fetch-model');
          expect(fetch.env).toContainEqual({ name: 'SOURCE', value: `s3://${region.names.modelBucket}/${d.model}/${m.revision}` });
          expect(fetch.env).toContainEqual({ name: 'AWS_REGION', value: region.region });
          expect(fetch.env).toContainEqual({ name: 'WEIGHTS_SHA256', value: m.weightsSha256 });
          expect(fetch.env).toContainEqual({ name: 'CONFIG_SHA256', value: m.configSha256 });
          expect(c.args).toContain(`--load-model=${d.model}`);
          expect(c.args).toContain('--metrics-config=histogram_latencies=true');
          // RBAC: ServiceAccount, Role and RoleBinding exist and are bound to each other.
          const sa = find('ServiceAccount', d.serviceAccount)!;
          expect(sa.metadata.annotations['eks.amazonaws.com/role-arn']).toBe(`arn:aws:iam::${env.account}:role/${d.roleName}`);
          expect(pod.serviceAccountName).toBe(d.serviceAccount);
          const rb = find('RoleBinding', name)!;
          expect(find('Role', rb.roleRef.name)).toBeDefined();
          expect(rb.subjects).toEqual([{ kind: 'ServiceAccount', name: d.serviceAccount, namespace: d.namespace }]);
          const hpa = find('HorizontalPodAutoscaler', name)!;
          expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([d.replicas.min, d.replicas.max]);
          expect(find('Service', name)!.spec.selector).toEqual(dep.spec.selector.matchLabels);
          const ingress = find('Ingress', name)!;
          expect(ingress.metadata.annotations['alb.ingress.kubernetes.io/scheme']).toBe(d.ingressScheme);
          expect(ingress.metadata.annotations['alb.ingress.kubernetes.io/healthcheck-path']).toBe('/v2/health/ready');
          expect(find('PodDisruptionBudget', name)).toBeDefined();
          expect(restrictedViolations(pod)).toEqual([]);
        });
      }
    }
  }

  it('puts every team in its own restricted namespace with a GPU quota and default-deny policies', () => {
    for (const objects of overlays.values()) {
      for (const team of ir.teams) {
        const ns = objects.find((x) => x.kind === 'Namespace' && x.metadata.name === team.namespace)!;
        expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' });
        expect(objects.find((x) => x.kind === 'ResourceQuota' && x.metadata.namespace === team.namespace)!.spec.hard['requests.nvidia.com/gpu']).toBe(String(team.gpuQuota));
        const deny = objects.find((x) => x.kind === 'NetworkPolicy' && x.metadata.namespace === team.namespace && x.metadata.name === 'default-deny-all')!;
        expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
        // No policy lets another team's namespace in.
        for (const np of objects.filter((x) => x.kind === 'NetworkPolicy' && x.metadata.namespace === team.namespace)) {
          for (const rule of np.spec.ingress ?? []) for (const peer of rule.from ?? []) expect(ir.teams.map((t) => t.namespace).filter((n) => n !== team.namespace)).not.toContain(peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']);
        }
      }
    }
  });
});

describe('Pod Security restricted rules (the checker itself)', () => {
  const good = {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'c', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
    volumes: [{ name: 'tmp', emptyDir: {} }],
  };
  const bad: [string, (p: Json) => void][] = [
    ['privileged', (p) => (p.containers[0].securityContext.privileged = true)],
    ['privilege escalation', (p) => (p.containers[0].securityContext.allowPrivilegeEscalation = true)],
    ['capabilities not dropped', (p) => (p.containers[0].securityContext.capabilities = {})],
    ['capability added', (p) => (p.containers[0].securityContext.capabilities.add = ['SYS_ADMIN'])],
    ['root allowed', (p) => (p.securityContext.runAsNonRoot = false)],
    ['uid 0', (p) => (p.securityContext.runAsUser = 0)],
    ['no seccomp', (p) => delete p.securityContext.seccompProfile],
    ['unconfined seccomp', (p) => (p.securityContext.seccompProfile.type = 'Unconfined')],
    ['hostPath volume', (p) => p.volumes.push({ name: 'h', hostPath: { path: '/' } })],
    ['host network', (p) => (p.hostNetwork = true)],
    ['host port', (p) => (p.containers[0].ports = [{ containerPort: 80, hostPort: 80 }])],
  ];
  it('accepts a compliant pod', () => expect(restrictedViolations(good)).toEqual([]));
  for (const [what, mutate] of bad) {
    it(`rejects: ${what}`, () => {
      const pod = structuredClone(good) as Json;
      mutate(pod);
      expect(restrictedViolations(pod).length).toBeGreaterThan(0);
    });
  }
});

describe('no secrets in generated/', () => {
  it('has no Secret with data and no credential-looking string in any file', async () => {
    const { findSecrets } = await import('../../compiler/front/secrets.js');
    const { parseDocument } = await import('yaml');
    for (const spec of SPECS) {
      for (const f of filesOf(irOf(spec))) {
        expect(f.content, f.path).not.toMatch(/\b(AKIA|ASIA)[A-Z0-9]{16}\b|-----BEGIN [A-Z ]*PRIVATE KEY-----|\bgh[pousr]_[A-Za-z0-9]{36,}/);
        if (!f.path.endsWith('.yaml')) continue;
        for (const doc of parseAllDocuments(f.content)) {
          const o = doc.toJS() as Json | null;
          expect(o?.kind === 'Secret' && (o.data || o.stringData), `${f.path}: Secret with data`).toBeFalsy();
        }
        expect(findSecrets(parseDocument(f.content.split('\n---\n')[0]!).contents), f.path).toEqual([]);
      }
    }
  });
});

describe.skipIf(!kubectl)('removing a model', () => {
  it('removes all of its objects from every overlay', () => {
    const base = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');
    const without = base.replace(/\n  mobilenet:\n    definition[\s\S]*?targetRps: 400\n/, '\n').replace(/\n\s+mobilenet: \{ replicas: \{ min: \d, max: \d \} \}/g, '');
    const before = buildOverlays('platform.yaml');
    const after = buildOverlays(irOfText(without));
    for (const [o, objects] of after) {
      const mentions = (list: Json[]) => list.filter((x) => JSON.stringify(x).includes('mobilenet')).map((x) => `${x.kind}/${x.metadata.name}`);
      expect(mentions(before.get(o)!).length).toBeGreaterThan(5);
      expect(mentions(objects)).toEqual([]);
    }
  });
});
