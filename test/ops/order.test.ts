/**
 * Every create-then-consume pair, checked on the step lists `apply --dry-run` and `destroy --dry-run` print,
 * for the reference platform and every example, every environment: what a step needs was made (apply) or is
 * still there (destroy) when it runs. Each pair says why.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applySteps, destroySteps, type Step } from '../../compiler/ops/steps.js';
import type { EnvironmentIR, PlatformIR } from '../../compiler/resolve/ir.js';
import { repoRoot } from '../helpers/cli.js';
import { irOf, irOfText } from '../helpers/platform.js';

const SPECS = ['platform.yaml', ...readdirSync(`${repoRoot}examples`).filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`)];
const o = { generated: 'generated' };

/** A dependency: every step whose id matches `before` runs before every step matching `after`. */
type Pair = readonly [before: string | RegExp, after: string | RegExp, why: string];

const matches = (id: string, p: string | RegExp) => (typeof p === 'string' ? id === p : p.test(id));

function violations(steps: readonly Step[], pairs: readonly Pair[]): string[] {
  const ids = steps.map((s) => s.id);
  const out: string[] = [];
  for (const [before, after, why] of pairs) {
    const b = ids.map((id, i) => (matches(id, before) ? i : -1)).filter((i) => i >= 0);
    const a = ids.map((id, i) => (matches(id, after) ? i : -1)).filter((i) => i >= 0);
    if (b.length === 0 || a.length === 0) continue;
    if (Math.max(...b) > Math.min(...a)) out.push(`${String(before)} must run before ${String(after)}: ${why}`);
  }
  return out;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function applyPairs(env: EnvironmentIR): Pair[] {
  const pairs: Pair[] = [];
  const [primary, standby] = env.regions;
  for (const r of env.regions) {
    const x = esc(r.region);
    pairs.push(
      [`${r.region}:infra:init`, `${r.region}:infra:apply`, 'providers and modules installed'],
      [`${r.region}:infra:apply`, `${r.region}:kubeconfig`, 'the cluster exists'],
      [`${r.region}:infra:apply`, `${r.region}:platform:apply`, 'the platform module reads the infra state (cluster, role ARNs)'],
      [`${r.region}:kubeconfig`, `${r.region}:platform:apply`, 'the platform module waits for the ExternalSecrets in the kubeconfig context'],
      [new RegExp(`^${x}:secret:`), `${r.region}:platform:apply`, 'External Secrets reads these Secrets Manager secrets while the platform installs'],
      [`${r.region}:platform:init`, `${r.region}:platform:apply`, 'providers installed'],
      [`${r.region}:platform:apply`, `${r.region}:gpus`, 'the NVIDIA device plugin advertises the GPUs'],
      [`${r.region}:infra:apply`, new RegExp(`^${x}:upload:`), 'the model bucket exists'],
      [`${r.region}:platform:apply`, `${r.region}:kustomize`, 'CRDs (ServiceMonitor, PrometheusRule), the ALB controller and the gp3 StorageClass exist'],
      [new RegExp(`^${x}:upload:`), `${r.region}:rollout`, 'Triton loads its model repository from the bucket at start'],
      [`${r.region}:kustomize`, `${r.region}:rollout`, 'the Deployments exist'],
      [`${r.region}:rollout`, `${r.region}:verify`, 'the pods are ready'],
      [`${r.region}:kustomize`, new RegExp(`^${x}:alb:`), 'the Ingresses exist'],
      [`${r.region}:infra:apply`, `${r.region}:kustomize`, "the Ingresses find their group host's ACM certificate by name: the infra root waits until it is issued"],
      [new RegExp(`^${x}:alb:`), 'dns:apply', 'the dns module looks the load balancers up'],
    );
  }
  if (standby) pairs.push([`${primary!.region}:infra:apply`, `${standby.region}:infra:apply`, "the standby replicates the primary's model bucket"]);
  pairs.push(['dns:init', 'dns:apply', 'providers installed'], [/:verify$/, 'dns:apply', 'health checks probe models that answer']);
  pairs.push([/:(verify|rollout|kustomize|apply)$/, /:loadtest:/, 'load tests measure models that serve, once everything is applied']);
  return pairs;
}

function destroyPairs(env: EnvironmentIR): Pair[] {
  const pairs: Pair[] = [['dns:destroy', /:ingresses$/, 'the dns module looks the load balancers up while they exist']];
  const [primary, standby] = env.regions;
  for (const r of env.regions) {
    pairs.push(
      [`${r.region}:kubeconfig`, `${r.region}:loadtests`, 'kubectl needs the context'],
      [`${r.region}:loadtests`, `${r.region}:ingresses`, 'load tests stop before their target goes'],
      [`${r.region}:ingresses`, `${r.region}:lbs`, 'the controller deletes the load balancers of deleted Ingresses'],
      [`${r.region}:lbs`, `${r.region}:platform:destroy`, 'the load balancer controller must outlive its load balancers'],
      [`${r.region}:kustomize`, `${r.region}:namespaces`, 'namespaces are deleted by the overlay'],
      [`${r.region}:namespaces`, `${r.region}:platform:destroy`, 'objects with finalizers are handled while their controllers run'],
      [`${r.region}:platform:destroy`, `${r.region}:volumes`, 'claims are released once their pods are gone'],
      [`${r.region}:volumes`, `${r.region}:volumes:gone`, 'the EBS CSI driver deletes released volumes'],
      [`${r.region}:volumes:gone`, `${r.region}:infra:destroy`, 'the EBS CSI driver (an EKS add-on of infra) deletes the volumes while it runs'],
      [`${r.region}:lbs`, `${r.region}:infra:destroy`, 'load balancers and their ENIs block subnet and VPC deletion'],
      [`${r.region}:bucket`, `${r.region}:infra:destroy`, 'S3 deletes only an empty bucket (no versions, no delete markers)'],
      [`${r.region}:infra:init`, `${r.region}:infra:destroy`, 'providers installed'],
      [`${r.region}:infra:destroy`, `${r.region}:leftovers`, 'the sweep looks for what terraform destroy left'],
    );
  }
  if (standby) pairs.push([`${standby.region}:infra:destroy`, `${primary!.region}:infra:destroy`, "the standby's replication rule lives on the primary's bucket"]);
  return pairs;
}

describe.each(SPECS)('operation order of %s', (spec) => {
  const ir: PlatformIR = irOf(spec);
  for (const env of ir.environments) {
    it(`apply --env ${env.name} creates before it consumes`, () => {
      const steps = applySteps(ir, env, o);
      expect(violations(steps, applyPairs(env))).toEqual([]);
      // Each region's steps exist (the pairs above are not vacuous).
      for (const r of env.regions) for (const id of ['infra:apply', 'kubeconfig', 'platform:apply', 'kustomize', 'rollout']) expect(steps.map((s) => s.id)).toContain(`${r.region}:${id}`);
    });
    it(`destroy --env ${env.name} deletes consumers before what they use`, () => {
      const steps = destroySteps(ir, env, o);
      expect(violations(steps, destroyPairs(env))).toEqual([]);
      for (const r of env.regions) for (const id of ['volumes', 'volumes:gone', 'bucket', 'infra:destroy', 'leftovers']) expect(steps.map((s) => s.id)).toContain(`${r.region}:${id}`);
    });
  }
});

describe('load tests after apply (issue #15 item 7)', () => {
  const ir = irOf('platform.yaml');
  it('one step per model of the primary region, after everything else; none with --skip-loadtests, with afterApply false, or for a standby region', () => {
    for (const env of ir.environments) {
      const ids = applySteps(ir, env, o).map((s) => s.id);
      const tests = env.regions[0]!.deployments.map((d) => `${env.regions[0]!.region}:loadtest:${d.model}`);
      expect(ids.slice(-tests.length)).toEqual(tests);
      expect(applySteps(ir, env, { ...o, skipLoadtests: true }).map((s) => s.id).filter((id) => id.includes(':loadtest:'))).toEqual([]);
    }
    const off = irOf('examples/multi-region-prod.yaml');
    const prod = off.environments.find((e) => e.name === 'prod')!;
    const ids = applySteps(off, prod, o).map((s) => s.id).filter((id) => id.includes(':loadtest:'));
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id) => id.startsWith('us-east-1:'))).toBe(true);
    expect(applySteps(off, prod, { ...o, region: 'us-west-2' }).some((s) => s.id.includes(':loadtest:'))).toBe(false);
  });
  it('none when platform.yaml says loadTests.afterApply: false', () => {
    const text = readFileSync(`${repoRoot}platform.yaml`, 'utf8').replace('loadTests: { afterApply: true }', 'loadTests: { afterApply: false }');
    const quiet = irOfText(text);
    for (const env of quiet.environments) expect(applySteps(quiet, env, o).some((s) => s.id.includes(':loadtest:'))).toBe(false);
  });
});

describe('the pair check', () => {
  it('catches a step moved before what it needs', () => {
    const ir = irOf('platform.yaml');
    const env = ir.environments.find((e) => e.name === 'prod')!;
    const steps = destroySteps(ir, env, o);
    const bucket = steps.findIndex((s) => s.id.endsWith(':bucket'));
    const moved = [...steps];
    const [b] = moved.splice(bucket, 1);
    moved.push(b!); // empty the bucket after terraform destroy: the old order
    expect(violations(moved, destroyPairs(env))).toEqual([expect.stringContaining('S3 deletes only an empty bucket')]);
  });
});
