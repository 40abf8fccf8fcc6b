import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { syncDirectory, writeFileDurably } from './durable-write';
import { isAlive } from '../process-liveness';
import {
  JOURNAL_DIR,
  JournalBusyError,
  JournalData,
  JournalOwner,
  describeOwner,
  keptFolder,
  leftAloneText,
  readJson,
  rollbackEntries,
  rollbackFailureText,
} from './journal-format';
import { redact } from '../known-secrets';

/** What recovery found and did, as lines to print; `ok` false when files could not be put back (the journal stays). */
export interface Recovery {
  ok: boolean;
  message: string;
}

/**
 * Finds a journal left by a killed (or failed-to-roll-back) bump and rolls
 * back every file it lists whose content is the bump's; a file someone
 * changed since is left alone and named, its original bytes kept. Returns
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
  const keep = keptFolder(root);
  const result = rollbackEntries(root, data.files, keep);
  const leftAlone = leftAloneText(result, root);
  if (result.failed.length > 0) {
    return {
      ok: false,
      message: `Rolling back ${what} failed part-way.\n${rollbackFailureText(result.failed, root)}${leftAlone ? `\n${leftAlone}` : ''}`,
    };
  }
  rmSync(dir, { recursive: true, force: true });
  syncDirectory(nxDir);
  const restored = result.restored.length
    ? `put back ${result.restored.join(', ')} (their original bytes from the journal)${result.unchanged.length ? `; ${result.unchanged.length} other file(s) were as they were` : ''}`
    : 'no file of the bump needed putting back';
  if (leftAlone) return { ok: true, message: `Recovered ${what}: ${restored}.\n${leftAlone}` };
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
    process.stderr.write(redact(`nx-polyglot: ${recovery.message}\n`));
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
