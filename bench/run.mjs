// platformc benchmark: wall time of validate and compile beside a bare `node -e ''` start, and compile of
// synthetic specs of growing size with peak memory, so scaling can be read off. Run: npm run bench
// (after npm run build). Targets: validate within 3x and compile within 5x a bare node start.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, cpSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 15);
if (!existsSync(join(root, 'dist/main.js'))) {
  console.error('bench: dist/ is missing; run npm run build first');
  process.exit(2);
}

function time(args, { cwd = root } = {}) {
  const samples = [];
  let maxrss = 0;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    const m = /maxrss=(\d+)/.exec(r.stderr ?? '');
    if (m) maxrss = Math.max(maxrss, Number(m[1]));
    if (r.status !== 0 && r.status !== 3) throw new Error(`bench: ${args.join(' ')} exited ${r.status}\n${r.stdout}${r.stderr}`);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], min: samples[0], maxrssMiB: maxrss / 1024 };
}

const fmt = (n) => n.toFixed(1).padStart(8);
const measure = join(root, 'bench/measure.mjs');
const bare = time(['-e', '']);
console.log(`runs per figure: ${runs} (median wall time, ms)\n`);
console.log(`${'command'.padEnd(44)} ${'median'.padStart(8)} ${'min'.padStart(8)} ${'x node'.padStart(8)} ${'peak MiB'.padStart(9)}`);
const row = (name, r) => console.log(`${name.padEnd(44)} ${fmt(r.median)} ${fmt(r.min)} ${fmt(r.median / bare.median)} ${r.maxrssMiB ? fmt(r.maxrssMiB).padStart(9) : ''.padStart(9)}`);
row("node -e ''", bare);
row('platformc validate platform.yaml', time([measure, 'validate', 'platform.yaml']));

const hasCompile = spawnSync(process.execPath, [join(root, 'bin/platformc.js'), 'compile', '--help'], { encoding: 'utf8' }).status === 0;
if (hasCompile && process.env.BENCH_SKIP_COMPILE !== '1') {
  const out = mkdtempSync(join(tmpdir(), 'platformc-bench-'));
  row('platformc compile platform.yaml', time([measure, 'compile', 'platform.yaml', '--out', join(out, 'generated')]));
  for (const models of [10, 100, 500]) {
    const dir = join(out, `synthetic-${models}`);
    mkdirSync(dir, { recursive: true });
    cpSync(join(root, 'models'), join(dir, 'models'), { recursive: true });
    writeFileSync(join(dir, 'platform.yaml'), syntheticSpec(models));
    row(`platformc compile (${models} models, 3 envs x 2 regions)`, time([measure, 'compile', join(dir, 'platform.yaml'), '--out', join(dir, 'generated')]));
  }
  rmSync(out, { recursive: true, force: true });
}

/** A valid platform with `models` models over dev, staging and prod, each with a standby region. */
function syntheticSpec(models) {
  const pools = Math.ceil(models / 10);
  const lines = [
    'apiVersion: platformc.dev/v1alpha1', 'kind: Platform',
    'metadata: { name: synthetic, owner: bench@example.com }',
    'regions:', '  us-east-1: { vpcCidr: 10.0.0.0/16 }', '  us-west-2: { vpcCidr: 10.1.0.0/16 }',
    'nodePools:', '  general: { role: general, instanceTypes: [m6i.xlarge], minSize: 2, maxSize: 4 }',
  ];
  for (let p = 0; p < pools; p++) lines.push(`  gpu-${p}: { role: gpu, instanceTypes: [g5.xlarge], minSize: 0, maxSize: 20 }`);
  lines.push('teams:');
  for (let p = 0; p < pools; p++) lines.push(`  team-${p}: { gpuQuota: 40 }`);
  lines.push('models:');
  for (let m = 0; m < models; m++) {
    const p = Math.floor(m / 10);
    lines.push(`  model-${m}: { definition: models/${m % 2 ? 'mobilenet' : 'resnet50'}.yaml, team: team-${p}, nodePool: gpu-${p}, replicas: { min: 1, max: 2 }, slo: { latencyP99Ms: 50, availability: 99.9, targetRps: 10 } }`);
  }
  lines.push('budget: { monthlyUsd: 100000000, enforcement: warning }', 'environments:');
  ['dev', 'staging', 'prod'].forEach((env, i) =>
    lines.push(`  ${env}: { account: "00000000000${i + 1}", region: us-east-1, standby: { region: us-west-2 }, state: { bucket: synthetic-tfstate-${env} } }`),
  );
  return `${lines.join('\n')}\n`;
}
