/**
 * Every create-then-consume pair, checked on the step lists `apply --dry-run` and `destroy --dry-run` print,
 * for the reference platform and every example, every environment: what a step needs was made (apply) or is
 * still there (destroy) when it runs. Each pair says why.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { certificatePatches } from '../../compiler/ops/certificates.js';
import { applySteps, destroySteps, planSteps, type Step } from '../../compiler/ops/steps.js';
import type { EnvironmentIR, PlatformIR } from '../../compiler/resolve/ir.js';
import { repoRoot } from '../helpers/cli.js';
import { irOf, irOfText, oneTeamSpec } from '../helpers/platform.js';

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
    // The Kubernetes objects go in one kustomization at a time: the platform's, then each group of models.
    const objects = new RegExp(`^${x}:kustomize(:|$)`);
    pairs.push(
      [`${r.region}:infra:init`, `${r.region}:infra:apply`, 'providers and modules installed'],
      [`${r.region}:infra:apply`, `${r.region}:kubeconfig`, 'the cluster exists'],
      [`${r.region}:infra:apply`, `${r.region}:platform:apply`, 'the platform module reads the infra state (cluster, role ARNs)'],
      [`${r.region}:kubeconfig`, `${r.region}:platform:apply`, 'the platform module waits for the ExternalSecrets in the kubeconfig context'],
      [new RegExp(`^${x}:secret:`), `${r.region}:platform:apply`, 'External Secrets reads these Secrets Manager secrets while the platform installs'],
      [`${r.region}:platform:init`, `${r.region}:platform:apply`, 'providers installed'],
      [`${r.region}:platform:apply`, `${r.region}:gpus`, 'the NVIDIA device plugin advertises the GPUs'],
      [`${r.region}:infra:apply`, `${r.region}:revisions:upload`, 'the model bucket exists'],
      [`${r.region}:platform:apply`, objects, 'CRDs (ServiceMonitor, PrometheusRule), the ALB controller and the gp3 StorageClass exist'],
      [`${r.region}:revisions:upload`, `${r.region}:rollout`, 'Triton loads its model repository from the bucket at start'],
      [`${r.region}:revisions:verify`, objects, 'the Deployments name the model revisions: each is in the bucket and verified before any pod can fetch it'],
      [objects, `${r.region}:rollout`, 'the Deployments exist'],
      [`${r.region}:kustomize`, new RegExp(`^${x}:kustomize:`), 'the namespaces the models go into exist'],
      [`${r.region}:rollout`, `${r.region}:verify`, 'the pods are ready'],
      [objects, new RegExp(`^${x}:alb:`), 'the Ingresses exist'],
      [`${r.region}:infra:apply`, objects, "the Ingresses find their group host's ACM certificate by name: the infra root waits until it is issued"],
      [new RegExp(`^${x}:alb:`), 'dns:apply', 'the dns module looks the load balancers up'],
      [`${r.region}:platform:apply`, `${r.region}:karpenter`, "Karpenter's CRDs come with its chart, and its controller launches the NodePools' nodes"],
      [`${r.region}:karpenter`, `${r.region}:rollout`, "the models' pods wait for nodes of Karpenter's NodePools"],
      [`${r.region}:revisions:upload`, `${r.region}:revisions:verify`, 'a revision is verified where it was uploaded'],
    );
  }
  if (standby) pairs.push([`${primary!.region}:infra:apply`, `${standby.region}:infra:apply`, "the standby replicates the primary's model bucket"]);
  pairs.push(['dns:init', 'dns:apply', 'providers installed'], [/:verify$/, 'dns:apply', 'health checks probe models that answer']);
  pairs.push([/:(verify|rollout|kustomize(:.+)?|apply)$/, /:loadtest:/, 'load tests measure models that serve, once everything is applied']);
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
      [`${r.region}:namespaces`, `${r.region}:karpenter`, 'the models are gone, so their nodes are empty and nothing asks for new ones'],
      [`${r.region}:karpenter`, `${r.region}:karpenter:nodes`, 'deleting the NodePools makes Karpenter terminate their nodes'],
      [`${r.region}:karpenter:nodes`, `${r.region}:platform:destroy`, 'Karpenter (a release of the platform root) must run until its nodes and instance profiles are gone'],
      [`${r.region}:karpenter:nodes`, `${r.region}:infra:destroy`, "instances left running keep network interfaces in the VPC's subnets and block its deletion"],
    );
    if (env.cluster.deletionProtection) {
      pairs.push(
        [`${r.region}:bucket`, `${r.region}:deletion-protection`, 'the protection comes off last, once nothing but Terraform is left to run'],
        [`${r.region}:volumes:gone`, `${r.region}:deletion-protection`, 'the protection comes off last, once nothing but Terraform is left to run'],
        [`${r.region}:deletion-protection`, `${r.region}:infra:destroy`, 'EKS refuses to delete a protected cluster; terraform destroy does not apply the configuration first'],
      );
    }
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
      // Karpenter's NodePools are applied exactly when the environment uses Karpenter; its pools are not waited for
      // as node groups (they have no minimum: nodes come for the pods).
      for (const r of env.regions) {
        expect(steps.some((s) => s.id === `${r.region}:karpenter`)).toBe(env.cluster.provisioner === 'karpenter');
        const gpus = steps.find((s) => s.id === `${r.region}:gpus`);
        if (gpus?.kind === 'task' && gpus.task.type === 'wait-gpu-nodes') for (const p of gpus.task.pools) expect(r.nodePools.find((x) => x.name === p)!.karpenter).toBeUndefined();
      }
    });
    it(`destroy --env ${env.name} deletes consumers before what they use`, () => {
      // A protected cluster is destroyed only when told to (destroyRefusal): with the flag, its protection step is in order.
      const steps = destroySteps(ir, env, { ...o, disableDeletionProtection: true });
      expect(violations(steps, destroyPairs(env))).toEqual([]);
      for (const r of env.regions) for (const id of ['volumes', 'volumes:gone', 'bucket', 'infra:destroy', 'leftovers', ...(env.cluster.deletionProtection ? ['deletion-protection'] : [])]) expect(steps.map((s) => s.id)).toContain(`${r.region}:${id}`);
      for (const r of env.regions) for (const id of ['karpenter', 'karpenter:nodes']) expect(steps.some((s) => s.id === `${r.region}:${id}`)).toBe(env.cluster.provisioner === 'karpenter');
    });
  }
});

const GROUPED: [string, () => PlatformIR][] = [
  ...SPECS.map((spec): [string, () => PlatformIR] => [spec, () => irOf(spec)]),
  // A namespace of 26 models: two kustomizations, one of them with the certificates of the zone's hosts.
  ['26 models in one team with a DNS zone', () => irOfText(oneTeamSpec(26, 'ml.example.com'))],
];

describe.each(GROUPED)('the Kubernetes objects of %s, one kustomization at a time (kustomize#5084: a build grows with the square of its objects)', (_name, irOfSpec) => {
  const ir: PlatformIR = irOfSpec();
  const stateDir = '.platformc';
  /** The kustomizations `kubectl <verb> -k` is given, other than the admission policies' and Karpenter's. */
  const dirs = (steps: readonly Step[], verb: string) => steps.flatMap((s) => (s.kind === 'exec' && s.argv[1] === verb && s.argv.includes('-k') ? [s.argv[s.argv.indexOf('-k') + 1]!] : [])).filter((d) => !/\/(admission|karpenter)$/.test(d));
  for (const env of ir.environments) {
    it(`apply and plan --env ${env.name} send the platform's kustomization, then each group of models, never the whole overlay; destroy deletes the platform's`, () => {
      const expected = env.regions.flatMap((r) => {
        const { patches } = certificatePatches(env, r);
        return [`generated/${r.kustomize.platform}`, ...r.kustomize.models.map((m) => (patches.some((p) => m.models.includes(p.model)) ? `${stateDir}/apply/${env.name}/${r.region}/${m.group}` : `generated/${m.dir}`))];
      });
      expect(dirs(applySteps(ir, env, { ...o, stateDir }), 'apply')).toEqual(expected);
      expect(dirs(planSteps(ir, env, { ...o, stateDir }), 'diff')).toEqual(expected);
      expect(dirs(destroySteps(ir, env, { ...o, disableDeletionProtection: true }), 'delete')).toEqual([...env.regions].reverse().map((r) => `generated/${r.kustomize.platform}`));
      // Every model the region serves is in exactly one of them.
      for (const r of env.regions) expect(r.kustomize.models.flatMap((m) => m.models).sort()).toEqual(r.deployments.map((d) => d.model).sort());
      // Each group's step says which models it sends: its namespace, and the first and last model of a part.
      const titles = (steps: readonly Step[], prefix: string) => steps.filter((s) => s.id.startsWith(prefix)).map((s) => [s.id, s.title]);
      for (const r of env.regions) {
        const named = (m: (typeof r.kustomize.models)[number]) => `the models of ${m.namespace}${m.group === m.namespace ? '' : ` ${m.models[0]} to ${m.models.at(-1)}`} (${r.region})`;
        expect(titles(applySteps(ir, env, { ...o, stateDir }), `${r.region}:kustomize`)).toEqual([
          [`${r.region}:kustomize`, `apply the platform's Kubernetes objects (${r.region})`],
          ...r.kustomize.models.map((m) => [`${r.region}:kustomize:${m.group}`, `apply ${named(m)}`]),
        ]);
        expect(titles(planSteps(ir, env, { ...o, stateDir }), `${r.region}:kubectl:diff`)).toEqual([
          [`${r.region}:kubectl:diff`, `server-side diff of the platform's Kubernetes objects (${r.region})`],
          ...r.kustomize.models.map((m) => [`${r.region}:kubectl:diff:${m.group}`, `server-side diff of ${named(m)}`]),
        ]);
      }
    });
  }
});

describe("Karpenter's steps", () => {
  it('apply the NodePools with the overlay of the region, and delete them waiting for the nodes before the platform root goes', () => {
    const ir = irOf('examples/spot-cost-optimised.yaml');
    const env = ir.environments.find((e) => e.name === 'prod')!;
    const apply = applySteps(ir, env, o).find((s) => s.id === 'us-east-1:karpenter')!;
    expect(apply.kind === 'exec' && apply.argv).toEqual(['kubectl', 'apply', '--server-side', '--force-conflicts', '--context', 'frugal-prod-us-east-1', '-k', 'generated/kustomize/overlays/prod/us-east-1/karpenter']);
    const destroy = destroySteps(ir, env, o);
    const del = destroy.find((s) => s.id === 'us-east-1:karpenter')!;
    expect(del.kind === 'exec' && del.argv).toEqual(['kubectl', 'delete', '--context', 'frugal-prod-us-east-1', '--ignore-not-found', '--wait=true', '--timeout=20m', '-k', 'generated/kustomize/overlays/prod/us-east-1/karpenter']);
    const nodes = destroy.find((s) => s.id === 'us-east-1:karpenter:nodes')!;
    expect(nodes.kind === 'exec' && nodes.argv).toEqual(['kubectl', 'wait', '--for=delete', 'nodeclaims.karpenter.sh', '--all', '--timeout=20m', '--context', 'frugal-prod-us-east-1']);
    // The old order (NodePools left to terraform destroy of the platform root, after Karpenter is gone) is caught.
    const moved = destroy.filter((s) => !s.id.includes(':karpenter'));
    moved.splice(moved.findIndex((s) => s.id === 'us-east-1:platform:destroy') + 1, 0, del, nodes);
    expect(violations(moved, destroyPairs(env))).toEqual([expect.stringContaining('Karpenter (a release of the platform root) must run')]);
  });
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
