import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { describeHolder, tryLock } from '../../owner-lock';

/** The release lock of a workspace: one release-flow step that changes something at a time. */
export function releaseLockFile(root: string): string {
  return join(root, '.nx', 'polyglot-release.lock');
}

/**
 * Takes the workspace's release lock for `what` (e.g. `release of v0.12.0`),
 * or says who holds it and what to do.
 *
 * A second step refuses at once rather than waiting (two terminals, two CI
 * jobs on one checkout): waiting would only end in "already released" once
 * the first succeeded, or in a resume of a release that the user should see
 * fail first. Its message names the holder (pid, host, since) and what to do;
 * the holder's own output says how its release ended. A lock left by a
 * killed step is broken here (its pid and start time no longer run), so a
 * kill never leaves the workspace stuck; only a holder on another machine
 * sharing the checkout cannot be checked, and the message says how to clear it.
 */
export function takeReleaseLock(
  root: string,
  what: string,
  say: (line: string) => void,
): { release: () => void } | { refusal: string } {
  const file = releaseLockFile(root);
  const attempt = tryLock(file, what);
  if ('release' in attempt) {
    if (attempt.broken)
      say(
        `${what}: the release lock of ${describeHolder(attempt.broken)} was left by a step that no longer runs; taken over.`,
      );
    return attempt;
  }
  const holder = attempt.holder;
  const elsewhere =
    holder.host !== hostname()
      ? ` That host shares this checkout; if the step there no longer runs, remove ${relative(root, file)} and run this again.`
      : '';
  return {
    refusal:
      `another release step is running in this workspace: ${holder.what ?? 'a release step'}, ${describeHolder(holder)}. ` +
      `Nothing was done. Wait for it to end and read its outcome there; if it is killed before it finishes, run this again and it resumes.${elsewhere}`,
  };
}
