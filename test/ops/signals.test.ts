/**
 * Signals, faults and hygiene of a running apply (D3, D4, D12, D22, D23): the built CLI in its own process,
 * interrupted (Ctrl-C, SIGTERM, kill -9) while a fake terraform runs (FAKE_SLOW, fake.mjs: it records each
 * SIGINT and how it stopped), the watchdog script on its own, and runSteps with fake tools that hang or flood
 * their output.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forEachRevision, MODEL_CHECKS_AT_ONCE, revisionObjects, verifyRevision, type Exec, type ModelRevisionObjects } from '../../compiler/ops/models.js';
import { runSteps, WATCHDOG } from '../../compiler/ops/run.js';
import { cliAsync, repoRoot, run } from '../helpers/cli.js';
import { irOf } from '../helpers/platform.js';
import { calls, fakebin, fakeCluster, workspace } from './fake-platform.js';

const cluster = fakeCluster();

const until = async (what: string, done: () => boolean, ms = 15_000) => {
  for (const deadline = Date.now() + ms; !done(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
};
/** Until the fake terraform (FAKE_SLOW) runs and handles SIGINT: it records that once its handler is in place. */
const handlesSigint = (log: string) => until('terraform handling SIGINT', () => calls(log).includes('terraform handles SIGINT'));

// Each of these runs platformc or the watchdog in a process of its own and mostly waits for it (the SIGTERM
// test for the full grace time): they run at the same time, the two suites too (vitest runs adjacent concurrent
// suites together). Tests that run platformc in this process (`run`, runSteps) change its working directory and
// environment, so they stay one after another, below.
describe.concurrent('a running apply, interrupted or refused (own processes, concurrently)', () => {
  it('Ctrl-C is passed on to the running terraform, which stops cleanly, and the run stops', async ({ expect }) => {
    const w = workspace(cluster);
    const env: NodeJS.ProcessEnv = { ...process.env, ...w.env, NO_COLOR: '1', FAKE_ACCOUNT: '222222222222', FAKE_SLOW: 'infra apply' };
    const child = spawn(process.execPath, [join(repoRoot, 'bin/platformc.js'), 'apply', '--env', 'prod'], { cwd: w.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Wait until the slow terraform apply runs, then interrupt platformc as a terminal would.
    await handlesSigint(w.log);
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(1);
    expect(calls(w.log)).toContain('terraform received SIGINT');
    expect(stderr).toContain('passing SIGINT to the running step');
    expect(calls(w.log).some((c) => c.includes('platform apply'))).toBe(false);
  });

  const start = (w: ReturnType<typeof workspace>, extra: Record<string, string>, args = ['apply', '--env', 'prod']) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...w.env, NO_COLOR: '1', FAKE_ACCOUNT: '222222222222', ...extra };
    // detached: platformc leads its own process group, as a shell's foreground job does.
    const child = spawn(process.execPath, [join(repoRoot, 'bin/platformc.js'), ...args], { cwd: w.dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const done = new Promise<number | null>((r) => child.on('close', r));
    return { child, done, stderr: () => stderr };
  };

  it('Ctrl-C at a terminal (SIGINT to the whole foreground group) reaches terraform exactly once', async ({ expect }) => {
    const w = workspace(cluster);
    const run = start(w, { FAKE_SLOW: 'infra apply', FAKE_GRACE_MS: '1500' });
    await handlesSigint(w.log);
    process.kill(-run.child.pid!, 'SIGINT');
    expect(await run.done).toBe(1);
    // Before: terraform shared platformc's group, got the terminal's SIGINT and platformc's: "Two interrupts received".
    expect(calls(w.log).filter((c) => c === 'terraform received SIGINT')).toHaveLength(1);
    expect(calls(w.log)).toContain('terraform stopped cleanly');
  }, 30_000);

  it('SIGTERM gives terraform its graceful stop (a SIGINT), with no SIGKILL after 5 s', async ({ expect }) => {
    const w = workspace(cluster);
    const run = start(w, { FAKE_SLOW: 'infra apply', FAKE_GRACE_MS: '6000' });
    await handlesSigint(w.log);
    const t0 = Date.now();
    run.child.kill('SIGTERM');
    expect(await run.done).toBe(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(5900);
    expect(calls(w.log)).toContain('terraform received SIGINT');
    expect(calls(w.log)).toContain('terraform stopped cleanly');
  }, 30_000);

  it('kill -9 of platformc does not leave terraform running: its watchdog stops it gracefully (D23)', async ({ expect }) => {
    const w = workspace(cluster);
    const run = start(w, { FAKE_SLOW: 'infra apply', FAKE_SLOW_MS: '15000' });
    await handlesSigint(w.log);
    run.child.kill('SIGKILL');
    await run.done;
    // The watchdog sees its pipe from platformc close; terraform then takes FAKE_GRACE_MS (0) to stop. The bound
    // is generous: the file's other runs start at the same time as this one, beside the rest of the suite.
    await until('clean stop', () => calls(w.log).includes('terraform stopped cleanly'), 20_000).catch(() => undefined);
    expect(calls(w.log)).toContain('terraform received SIGINT');
    expect(calls(w.log)).toContain('terraform stopped cleanly');
  }, 30_000);

  it('the step log holds the tool output while the tool runs, not only when it ends', async ({ expect }) => {
    const w = workspace(cluster);
    const run = start(w, { FAKE_SLOW: 'infra apply', FAKE_SLOW_MS: '20000' });
    await handlesSigint(w.log);
    // The fake prints "terraform: working" and then runs for 20 s (or until the SIGINT below): the line reaches the
    // step log in that time.
    const logs = (text: string) => spawnSync('grep', ['-rl', text, join(w.dir, '.platformc/logs')], { encoding: 'utf8' }).stdout;
    await until('output in the step log', () => /infra_apply\.log/.test(logs('terraform: working')), 10_000).catch(() => undefined);
    expect(logs('terraform: working')).toMatch(/infra_apply\.log/);
    expect(logs('terraform: ok')).not.toMatch(/infra_apply\.log/); // still running
    run.child.kill('SIGINT');
    await run.done;
  }, 30_000);

  it('a second apply of the same environment is refused while one holds its lock', async ({ expect }) => {
    const w = workspace(cluster);
    mkdirSync(join(w.dir, '.platformc'), { recursive: true });
    writeFileSync(join(w.dir, '.platformc/prod.lock'), `${process.pid}\n`);
    const r = await cliAsync(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`prod is being planned, applied or destroyed by another platformc (pid ${process.pid})`);
    expect(calls(w.log)).toEqual([]);
  }, 60_000);
});

describe.concurrent('the watchdog script (D23)', () => {
  /** A tool in a process group of its own, as runSteps starts them; it prints "ready" once its SIGINT handler is set. */
  const tool = (onSigint: 'exit' | 'ignore') => {
    const child = spawn(process.execPath, ['-e', `process.on('SIGINT', () => { ${onSigint === 'exit' ? 'process.exit(130)' : ''} }); setInterval(() => {}, 1000); console.log('ready');`], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const ready = new Promise((r) => child.stdout.once('data', r));
    const ended = new Promise<[number | null, string | null]>((r) => child.on('exit', (code, signal) => r([code, signal])));
    return { child, ready, ended };
  };
  /** The watchdog with a grace time in seconds, told `lines`; its pipe then closes, as when platformc dies. */
  const watch = (grace: number, lines: string) => {
    const dog = spawn('/bin/sh', ['-c', WATCHDOG, 'platformc-watchdog', String(grace)], { stdio: ['pipe', 'ignore', 'ignore'] });
    dog.stdin.end(lines);
    return new Promise((r) => dog.on('exit', r));
  };

  /** Runs `check` on a tool, which is killed whatever happens (it outlives a failed check otherwise). */
  const withTool = async (onSigint: 'exit' | 'ignore', check: (t: ReturnType<typeof tool>) => Promise<void>) => {
    const t = tool(onSigint);
    try {
      await t.ready;
      await check(t);
    } finally {
      try {
        process.kill(-t.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  it('sends the running tool\'s group a SIGINT when its pipe closes', ({ expect }) =>
    withTool('exit', async (t) => {
      await watch(300, `0\n${t.child.pid}\n`);
      expect(await t.ended).toEqual([130, null]);
    }));

  it('kills the group after the grace time when SIGINT does not stop the tool', ({ expect }) =>
    withTool('ignore', async (t) => {
      const t0 = Date.now();
      await watch(1, `${t.child.pid}\n`);
      expect(await t.ended).toEqual([null, 'SIGKILL']);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    }));

  it('signals nothing when no tool runs at the end', ({ expect }) =>
    withTool('exit', async (t) => {
      await watch(300, `${t.child.pid}\n0\n`);
      // A SIGINT would end it (exit 130): it must still run 2 s later (the suite waits on the SIGTERM test's 6 s
      // anyway, and a short wait could pass on a loaded machine before a wrong SIGINT took effect).
      expect(await Promise.race([t.ended, new Promise((r) => setTimeout(() => r('still running'), 2000))])).toBe('still running');
    }));
});

describe('an apply in this process: what it leaves behind (D23)', () => {
  it('a run that ends leaves no process behind: its watchdog ends with it, also when platformc keeps running (D23)', async () => {
    const w = workspace(cluster);
    // In this process (`run` works in the workspace), so platformc outlives the run as a test worker or a library user does.
    const r = await run(['apply', '--env', 'prod', '--skip-loadtests'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222' } });
    expect(r.code, r.stderr).toBe(0);
    // What the run started works in the workspace: the tools and the watchdog.
    const dir = realpathSync(w.dir);
    const inWorkspace = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/cwd`) === dir;
      } catch {
        return false;
      }
    });
    await until('the run\'s processes to end', () => inWorkspace().length === 0, 10_000).catch(() => undefined);
    expect(inWorkspace()).toEqual([]);
  });

  it('a truncated state file (a kill during its write) does not block the next apply', async () => {
    const w = workspace(cluster);
    mkdirSync(join(w.dir, '.platformc/state'), { recursive: true });
    writeFileSync(join(w.dir, '.platformc/state/prod-apply.json'), '{"fingerprint": "ab');
    const r = await run(['apply', '--env', 'prod'], { cwd: w.dir, env: { ...w.env, FAKE_ACCOUNT: '222222222222' } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(w.dir, '.platformc/state/prod-apply.json'), 'utf8'))).toMatchObject({ completed: [] });
  }, 60_000);
});

describe('runSteps with fake tools', () => {
  const env = (extra: Record<string, string>) => Object.assign(process.env, { PATH: `${fakebin}:${process.env.PATH}`, ...extra });
  /** Puts process.env back in place: the worker runs other test files after this one (isolate: false), which must find the real tools on PATH. */
  const restore = (saved: NodeJS.ProcessEnv) => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  };
  const quiet = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
  const run = (argv: string[], o: Partial<Parameters<typeof runSteps>[1]> = {}) =>
    runSteps([{ kind: 'exec', id: 'tool', title: 'tool', argv }], { stateDir: mkdtempSync(join(tmpdir(), 'platformc-run-')), runKey: 'k', fingerprint: 'f', tasks: async () => undefined, out: quiet, ...o });

  it('a hung tool is stopped at the step timeout (SIGINT, then SIGKILL after the grace time)', async () => {
    const saved = { ...process.env };
    try {
      env({ FAKE_SLOW: 'terraform apply', FAKE_SLOW_MS: '20000', FAKE_GRACE_MS: '20000' });
      const t0 = Date.now();
      const r = await run(['terraform', 'apply'], { stepTimeoutMs: 500, graceMs: 500 });
      expect(r.ok).toBe(false);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      restore(saved);
    }
  }, 30_000);

  it('a task that throws fails its step with the message, the log and the hint, and no step after it starts', async () => {
    const said: string[] = [];
    const out = { write: (s: string) => (said.push(s), true), isTTY: false } as unknown as NodeJS.WriteStream;
    const r = await runSteps(
      [
        { kind: 'task', id: 'wait', title: 'wait for the pods', describe: '', task: { type: 'check-generated' }, hint: 'check the cluster' },
        { kind: 'exec', id: 'after', title: 'after', argv: ['false'] },
      ],
      { stateDir: mkdtempSync(join(tmpdir(), 'platformc-run-')), runKey: 'k', fingerprint: 'f', out, tasks: async () => { throw new Error('connect ECONNREFUSED 10.0.0.1:443'); } },
    );
    expect(r).toMatchObject({ ok: false, failed: 'wait' });
    const text = said.join('');
    expect(text).toContain('wait for the pods: FAILED after');
    expect(text).toContain('connect ECONNREFUSED 10.0.0.1:443');
    expect(text).toContain('what to do: check the cluster');
    expect(text).not.toMatch(/\n\s+at /);
    expect(text).not.toContain('after: started');
  });

  it("a signal during the models' checks starts no further model, and no step after them", async () => {
    // SIGTERM as a CI cancel sends it, to platformc alone: the handler runSteps installs is what runs.
    const ir = irOf('platform.yaml');
    const base = revisionObjects(ir.models[0]!, ir.environments[0]!.regions[0]!, 'generated');
    const objects = Array.from({ length: 40 }, (_, i): ModelRevisionObjects => ({ ...base, model: `m${i}`, config: { ...base.config, key: `m${i}/r/config.pbtxt` }, weights: { ...base.weights, key: `m${i}/r/1/model.onnx` } }));
    const started: string[] = [];
    const exec: Exec = async (argv) => {
      started.push(argv[argv.indexOf('--key') + 1]!);
      if (started.length === 10) process.emit('SIGTERM', 'SIGTERM');
      await new Promise((r) => setTimeout(r, 20));
      // Every object there with its checksum: nothing but the signal stops the step.
      const key = argv[argv.indexOf('--key') + 1]!;
      return { failed: false, exitCode: 0, stdout: `${Buffer.from(key.endsWith('config.pbtxt') ? base.config.sha256 : base.weights.sha256, 'hex').toString('base64')}\n`, stderr: '' };
    };
    const said: string[] = [];
    const out = { write: (s: string) => (said.push(s), true), isTTY: false } as unknown as NodeJS.WriteStream;
    const r = await runSteps(
      [
        { kind: 'task', id: 'verify', title: 'verify', describe: '', task: { type: 'verify-models', objects } },
        { kind: 'exec', id: 'after', title: 'after', argv: ['false'] },
      ],
      { stateDir: mkdtempSync(join(tmpdir(), 'platformc-run-')), runKey: 'k', fingerprint: 'f', out, tasks: (_task, log, opts) => forEachRevision(objects, verifyRevision, exec, log, new Set(), opts.interrupted) },
    );
    expect(r).toMatchObject({ ok: false, failed: 'verify' });
    expect(said.join('')).toContain('verify: FAILED after');
    expect(said.join('')).toContain('interrupted');
    // The models under way when it came (8 at a time, two objects each) finish; no other starts.
    expect(new Set(started.map((k) => k.split('/')[0])).size).toBeLessThanOrEqual(2 * MODEL_CHECKS_AT_ONCE);
    expect(said.join('')).not.toContain('after: started');
  });

  it('20 MiB of tool output streams to the log; the tail is kept (no buffer limit, D12)', async () => {
    const saved = { ...process.env };
    try {
      env({ FAKE_OUTPUT_MB: '20' });
      const stateDir = mkdtempSync(join(tmpdir(), 'platformc-run-'));
      const r = await run(['terraform', 'plan'], { stateDir });
      expect(r.ok).toBe(true);
      const log = execFileSync('sh', ['-c', `cat ${stateDir}/logs/*/*.log | wc -c; tail -n 2 ${stateDir}/logs/*/*.log`], { encoding: 'utf8' });
      expect(Number(log.split('\n')[0])).toBeGreaterThan(20 * 1024 * 1024);
      expect(log).toContain('last line of a verbose run');
    } finally {
      restore(saved);
    }
  }, 60_000);
});
