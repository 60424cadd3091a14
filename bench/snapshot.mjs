// Byte-identity check for compiler changes: compiles platform.yaml, every examples/*.yaml and a synthetic
// platform (12 models, 3 environments, each with a standby region) into <out>/<name>/generated, and renders
// every overlay that `platformc apply` applies (kustomize/overlays/<env>/<region> and its karpenter/) with
// `kubectl kustomize` into <out>/<name>/rendered/. Run it before and after a change and diff the two trees:
//   node bench/snapshot.mjs /tmp/before   # (on the old build)
//   node bench/snapshot.mjs /tmp/after
//   diff -r /tmp/before /tmp/after        # generated/: what the change writes; rendered/: what reaches the cluster
// Needs dist/ (npm run build) and kubectl on PATH.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticSpec } from './synthetic.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error('usage: node bench/snapshot.mjs <out-dir>');
  process.exit(2);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const synthetic = join(out, '.synthetic');
mkdirSync(synthetic, { recursive: true });
cpSync(join(root, 'models'), join(synthetic, 'models'), { recursive: true });
writeFileSync(join(synthetic, 'platform.yaml'), syntheticSpec(12));

const inputs = [
  ['platform', join(root, 'platform.yaml')],
  ...readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.yaml')).sort().map((f) => [basename(f, '.yaml'), join(root, 'examples', f)]),
  ['synthetic-12', join(synthetic, 'platform.yaml')],
];
for (const [name, file] of inputs) {
  const generated = join(out, name, 'generated');
  execFileSync(process.execPath, [join(root, 'bin/platformc.js'), 'compile', file, '--out', generated], { stdio: 'pipe' });
  const overlays = join(generated, 'kustomize/overlays');
  let rendered = 0;
  for (const env of readdirSync(overlays).sort()) {
    for (const region of readdirSync(join(overlays, env)).sort()) {
      if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) continue; // observability/ and any shared folder are parts, not roots
      for (const dir of [join(overlays, env, region), join(overlays, env, region, 'karpenter')]) {
        if (!existsSync(join(dir, 'kustomization.yaml'))) continue;
        const yaml = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
        const target = join(out, name, 'rendered', `${relative(overlays, dir).replaceAll('/', '_')}.yaml`);
        mkdirSync(join(target, '..'), { recursive: true });
        writeFileSync(target, yaml);
        rendered++;
      }
    }
  }
  console.log(`${name}: compiled, ${rendered} overlays rendered`);
}
rmSync(synthetic, { recursive: true, force: true });
