/**
 * The swap's failure path (#19, D22): when generated/ cannot be renamed (EBUSY: it is a mount point, such as a
 * Docker bind mount; EXDEV: the staging folder is on another file system), the old tree stays as it was, no
 * staging or backup folder is left, and the error is one clear sentence. The errors are injected into
 * renameSync: mounting needs privileges a test does not have.
 */
import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

/** Which rename fails: the nth call (1-based) of renameSync throws this code. */
const fault: { call?: number; code?: string; calls: number } = { calls: 0 };

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  const renameSync: typeof real.renameSync = (from, to) => {
    fault.calls++;
    if (fault.call === fault.calls && fault.code) throw Object.assign(new Error(`${fault.code}: injected, rename '${String(from)}' -> '${String(to)}'`), { code: fault.code, syscall: 'rename', path: String(from) });
    real.renameSync(from, to);
  };
  return { ...real, renameSync, default: { ...real, renameSync } };
});

// A fresh copy of the writer that sees the mock, also when an earlier test file in this worker (isolate: false
// in vitest.config.ts) already loaded it with the real node:fs.
vi.resetModules();
const { listFiles, writeTree, OutputError } = await import('../../compiler/output/write.js');
// ...and the next file in the worker gets the real node:fs again.
afterAll(() => {
  vi.doUnmock('node:fs');
  vi.resetModules();
});

const file = (path: string, content: string) => ({ path, content });
const manifest = (paths: string[]) => file('manifest.json', JSON.stringify({ generator: 'platformc', files: paths.map((path) => ({ path })) }));
const snapshot = (dir: string) => Object.fromEntries(listFiles(dir).map((p) => [p, readFileSync(join(dir, p), 'utf8')]));

/** A project folder with a generated/ that platformc wrote, holding a.txt and b.txt, and a user's file. */
function previous(): { root: string; out: string; before: Record<string, string> } {
  const root = mkdtempSync(join(tmpdir(), 'platformc-rename-'));
  const out = join(root, 'generated');
  writeTree(out, [file('a.txt', 'old a\n'), file('b.txt', 'old b\n'), manifest(['a.txt', 'b.txt'])]);
  fs.writeFileSync(join(out, 'notes.txt'), 'mine\n');
  return { root, out, before: snapshot(out) };
}
const next = [file('a.txt', 'new a\n'), file('c.txt', 'new c\n'), manifest(['a.txt', 'c.txt'])];

afterEach(() => {
  fault.call = undefined;
  fault.code = undefined;
});

describe('when generated/ cannot be swapped', () => {
  it.each([
    ['EBUSY', 1, ': is it a mount point? mount its parent folder instead'],
    ['EXDEV', 1, ''],
    ['EXDEV', 2, ''],
    ['EBUSY', 2, ': is it a mount point? mount its parent folder instead'],
  ])('%s on rename %i of the swap: the old tree stays, nothing is left behind, one clear message', (code, call, extra) => {
    const { root, out, before } = previous();
    fault.calls = 0;
    fault.call = call;
    fault.code = code;
    let error: unknown;
    try {
      writeTree(out, next);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OutputError);
    expect((error as Error).message).toBe(`cannot replace ${out} (${code}${extra}); nothing was changed`);
    // Rename 2 failed after rename 1 had moved the old tree aside: it was put back.
    expect(fault.calls).toBe(call + (call === 2 ? 1 : 0));
    expect(snapshot(out)).toEqual(before);
    expect(readdirSync(root).sort()).toEqual(['generated']);
  });

  it('and once the fault is gone, the next write swaps normally', () => {
    const { root, out } = previous();
    fault.calls = 0;
    fault.call = 1;
    fault.code = 'EBUSY';
    expect(() => writeTree(out, next)).toThrow(OutputError);
    fault.code = undefined;
    const summary = writeTree(out, next);
    expect(summary.removed).toEqual(['b.txt']);
    expect(snapshot(out)).toEqual({ 'a.txt': 'new a\n', 'c.txt': 'new c\n', 'manifest.json': next[2]!.content, 'notes.txt': 'mine\n' });
    expect(readdirSync(root).sort()).toEqual(['generated']);
  });

  it('another error is not disguised as a mount problem', () => {
    const { out, before } = previous();
    fault.calls = 0;
    fault.call = 2;
    fault.code = 'ENOSPC';
    expect(() => writeTree(out, next)).toThrow(/ENOSPC: injected/);
    expect(snapshot(out)).toEqual(before);
  });
});
