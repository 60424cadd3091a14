/**
 * generated/README.md's way by hand: every folder its commands name exists in the generated tree for every
 * environment and region, every folder `platformc apply` and `destroy` give kubectl is one it names, and it says
 * what apply does that the platform needs (Karpenter's NodePools, the certificate ARNs of a DNS zone's hosts).
 */
import { describe, expect, it } from 'vitest';
import { CERTIFICATE_ANNOTATION, CERTIFICATE_ARNS_OUTPUT } from '../../compiler/lib/conventions.js';
import { applySteps, destroySteps, type Step } from '../../compiler/ops/steps.js';
import { filesOf, irOf, irOfText, oneTeamSpec } from '../helpers/platform.js';

const SPECS = ['platform.yaml', 'examples/minimal-dev.yaml', 'examples/multi-region-prod.yaml', 'examples/spot-cost-optimised.yaml', 'examples/multi-model-teams.yaml'];

describe.each([...SPECS.map((s) => [s, () => irOf(s)] as const), ['26 models in one team with a DNS zone', () => irOfText(oneTeamSpec(26, 'ml.example.com'))] as const])('the README of %s', (_name, irOfSpec) => {
  const ir = irOfSpec();
  const files = filesOf(ir);
  const readme = files.find((f) => f.path === 'README.md')!.content;
  const paths = new Set(files.map((f) => f.path));
  /** The folders the README's commands name (placeholders `<env>`, `<region>`, `<primary-region>`). */
  const named = [...new Set([...readme.replaceAll('<primary region>', '<primary-region>').matchAll(/`[^`]*?((?:terraform|kustomize\/overlays|\.platformc\/apply)\/<env>\/[^`\s]*)/g)].map((m) => m[1]!))];

  it('names folders that exist for every environment and region: Terraform roots, and kustomizations', () => {
    expect(named.length).toBeGreaterThan(4);
    const missing: string[] = [];
    for (const env of ir.environments) {
      for (const r of env.regions) {
        // (.platformc/apply/ is written by apply, not compiled.)
        for (const pattern of named.filter((x) => !x.startsWith('.platformc/'))) {
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

  it('names every folder apply and destroy give kubectl, by its path or as a group of models, and only those', () => {
    const unnamed: string[] = [];
    const unsent: string[] = [];
    for (const env of ir.environments) {
      const kustomizations = (steps: readonly Step[]) => steps.flatMap((s) => (s.kind === 'exec' && s.argv[0] === 'kubectl' && s.argv.includes('-k') ? [s.argv[s.argv.indexOf('-k') + 1]!] : []));
      const applied = kustomizations(applySteps(ir, env, { generated: 'generated', stateDir: '.platformc' }));
      const folders = [...applied, ...kustomizations(destroySteps(ir, env, { generated: 'generated', disableDeletionProtection: true }))];
      expect(applied.length).toBeGreaterThan(0);
      for (const r of env.regions) {
        const here = named.map((p) => p.replace('<env>', env.name).replace(/<(primary-)?region>/, r.region));
        // "each folder with a kustomization.yaml under models/", and a folder of folders (`.../`) names what is in it.
        const groups = r.kustomize.models.map((m) => m.dir);
        for (const f of folders.filter((x) => x.includes(`/${env.name}/${r.region}`)).map((x) => x.replace(/^generated\//, ''))) {
          if (!groups.includes(f) && !here.some((p) => p === f || (p.endsWith('/') && f.startsWith(p)))) unnamed.push(`${env.name}/${r.region}: ${f}`);
        }
        // The other way: each Kubernetes folder it says to apply (not the whole overlay, which it says not to use).
        const overlay = `kustomize/overlays/${env.name}/${r.region}`;
        for (const p of here.filter((x) => x.startsWith(`${overlay}/`) && !x.endsWith('/'))) {
          if (p.endsWith('/karpenter') && env.cluster.provisioner !== 'karpenter') continue;
          if (!applied.includes(`generated/${p}`)) unsent.push(`${env.name}/${r.region}: ${p}`);
        }
      }
    }
    expect(unnamed).toEqual([]);
    expect(unsent).toEqual([]);
  });

  it("names Karpenter's folder and the certificate ARNs' annotation and output exactly when the platform has them", () => {
    expect(named.includes('kustomize/overlays/<env>/<region>/karpenter')).toBe(ir.environments.some((e) => e.cluster.provisioner === 'karpenter'));
    expect([readme.includes(CERTIFICATE_ANNOTATION), readme.includes(`output -json ${CERTIFICATE_ARNS_OUTPUT}`), named.includes('.platformc/apply/<env>/<region>/')]).toEqual([!!ir.dnsZone, !!ir.dnsZone, !!ir.dnsZone]);
  });
});
