/**
 * compile and compile --check as CI uses them: freshness, drift detection, determinism, atomicity. The
 * freshness check of the committed generated/, diff and the kill test start the built CLI in its own process;
 * the other cases run the CLI in this process.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFiles, recoverInterruptedWrite, writeTree } from '../../compiler/output/write.js';
import { bin, cli, repoRoot, run } from '../helpers/cli.js';
import { filesOf, irOf } from '../helpers/platform.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'platformc-compile-'));
/** Every file of a tree with its content. */
const snapshot = (dir: string) => Object.fromEntries(listFiles(dir).map((p) => [p, readFileSync(join(dir, p), 'utf8')]));

/** A copy of the repo's inputs and committed generated/ in a temp folder. */
function workspace(): string {
  const dir = tmp();
  for (const f of ['platform.yaml', 'models', 'generated']) cpSync(join(repoRoot, f), join(dir, f), { recursive: true });
  return dir;
}

describe('the committed generated/', () => {
  it('is exactly the compile of the committed platform.yaml', () => {
    const r = cli(['compile', '--check']);
    expect(r.stderr + r.stdout).toContain('generated is up to date');
    expect(r.code).toBe(0);
  });
});

describe('compile --check', () => {
  it('fails with exit 3 and a diff when a generated file was edited', async () => {
    const dir = workspace();
    const file = join(dir, 'generated/triton/models/resnet50/config.pbtxt');
    writeFileSync(file, readFileSync(file, 'utf8').replace('max_batch_size: 32', 'max_batch_size: 16'));
    const r = await run(['compile', 'platform.yaml', '--check'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('changed:  generated/triton/models/resnet50/config.pbtxt');
    expect(r.stdout).toContain('-max_batch_size: 16');
    expect(r.stdout).toContain('+max_batch_size: 32');
  });
  it('names a deleted file as missing and an extra file as orphaned', async () => {
    const dir = workspace();
    unlinkSync(join(dir, 'generated/README.md'));
    writeFileSync(join(dir, 'generated/extra.yaml'), 'x: 1\n');
    const r = await run(['compile', 'platform.yaml', '--check'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('missing:  generated/README.md');
    expect(r.stdout).toContain('orphaned: generated/extra.yaml');
  });
  it('fails when platform.yaml changed without recompiling, and writes nothing', async () => {
    const dir = workspace();
    const before = snapshot(join(dir, 'generated'));
    writeFileSync(join(dir, 'platform.yaml'), readFileSync(join(dir, 'platform.yaml'), 'utf8').replace('maxQueueDelayMicroseconds: 200', 'maxQueueDelayMicroseconds: 300'));
    const r = await run(['compile', 'platform.yaml', '--check'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('+  max_queue_delay_microseconds: 300');
    expect(snapshot(join(dir, 'generated'))).toEqual(before);
  });
  it('prints a patch that git apply turns into the fresh compile: changed, new, deleted and mode-changed files', async () => {
    const dir = workspace();
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, encoding: 'utf8' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'base');
    writeFileSync(join(dir, 'platform.yaml'), readFileSync(join(dir, 'platform.yaml'), 'utf8').replace('maxQueueDelayMicroseconds: 200', 'maxQueueDelayMicroseconds: 300'));
    unlinkSync(join(dir, 'generated/README.md'));
    writeFileSync(join(dir, 'generated/extra.yaml'), 'x: 1\n');
    chmodSync(join(dir, 'generated/ci/platform.yml'), 0o755);
    const r = await run(['compile', 'platform.yaml', '--check'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('diff --git a/generated/ci/platform.yml b/generated/ci/platform.yml\nold mode 100755\nnew mode 100644');
    expect(r.stdout).toContain('--- /dev/null\n+++ b/generated/README.md');
    writeFileSync(join(dir, 'drift.patch'), r.stdout);
    git('apply', 'drift.patch');
    unlinkSync(join(dir, 'drift.patch'));
    const after = await run(['compile', 'platform.yaml', '--check'], { cwd: dir });
    expect(after.stderr + after.stdout).toContain('generated is up to date');
    expect(after.code).toBe(0);
  });
  it('a committed estimate of another shape is drift (exit 3), not an internal error', async () => {
    const dir = workspace();
    writeFileSync(join(dir, 'generated/cost/estimate.json'), '{}\n');
    const r = await run(['compile', 'platform.yaml', '--check'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain('internal error');
    expect(r.stdout).toContain('changed:  generated/cost/estimate.json');
  });
  it('generated/ that is a file, or unreadable, is a one-line error', async () => {
    const dir = workspace();
    rmSync(join(dir, 'generated'), { recursive: true });
    writeFileSync(join(dir, 'generated'), 'not a folder\n');
    const r = await run(['compile', 'platform.yaml', '--check'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^platformc: --out generated is a file, not a folder\n/);
  });
  it('diff is the same check (the built CLI, in its own process)', () => {
    const dir = workspace();
    appendFileSync(join(dir, 'generated/README.md'), 'hand edit\n');
    expect(cli(['diff', 'platform.yaml'], { cwd: dir }).code).toBe(3);
  });
  it('--format json reports the drift as data', async () => {
    const dir = workspace();
    unlinkSync(join(dir, 'generated/README.md'));
    const r = await run(['compile', 'platform.yaml', '--check', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(r.stdout)).toMatchObject({ upToDate: false, missing: ['README.md'], changed: [], orphaned: [] });
  });
});

describe('compile', () => {
  it('twice in different folders gives byte-identical trees', async () => {
    const a = tmp();
    const b = tmp();
    expect((await run(['compile', 'platform.yaml', '--out', join(a, 'out')])).code).toBe(0);
    expect((await run(['compile', join(repoRoot, 'platform.yaml'), '--out', join(b, 'deeper/out')], { cwd: b })).code).toBe(0);
    expect(snapshot(join(a, 'out'))).toEqual(snapshot(join(b, 'deeper/out')));
  });
  it('a second run changes nothing and says so', async () => {
    const dir = workspace();
    const r = await run(['compile', 'platform.yaml'], { cwd: dir });
    expect(r.stderr).toMatch(/generated: 0 written, \d+ unchanged, 0 removed/);
  });
  it('removes files that are no longer produced', async () => {
    const dir = workspace();
    // (with its replicas in dev's and prod's overrides)
    writeFileSync(join(dir, 'platform.yaml'), readFileSync(join(dir, 'platform.yaml'), 'utf8').replace(/\n  mobilenet:\n    definition[\s\S]*?targetRps: 400\n/, '\n').replace(/\n\s+mobilenet: \{ replicas: \{ min: \d+, max: \d+ \} \}/g, ''));
    const r = await run(['compile', 'platform.yaml', '--format', 'json'], { cwd: dir });
    expect(r.code, r.stdout).toBe(0);
    expect(JSON.parse(r.stdout).removed).toContain('triton/models/mobilenet/config.pbtxt');
    expect(existsSync(join(dir, 'generated/triton/models/mobilenet'))).toBe(false);
  });
  it('of an invalid platform.yaml exits 1 and leaves generated/ byte for byte', async () => {
    const dir = workspace();
    const before = snapshot(join(dir, 'generated'));
    writeFileSync(join(dir, 'platform.yaml'), readFileSync(join(dir, 'platform.yaml'), 'utf8').replace('role: gpu', 'role: gpus'));
    const r = await run(['compile', 'platform.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('error invalid-value');
    expect(r.stderr).toContain('generated was not changed');
    expect(snapshot(join(dir, 'generated'))).toEqual(before);
  });
});

describe('atomic write', () => {
  const files = filesOf(irOf('platform.yaml'));

  it('a fault part-way leaves the old tree intact and no staging folder', () => {
    const dir = tmp();
    const out = join(dir, 'generated');
    const oldTree = [{ path: 'old.txt', content: 'old tree\n' }, { path: 'manifest.json', content: '{"generator":"platformc","files":[{"path":"old.txt"}]}\n' }];
    writeTree(out, oldTree);
    const before = snapshot(out);
    let n = 0;
    expect(() => writeTree(out, files, { beforeFile: () => { if (++n === 3) throw new Error('disk full'); } })).toThrow('disk full');
    expect(snapshot(out)).toEqual(before);
    expect(listFiles(dir)).toEqual(['generated/manifest.json', 'generated/old.txt']);
  });

  it('an unchanged tree is left in place; one changed file rebuilds it with the others linked, not rewritten', () => {
    const dir = tmp();
    const out = join(dir, 'generated');
    writeTree(out, files);
    mkdirSync(join(out, 'terraform/.terraform'), { recursive: true });
    const ino = (p: string) => statSync(join(out, p)).ino;
    const [folder, readme, manifest] = [ino('.'), ino('README.md'), ino('manifest.json')];
    // Same files: nothing staged or swapped (the folder itself is the same inode), all unchanged.
    const again = writeTree(out, files);
    expect(again).toMatchObject({ written: [], removed: [] });
    expect(again.unchanged).toHaveLength(files.length);
    expect([ino('.'), ino('README.md')]).toEqual([folder, readme]);
    expect(readdirSync(dir)).toEqual(['generated']);
    expect(existsSync(join(out, 'terraform/.terraform'))).toBe(true);
    // A hand edit is not "unchanged": the tree is rebuilt and swapped, the edited file rewritten.
    appendFileSync(join(out, 'README.md'), 'hand edit\n');
    const fixed = writeTree(out, files);
    expect(fixed.written).toEqual(['README.md']);
    expect(ino('.')).not.toBe(folder);
    expect(ino('manifest.json')).toBe(manifest);
    expect(snapshot(out)).toEqual(Object.fromEntries(files.map((f) => [f.path, f.content])));
    expect(existsSync(join(out, 'terraform/.terraform'))).toBe(true);
  });

  it('a compile killed by a signal leaves the old tree or the new one, never a mix', async () => {
    const dir = workspace();
    const out = join(dir, 'generated');
    // Make the new tree differ from the old one in every Triton config, so a mix would show.
    writeFileSync(join(dir, 'platform.yaml'), readFileSync(join(dir, 'platform.yaml'), 'utf8').replaceAll('maxQueueDelayMicroseconds: ', 'maxQueueDelayMicroseconds: 1'));
    const old = snapshot(out);
    const fresh = await generateFilesFor(dir);
    expect(fresh).not.toEqual(old);
    for (const delay of [5, 20, 40, 60, 80, 120]) {
      const child = spawn(process.execPath, [bin, 'compile', 'platform.yaml'], { cwd: dir, stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      // Whatever moment the kill hit, what the next run starts from (after it restores an interrupted
      // swap) is the old tree or the new one.
      recoverInterruptedWrite(out);
      const now = snapshot(out);
      expect([JSON.stringify(old), JSON.stringify(fresh)]).toContain(JSON.stringify(now));
      writeTree(out, Object.entries(old).map(([path, content]) => ({ path, content })));
    }
  });
});

async function generateFilesFor(dir: string): Promise<Record<string, string>> {
  const target = tmp();
  symlinkSync(join(dir, 'models'), join(target, 'models'));
  cpSync(join(dir, 'platform.yaml'), join(target, 'platform.yaml'));
  await run(['compile', 'platform.yaml'], { cwd: target });
  const s = snapshot(join(target, 'generated'));
  rmSync(target, { recursive: true, force: true });
  return s;
}
