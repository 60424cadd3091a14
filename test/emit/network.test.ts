/**
 * Load balancers in subnets of their own (issue #15 item 2, K8s #21): the ALB allow of Triton pods (target type ip,
 * a NetworkPolicy ipBlock of the ALB's subnets) admits no pod of the cluster. Internal ALBs used to sit in the private
 * subnets, where the VPC CNI gives every pod its address, so the "narrow" allow admitted the whole cluster. Each test
 * below fails on the output before this change (commit d8af4e4).
 */
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { formatCidr, maxVpcPrefix, overlaps, parseCidr, planSubnets, subnet, MAX_LOAD_BALANCER_SUBNET_PREFIX, MAX_SUBNET_PREFIX, type Cidr } from '../../compiler/lib/cidr.js';
import { checkPlatform } from '../../compiler/pipeline.js';
import type { PlatformIR } from '../../compiler/resolve/ir.js';
import { filesOf, irOf, writeSpec } from '../helpers/platform.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli.js';
import { kustomizeObjects } from '../helpers/kustomize.js';

type Json = Record<string, any>;
const SPECS = ['platform.yaml', 'examples/minimal-dev.yaml', 'examples/multi-region-prod.yaml', 'examples/spot-cost-optimised.yaml', 'examples/multi-model-teams.yaml'];
const cidr = (text: string) => parseCidr(text)!;
const inside = (inner: Cidr, outer: Cidr) => inner.prefix >= outer.prefix && overlaps(inner, outer);

/** The VPC module's inputs as network.tf writes them: string lists, and the maps of subnet tags. */
function vpcModule(tf: string): { lists: Record<string, string[]>; tags: Record<string, Record<string, string>>; scalars: Record<string, string> } {
  const body = /module "vpc" \{\n([\s\S]*?)\n\}/.exec(tf)![1]!;
  const lists: Record<string, string[]> = {};
  for (const m of body.matchAll(/^ {2}(\w+) += \[([^\]]*)\]$/gm)) lists[m[1]!] = [...m[2]!.matchAll(/"([^"]+)"/g)].map((x) => x[1]!);
  const tags: Record<string, Record<string, string>> = {};
  for (const m of body.matchAll(/^ {2}(\w+_subnet_tags) = \{\n([\s\S]*?)\n {2}\}$/gm)) {
    tags[m[1]!] = Object.fromEntries([...m[2]!.matchAll(/^ +"?([^"=\s]+)"? += (.+)$/gm)].map((x) => [x[1]!, x[2]!.replace(/^"|"$/g, '')]));
  }
  const scalars: Record<string, string> = {};
  for (const m of body.matchAll(/^ {2}(\w+) += ([^[{\n][^\n]*)$/gm)) scalars[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  return { lists, tags, scalars };
}

describe('subnet plan (planSubnets): every subnet fits the VPC, none overlaps another, for 2..6 AZs and every VPC size', () => {
  // Deterministic pseudo-random VPC bases in private space (a linear congruential generator: no flaky inputs).
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  const ranges = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map(cidr);
  for (let azs = 2; azs <= 6; azs++) {
    it(`${azs} AZs`, () => {
      for (let prefix = 16; prefix <= 28; prefix++) {
        for (let k = 0; k < 20; k++) {
          const range = ranges[next() % ranges.length]!;
          if (range.prefix > prefix) continue;
          const vpc = subnet(range, prefix - range.prefix, next() % 2 ** (prefix - range.prefix));
          const plan = planSubnets(vpc, azs);
          const slotBits = Math.ceil(Math.log2(2 * azs));
          // It fits exactly when a private subnet is /24 or larger (its public and load-balancer halves are then /25).
          expect(plan !== undefined, `${formatCidr(vpc)} ${azs} AZs`).toBe(prefix + slotBits <= MAX_SUBNET_PREFIX);
          expect(prefix <= maxVpcPrefix(azs)).toBe(plan !== undefined);
          if (!plan) continue;
          const all = [...plan.public, ...plan.internalLoadBalancer, ...plan.private];
          for (const list of [plan.public, plan.internalLoadBalancer, plan.private]) expect(list).toHaveLength(azs);
          // Problems collected and compared once: an expect (and its message) per pair was most of this file's time.
          expect(all.filter((s) => !inside(s, vpc)).map(formatCidr), `outside ${formatCidr(vpc)}`).toEqual([]);
          expect(all.flatMap((a, i) => all.slice(i + 1).filter((b) => overlaps(a, b)).map((b) => `${formatCidr(a)} ${formatCidr(b)}`)), 'overlapping').toEqual([]);
          expect(plan.private.filter((s) => s.prefix > MAX_SUBNET_PREFIX).map(formatCidr)).toEqual([]);
          // ELB: every load balancer subnet at least a /27 (and so with more than 8 free addresses).
          expect([...plan.public, ...plan.internalLoadBalancer].filter((s) => s.prefix > MAX_LOAD_BALANCER_SUBNET_PREFIX).map(formatCidr)).toEqual([]);
          // The private subnets (nodes, pods, the control plane's interfaces) stay where the plan before put them:
          // giving load balancers their own subnets replaces no node subnet of a running cluster.
          expect(plan.private).toEqual(Array.from({ length: azs }, (_, i) => subnet(vpc, slotBits, azs + i)));
        }
      }
    });
  }
});

describe('a VPC too small for its AZs is a positioned diagnostic; one that fits compiles', () => {
  const reference = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');
  const variant = (vpcCidr: string, azs: number) => reference.replace('vpcCidr: 10.40.0.0/16', `vpcCidr: ${vpcCidr}`).replace('availabilityZones: 2', `availabilityZones: ${azs}`);
  const line = reference.split('\n').findIndex((l) => l.includes('vpcCidr: 10.40.0.0/16')) + 1;
  for (const [vpcCidr, azs, fits] of [['10.40.0.0/22', 2, true], ['10.40.0.0/23', 2, false], ['10.40.0.0/21', 3, true], ['10.40.0.0/22', 3, false], ['10.40.0.0/21', 4, true], ['10.40.0.0/22', 4, false], ['10.40.0.0/20', 5, true], ['10.40.0.0/21', 5, false]] as const) {
    it(`${vpcCidr} with ${azs} AZs ${fits ? 'fits' : 'does not fit'}`, () => {
      const r = checkPlatform(writeSpec(variant(vpcCidr, azs)), { display: 'platform.yaml', compilerVersion: '0.0.0-test' });
      const d = r.diagnostics.find((x) => x.code === 'subnets-do-not-fit');
      if (fits) {
        expect(d).toBeUndefined();
        const network = r.ir!.environments[0]!.regions[0]!.network;
        const all = [...network.publicSubnets, ...network.internalLoadBalancerSubnets, ...network.privateSubnets].map(cidr);
        expect(all).toHaveLength(3 * azs);
        for (const s of all) expect(inside(s, cidr(vpcCidr))).toBe(true);
      } else {
        expect(d).toMatchObject({ severity: 'error', line, col: 14 });
        expect(d!.message).toContain(`${azs} availability zones`);
        expect(d!.hint).toContain(`/${maxVpcPrefix(azs)} or larger`);
      }
    });
  }
});

for (const spec of SPECS) {
  describe(`ALB allow and load-balancer subnets of ${spec}`, () => {
    const ir: PlatformIR = irOf(spec);
    const files = filesOf(ir);
    const content = (path: string) => files.find((f) => f.path === path)!.content;
    for (const env of ir.environments) {
      for (const r of env.regions) {
        const vpc = vpcModule(content(`terraform/${env.name}/${r.region}/infra/network.tf`));
        const publicSubnets = vpc.lists.public_subnets!;
        const privateSubnets = vpc.lists.private_subnets!;
        const albSubnets = vpc.lists.elasticache_subnets ?? [];

        it(`${env.name}/${r.region}: only the dedicated subnets carry kubernetes.io/role/internal-elb, and they route like the private ones`, () => {
          expect(albSubnets).toEqual([...r.network.internalLoadBalancerSubnets]);
          expect(albSubnets).toHaveLength(r.network.availabilityZoneCount);
          expect(vpc.tags.elasticache_subnet_tags).toEqual({ 'kubernetes.io/role/internal-elb': '1' });
          expect(vpc.tags.public_subnet_tags).toEqual({ 'kubernetes.io/role/elb': '1' });
          // The controller would otherwise be free to pick a node subnet (subnet_discovery.md, role tag candidates).
          const privateTags = vpc.tags.private_subnet_tags ?? {};
          expect(Object.keys(privateTags).filter((k) => k.startsWith('kubernetes.io/role/'))).toEqual([]);
          if (env.cluster.provisioner === 'karpenter') expect(privateTags['karpenter.sh/discovery']).toBe(r.names.discoveryTag);
          for (const [name, tags] of Object.entries(vpc.tags)) if (name !== 'elasticache_subnet_tags') expect(tags['kubernetes.io/role/internal-elb'], name).toBeUndefined();
          // The private route tables (NAT: Cognito authentication calls the user pool from the ALB), no ElastiCache group.
          expect(vpc.scalars.create_elasticache_subnet_route_table).toBe('false');
          expect(vpc.scalars.create_elasticache_subnet_group).toBe('false');
          expect(vpc.scalars.elasticache_subnet_suffix).toBe('internal-alb');
        });

        it(`${env.name}/${r.region}: Triton admits exactly its ALBs' subnets, none of which holds a node or pod`, () => {
          const prefix = `kustomize/overlays/${env.name}/${r.region}/`;
          const policies = parseAllDocuments(content(`${prefix}platform/region.yaml`))
            .map((d) => d.toJS() as Json)
            .filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'triton-allow-alb');
          const namespaces = [...new Set(r.deployments.map((d) => d.namespace))].sort();
          expect(policies.map((p) => p.metadata.namespace).sort()).toEqual(namespaces);
          for (const p of policies) {
            const ns = p.metadata.namespace as string;
            const schemes = new Set(r.deployments.filter((d) => d.namespace === ns).map((d) => d.ingressScheme));
            // What the Ingresses of the namespace really ask the controller for.
            for (const d of r.deployments.filter((x) => x.namespace === ns)) {
              const ingress = kustomizeObjects(files, `kustomize/overlays/${env.name}/${r.region}`).find((o) => o.kind === 'Ingress' && o.metadata.name === d.workload && o.metadata.namespace === ns)!;
              expect(ingress.metadata.annotations['alb.ingress.kubernetes.io/scheme']).toBe(d.ingressScheme);
              expect(ingress.metadata.annotations['alb.ingress.kubernetes.io/target-type']).toBe('ip');
            }
            const expected = [...(schemes.has('internal') ? albSubnets : []), ...(schemes.has('internet-facing') ? publicSubnets : [])].sort();
            expect(p.spec.ingress).toHaveLength(1);
            const from = p.spec.ingress[0].from as Json[];
            expect(from.every((peer) => Object.keys(peer).join() === 'ipBlock' && peer.ipBlock.except === undefined)).toBe(true);
            const cidrs = from.map((peer) => peer.ipBlock.cidr as string);
            expect(cidrs.sort()).toEqual(expected);
            for (const c of cidrs) for (const node of privateSubnets) expect(overlaps(cidr(c), cidr(node)), `${ns}: ${c} overlaps node subnet ${node}`).toBe(false);
            // Triton's HTTP port only (traffic and health checks): never gRPC, metrics or any other port.
            expect(p.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 8000 }]);
          }
        });
      }
    }
    it('nothing but load balancers and NAT gateways is placed in the ALB subnets: every node, control-plane and endpoint interface takes the private subnets', () => {
      const tf = files.filter((f) => f.path.endsWith('.tf'));
      for (const f of tf) {
        expect(f.content, f.path).not.toMatch(/module\.vpc\.(public|elasticache)_subnets/);
        for (const m of f.content.matchAll(/^\s*(?:subnet_ids|control_plane_subnet_ids)\s*=\s*(.+)$/gm)) expect(m[1], f.path).toBe('module.vpc.private_subnets');
      }
      // Karpenter finds its subnets by a tag only the private subnets carry (checked per region above).
      for (const f of files.filter((x) => /karpenter\/node-classes\.yaml$/.test(x.path))) {
        for (const c of parseAllDocuments(f.content).map((d) => d.toJS() as Json)) expect(c.spec.subnetSelectorTerms.every((t: Json) => Object.keys(t).join() === 'tags' && Object.keys(t.tags).join() === 'karpenter.sh/discovery')).toBe(true);
      }
    });
    it('Prometheus reaches Triton by namespace and pod selector together (one peer), on the metrics port only, never by CIDR', () => {
      const base = parseAllDocuments(content('kustomize/base/network-policies.yaml')).map((d) => d.toJS() as Json);
      const teams = [...new Set(ir.environments.flatMap((e) => e.regions.flatMap((r) => r.deployments.map((d) => d.namespace))))];
      for (const ns of teams) {
        const p = base.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'triton-allow-metrics' && o.metadata.namespace === ns)!;
        expect(p.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'triton' } });
        expect(p.spec.ingress).toEqual([
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
            ports: [{ protocol: 'TCP', port: 8002 }],
          },
        ]);
      }
      // No NetworkPolicy of the platform admits by CIDR except the ALB allow (from its load-balancer subnets).
      const overlays = files.filter((f) => f.path.startsWith('kustomize/') && f.path.endsWith('.yaml')).flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as Json));
      for (const p of overlays.filter((o) => o?.kind === 'NetworkPolicy' && o.metadata.name !== 'triton-allow-alb')) {
        for (const rule of p.spec.ingress ?? []) for (const peer of rule.from ?? []) expect(peer.ipBlock, `${p.metadata.namespace}/${p.metadata.name}`).toBeUndefined();
      }
    });
  });
}
