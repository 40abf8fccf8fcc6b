import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { removeQuietly, syncDirectory, temporaryFor, writeFileDurably } from './durable-write';
import { isAlive, processStart } from '../process-liveness';

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
 * release step rolls back every file that differs from its original bytes and
 * says what it did. So after any kill the tree is, once recovered, either
 * untouched or completely bumped. Without `journal.json` nothing was changed
 * yet (or the commit was reached): the directory is simply removed.
 */
export const JOURNAL_DIR = join('.nx', 'polyglot-bump-journal');

export interface JournalOwner {
  pid: number;
  /** The process's start time (Linux: clock ticks since boot, from /proc), so that a reused pid is not taken for the owner. */
  start: string | null;
  host: string;
  /** What holds it: `bump`, `nx release version`. */
  command: string;
  since: string;
}

interface JournalEntry {
  /** Relative to the workspace root. */
  path: string;
  /** base64 of the original bytes; null when the file did not exist. */
  original: string | null;
  /** base64 of the new bytes, for files the bump writes itself (lock files are written by their tools). */
  updated?: string;
  mode?: number;
}

interface JournalData {
  format: 1;
  command: string;
  from: string;
  to: string;
  files: JournalEntry[];
}

/** The journal is held by a process that is still running. */
export class JournalBusyError extends Error {
  override name = 'JournalBusyError';
}

/** A file to journal: its path, the bytes it has before the bump (read now when not given), and `updated` for files the bump writes itself. */
export interface JournalFile {
  file: string;
  original?: Buffer;
  updated?: Buffer;
}

/** What a rollback did, file by file. */
export interface RollbackResult {
  restored: string[];
  unchanged: string[];
  failed: Array<{ file: string; error: string }>;
}

function describeOwner(owner: JournalOwner | undefined): string {
  if (!owner) return 'a process that left no owner record';
  return `\`${owner.command}\`, pid ${owner.pid}${owner.host !== hostname() ? ` on ${owner.host}` : ''}, started ${owner.since}`;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function sameBytes(file: string, expected: Buffer | null): boolean {
  let current: Buffer | null;
  try {
    current = readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    current = null;
  }
  return current === null || expected === null ? current === expected : current.equals(expected);
}

function errorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message.replace(/^[A-Z]+: /, '')}` : String(err.message ?? e);
}

/** Puts every journalled file back to its original bytes where it differs; reports each file. */
function rollbackEntries(root: string, entries: JournalEntry[]): RollbackResult {
  const result: RollbackResult = { restored: [], unchanged: [], failed: [] };
  for (const entry of [...entries].reverse()) {
    const file = join(root, entry.path);
    removeQuietly(temporaryFor(file));
    const original = entry.original === null ? null : Buffer.from(entry.original, 'base64');
    try {
      if (sameBytes(file, original)) {
        result.unchanged.push(entry.path);
        continue;
      }
      if (original === null) unlinkSync(file);
      else writeFileDurably(file, original, entry.mode);
      result.restored.push(entry.path);
    } catch (e) {
      result.failed.push({ file: entry.path, error: errorText(e) });
    }
  }
  result.restored.reverse();
  result.unchanged.reverse();
  result.failed.reverse();
  return result;
}

/** One line per file that could not be put back, and where its bytes are kept. */
export function rollbackFailureText(failed: RollbackResult['failed'], root: string): string {
  const where = join(root, JOURNAL_DIR, 'journal.json');
  return (
    `These files could not be put back:\n${failed.map((f) => `  - ${f.file}: ${f.error}`).join('\n')}\n` +
    `Their original bytes are kept in ${relative(root, where)} (base64); the next bump or version-check puts them back once they can be written.`
  );
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

  /** Adds files (their bytes now, before any change) and writes journal.json durably. A file already recorded keeps its first bytes. */
  record(files: JournalFile[]): void {
    const before = this.entries.length;
    for (const { file, updated, original: given } of files) {
      const path = relative(this.root, file);
      if (this.entries.some((e) => e.path === path)) continue;
      let original: Buffer | null = null;
      let mode: number | undefined;
      try {
        original = given ?? readFileSync(file);
        mode = statSync(file).mode & 0o7777;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      this.entries.push({
        path,
        original: original?.toString('base64') ?? null,
        ...(updated ? { updated: updated.toString('base64') } : {}),
        ...(mode !== undefined ? { mode } : {}),
      });
    }
    // nothing new (nx release version records each project's files as it edits them): journal.json stays as it is
    if (this.entries.length === before && existsSync(join(this.dir, 'journal.json'))) return;
    const data: JournalData = { format: 1, command: this.command, from: this.from, to: this.to, files: this.entries };
    const file = join(this.dir, 'journal.json');
    // through journal.json.tmp: a journal.json that exists is whole
    writeFileDurably(file, `${JSON.stringify(data)}\n`, 0o644);
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

  /** Every recorded file that differs from its original bytes is put back; the journal is removed only if all of them were. */
  rollback(): RollbackResult {
    const result = rollbackEntries(this.root, this.entries);
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

/** What recovery found and did, as lines to print; `ok` false when files could not be put back (the journal stays). */
export interface Recovery {
  ok: boolean;
  message: string;
}

/**
 * Finds a journal left by a killed (or failed-to-roll-back) bump and rolls
 * back every file it lists that differs from its original bytes. Returns
 * undefined when there is nothing to recover. Throws JournalBusyError when
 * the journal's owner is still running (a bump in progress).
 */
export function recoverInterruptedBump(root: string): Recovery | undefined {
  const dir = join(root, JOURNAL_DIR);
  // staging directories of processes killed before their journal appeared
  const nxDir = dirname(dir);
  if (existsSync(nxDir)) {
    for (const entry of readdirSync(nxDir)) {
      const m = /^polyglot-bump-journal\.(\d+)\.tmp$/.exec(entry);
      if (!m) continue;
      const staged = readJson<JournalOwner>(join(nxDir, entry, 'owner.json'));
      if (!staged || !isAlive(staged)) rmSync(join(nxDir, entry), { recursive: true, force: true });
    }
  }
  if (!existsSync(dir)) return undefined;
  const owner = readJson<JournalOwner>(join(dir, 'owner.json'));
  if (owner && isAlive(owner)) {
    // this very process holds it (nx release version recovers once per project): nothing to recover
    if (owner.pid === process.pid && owner.host === hostname()) return undefined;
    throw new JournalBusyError(
      `a bump is running (${describeOwner(owner)}): ${JOURNAL_DIR} is its journal. Wait for it to finish.`,
    );
  }
  // the bump is gone, but the tool it ran (cargo update, npm install) may still write its lock file
  const helper = readJson<JournalOwner>(join(dir, 'helper.json'));
  if (helper && isAlive(helper)) {
    throw new JournalBusyError(
      `\`${helper.command}\` (pid ${helper.pid}), run by an interrupted bump (${describeOwner(owner)}), is still running; wait for it to end, then run again to roll that bump back.`,
    );
  }
  const journalFile = join(dir, 'journal.json');
  if (!existsSync(journalFile)) {
    // killed before its first change, or after its commit: nothing to undo
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  const data = readJson<JournalData>(journalFile);
  if (!data || data.format !== 1 || !Array.isArray(data.files)) {
    return {
      ok: false,
      message: `${relative(root, journalFile)} cannot be read; it was left by ${describeOwner(owner)}. Compare the files with git and remove ${JOURNAL_DIR} by hand.`,
    };
  }
  const what = `an interrupted ${data.command} ${data.from} -> ${data.to} (${describeOwner(owner)})`;
  const result = rollbackEntries(root, data.files);
  if (result.failed.length > 0) {
    return { ok: false, message: `Rolling back ${what} failed part-way.\n${rollbackFailureText(result.failed, root)}` };
  }
  rmSync(dir, { recursive: true, force: true });
  syncDirectory(nxDir);
  const restored = result.restored.length
    ? `put back ${result.restored.join(', ')} (their original bytes from the journal)${result.unchanged.length ? `; ${result.unchanged.length} other file(s) were as they were` : ''}`
    : 'no file had been changed yet';
  return { ok: true, message: `Recovered ${what}: ${restored}. Every file is as it was before that bump.` };
}

/**
 * Rolls back what a killed bump left and says so.
 * Returns an error message when it cannot: a bump is running, or files could
 * not be put back.
 */
export function recoverBeforeStarting(root: string, say: (s: string) => void, who: string): string | undefined {
  const earlier = takeRecoveryReport(root);
  if (earlier) say(`Building the project graph, nx-polyglot rolled back a bump: ${earlier}`);
  try {
    const recovery = recoverInterruptedBump(root);
    if (!recovery) return undefined;
    if (!recovery.ok) return `${who}: ${recovery.message}`;
    say(recovery.message);
    return undefined;
  } catch (e) {
    if (e instanceof JournalBusyError) return `${who}: ${e.message}`;
    throw e;
  }
}

/** Where a recovery made while Nx built its graph leaves its report, for the next bump or version-check to print. */
export const RECOVERY_REPORT = join('.nx', 'polyglot-bump-recovered.txt');

/**
 * The recovery as the plugin runs it while Nx builds the project graph,
 * before any plugin parses a manifest or lock file a killed bump may have
 * left half-written (a truncated package-lock.json or Cargo.toml would stop
 * the graph, and with it every command that could recover). Never throws:
 * a bump in progress or an unreadable journal is left to the bump and
 * version-check targets, which report it. The report goes to stderr (the
 * plugin worker's, which Nx shows; the daemon's goes to its log) and to
 * RECOVERY_REPORT.
 */
export function recoverWhileBuildingGraph(root: string): void {
  try {
    if (!existsSync(join(root, JOURNAL_DIR))) return;
    const recovery = recoverInterruptedBump(root);
    if (!recovery) return;
    process.stderr.write(`nx-polyglot: ${recovery.message}\n`);
    if (recovery.ok) writeFileDurably(join(root, RECOVERY_REPORT), `${recovery.message}\n`);
  } catch {
    // busy (a bump is running) or not recoverable here: the targets say so
  }
}

/** A report left by a recovery during graph creation: printed once, then removed. */
export function takeRecoveryReport(root: string): string | undefined {
  const file = join(root, RECOVERY_REPORT);
  try {
    const text = readFileSync(file, 'utf8').trim();
    rmSync(file, { force: true });
    return text || undefined;
  } catch {
    return undefined;
  }
}
