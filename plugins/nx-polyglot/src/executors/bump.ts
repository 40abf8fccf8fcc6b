import type { ExecutorContext } from '@nx/devkit';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import semver from 'semver';
import { howItEnded } from '../run-process';
import { FileChange, planFileContents } from '../release/apply-edits';
import { BumpJournal } from '../release/bump-journal';
import {
  JOURNAL_DIR,
  JournalBusyError,
  RollbackResult,
  leftAloneText,
  rollbackFailureText,
} from '../release/journal-format';
import { recoverBeforeStarting } from '../release/journal-recovery';
import { bumpPlan } from '../release/bump-plan';
import { writeFileDurably } from '../release/durable-write';
import { lockMismatches } from '../release/lock-consistency';
import {
  LockFile,
  expectedLockText,
  howRegenerated,
  regenerateLockFiles,
  releaseLockFiles,
} from '../release/lock-files';
import { currentReleaseVersion, readReleaseManifests, releaseGroups } from '../release/release-manifests';
import { versionMismatches } from '../release/version-consistency';
import { redact } from '../known-secrets';

export interface BumpOptions {
  /** The new version (`--to=0.13.0`); default: the next `bump` of the current one. */
  to?: string;
  bump?: 'major' | 'minor' | 'patch';
  dryRun?: boolean;
}

function errorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message.replace(/^[A-Z]+: /, '')}` : String(err.message ?? e);
}

/**
 * Lockstep bump of the release group: every version string the model knows
 * (see bumpPlan), then the lock files that record the workspace's own
 * versions (lock-files.ts: Cargo.lock, offline first; package-lock.json). All or nothing, even
 * when killed: the original bytes of every file are journalled and fsynced
 * first, each manifest is replaced atomically (temporary file, fsync,
 * rename), a failure rolls every file back at once and names the failing
 * step and any file that could not be put back, and a kill is rolled back by
 * the next bump or version-check. (poetry.lock does not record the package's
 * own version, so it needs nothing.)
 */
export default async function bump(options: BumpOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const out = (s: string) => process.stdout.write(redact(`${s}\n`));
  const fail = (s: string) => (process.stderr.write(redact(`${s}\n`)), { success: false });
  const rel = (file: string) => relative(context.root, file);
  const blocked = recoverBeforeStarting(context.root, out, 'bump');
  if (blocked) return fail(blocked);

  const groups = releaseGroups(context);
  if (groups.length > 1 || groups[0]?.relationship === 'independent')
    return fail(
      `bump: moves one release group in lockstep, and nx.json has ${groups.length > 1 ? `${groups.length} release groups` : 'an independent release group'}: run \`nx release version\` (with --groups or --projects) instead; nothing was changed.`,
    );
  const manifests = readReleaseManifests(context);
  const current = currentReleaseVersion(manifests);
  if (!current) return fail('bump: the release group has no version to start from.');
  const mismatches = [...versionMismatches(manifests, current), ...lockMismatches(manifests, context.root)];
  if (mismatches.length > 0) {
    return fail(
      `bump: the manifests and lock files do not agree on ${current} yet (run the version-check target to list them); nothing was changed.`,
    );
  }
  const next = options.to ?? semver.inc(current, options.bump ?? 'minor');
  if (!next || !semver.valid(next)) return fail(`bump: ${options.to} is not a version (x.y.z); nothing was changed.`);

  const edits = bumpPlan(manifests, next);
  const locks = releaseLockFiles(manifests, context.root);

  out(`Bump ${current} -> ${next}${options.dryRun ? ' (dry run: nothing is written)' : ''}:`);
  for (const e of edits) out(`  ${rel(e.file)}  ${e.path.join('.')}  ${e.from} -> ${e.to}`);
  for (const l of locks) out(`  ${rel(l.file)}  regenerated ${howRegenerated(l).replace(/^with /, 'by ')}`);
  if (options.dryRun) return { success: true };

  let changes: FileChange[];
  try {
    changes = planFileContents(edits);
  } catch (e) {
    return fail(`bump: ${(e as Error).message}`);
  }

  // the journal: every file's original bytes, durable before the first change
  let journal: BumpJournal;
  try {
    journal = BumpJournal.open(context.root, 'bump', current, next);
  } catch (e) {
    return fail(
      `bump: ${e instanceof JournalBusyError ? e.message : `could not create the bump journal ${JOURNAL_DIR} (${errorText(e)}); nothing was changed.`}`,
    );
  }
  try {
    journal.record([
      ...changes.map((c) => ({ file: c.file, original: c.original, updated: c.updated })),
      ...locks.map((l) => ({ file: l.file, original: readFileSync(l.file) })),
    ]);
  } catch (e) {
    journal.abandon();
    return fail(`bump: could not write the bump journal ${JOURNAL_DIR} (${errorText(e)}); nothing was changed.`);
  }

  // the failure first, then what the rollback did: every file as it was, or the files that are not
  const rollBack = (failure: string) => {
    let result: RollbackResult;
    try {
      result = journal.rollback();
    } catch (e) {
      return fail(
        `${failure}\nbump: the rollback itself failed (${errorText(e)}); the original bytes are kept in ${JOURNAL_DIR}: run the bump or version-check again to put them back.`,
      );
    }
    const leftAlone = leftAloneText(result, context.root);
    if (result.failed.length === 0)
      return fail(
        leftAlone
          ? `${failure}; the bump's changes were put back.\n${leftAlone}`
          : `${failure}; every file is as it was.`,
      );
    const others = result.restored.length
      ? ` (${result.restored.join(', ')} ${result.restored.length === 1 ? 'was' : 'were'} put back)`
      : '';
    return fail(
      `${failure}; the rollback could not restore every file${others}.\n${rollbackFailureText(result.failed, context.root)}`,
    );
  };

  for (const change of changes) {
    try {
      writeFileDurably(change.file, change.updated);
    } catch (e) {
      return rollBack(`bump: could not write ${rel(change.file)} (${errorText(e)})`);
    }
  }
  const failure = await regenerateLockFiles(locks, {
    before: (lock) => journal.record([{ file: lock.file, updated: expectedAfterBump(lock, context) }]),
    writing: (file, bytes) => journal.record([{ file, updated: bytes }]),
    after: (lock) => journal.noteWritten(lock.file),
    onSpawn: (pid, command) => journal.noteHelper(pid, command),
    say: out,
  });
  if (failure) {
    const { result: r, command, lock } = failure;
    const said = r.output && !r.output.endsWith('\n') ? `${r.output}\n` : r.output;
    return rollBack(
      `${said}bump: regenerating ${rel(lock.file)} failed (\`${command.join(' ')}\`${r.signal ? `, ${howItEnded(r)}` : ''})`,
    );
  }
  journal.commit();
  out(`Bumped ${edits.length} version strings and ${locks.length} lock files to ${next}.`);
  return { success: true };
}

/** What the lock file's tool should write, from the manifests as the bump left them; undefined when they cannot be read. */
function expectedAfterBump(lock: LockFile, context: ExecutorContext): Buffer | undefined {
  try {
    return expectedLockText(lock, readReleaseManifests(context));
  } catch {
    return undefined; // only a proof of ownership is lost: the rollback then leaves a changed lock file alone
  }
}
