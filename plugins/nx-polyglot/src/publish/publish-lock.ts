import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { waitForLock } from '../owner-lock';
import { sleep } from './poll';

/**
 * One package version is uploaded by one publish run at a time. Two runs at
 * once (two terminals, a retried CI job) would otherwise both find the version
 * missing, both package and upload it, and the second would fail at the
 * registry ("already exists") after doing all the work. With the lock, the
 * second run waits while the first uploads that package, then asks the
 * registry again and skips it quietly.
 *
 * A lock is a file in `.nx/polyglot-publish-locks/` of the workspace, an
 * owner lock (owner-lock.ts): created atomically with its owner inside, and
 * broken by the next run that needs it when its owner is gone (killed,
 * crashed, nx killed).
 */
export const PUBLISH_LOCK_DIR = join('.nx', 'polyglot-publish-locks');

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
export function acquirePublishLock(file: string, onWait: (holder: string) => void): Promise<() => void> {
  return waitForLock(file, onWait, sleep);
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
