import { mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { removeQuietly, temporaryFor, writeFileDurably } from './durable-write';

/**
 * What the bump journal (bump-journal.ts) keeps on disk, and how its files
 * are put back: shared by the journal of a running bump and the recovery of
 * a killed one (journal-recovery.ts).
 */
export const JOURNAL_DIR = join('.nx', 'polyglot-bump-journal');

/**
 * Where a rollback keeps the original bytes of files it left alone because
 * their content is not the bump's (the user edited them, or switched
 * branches, after the kill): `<KEPT_DIR>/<when>/<path>`, for the user to
 * compare and take back or delete.
 */
export const KEPT_DIR = join('.nx', 'polyglot-bump-kept');

export interface JournalOwner {
  pid: number;
  /** The process's start time (Linux: clock ticks since boot, from /proc), so that a reused pid is not taken for the owner. */
  start: string | null;
  host: string;
  /** What holds it: `bump`, `nx release version`. */
  command: string;
  since: string;
}

export interface JournalEntry {
  /** Relative to the workspace root. */
  path: string;
  /** base64 of the original bytes; null when the file did not exist. */
  original: string | null;
  /**
   * base64 of every content this bump wrote or was about to write to the file
   * (a tool's expected output and what it did write included): the only
   * contents, beside the original, that a rollback may replace.
   */
  ours?: string[];
  /** Journals of earlier versions: the one content the bump wrote itself. */
  updated?: string;
  mode?: number;
}

export interface JournalData {
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

/** What a rollback did, file by file. */
export interface RollbackResult {
  restored: string[];
  unchanged: string[];
  /** Files whose content is neither the original nor the bump's: someone else's, not touched. */
  leftAlone: string[];
  /** The folder where the left-alone files' original bytes are kept. */
  kept?: string;
  failed: Array<{ file: string; error: string }>;
}

export function describeOwner(owner: JournalOwner | undefined): string {
  if (!owner) return 'a process that left no owner record';
  return `\`${owner.command}\`, pid ${owner.pid}${owner.host !== hostname() ? ` on ${owner.host}` : ''}, started ${owner.since}`;
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function currentBytes(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    return null;
  }
}

/** The contents a rollback may replace: what the bump wrote, or a tool it ran was writing, to this file. */
export function oursOf(entry: JournalEntry): Buffer[] {
  return [...(entry.ours ?? []), ...(entry.updated ? [entry.updated] : [])].map((b) => Buffer.from(b, 'base64'));
}

/**
 * Whose the file's content is now. `unchanged`: its original bytes. `ours`:
 * what the bump wrote, a write of ours cut short (a prefix: cargo and npm
 * rewrite a lock file in place), or nothing (a missing file has no bytes to
 * lose). `theirs`: anything else (an edit, a branch switch after the kill),
 * which no rollback may overwrite.
 */
export function whoseContent(
  current: Buffer | null,
  original: Buffer | null,
  ours: Buffer[],
): 'unchanged' | 'ours' | 'theirs' {
  if (current === null) return original === null ? 'unchanged' : 'ours';
  if (original !== null && current.equals(original)) return 'unchanged';
  return ours.some((o) => o.subarray(0, current.length).equals(current)) ? 'ours' : 'theirs';
}

export function errorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message.replace(/^[A-Z]+: /, '')}` : String(err.message ?? e);
}

/**
 * Puts every journalled file whose content is the bump's back to its
 * original bytes; a file whose content is someone else's is left alone,
 * and its original bytes are kept under `keep` (when given) for the user.
 */
export function rollbackEntries(root: string, entries: JournalEntry[], keep?: string): RollbackResult {
  const result: RollbackResult = { restored: [], unchanged: [], leftAlone: [], failed: [] };
  for (const entry of [...entries].reverse()) {
    const file = join(root, entry.path);
    removeQuietly(temporaryFor(file));
    const original = entry.original === null ? null : Buffer.from(entry.original, 'base64');
    try {
      const whose = whoseContent(currentBytes(file), original, oursOf(entry));
      if (whose === 'unchanged') {
        result.unchanged.push(entry.path);
      } else if (whose === 'theirs') {
        if (keep && original !== null) {
          const kept = join(keep, entry.path);
          mkdirSync(dirname(kept), { recursive: true });
          writeFileDurably(kept, original, entry.mode);
          result.kept = keep;
        }
        result.leftAlone.push(entry.path);
      } else {
        if (original === null) unlinkSync(file);
        else writeFileDurably(file, original, entry.mode);
        result.restored.push(entry.path);
      }
    } catch (e) {
      result.failed.push({ file: entry.path, error: errorText(e) });
    }
  }
  result.restored.reverse();
  result.unchanged.reverse();
  result.leftAlone.reverse();
  result.failed.reverse();
  return result;
}

/** A new folder under KEPT_DIR for one rollback's kept bytes (created only if something is kept). */
export function keptFolder(root: string): string {
  return join(root, KEPT_DIR, `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
}

/** What a rollback left alone, and where the bytes from before the bump are. */
export function leftAloneText(result: RollbackResult, root: string): string {
  if (result.leftAlone.length === 0) return '';
  const where = result.kept
    ? ` Their bytes from before the bump are kept in ${relative(root, result.kept)}/ (a file that did not exist then has none): compare, copy back what you want, then delete that folder.`
    : '';
  return `Left alone, because their content is neither the bump's nor the original (edited, or another branch checked out, since): ${result.leftAlone.join(', ')}.${where}`;
}

/** One line per file that could not be put back, and where its bytes are kept. */
export function rollbackFailureText(failed: RollbackResult['failed'], root: string): string {
  const where = join(root, JOURNAL_DIR, 'journal.json');
  return (
    `These files could not be put back:\n${failed.map((f) => `  - ${f.file}: ${f.error}`).join('\n')}\n` +
    `Their original bytes are kept in ${relative(root, where)} (base64); the next bump or version-check puts them back once they can be written.`
  );
}
