/**
 * `platformc init`: a new platform repository that validates and compiles from the first minute, with the
 * editor schema wired up and a CI workflow. Safe to rerun: existing files are kept unless --force.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { editorSchemas } from '../../schema/json-schema.js';
import { estimatePlatform } from '../cost/estimate.js';
import { didYouMean } from '../diagnostics/suggest.js';
import { compareCodeUnits } from '../lib/order.js';
import { generateFiles } from '../generate.js';
import { checkPlatform } from '../pipeline.js';
import { instanceCatalog, notOfferedHint, packageRoot, regionCatalog } from '../catalog.js';
import { compilerVersion } from '../version.js';
import { EXIT, UsageError } from './exit.js';
import type { InvocationOf } from './options.js';

function platformYaml(name: string, region: string, gpu: string, budget: { dev: number; prod: number }): string {
  // Not every region offers m6i (specs/instances.json); t3 is in all of them.
  const general = ['m6i.xlarge', 'm5.xlarge', 't3.xlarge'].find((t) => instanceCatalog.instances[t]?.regions.includes(region)) ?? 'm6i.xlarge';
  return `# yaml-language-server: $schema=./schema/platform.schema.json
# ${name}: GPU inference on AWS EKS, compiled by platformc.
#   npx platformc validate          check this file (every problem with its line and column)
#   npx platformc compile           write generated/ (Terraform, Helm values, Kustomize, rules, dashboards)
#   npx platformc cost              the monthly estimate per environment
#   npx platformc apply --env dev   build it (see generated/README.md)
# Every field is documented in schema/README.md, and your editor shows it on hover.
# The example model's weights are a placeholder: validation warns until models/resnet50.yaml names yours.
apiVersion: platformc.dev/v1alpha1
kind: Platform

metadata:
  name: ${name}
  owner: platform-team@example.com   # who to call; tagged on every AWS resource
  tags:
    cost-center: replace-me

# Network of every region an environment runs in. CIDRs must not overlap within an environment.
regions:
  ${region}:
    vpcCidr: 10.0.0.0/16
    availabilityZones: 2
    natGateways: single              # perAz survives an AZ outage, at a NAT gateway per AZ

cluster:
  provisioner: karpenter             # GPU nodes from a Karpenter NodePool per GPU pool (or cluster-autoscaler)

nodePools:
  general:                           # system workloads: controllers (Karpenter's too), monitoring, load tests
    role: general
    instanceTypes: [${general}]
    minSize: 2
    maxSize: 3
  gpu:                               # Triton; tainted nvidia.com/gpu; nodes come and go with the models' pods
    role: gpu
    instanceTypes: [${gpu}]
    minSize: 0
    maxSize: 2

identity:
  operators:
    admins:
      principals: ["arn:aws:iam::111111111111:root"]   # who may assume the operator role (with MFA)
      maxSessionDuration: 1h
  ci:
    github:
      repository: example-org/${name}                   # the repository whose workflows deploy
      branches: [main]
      environments: [dev, prod]                     # applied in the GitHub environment of the same name
      runsOn: [self-hosted, linux, x64]              # runners inside each VPC: the API endpoint is private

teams:
  ml:
    gpuQuota: 2

models:
  resnet50:
    definition: models/resnet50.yaml   # an example: replace it with your model
    team: ml
    nodePool: gpu
    replicas: { min: 1, max: 2 }
    batching: { preferredBatchSizes: [8, 16], maxQueueDelayMicroseconds: 200 }
    slo: { latencyP99Ms: 50, availability: 99.9, targetRps: 100 }

budget:
  monthlyUsd: ${budget.prod}
  notify: [platform-team@example.com]
  enforcement: error                 # or warning

environments:
  dev:
    account: "111111111111"          # replace with your dev account
    region: ${region}
    state: { bucket: ${name}-tfstate-111111111111 }
    budget: { monthlyUsd: ${budget.dev} }
    overrides:
      models:
        resnet50: { replicas: { max: 1 } }
  prod:
    account: "222222222222"          # replace with your prod account
    region: ${region}
    state: { bucket: ${name}-tfstate-222222222222 }
    overrides:
      network:
        ${region}: { natGateways: perAz }   # production egress survives an AZ outage
      models:
        resnet50: { replicas: { min: 2 } }  # a rollout or a node drain never stops the model
`;
}

const GITIGNORE = `# Terraform state, plans and local variables never go into git
.terraform/
*.tfstate
*.tfstate.*
*.tfplan
*.auto.tfvars
*.local.tfvars
crash.log
# platformc run logs and resume state
.platformc/
node_modules/
`;

/** The example model of init: weights at a placeholder that validation flags (placeholder-weights) until replaced. */
function exampleModel(text: string): string {
  return text.replace(
    /^  uri: s3:\/\/.*$/m,
    '  # An example location (AWS reserves amzn-s3-demo- buckets for examples): upload your model and put its URI here.\n  uri: s3://amzn-s3-demo-bucket/models/resnet50/resnet50-v1-12.onnx',
  );
}

/**
 * Init writes only inside DIR: a symbolic link on the way to a file (a dangling one, or a folder such as
 * .github that points elsewhere) would make it create or overwrite a file outside. Checked for every file
 * before anything is written.
 */
function refuseLinksOutside(dir: string, paths: readonly string[]): void {
  const root = existsSync(dir) ? realpathSync(dir) : dir;
  const inside = (p: string) => {
    const rel = relative(root, p);
    return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
  };
  for (const path of paths) {
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const shown = parts.slice(0, i).join('/');
      const at = join(dir, shown);
      let link = false;
      try {
        link = lstatSync(at).isSymbolicLink();
      } catch {
        break; // nothing there yet: init creates it, inside DIR
      }
      if (!link) continue;
      let target: string;
      try {
        target = realpathSync(at);
      } catch {
        throw new UsageError(`refusing to write ${path}: ${shown} is a symbolic link to nothing (it would create a file wherever it points); remove it or point it inside ${dir}`);
      }
      if (!inside(target)) throw new UsageError(`refusing to write ${path}: ${shown} is a symbolic link to ${target}, outside ${dir}; remove it or point it inside`);
    }
  }
}

export async function runInit(inv: InvocationOf<'init'>): Promise<number> {
  if (inv.positionals.length > 1) throw new UsageError('expected at most one DIR');
  const dir = resolve(inv.positionals[0] ?? '.');
  const fromDir = basename(dir).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+|-+$/g, '').slice(0, 20).replace(/-+$/, '');
  const name = String(inv.values.name ?? (fromDir || 'platform'));
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 20) throw new UsageError(`--name '${name}' is not a DNS-1123 label of at most 20 characters`);
  const region = String(inv.values.region ?? 'us-east-1');
  if (!regionCatalog.regions[region]) throw new UsageError(`unknown region '${region}'${didYouMean(region, Object.keys(regionCatalog.regions)) ? `: ${didYouMean(region, Object.keys(regionCatalog.regions))}` : ''}`);
  // The smallest NVIDIA types, cheapest GPU first, and the first the region offers (not every region has g4dn).
  const gpu = String(inv.values.gpu ?? ['g4dn.xlarge', 'g6.xlarge', 'g5.xlarge', 'g6e.xlarge'].find((t) => instanceCatalog.instances[t]?.regions.includes(region)) ?? 'g4dn.xlarge');
  const facts = instanceCatalog.instances[gpu];
  if (!facts || facts.accelerator?.kind !== 'nvidia') throw new UsageError(`'${gpu}' is not an NVIDIA GPU instance type in the catalog${didYouMean(gpu, Object.keys(instanceCatalog.instances)) ? `: ${didYouMean(gpu, Object.keys(instanceCatalog.instances))}` : ''}`);
  if (!facts.regions.includes(region)) throw new UsageError(`${gpu} is not offered in ${region}: ${notOfferedHint(gpu, region)}`);

  const files = new Map<string, string>();
  const models = ['resnet50.yaml'];
  for (const m of models) files.set(`models/${m}`, exampleModel(readFileSync(join(packageRoot, 'models', m), 'utf8')));
  // The JSON Schemas for the editor and the field reference the header of platform.yaml points to.
  for (const [file, content] of Object.entries(editorSchemas())) files.set(`schema/${file}`, content);

  // Budgets that fit: the estimate at maximum scale of this very platform, with 25% headroom.
  const draft = platformYaml(name, region, gpu, { dev: 1_000_000, prod: 1_000_000 });
  const scratch = mkdtempSync(join(tmpdir(), 'platformc-init-'));
  mkdirSync(join(scratch, 'models'), { recursive: true });
  for (const m of models) writeFileSync(join(scratch, 'models', m), files.get(`models/${m}`)!);
  writeFileSync(join(scratch, 'platform.yaml'), draft);
  const checked = checkPlatform(join(scratch, 'platform.yaml'), { display: 'platform.yaml', compilerVersion });
  if (!checked.ir) throw new Error(`the init template does not validate: ${checked.diagnostics.map((d) => d.message).join('; ')}`);
  const estimate = estimatePlatform(checked.ir);
  const fit = (env: string) => Math.ceil((estimate.environments.find((e) => e.env === env)!.monthly.max * 1.25) / 100) * 100;
  const text = platformYaml(name, region, gpu, { dev: fit('dev'), prod: fit('prod') });
  writeFileSync(join(scratch, 'platform.yaml'), text);
  const final = checkPlatform(join(scratch, 'platform.yaml'), { display: 'platform.yaml', compilerVersion });
  files.set('platform.yaml', text);
  // Byte for byte generated/ci/platform.yml, which compile keeps in step and compile --check compares.
  const ci = generateFiles(final.ir!).find((f) => f.path === 'ci/platform.yml')!;
  rmSync(scratch, { recursive: true, force: true });
  files.set('.github/workflows/platform.yml', ci.content);
  files.set('.vscode/settings.json', `${JSON.stringify({ 'yaml.schemas': { './schema/platform.schema.json': ['platform.yaml'], './schema/model-definition.schema.json': ['models/*.yaml'] }, 'yaml.schemaStore.enable': false }, null, 2)}\n`);
  files.set('.gitattributes', '# Compiler output: collapsed in diffs, never edited by hand\ngenerated/** linguist-generated=true\nschema/*.json linguist-generated=true\n');
  files.set('.gitignore', GITIGNORE);
  if (!existsSync(join(dir, 'package.json'))) {
    // Pinned exactly: generated/ is byte-identical only when CI runs the compiler that wrote it. No lockfile:
    // its integrity hash would need the registry; the first `npm install` writes it (see README, Install).
    files.set('package.json', `${JSON.stringify({ name, private: true, scripts: { validate: 'platformc validate', compile: 'platformc compile' }, devDependencies: { platformc: compilerVersion } }, null, 2)}\n`);
  }
  refuseLinksOutside(dir, [...files.keys()]);

  const force = Boolean(inv.values.force);
  const written: string[] = [];
  const skipped: string[] = [];
  for (const [path, content] of [...files.entries()].sort(([a], [b]) => compareCodeUnits(a, b))) {
    const target = join(dir, path);
    if (existsSync(target) && !force) {
      skipped.push(path);
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    written.push(path);
  }
  for (const p of written) process.stderr.write(`wrote   ${p}\n`);
  for (const p of skipped) process.stderr.write(`skipped ${p} (it exists; --force overwrites)\n`);
  process.stderr.write(
    written.length === 0
      ? `nothing to do: every file of ${name} already exists in ${dir}\n`
      : `\n${name} is ready. Next: \`npm install\` (commit package-lock.json), replace the example accounts, repository and model in platform.yaml and models/, then \`npx platformc compile\`.\n`,
  );
  return EXIT.ok;
}
