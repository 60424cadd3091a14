/**
 * generated/README.md's way by hand: every folder its commands name exists in the generated tree for every
 * environment and region, and it names what `platformc apply` sends that the platform has (Karpenter's
 * NodePools, the certificate ARNs of a DNS zone's hosts) and nothing it does not have.
 */
import { describe, expect, it } from 'vitest';
import { CERTIFICATE_ANNOTATION, CERTIFICATE_ARNS_OUTPUT } from '../../compiler/lib/conventions.js';
import { filesOf, irOf, irOfText, oneTeamSpec } from '../helpers/platform.js';

const SPECS = ['platform.yaml', 'examples/minimal-dev.yaml', 'examples/multi-region-prod.yaml', 'examples/spot-cost-optimised.yaml', 'examples/multi-model-teams.yaml'];

describe.each([...SPECS.map((s) => [s, () => irOf(s)] as const), ['26 models in one team with a DNS zone', () => irOfText(oneTeamSpec(26, 'ml.example.com'))] as const])('the README of %s', (_name, irOfSpec) => {
  const ir = irOfSpec();
  const files = filesOf(ir);
  const readme = files.find((f) => f.path === 'README.md')!.content;
  const paths = new Set(files.map((f) => f.path));

  it('names folders that exist for every environment and region: Terraform roots, and kustomizations', () => {
    const named = [...new Set([...readme.replaceAll('<primary region>', '<primary-region>').matchAll(/`[^`]*?((?:terraform|kustomize\/overlays)\/<env>\/[^`\s]*)/g)].map((m) => m[1]!))];
    expect(named.length).toBeGreaterThan(4);
    const missing: string[] = [];
    for (const env of ir.environments) {
      for (const r of env.regions) {
        for (const pattern of named) {
          // Karpenter's folder only where the environment has Karpenter, the DNS root only in the primary region.
          if (pattern.endsWith('/karpenter') && env.cluster.provisioner !== 'karpenter') continue;
          if (pattern.includes('<primary-region>') && (!ir.dnsZone || r.role !== 'primary')) continue;
          const dir = pattern.replace('<env>', env.name).replace(/<(primary-)?region>/, r.region);
          // A folder of the layout table (`.../`) holds files; one a command is given holds its root or kustomization.
          const found = dir.endsWith('/')
            ? [...paths].some((p) => p.startsWith(dir))
            : [...paths].some((p) => p.startsWith(`${dir}/`) && (dir.startsWith('terraform/') ? /^[^/]+\.tf$/ : /^kustomization\.yaml$/).test(p.slice(dir.length + 1)));
          if (!found) missing.push(`${env.name}/${r.region}: ${dir}`);
        }
        // "each folder with a kustomization.yaml under models/": exactly the groups apply sends.
        const under = `kustomize/overlays/${env.name}/${r.region}/models/`;
        expect([...paths].filter((p) => p.startsWith(under) && p.endsWith('/kustomization.yaml')).map((p) => p.slice(0, -'/kustomization.yaml'.length)).sort()).toEqual(r.kustomize.models.map((m) => m.dir).sort());
      }
    }
    expect(missing).toEqual([]);
  });

  it("says to apply Karpenter's NodePools and the certificate ARNs by hand exactly when the platform has them", () => {
    const karpenter = ir.environments.some((e) => e.cluster.provisioner === 'karpenter');
    expect(readme.includes('kubectl apply --server-side -k kustomize/overlays/<env>/<region>/karpenter')).toBe(karpenter);
    expect(readme.includes("Karpenter's NodePools and EC2NodeClasses (waiting for its nodes to terminate)")).toBe(karpenter);
    expect(readme.includes(CERTIFICATE_ANNOTATION) && readme.includes(`terraform output ${CERTIFICATE_ARNS_OUTPUT}`)).toBe(!!ir.dnsZone);
  });
});
