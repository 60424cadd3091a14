// platformc benchmark, in one run: a bare `node -e ''` start; validate and compile of the default platform
// beside it (ratio to the bare start); and compile of synthetic platforms of 10, 100, 500 and 1000 models
// over 3 environments with a standby region each, with wall time, time per model, peak memory (maxRSS) and
// the size of what was written. Run: npm run bench (after npm run build). BENCH_RUNS sets the runs per
// startup figure (default 15; the large platforms run fewer times). Targets (issue #16): validate within
// 2x and compile within 3x a bare node start; the 500-model platform under 2 s, 250 MB and 25 MB of output.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticSpec } from './synthetic.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 15);
const sizes = (process.env.BENCH_SIZES ?? '10,100,500,1000').split(',').map(Number);
if (!existsSync(join(root, 'dist/main.cjs'))) {
  console.error('bench: dist/ is missing; run npm run build first');
  process.exit(2);
}

/** Median and minimum wall time of `n` runs, the median CPU time and the largest maxRSS measure.cjs reported. */
function time(args, n = runs, { cwd = root } = {}) {
  const samples = [];
  const cpu = [];
  let maxrss = 0;
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    const m = /maxrss=(\d+)/.exec(r.stderr ?? '');
    if (m) maxrss = Math.max(maxrss, Number(m[1]));
    const c = /cpu=([\d.]+)/.exec(r.stderr ?? '');
    if (c) cpu.push(Number(c[1]));
    if (r.status !== 0) throw new Error(`bench: ${args.join(' ')} exited ${r.status}\n${r.stdout}${r.stderr}`.slice(0, 4000));
  }
  samples.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], min: samples[0], cpu: cpu[Math.floor(cpu.length / 2)], maxrssMiB: maxrss / 1024, runs: n };
}

/** Files and bytes under dir. */
function treeSize(dir) {
  let files = 0;
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    files++;
    bytes += statSync(join(e.parentPath ?? e.path, e.name)).size;
  }
  return { files, bytes };
}

const ms = (n) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(0)} ms`);
const cols = [['command', 52], ['runs', 5], ['median', 9], ['min', 9], ['x node', 7], ['CPU', 9], ['CPU x node', 11], ['CPU ms/model', 13], ['peak MiB', 9], ['files', 6], ['output MB', 10]];
const line = (cells) => console.log(cells.map((c, i) => (i === 0 ? String(c).padEnd(cols[i][1]) : String(c).padStart(cols[i][1]))).join(' '));
/** The CLI as a user starts it, with measure.cjs preloaded to report its CPU time and peak memory. */
const measure = ['--require', join(root, 'bench/measure.cjs'), join(root, 'bin/platformc.js')];

console.log(`node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; wall time (median, min), CPU time (median, user + system)\n`);
line(cols.map(([c]) => c));
// The bare start reports its own CPU time the way measure.cjs does; the cost of that one line is negligible.
const bare = time(['-e', "process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write(`cpu=${(u.user + u.system) / 1000}\\n`); })"]);
const row = (name, r, extra = {}) =>
  line([name, r.runs, ms(r.median), ms(r.min), (r.median / bare.median).toFixed(1), ms(r.cpu), (r.cpu / bare.cpu).toFixed(1), extra.perModel ?? '', r.maxrssMiB ? r.maxrssMiB.toFixed(0) : '', extra.files ?? '', extra.mb ?? '']);
row("node -e ''", bare);
row('platformc validate platform.yaml', time([...measure, 'validate', 'platform.yaml']));

const out = mkdtempSync(join(tmpdir(), 'platformc-bench-'));
try {
  const generated = join(out, 'generated');
  const compile = time([...measure, 'compile', 'platform.yaml', '--out', generated]);
  const own = treeSize(generated);
  row('platformc compile platform.yaml', compile, { files: own.files, mb: (own.bytes / 1e6).toFixed(2) });
  for (const models of sizes) {
    const dir = join(out, `synthetic-${models}`);
    mkdirSync(dir, { recursive: true });
    cpSync(join(root, 'models'), join(dir, 'models'), { recursive: true });
    writeFileSync(join(dir, 'platform.yaml'), syntheticSpec(models));
    const target = join(dir, 'generated');
    // Fewer runs for the large platforms; the first writes the tree, the others find it unchanged (as a rerun would).
    const r = time([...measure, 'compile', join(dir, 'platform.yaml'), '--out', target], Math.max(3, Math.min(runs, Math.ceil(2000 / models))));
    const size = treeSize(target);
    row(`platformc compile (${models} models, 3 envs x 2 regions)`, r, { perModel: (r.cpu / models).toFixed(1), files: size.files, mb: (size.bytes / 1e6).toFixed(1) });
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
