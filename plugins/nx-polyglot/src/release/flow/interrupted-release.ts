import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { removeQuietly, temporaryFor, writeFileDurably } from '../durable-write';
import { changelogFile, FlowContext } from './context';

/**
 * The record of a release that has begun to change things and not yet
 * finished: written (atomically) once the CI checks passed, just before the
 * changelog is written, and removed when the release finished. A kill cannot
 * be caught, so the record is what tells the next run that the tag or the
 * commit it finds belong to an unfinished release it should finish, and not
 * to a finished one it must refuse ("already released"). What was done is
 * read from git itself (the commit at HEAD, the tag), never from the record:
 * the record cannot know whether a step it was about to take completed.
 */
export interface ReleaseInProgress {
  version: string;
  tag: string;
  /** HEAD before the release commit: the release commit's parent */
  base: string;
  /** the date of the changelog section, so a resumed release writes the same one */
  date: string;
  since: string;
  pid: number;
}

export function releaseRecordFile(root: string): string {
  return join(root, '.nx', 'polyglot-release-in-progress.json');
}

export function readReleaseRecord(root: string): ReleaseInProgress | undefined {
  try {
    return JSON.parse(readFileSync(releaseRecordFile(root), 'utf8')) as ReleaseInProgress;
  } catch {
    return undefined;
  }
}

export function writeReleaseRecord(root: string, record: ReleaseInProgress): void {
  const file = releaseRecordFile(root);
  mkdirSync(dirname(file), { recursive: true });
  writeFileDurably(file, `${JSON.stringify(record, null, 2)}\n`);
}

export function clearReleaseRecord(root: string): void {
  removeQuietly(releaseRecordFile(root));
}

/** Where an interrupted release resumes: what git shows was done. */
export interface Resume {
  record: ReleaseInProgress;
  committed: boolean;
  tagged: boolean;
  /** what was found and cleaned up, for the message */
  found: string[];
}

/**
 * Where the interrupted release `record` resumes, or why it cannot (HEAD
 * moved on, the tag is elsewhere, the tree has other changes): the refusal
 * then says what to run. Cleans what a kill leaves behind in git and the
 * changelog before the release commit: git's own lock files, written since
 * the record (the release lock is held, so the git process that left them
 * was the killed release's), and the changelog, put back as HEAD has it
 * (the resumed release writes the same section again).
 */
export async function resumeOf(
  flow: FlowContext,
  record: ReleaseInProgress,
): Promise<{ resume: Resume } | { refusal: string }> {
  const { git, root } = flow;
  const { tag } = record;
  const giveUp = `remove ${relative(root, releaseRecordFile(root))} to give that release up`;
  const head = (await git('rev-parse', 'HEAD')).output.trim();
  const subject = (await git('log', '-1', '--format=%s', 'HEAD')).output.trim();
  const parent = await git('rev-parse', 'HEAD^');
  const committed = subject === `Release ${tag}` && parent.exitCode === 0 && parent.output.trim() === record.base;
  if (!committed && head !== record.base)
    return {
      refusal: `the release of ${tag} (begun ${record.since}) did not finish, and HEAD has moved since (from ${record.base.slice(0, 12)} to ${head.slice(0, 12)}). Check out ${record.base.slice(0, 12)} (or its release commit) and run this again to finish it, or ${giveUp}.`,
    };
  const tagAt = await git('rev-parse', '-q', '--verify', `refs/tags/${tag}^{commit}`);
  const tagged = tagAt.exitCode === 0;
  if (tagged && (!committed || tagAt.output.trim() !== head))
    return {
      refusal: `the release of ${tag} did not finish, and the tag ${tag} points at ${tagAt.output.trim().slice(0, 12)}, not at its release commit. Delete or move the tag (\`git tag -d ${tag}\`) and run this again, or ${giveUp}.`,
    };
  // reading refs works beside git's lock files; what needs them gone comes after the refusals
  const found = removeStaleGitLocks(root, await gitDir(flow), record, await branchRef(flow), tag);
  if (!committed) {
    // the section written (or half-staged) by the killed run: back to HEAD's, written again below
    removeQuietly(temporaryFor(changelogFile(root)));
    if (existsSync(changelogFile(root))) {
      await git('reset', '-q', '--', 'CHANGELOG.md');
      await git('checkout', '--', 'CHANGELOG.md');
    }
  }
  const dirty = (await git('status', '--porcelain')).output.trim();
  if (dirty !== '')
    return {
      refusal: `the release of ${tag} did not finish, and the work tree has changes besides the release's:\n${dirty}\nCommit or stash them, then run this again to finish it.`,
    };
  found.push(
    committed
      ? `the release commit${tagged ? ` and the tag ${tag}` : ` (no tag yet)`} at ${head.slice(0, 12)}`
      : 'no release commit yet',
  );
  return { resume: { record, committed, tagged, found } };
}

async function gitDir(flow: FlowContext): Promise<string> {
  const dir = (await flow.git('rev-parse', '--git-dir')).output.trim();
  return isAbsolute(dir) ? dir : join(flow.root, dir);
}

async function branchRef(flow: FlowContext): Promise<string | undefined> {
  const ref = await flow.git('symbolic-ref', '-q', 'HEAD');
  return ref.exitCode === 0 ? ref.output.trim() : undefined;
}

/**
 * git's lock files that a killed `git add`, `git commit` or `git tag` leaves
 * (git refuses to run while they exist): removed when written since the
 * release began, which under the release lock means by the killed release.
 */
function removeStaleGitLocks(
  root: string,
  dir: string,
  record: ReleaseInProgress,
  branch: string | undefined,
  tag: string,
): string[] {
  const since = Date.parse(record.since);
  const candidates = ['index.lock', 'HEAD.lock', 'packed-refs.lock', `refs/tags/${tag}.lock`];
  if (branch) candidates.push(`${branch}.lock`);
  const removed: string[] = [];
  for (const name of candidates) {
    const file = join(dir, name);
    let mtime: number;
    try {
      mtime = statSync(file).mtimeMs;
    } catch {
      continue;
    }
    // a second of slack: filesystems with coarse timestamps
    if (mtime + 1_000 < since) continue;
    rmSync(file, { force: true });
    removed.push(`git's ${relative(root, file)} (left by the killed run; removed)`);
  }
  return removed;
}
