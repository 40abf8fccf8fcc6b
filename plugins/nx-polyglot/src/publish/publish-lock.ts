import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isAlive, processStart } from '../process-liveness';
import { sleep } from './poll';

/**
 * One package version is uploaded by one publish run at a time. Two runs at
 * once (two terminals, a retried CI job) would otherwise both find the version
 * missing, both package and upload it, and the second would fail at the
 * registry ("already exists") after doing all the work. With the lock, the
 * second run waits while the first uploads that package, then asks the
 * registry again and skips it quietly.
 *
 * A lock is a file in `.nx/polyglot-publish-locks/` of the workspace, created
 * atomically with its owner inside (hard link of a fully written temporary
 * file, which fails if the lock exists). It is stale-safe: a lock whose owner
 * is gone (killed, crashed, nx killed) is broken by the next run that needs
 * it; a process is recognised by its pid and its start time, so a reused pid
 * does not keep a lock alive. A lock written on another host (shared
 * filesystem) is taken as alive.
 */
export const PUBLISH_LOCK_DIR = join('.nx', 'polyglot-publish-locks');

interface LockOwner {
  pid: number;
  start: string | null;
  host: string;
  since: string;
}

function readOwner(file: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/** The lock file of one package version in one registry. */
export function publishLockFile(
  root: string,
  ecosystem: string,
  registryUrl: string,
  name: string,
  version: string,
): string {
  const registry = createHash('sha256').update(registryUrl).digest('hex').slice(0, 12);
  const safe = `${name}@${version}`.replace(/[^A-Za-z0-9@._-]/g, '_');
  return join(root, PUBLISH_LOCK_DIR, `${ecosystem}-${registry}-${safe}.lock`);
}

/** Takes the lock (waiting while a live owner holds it, breaking a dead owner's), returns its release. */
export async function acquirePublishLock(file: string, onWait: (holder: string) => void): Promise<() => void> {
  mkdirSync(join(file, '..'), { recursive: true });
  const me: LockOwner = {
    pid: process.pid,
    start: processStart(process.pid),
    host: hostname(),
    since: new Date().toISOString(),
  };
  const staged = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(staged, JSON.stringify(me));
  let announced = false;
  try {
    for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
      try {
        linkSync(staged, file);
        return () => {
          // only our own lock is removed
          const owner = readOwner(file);
          if (owner?.pid === me.pid && owner.since === me.since) unlinkSync(file);
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const owner = readOwner(file);
      if (!owner || !isAlive(owner)) {
        // move it aside first, and remove it only if it still is the dead owner's (another waiter may have been faster)
        const aside = `${file}.${process.pid}.stale`;
        try {
          renameSync(file, aside);
          const moved = readOwner(aside);
          if (moved && isAlive(moved) && (moved.pid !== owner?.pid || moved.since !== owner?.since)) {
            // a live lock taken meanwhile: put it back
            try {
              linkSync(aside, file);
            } catch {
              // a third process took it in between: it holds the lock now
            }
          }
          unlinkSync(aside);
        } catch {
          // gone already: try again
        }
        continue;
      }
      if (!announced) {
        announced = true;
        onWait(`pid ${owner.pid}${owner.host !== hostname() ? ` on ${owner.host}` : ''}, since ${owner.since}`);
      }
      await sleep(delay);
    }
  } finally {
    try {
      unlinkSync(staged);
    } catch {
      // already gone
    }
  }
}

/** Runs `work` holding the lock of one package version. */
export async function withPublishLock<T>(
  file: string,
  onWait: (holder: string) => void,
  work: () => Promise<T>,
): Promise<T> {
  const release = await acquirePublishLock(file, onWait);
  try {
    return await work();
  } finally {
    release();
  }
}
