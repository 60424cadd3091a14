/**
 * platformc only removes files it wrote (D1, D5, D20, D22) and one compile at a time writes a folder (D13).
 * Each case runs the CLI's entry point in a temporary copy of the project (in this process, see
 * test/helpers/cli.ts); the concurrent compiles start the built CLI, one process each, as users would.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, OutputError } from '../../compiler/output/lock.js';
import { listFiles, writeTree } from '../../compiler/output/write.js';
import { bin, cli, hasStackTrace, repoRoot, run } from '../helpers/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'platformc-out-'));
const snapshot = (dir: string) => Object.fromEntries(listFiles(dir).map((p) => [p, readFileSync(join(dir, p), 'utf8')]));
/** platform.yaml and models/ in a fresh folder, without generated/. */
function project(): string {
  const dir = tmp();
  for (const f of ['platform.yaml', 'models']) cpSync(join(repoRoot, f), join(dir, f), { recursive: true });
  return dir;
}
/** No staging, backup or lock folder left next to the output. */
const leftovers = (dir: string) => readdirSync(dir).filter((n) => /\.(new-.*|old|lock)$/.test(n));

describe('compile --out refuses folders platformc did not write (D1)', () => {
  it('keeps thesis.txt: a non-empty folder without a platformc manifest is refused', async () => {
    const dir = project();
    mkdirSync(join(dir, 'mydocs'));
    writeFileSync(join(dir, 'mydocs/thesis.txt'), 'precious\n');
    const r = await run(['compile', 'platform.yaml', '--out', 'mydocs'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('mydocs is not empty and holds no platformc manifest.json');
    expect(r.stderr).not.toContain('internal error');
    expect(snapshot(join(dir, 'mydocs'))).toEqual({ 'thesis.txt': 'precious\n' });
    expect(leftovers(dir)).toEqual([]);
  });

  it.each([
    ['.', 'is the folder of platform.yaml'],
    ['..', 'is a folder above the folder of platform.yaml'],
    ['models', 'is not empty and holds no platformc manifest.json'],
    ['platform.yaml', 'is a file, not a folder'],
    ['platform.yaml/x', 'is inside a file'],
    ['', '--out is empty'],
    ['/', 'is the root folder'],
  ])('--out %j is refused with a message, nothing touched', async (out, message) => {
    const dir = project();
    const before = snapshot(dir);
    const r = await run(['compile', 'platform.yaml', '--out', out], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr + r.stdout).not.toMatch(/internal error/);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(snapshot(dir)).toEqual(before);
    expect(leftovers(dir)).toEqual([]);
  });

  it('refuses the home folder and a repository root', async () => {
    const home = project();
    writeFileSync(join(home, '.bashrc'), 'keep\n');
    // A real process: the home folder is the one the process starts with (in-process, HOME set by the test was not
    // always what os.homedir() returned in a shared vitest worker, and CI failed on it).
    const r = cli(['compile', join(repoRoot, 'platform.yaml'), '--out', home], { env: { HOME: home } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is the home folder');
    const repo = tmp();
    mkdirSync(join(repo, '.git'));
    const g = await run(['compile', join(repoRoot, 'platform.yaml'), '--out', repo]);
    expect(g.code).toBe(1);
    expect(g.stderr).toContain('is the root of a git repository');
    expect(readdirSync(repo)).toEqual(['.git']);
  });

  it('writes into an empty folder, and removes only files the previous manifest lists', async () => {
    const dir = project();
    mkdirSync(join(dir, 'out'));
    expect((await run(['compile', 'platform.yaml', '--out', 'out'], { cwd: dir })).code).toBe(0);
    // A person's file and terraform's working data inside the output (D5).
    writeFileSync(join(dir, 'out/notes.txt'), 'mine\n');
    mkdirSync(join(dir, 'out/terraform/dev/infra/.terraform/providers'), { recursive: true });
    writeFileSync(join(dir, 'out/terraform/dev/infra/.terraform/terraform.tfstate'), '{}\n');
    writeFileSync(join(dir, 'out/terraform/dev/infra/.terraform.lock.hcl'), '# lock\n');
    writeFileSync(join(dir, 'out/terraform/dev/infra/dev.tfplan'), 'plan\n');
    const lockInode = statSync(join(dir, 'out/terraform/dev/infra/.terraform.lock.hcl')).ino;
    // --check: terraform's data is not drift; the person's file is (it is not compiler output).
    const check = await run(['compile', 'platform.yaml', '--out', 'out', '--check', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(check.stdout).orphaned).toEqual(['notes.txt']);
    // Drop a model: its generated files (listed in the manifest) go, everything else stays.
    // (with its replicas in dev's and prod's overrides)
    writeFileSync(join(dir, 'platform.yaml'), readFileSync(join(dir, 'platform.yaml'), 'utf8').replace(/\n  mobilenet:\n    definition[\s\S]*?targetRps: 400\n/, '\n').replace(/\n\s+mobilenet: \{ replicas: \{ min: \d+, max: \d+ \} \}/g, ''));
    const r = await run(['compile', 'platform.yaml', '--out', 'out', '--format', 'json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.removed).toContain('triton/models/mobilenet/config.pbtxt');
    expect(summary.kept).toEqual(['notes.txt', 'terraform/dev/infra/.terraform.lock.hcl', 'terraform/dev/infra/.terraform/terraform.tfstate', 'terraform/dev/infra/dev.tfplan']);
    expect(readFileSync(join(dir, 'out/notes.txt'), 'utf8')).toBe('mine\n');
    expect(statSync(join(dir, 'out/terraform/dev/infra/.terraform.lock.hcl')).ino).toBe(lockInode);
    expect(existsSync(join(dir, 'out/terraform/dev/infra/.terraform/providers'))).toBe(true);
    expect(existsSync(join(dir, 'out/triton/models/mobilenet'))).toBe(false);
    expect(leftovers(dir)).toEqual([]);
  });

  it('a hand-edited manifest cannot make it remove files outside the folder', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'victim.txt'), 'keep\n');
    const out = join(dir, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'manifest.json'), JSON.stringify({ generator: 'platformc', files: [{ path: '../victim.txt' }, { path: '/etc/hostname' }, { path: 'a.txt' }] }));
    writeFileSync(join(out, 'a.txt'), 'old\n');
    const summary = writeTree(out, [{ path: 'b.txt', content: 'new\n' }, { path: 'manifest.json', content: '{"generator":"platformc","files":[{"path":"b.txt"}]}\n' }]);
    expect(summary.removed).toEqual(['a.txt']);
    expect(readFileSync(join(dir, 'victim.txt'), 'utf8')).toBe('keep\n');
  });

  it('refuses to overwrite a file it did not write at a path it now produces', () => {
    const dir = tmp();
    const out = join(dir, 'out');
    writeTree(out, [{ path: 'manifest.json', content: '{"generator":"platformc","files":[]}\n' }]);
    writeFileSync(join(out, 'b.txt'), 'mine\n');
    expect(() => writeTree(out, [{ path: 'b.txt', content: 'new\n' }, { path: 'manifest.json', content: '{"generator":"platformc","files":[{"path":"b.txt"}]}\n' }])).toThrow(OutputError);
    expect(readFileSync(join(out, 'b.txt'), 'utf8')).toBe('mine\n');
  });
});

describe('an interrupted swap (D20)', () => {
  it('is repaired by compile --check, which then finds the tree up to date', async () => {
    const dir = project();
    expect((await run(['compile', 'platform.yaml'], { cwd: dir })).code).toBe(0);
    // What a kill between the two renames leaves: no generated/, the old tree aside.
    renameSync(join(dir, 'generated'), join(dir, '.generated.old'));
    const r = await run(['compile', 'platform.yaml', '--check'], { cwd: dir });
    expect(r.stderr).toContain('generated is up to date');
    expect(r.code).toBe(0);
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('one compile at a time per output folder (D13)', () => {
  it('four concurrent compiles all end cleanly and leave the complete tree', async () => {
    const dir = project();
    const reference = tmp();
    expect((await run(['compile', join(dir, 'platform.yaml'), '--out', join(reference, 'generated')])).code).toBe(0);
    const runs = await Promise.all(
      [0, 1, 2, 3].map(
        () =>
          new Promise<{ code: number | null; out: string }>((resolve) => {
            const child = spawn(process.execPath, [bin, 'compile', 'platform.yaml'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
            let out = '';
            child.stdout.on('data', (d) => (out += d));
            child.stderr.on('data', (d) => (out += d));
            child.on('close', (code) => resolve({ code, out }));
          }),
      ),
    );
    for (const r of runs) {
      expect(r.out).not.toContain('internal error');
      // Either it waited its turn and wrote, or it says who holds the folder.
      if (r.code !== 0) expect(r.out).toMatch(/generated is being written by another platformc \(pid \d+\)/);
    }
    expect(runs.some((r) => r.code === 0)).toBe(true);
    expect(snapshot(join(dir, 'generated'))).toEqual(snapshot(join(reference, 'generated')));
    expect(leftovers(dir)).toEqual([]);
  }, 60_000);

  it('a live holder makes the next writer wait, then fail with its pid', () => {
    const dir = tmp();
    const lock = join(dir, '.generated.lock');
    const held = acquireLock(lock, () => 'unexpected');
    try {
      expect(readFileSync(lock, 'utf8').trim()).toBe(String(process.pid));
      expect(() => acquireLock(lock, (pid) => `generated is being written by another platformc (pid ${pid})`, 200)).toThrow(`generated is being written by another platformc (pid ${process.pid})`);
    } finally {
      held.release();
    }
    expect(existsSync(lock)).toBe(false);
  });

  it('a lock left by a killed platformc (dead pid) is taken over', async () => {
    const dir = project();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(dir, '.generated.lock'), `${dead}\n`);
    const r = await run(['compile', 'platform.yaml'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(leftovers(dir)).toEqual([]);
  });
});
