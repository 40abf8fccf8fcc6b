import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { removeQuietly, syncDirectory, writeFileDurably } from './durable-write';
import { isAlive, processStart } from '../process-liveness';
import {
  JOURNAL_DIR,
  JournalBusyError,
  JournalData,
  JournalEntry,
  JournalOwner,
  RollbackResult,
  describeOwner,
  keptFolder,
  readJson,
  rollbackEntries,
} from './journal-format';

/**
 * The bump journal: what makes a lockstep bump all or nothing even when the
 * process is killed (SIGKILL, power loss), which no handler can catch.
 *
 * `.nx/polyglot-bump-journal/` in the workspace root holds
 * - `owner.json`: the process that holds it (pid, its start time, host, command);
 *   the directory appears at once with it (a renamed temporary directory), so
 *   it is also the lock that keeps two bumps from running at once;
 * - `journal.json`: for every file the bump may change (manifests and lock
 *   files), its original bytes and, for manifests, the new ones; written to
 *   `journal.json.tmp`, fsynced and renamed before the first file is touched.
 *
 * Protocol: lock, journal, then each manifest replaced atomically (temporary
 * file beside it, fsync, rename), then the lock files regenerated, then the
 * commit: `journal.json` unlinked (the commit point) and the directory
 * removed. A failure rolls back from the journal at once; a kill leaves the
 * journal, and the next `bump`, `version-check`, `nx release version` or
 * release step rolls back every file whose content is the bump's (what it
 * wrote, or what its tools were writing) and says what it did; a file changed
 * since by someone else is left alone, named, and its original bytes kept
 * (journal-format.ts). So after any kill the tree is, once recovered, either
 * untouched or completely bumped, save the files the user changed since. Without `journal.json` nothing was changed
 * yet (or the commit was reached): the directory is simply removed.
 *
 * This file is the journal of a running bump (the lock and the protocol);
 * journal-format.ts is what it writes, journal-recovery.ts the recovery.
 */
export { JOURNAL_DIR, JournalBusyError, rollbackFailureText } from './journal-format';
export type { JournalOwner, RollbackResult } from './journal-format';
// the recovery of a killed bump, where the graph plugin and the release flow have always found it
export { recoverBeforeStarting, recoverInterruptedBump, recoverWhileBuildingGraph } from './journal-recovery';

/** A file to journal: its path, the bytes it has before the bump (read now when not given), and `updated` for files the bump writes itself. */
export interface JournalFile {
  file: string;
  original?: Buffer;
  updated?: Buffer;
}

/**
 * A journal held by this process. Open with `BumpJournal.open` after
 * `recoverInterruptedBump`; `record` before touching any file; then
 * `rollback` on failure or `commit` on success.
 */
export class BumpJournal {
  private readonly dir: string;
  private entries: JournalEntry[] = [];
  private closed = false;

  private constructor(
    private readonly root: string,
    private readonly command: string,
    private readonly from: string,
    private readonly to: string,
  ) {
    this.dir = join(root, JOURNAL_DIR);
  }

  /**
   * Takes the journal: its directory appears atomically with owner.json in it.
   * Throws JournalBusyError when another live process holds it, and an Error
   * naming the leftover journal when a dead one does (recover first).
   */
  static open(root: string, command: string, from: string, to: string): BumpJournal {
    const journal = new BumpJournal(root, command, from, to);
    const owner: JournalOwner = {
      pid: process.pid,
      start: processStart(process.pid),
      host: hostname(),
      command,
      since: new Date().toISOString(),
    };
    const staging = `${journal.dir}.${process.pid}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    try {
      writeFileDurably(join(staging, 'owner.json'), `${JSON.stringify(owner)}\n`, 0o644);
      renameSync(staging, journal.dir);
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') {
        const other = readJson<JournalOwner>(join(journal.dir, 'owner.json'));
        if (other && isAlive(other))
          throw new JournalBusyError(
            `another bump is running (${describeOwner(other)}); nothing was changed. Wait for it to finish.`,
          );
        throw new Error(
          `an interrupted bump left ${JOURNAL_DIR}; run the bump or version-check again to recover it. Nothing was changed.`,
          { cause: e },
        );
      }
      throw e;
    }
    syncDirectory(dirname(journal.dir));
    return journal;
  }

  /**
   * Adds files (their bytes now, before any change) and writes journal.json
   * durably. A file already recorded keeps its first bytes. `updated` is
   * content the bump is about to write (or a tool it runs is expected to):
   * the rollback replaces only these, never anything else.
   */
  record(files: JournalFile[]): void {
    let changed = false;
    for (const { file, updated, original: given } of files) {
      const path = relative(this.root, file);
      let entry = this.entries.find((e) => e.path === path);
      if (!entry) {
        let original: Buffer | null = null;
        let mode: number | undefined;
        try {
          original = given ?? readFileSync(file);
          mode = statSync(file).mode & 0o7777;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        }
        entry = { path, original: original?.toString('base64') ?? null, ...(mode !== undefined ? { mode } : {}) };
        this.entries.push(entry);
        changed = true;
      }
      const ours = updated?.toString('base64');
      if (ours !== undefined && ours !== entry.original && !entry.ours?.includes(ours)) {
        entry.ours = [...(entry.ours ?? []), ours];
        changed = true;
      }
    }
    // nothing new (nx release version records each project's files as it edits them): journal.json stays as it is
    if (!changed && existsSync(join(this.dir, 'journal.json'))) return;
    const data: JournalData = { format: 1, command: this.command, from: this.from, to: this.to, files: this.entries };
    const file = join(this.dir, 'journal.json');
    // through journal.json.tmp: a journal.json that exists is whole
    writeFileDurably(file, `${JSON.stringify(data)}\n`, 0o644);
  }

  /** A tool the bump ran has finished writing `file`: what it wrote is the bump's, for the rollback. */
  noteWritten(file: string): void {
    let now: Buffer;
    try {
      now = readFileSync(file);
    } catch {
      return; // gone or unreadable: the rollback puts back a missing file anyway, and reports what it cannot read
    }
    this.record([{ file, updated: now }]);
  }

  /**
   * Notes the tool the bump runs now (cargo update, npm install): if the bump is
   * killed, the tool goes on running and may still write its lock file, so
   * recovery waits until it has ended.
   */
  noteHelper(pid: number, command: string): void {
    const helper: JournalOwner = {
      pid,
      start: processStart(pid),
      host: hostname(),
      command,
      since: new Date().toISOString(),
    };
    try {
      writeFileDurably(join(this.dir, 'helper.json'), `${JSON.stringify(helper)}\n`, 0o644);
    } catch {
      // best effort: without it a recovery could only race a tool that outlived its bump
    }
  }

  /**
   * Every recorded file whose content is the bump's is put back (the others
   * are left alone, their original bytes kept under KEPT_DIR); the journal is
   * removed unless a file could not be written.
   */
  rollback(): RollbackResult {
    const result = rollbackEntries(this.root, this.entries, keptFolder(this.root));
    if (result.failed.length === 0) this.remove();
    this.closed = true;
    return result;
  }

  /** Success: unlinking journal.json is the commit point; then the directory goes. */
  commit(): void {
    removeQuietly(join(this.dir, 'journal.json'));
    syncDirectory(this.dir);
    this.remove();
    this.closed = true;
  }

  /** Nothing was changed (a dry run, or a failure before the first write): the journal goes. */
  abandon(): void {
    this.remove();
    this.closed = true;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  private remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
    syncDirectory(dirname(this.dir));
  }
}
