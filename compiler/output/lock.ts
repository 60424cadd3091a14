/**
 * A local lock file: one platformc at a time writes an output folder, or applies or destroys an environment.
 * Taken with O_EXCL (create only if absent), it holds the holder's pid. A lock whose pid is no longer running
 * is stale (its holder was killed) and is taken over. Terraform's state lock still guards the remote side;
 * this one guards local files (generated/, .platformc/state).
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';

/** A failure the user can act on: printed in one line, exit 1, never as an internal error. */
export class OutputError extends Error {}

/** Whether a process with this pid exists (EPERM: it exists but belongs to another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const holderOf = (path: string): number | undefined => {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * One attempt: the lock is ours (true), or the pid of a live holder. A stale lock is moved aside under a
 * unique name first, so two processes that both found it stale cannot both take it: only one rename wins,
 * and a lock that turns out to be fresh after all is put back.
 */
function tryLock(path: string): true | number {
  try {
    const fd = openSync(path, 'wx');
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = holderOf(path);
  // An empty lock file is one being written right now (open and write are two calls): treat it as held.
  if (holder === undefined) return 0;
  if (processAlive(holder)) return holder;
  const aside = `${path}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(path, aside);
  } catch {
    return 0; // someone else moved it first: try again
  }
  const moved = holderOf(aside);
  if (moved !== undefined && moved !== holder && processAlive(moved)) {
    try {
      linkSync(aside, path); // a live lock was taken between our read and our rename: give it back
    } catch {
      /* a third process has the lock now; the next attempt sees it */
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    /* already gone */
  }
  return 0;
}

export interface Lock { release(): void }

/**
 * Takes the lock at path, waiting up to waitMs for a live holder; otherwise throws OutputError with `busy(pid)`.
 * Release it in a finally block; a killed holder leaves a stale lock that the next run takes over.
 */
export function acquireLock(path: string, busy: (pid: number) => string, waitMs = 5000): Lock {
  const deadline = Date.now() + waitMs;
  let holder = 0;
  for (;;) {
    let got: true | number;
    try {
      got = tryLock(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new OutputError(`cannot create the lock file ${path} (${code ?? (error as Error).message})`);
    }
    if (got === true) break;
    holder = got || holder;
    if (Date.now() >= deadline) throw new OutputError(busy(holder));
    sleep(50);
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      if (holderOf(path) === process.pid) {
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      }
    },
  };
}
