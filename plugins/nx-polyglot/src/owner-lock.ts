import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { isAlive, ProcessOwner, processStart } from './process-liveness';

/**
 * A lock file that names its owner and that a killed owner does not leave
 * stuck: the one place for that concept (the publish lock of a package
 * version, the release lock of a workspace).
 *
 * The file is created atomically with its owner inside (a hard link of a
 * fully written temporary file, which fails if the lock exists), so a reader
 * never sees a half-written owner. A lock whose owner is gone (killed,
 * crashed) is broken by the next process that needs it; a process is known
 * by its pid and start time, so a reused pid does not keep a lock alive. A
 * lock written on another host (shared filesystem) is taken as alive.
 */
export interface LockOwner extends ProcessOwner {
  since: string;
  /** what the owner does, for the message of whoever finds it (e.g. `release of v0.12.0`) */
  what?: string;
}

export function readLockOwner(file: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/** `pid 123 on host, since 2026-12-02T14:00:00.000Z`: who holds a lock, for messages. */
export function describeHolder(owner: LockOwner): string {
  return `pid ${owner.pid} on ${owner.host}, since ${owner.since}`;
}

/** Either the lock (its release removes it) or the live owner that holds it; `broken` names a dead owner's lock this call broke. */
export type LockAttempt = { release: () => void; broken?: LockOwner } | { holder: LockOwner };

/** One attempt without waiting: takes a free lock, breaks a dead owner's, or names the live one. */
export function tryLock(file: string, what?: string): LockAttempt {
  mkdirSync(dirname(file), { recursive: true });
  const me: LockOwner = {
    pid: process.pid,
    start: processStart(process.pid),
    host: hostname(),
    since: new Date().toISOString(),
    ...(what ? { what } : {}),
  };
  const staged = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(staged, JSON.stringify(me));
  let broken: LockOwner | undefined;
  try {
    // a few rounds: each broken lock may be retaken by a third process before us
    for (let round = 0; round < 5; round++) {
      try {
        linkSync(staged, file);
        return {
          release: () => {
            // only our own lock is removed
            const owner = readLockOwner(file);
            if (owner?.pid === me.pid && owner.since === me.since) unlinkSync(file);
          },
          ...(broken ? { broken } : {}),
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const owner = readLockOwner(file);
      if (owner && isAlive(owner)) return { holder: owner };
      if (breakDeadLock(file, owner)) broken = owner ?? broken;
    }
    const owner = readLockOwner(file);
    if (owner) return { holder: owner };
    throw new Error(`${file}: could not take the lock (it was taken and broken repeatedly by other processes)`);
  } finally {
    try {
      unlinkSync(staged);
    } catch {
      // already gone
    }
  }
}

/**
 * Removes the lock of a dead owner: moved aside first, and removed only if it
 * still is that owner's (another process may have broken it and taken it
 * meanwhile; then it is put back). Returns whether it removed it.
 */
function breakDeadLock(file: string, dead: LockOwner | undefined): boolean {
  const aside = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, aside);
  } catch {
    return false; // gone already
  }
  const moved = readLockOwner(aside);
  const same = moved?.pid === dead?.pid && moved?.since === dead?.since;
  if (moved && !same && isAlive(moved)) {
    // a live lock taken meanwhile: put it back
    try {
      linkSync(aside, file);
    } catch {
      // a third process took it in between: it holds the lock now
    }
  }
  unlinkSync(aside);
  return same;
}

/** Takes the lock, waiting while a live owner holds it (`onWait` once, with who), breaking a dead owner's; returns its release. */
export async function waitForLock(
  file: string,
  onWait: (holder: string) => void,
  sleep: (ms: number) => Promise<void>,
): Promise<() => void> {
  let announced = false;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    const attempt = tryLock(file);
    if ('release' in attempt) return attempt.release;
    if (!announced) {
      announced = true;
      const h = attempt.holder;
      onWait(`pid ${h.pid}${h.host !== hostname() ? ` on ${h.host}` : ''}, since ${h.since}`);
    }
    await sleep(delay);
  }
}
