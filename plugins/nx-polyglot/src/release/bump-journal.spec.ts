import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BumpJournal } from './bump-journal';
import { JOURNAL_DIR, JournalBusyError } from './journal-format';
import { recoverInterruptedBump } from './journal-recovery';
import { temporaryFor, writeFileDurably } from './durable-write';

let root: string;
const file = (rel: string) => join(root, rel);
const read = (rel: string) => readFileSync(file(rel), 'utf8');

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bump-journal-'));
  mkdirSync(file('rust'));
  writeFileSync(file('rust/Cargo.toml'), 'version = "0.12.0"\n');
  writeFileSync(file('rust/Cargo.lock'), 'lock 0.12.0\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A journal as a bump killed after its first rename leaves it: the owner is a process that is gone. */
async function journalOfAKilledBump(): Promise<BumpJournal> {
  const journal = BumpJournal.open(root, 'bump', '0.12.0', '0.13.0');
  journal.record([
    { file: file('rust/Cargo.toml'), updated: Buffer.from('version = "0.13.0"\n') },
    // what cargo update is expected to write, recorded before it runs
    { file: file('rust/Cargo.lock'), updated: Buffer.from('lock 0.13.0\n') },
  ]);
  writeFileDurably(file('rust/Cargo.toml'), 'version = "0.13.0"\n');
  writeFileSync(file('rust/Cargo.lock'), 'lock'); // the tool was rewriting it in place, then the kill
  writeFileSync(temporaryFor(file('rust/Cargo.lock')), 'half');
  const gone = spawn('true');
  await new Promise((resolve) => gone.once('exit', resolve));
  const ownerFile = join(root, JOURNAL_DIR, 'owner.json');
  writeFileSync(
    ownerFile,
    JSON.stringify({ ...JSON.parse(readFileSync(ownerFile, 'utf8')), pid: gone.pid, start: null }),
  );
  return journal;
}

describe('writeFileDurably', () => {
  it('replaces the file through a temporary file beside it, keeping its mode, and leaves no temporary file', () => {
    writeFileSync(file('rust/Cargo.toml'), 'x', { mode: 0o640 });
    writeFileDurably(file('rust/Cargo.toml'), 'version = "0.13.0"\n');
    expect(read('rust/Cargo.toml')).toBe('version = "0.13.0"\n');
    expect(readdirSync(file('rust')).sort()).toEqual(['Cargo.lock', 'Cargo.toml']);
  });

  it('leaves the file untouched and removes the temporary file when the write fails', () => {
    // the temporary file's path is taken by a directory: the write fails before the rename
    mkdirSync(temporaryFor(file('rust/Cargo.toml')));
    expect(() => writeFileDurably(file('rust/Cargo.toml'), 'new')).toThrow(/EISDIR/);
    expect(read('rust/Cargo.toml')).toBe('version = "0.12.0"\n');
  });
});

describe('the bump journal', () => {
  it('rolls back every journalled file that it changed, and removes itself', () => {
    const journal = BumpJournal.open(root, 'bump', '0.12.0', '0.13.0');
    journal.record([
      { file: file('rust/Cargo.toml'), updated: Buffer.from('version = "0.13.0"\n') },
      { file: file('rust/Cargo.lock') },
    ]);
    writeFileDurably(file('rust/Cargo.toml'), 'version = "0.13.0"\n');
    expect(journal.rollback()).toEqual({
      restored: ['rust/Cargo.toml'],
      unchanged: ['rust/Cargo.lock'],
      leftAlone: [],
      failed: [],
    });
    expect(read('rust/Cargo.toml')).toBe('version = "0.12.0"\n');
    expect(existsSync(join(root, JOURNAL_DIR))).toBe(false);
  });

  it('commits by removing itself, leaving the new files', () => {
    const journal = BumpJournal.open(root, 'bump', '0.12.0', '0.13.0');
    journal.record([{ file: file('rust/Cargo.toml') }]);
    writeFileDurably(file('rust/Cargo.toml'), 'version = "0.13.0"\n');
    journal.commit();
    expect(read('rust/Cargo.toml')).toBe('version = "0.13.0"\n');
    expect(existsSync(join(root, JOURNAL_DIR))).toBe(false);
    expect(recoverInterruptedBump(root)).toBeUndefined();
  });

  it('is a lock: a second bump is refused while the first one runs', () => {
    const journal = BumpJournal.open(root, 'bump', '0.12.0', '0.13.0');
    const holder = spawn('sleep', ['600'], { stdio: 'ignore' });
    try {
      const ownerFile = join(root, JOURNAL_DIR, 'owner.json');
      writeFileSync(
        ownerFile,
        JSON.stringify({ pid: holder.pid, start: null, host: hostname(), command: 'bump', since: 'now' }),
      );
      expect(() => BumpJournal.open(root, 'bump', '0.12.0', '0.13.0')).toThrow(JournalBusyError);
      expect(() => recoverInterruptedBump(root)).toThrow(/a bump is running \(`bump`, pid \d+/);
    } finally {
      holder.kill('SIGKILL');
      journal.abandon();
    }
  });

  it('recovery rolls back what a killed bump left, removes its temporary files, and says what it did', async () => {
    await journalOfAKilledBump();
    const recovery = recoverInterruptedBump(root);
    expect(recovery?.ok).toBe(true);
    expect(recovery?.message).toMatch(
      /^Recovered an interrupted bump 0\.12\.0 -> 0\.13\.0 \(`bump`, pid \d+, started .*\): put back rust\/Cargo\.toml, rust\/Cargo\.lock \(their original bytes from the journal\)\. Every file is as it was before that bump\.$/,
    );
    expect(read('rust/Cargo.toml')).toBe('version = "0.12.0"\n');
    expect(read('rust/Cargo.lock')).toBe('lock 0.12.0\n');
    expect(readdirSync(file('rust')).sort()).toEqual(['Cargo.lock', 'Cargo.toml']);
    expect(existsSync(join(root, JOURNAL_DIR))).toBe(false);
  });

  it('recovery that cannot put a file back keeps the journal and names the file', async () => {
    await journalOfAKilledBump();
    rmSync(file('rust/Cargo.lock'));
    mkdirSync(file('rust/Cargo.lock')); // cannot be replaced by a file
    const recovery = recoverInterruptedBump(root);
    expect(recovery?.ok).toBe(false);
    expect(recovery?.message).toMatch(/These files could not be put back:\n {2}- rust\/Cargo\.lock: EISDIR/);
    expect(recovery?.message).toMatch(/Their original bytes are kept in \.nx\/polyglot-bump-journal\/journal\.json/);
    expect(read('rust/Cargo.toml')).toBe('version = "0.12.0"\n');
    expect(existsSync(join(root, JOURNAL_DIR, 'journal.json'))).toBe(true);
    // once the obstacle is gone, the next run finishes the job
    rmSync(file('rust/Cargo.lock'), { recursive: true });
    expect(recoverInterruptedBump(root)?.ok).toBe(true);
    expect(read('rust/Cargo.lock')).toBe('lock 0.12.0\n');
  });

  it('recovery waits for a tool the killed bump started (cargo update) while it still runs', async () => {
    const journal = await journalOfAKilledBump();
    const tool = spawn('sleep', ['600'], { stdio: 'ignore' });
    try {
      // what the bump noted before it was killed: the tool outlives it and may still write Cargo.lock
      journal.noteHelper(tool.pid as number, 'cargo update --workspace --offline');
      expect(() => recoverInterruptedBump(root)).toThrow(
        /`cargo update --workspace --offline` \(pid \d+\), run by an interrupted bump \(`bump`, pid \d+, .*\), is still running; wait for it to end/,
      );
      expect(read('rust/Cargo.toml')).toBe('version = "0.13.0"\n');
    } finally {
      tool.kill('SIGKILL');
      await new Promise((resolve) => tool.once('exit', resolve));
    }
    expect(recoverInterruptedBump(root)?.ok).toBe(true);
    expect(read('rust/Cargo.toml')).toBe('version = "0.12.0"\n');
  });

  it('recovery never overwrites what the user changed after the kill: it names those files and keeps their journal bytes', async () => {
    await journalOfAKilledBump();
    // the user edits the bumped manifest (or checks out another branch) before any Nx command runs
    writeFileSync(file('rust/Cargo.toml'), 'version = "0.13.0"\n# my edit\n');
    const recovery = recoverInterruptedBump(root);
    expect(recovery?.ok).toBe(true);
    expect(recovery?.message).toMatch(/put back rust\/Cargo\.lock \(their original bytes from the journal\)\.\n/);
    expect(recovery?.message).toMatch(
      /Left alone, because their content is neither the bump's nor the original .*: rust\/Cargo\.toml\. Their bytes from before the bump are kept in (\.nx\/polyglot-bump-kept\/[^/]+)\//,
    );
    expect(recovery?.message).not.toMatch(/Every file is as it was/);
    expect(read('rust/Cargo.toml')).toBe('version = "0.13.0"\n# my edit\n');
    expect(read('rust/Cargo.lock')).toBe('lock 0.12.0\n');
    const kept = /kept in (\S+)\//.exec(recovery!.message)![1];
    expect(readFileSync(join(root, kept, 'rust/Cargo.toml'), 'utf8')).toBe('version = "0.12.0"\n');
    expect(existsSync(join(root, JOURNAL_DIR))).toBe(false);
  });

  it('a file changed before the bump wrote anything it expected is left alone too (no expected bytes: nothing is ours)', () => {
    const journal = BumpJournal.open(root, 'bump', '0.12.0', '0.13.0');
    journal.record([{ file: file('rust/Cargo.lock') }]);
    writeFileSync(file('rust/Cargo.lock'), 'someone else\n');
    const result = journal.rollback();
    expect(result).toMatchObject({ restored: [], leftAlone: ['rust/Cargo.lock'], failed: [] });
    expect(read('rust/Cargo.lock')).toBe('someone else\n');
  });

  it("what a tool of the bump wrote is the bump's once it has ended, whatever it wrote", () => {
    const journal = BumpJournal.open(root, 'bump', '0.12.0', '0.13.0');
    journal.record([{ file: file('rust/Cargo.lock'), updated: Buffer.from('lock 0.13.0\n') }]);
    writeFileSync(file('rust/Cargo.lock'), 'lock 0.13.0 and a surprise\n');
    journal.noteWritten(file('rust/Cargo.lock'));
    expect(journal.rollback()).toMatchObject({ restored: ['rust/Cargo.lock'], leftAlone: [] });
    expect(read('rust/Cargo.lock')).toBe('lock 0.12.0\n');
  });

  it('a journalled file the user deleted since is put back: there are no bytes to lose', async () => {
    await journalOfAKilledBump();
    rmSync(file('rust/Cargo.toml'));
    expect(recoverInterruptedBump(root)?.message).toMatch(/put back rust\/Cargo\.toml, rust\/Cargo\.lock/);
    expect(read('rust/Cargo.toml')).toBe('version = "0.12.0"\n');
  });

  it('a journal without journal.json (killed before its first change, or after its commit) is removed quietly', () => {
    mkdirSync(join(root, JOURNAL_DIR), { recursive: true });
    writeFileSync(
      join(root, JOURNAL_DIR, 'owner.json'),
      JSON.stringify({ pid: 2 ** 22 + 1, start: null, host: hostname(), command: 'bump', since: 'then' }),
    );
    expect(recoverInterruptedBump(root)).toBeUndefined();
    expect(existsSync(join(root, JOURNAL_DIR))).toBe(false);
  });
});
