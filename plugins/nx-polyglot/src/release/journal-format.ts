import { readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { removeQuietly, temporaryFor, writeFileDurably } from './durable-write';

/**
 * What the bump journal (bump-journal.ts) keeps on disk, and how its files
 * are put back: shared by the journal of a running bump and the recovery of
 * a killed one (journal-recovery.ts).
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

export interface JournalEntry {
  /** Relative to the workspace root. */
  path: string;
  /** base64 of the original bytes; null when the file did not exist. */
  original: string | null;
  /** base64 of the new bytes, for files the bump writes itself (lock files are written by their tools). */
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

export function errorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message.replace(/^[A-Z]+: /, '')}` : String(err.message ?? e);
}

/** Puts every journalled file back to its original bytes where it differs; reports each file. */
export function rollbackEntries(root: string, entries: JournalEntry[]): RollbackResult {
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
