import { execa, execaSync } from 'execa';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOURNAL_DIR } from '../src/release/bump-journal';
import { temporaryFor } from '../src/release/durable-write';
import { FAULT_SEED, KillPoint, faultRuns, killPoints, seededSample, strace, straceArgs } from './faults';
import { copyRepository, nxEnv, removeCopy } from './repo-copy';

/** Every file a bump 0.12.0 -> 0.13.0 of this repository changes. */
const LOCKS = ['package-lock.json', 'rust/Cargo.lock'];
const MANIFESTS = [
  'analytics-web-app/package.json',
  'python/micromegas/pyproject.toml',
  'rust/Cargo.toml',
  'rust/public/Cargo.toml',
  'rust/tracing/Cargo.toml',
  'rust/transit/Cargo.toml',
];
const BUMPED = [...MANIFESTS, ...LOCKS].sort();

const git = async (copy: string, ...args: string[]) => (await execa('git', args, { cwd: copy })).stdout;
const text = (r: { all?: string }) => stripVTControlCharacters(r.all ?? '');

/** nx with the daemon off, optionally under strace. */
function nx(copy: string, args: string[], options: { strace?: string[]; env?: Record<string, string> } = {}) {
  const command = ['npx', 'nx', ...args, ...(args[0] === 'run' ? ['--output-style=static'] : [])];
  const [file, ...rest] = options.strace ? ['strace', ...options.strace, ...command] : command;
  return execa(file, rest, { cwd: copy, env: { ...nxEnv, ...options.env }, reject: false, all: true });
}
const bump = (copy: string, options: Parameters<typeof nx>[2] = {}) =>
  nx(copy, ['run', 'micromegas-monorepo:bump', '--to=0.13.0'], options);
const versionCheck = (copy: string, ...args: string[]) =>
  nx(copy, ['run', 'micromegas-monorepo:version-check', ...args]);

/** Back to the committed tree: every file, no journal, no temporary files. */
async function reset(copy: string): Promise<void> {
  await execa('chattr', ['-i', join(copy, 'rust/Cargo.lock')], { reject: false });
  await git(copy, 'checkout', '-q', '--', '.');
  await git(copy, 'clean', '-qfd');
  for (const entry of existsSync(join(copy, '.nx')) ? readdirSync(join(copy, '.nx')) : []) {
    if (entry.startsWith('polyglot-bump-journal')) rmSync(join(copy, '.nx', entry), { recursive: true, force: true });
  }
}

/** The bytes of every file a complete bump leaves, from a clean bump of a fresh copy. */
async function referenceBump(): Promise<Map<string, Buffer>> {
  const copy = await copyRepository('nx-polyglot-bump-reference-');
  try {
    const run = await bump(copy);
    if (run.exitCode !== 0) throw new Error(`the reference bump failed:\n${run.all}`);
    return new Map(BUMPED.map((f) => [f, readFileSync(join(copy, f))]));
  } finally {
    removeCopy(copy);
  }
}

/** untouched, completely bumped, or what is wrong: only these two states are allowed once a run is over. */
async function treeState(copy: string, reference: Map<string, Buffer>): Promise<string> {
  const status = (await git(copy, 'status', '--porcelain', '--untracked-files=all')).split('\n').filter(Boolean);
  const journal = existsSync(join(copy, JOURNAL_DIR, 'journal.json')) ? ' (journal left)' : '';
  if (status.length === 0) return `untouched${journal}`;
  const changed = status.map((l) => l.slice(3)).sort();
  const differs = BUMPED.filter((f) => !readFileSync(join(copy, f)).equals(reference.get(f) as Buffer));
  if (JSON.stringify(changed) === JSON.stringify(BUMPED) && differs.length === 0) return `bumped${journal}`;
  return `half: git status ${JSON.stringify(status)}, not as bumped: ${JSON.stringify(differs)}${journal}`;
}

/** Every path a bump writes: the files, the temporary files beside them, and the journal's. */
function bumpPaths(copy: string): string[] {
  const files = BUMPED.map((f) => join(copy, f));
  const journal = join(copy, JOURNAL_DIR);
  const inJournal = ['owner.json', 'journal.json', 'helper.json'].map((f) => join(journal, f));
  return [...files, ...files.map(temporaryFor), journal, ...inJournal, ...inJournal.map(temporaryFor)];
}

describe('a half-done bump is caught', () => {
  let copy: string;
  let reference: Map<string, Buffer>;
  beforeAll(async () => {
    reference = await referenceBump();
    copy = await copyRepository('nx-polyglot-half-bump-');
  });
  afterAll(() => removeCopy(copy));

  it('version-check fails on manifests bumped without their lock files, as cargo does', async () => {
    // what a bump killed between the manifests and the lock files left before the journal
    for (const f of MANIFESTS) writeFileSync(join(copy, f), reference.get(f) as Buffer);
    const locked = await execa('cargo', ['metadata', '--locked', '--offline', '--format-version', '1'], {
      cwd: join(copy, 'rust'),
      reject: false,
      all: true,
    });
    expect(locked.exitCode).not.toBe(0);
    const check = await versionCheck(copy, '--expected=0.13.0');
    expect(check.exitCode, check.all).not.toBe(0);
    expect(text(check)).toMatch(/rust\/Cargo\.lock\s+package\.micromegas-transit\.version\s+0\.12\.0\s+0\.13\.0/);
    expect(text(check)).toMatch(/package-lock\.json\s+packages\["analytics-web-app"\]\.version\s+0\.12\.0\s+0\.13\.0/);
    const again = await bump(copy);
    expect(again.exitCode).not.toBe(0);
    expect(text(again)).toMatch(/the manifests and lock files do not agree on 0\.13\.0 yet/);
  });
});

describe.skipIf(!strace)(`bump under injected faults (strace; seed ${FAULT_SEED})`, () => {
  let copy: string;
  let reference: Map<string, Buffer>;
  beforeAll(async () => {
    reference = await referenceBump();
    copy = await copyRepository('nx-polyglot-bump-faults-');
  });
  afterAll(() => removeCopy(copy));

  // ENOSPC on every write to one file: a manifest or the journal (and the temporary file beside it, which
  // is what the bump writes), or a lock file as its tool (cargo, npm) writes it
  const enospcTargets = seededSample([...BUMPED, JOURNAL_DIR + '/journal.json'], faultRuns(4));
  it.each(enospcTargets)('ENOSPC on %s: the bump fails, names it, and every file is as it was', async (target) => {
    await reset(copy);
    const file = join(copy, target);
    const paths = LOCKS.includes(target) ? [file] : [file, temporaryFor(file)];
    const run = await bump(copy, { strace: straceArgs(paths, { inject: 'write,pwrite64,writev:error=ENOSPC' }) });
    const said = text(run);
    expect(run.exitCode, said).not.toBe(0);
    // first what matters: no file is left changed (or truncated), no journal, no temporary file
    expect(await treeState(copy, reference), said).toBe('untouched');
    if (target.endsWith('journal.json'))
      expect(said).toMatch(/could not write the bump journal .*ENOSPC.*; nothing was changed/);
    else if (LOCKS.includes(target))
      expect(said).toMatch(
        new RegExp(`regenerating ${target.replace(/[.]/g, '\\.')} failed .*; every file is as it was`),
      );
    else
      expect(said).toMatch(
        new RegExp(`could not write ${target.replace(/[.]/g, '\\.')} \\(ENOSPC.*\\); every file is as it was`),
      );
    expect(said).not.toMatch(/^\s+at /m); // no stack trace
    const check = await versionCheck(copy);
    expect(check.exitCode, check.all).toBe(0);
  });

  it('a disk that stays full while npm rewrites package-lock.json: the rollback names the file it cannot put back and keeps its bytes; the next run puts it back', async () => {
    await reset(copy);
    const file = join(copy, 'package-lock.json');
    const run = await bump(copy, {
      strace: straceArgs([file, temporaryFor(file)], { inject: 'write,pwrite64,writev:error=ENOSPC' }),
    });
    const said = text(run);
    expect(run.exitCode, said).not.toBe(0);
    expect(said).toMatch(/npm error nospc ENOSPC/); // npm's own words first
    expect(said).toMatch(
      /bump: regenerating package-lock\.json failed \(`npm install --package-lock-only[^`]*`\); the rollback could not restore every file \(rust\/Cargo\.toml, .* were put back\)/,
    );
    expect(said).toMatch(
      /These files could not be put back:\n\s+- package-lock\.json: ENOSPC: no space left on device, write\n/,
    );
    expect(said).not.toMatch(/^\s+at /m);
    expect(await git(copy, 'status', '--porcelain')).toBe(' M package-lock.json');
    // space again: the next run (any of bump, version-check, nx release version) finishes the rollback
    const check = await versionCheck(copy);
    expect(check.exitCode, check.all).toBe(0);
    expect(text(check)).toMatch(/Recovered an interrupted bump 0\.12\.0 -> 0\.13\.0 .*: put back package-lock\.json/);
    expect(await treeState(copy, reference)).toBe('untouched');
  });

  it(`SIGKILL at seeded points of the bump: once recovered, the tree is untouched or completely bumped`, async () => {
    await reset(copy);
    const traceDir = mkdtempSync(join(tmpdir(), 'bump-trace-'));
    const log = join(traceDir, 'trace.log');
    const traced = await bump(copy, { strace: straceArgs(bumpPaths(copy), { log }) });
    expect(traced.exitCode, traced.all).toBe(0);
    expect(await treeState(copy, reference)).toBe('bumped');
    const points = killPoints(log);
    rmSync(traceDir, { recursive: true, force: true });
    expect(points.length).toBeGreaterThan(0);
    const chosen = seededSample(points, faultRuns(8));
    const report: string[] = [];
    for (const point of chosen) {
      await reset(copy);
      const run = await bump(copy, {
        strace: straceArgs(bumpPaths(copy), { inject: `${point.syscall}:signal=SIGKILL:when=${point.nth}` }),
      });
      const label = `kill at ${point.syscall} #${point.nth} (${point.what})`;
      expect(run.exitCode, `${label}: the run should have failed\n${run.all}`).not.toBe(0);
      const left = await treeState(copy, reference);
      // the next run rolls back what the kill left, and says so
      const check = await versionCheck(copy);
      expect(check.exitCode, `${label}: version-check after the kill\n${check.all}`).toBe(0);
      const after = await treeState(copy, reference);
      expect(['untouched', 'bumped'], `${label}: left ${left}, after recovery ${after}\n${check.all}`).toContain(after);
      if (left.includes('journal left') && after === 'untouched')
        expect(text(check)).toMatch(/Recovered an interrupted bump 0\.12\.0 -> 0\.13\.0/);
      const locked = await execa('cargo', ['metadata', '--locked', '--offline', '--format-version', '1'], {
        cwd: join(copy, 'rust'),
        reject: false,
        all: true,
      });
      expect(locked.exitCode, `${label}: cargo metadata --locked after recovery\n${locked.all}`).toBe(0);
      report.push(`${label}: left ${left}; after version-check: ${after}`);
      console.log(
        `bump ${report.length}/${chosen.length} of ${points.length} kill points (seed ${FAULT_SEED}): ${report.at(-1)}`,
      );
    }
  }, 3_600_000);

  it(`SIGKILL at seeded points of nx release version: once recovered, the tree is untouched or completely bumped`, async () => {
    await reset(copy);
    const release = (options: Parameters<typeof nx>[2] = {}) =>
      nx(
        copy,
        ['release', 'version', '0.13.0', '--git-commit=false', '--git-tag=false', '--stage-changes=false'],
        options,
      );
    const traceDir = mkdtempSync(join(tmpdir(), 'release-trace-'));
    const log = join(traceDir, 'trace.log');
    const traced = await release({ strace: straceArgs(bumpPaths(copy), { log }) });
    expect(traced.exitCode, traced.all).toBe(0);
    expect(await treeState(copy, reference)).toBe('bumped');
    const points = killPoints(log);
    rmSync(traceDir, { recursive: true, force: true });
    const chosen = seededSample(points, faultRuns(5), FAULT_SEED + 1);
    const report: string[] = [];
    for (const point of chosen as KillPoint[]) {
      await reset(copy);
      const run = await release({
        strace: straceArgs(bumpPaths(copy), { inject: `${point.syscall}:signal=SIGKILL:when=${point.nth}` }),
      });
      const label = `kill at ${point.syscall} #${point.nth} (${point.what})`;
      expect(run.exitCode, `${label}: the run should have failed\n${run.all}`).not.toBe(0);
      const left = await treeState(copy, reference);
      const check = await versionCheck(copy);
      expect(check.exitCode, `${label}: version-check after the kill\n${check.all}`).toBe(0);
      const after = await treeState(copy, reference);
      expect(['untouched', 'bumped'], `${label}: left ${left}, after recovery ${after}\n${check.all}`).toContain(after);
      report.push(`${label}: left ${left}; after version-check: ${after}`);
      console.log(
        `nx release version ${report.length}/${chosen.length} of ${points.length} kill points (seed ${FAULT_SEED + 1}): ${report.at(-1)}`,
      );
    }
  }, 3_600_000);
});

const chattr = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'chattr-probe-'));
  try {
    writeFileSync(join(dir, 'f'), '');
    const on = execaSync('chattr', ['+i', join(dir, 'f')], { reject: false });
    execaSync('chattr', ['-i', join(dir, 'f')], { reject: false });
    return on.exitCode === 0;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();

describe('when the rollback itself cannot write', () => {
  let copy: string;
  beforeAll(async () => {
    copy = await copyRepository('nx-polyglot-bump-restore-');
  });
  afterAll(async () => {
    await execa('chattr', ['-i', join(copy, 'rust/Cargo.lock')], { reject: false });
    removeCopy(copy);
  });

  it.skipIf(!chattr)(
    "an immutable Cargo.lock: cargo's error and the failing step are reported, no stack, every file as it was",
    async () => {
      await reset(copy);
      await execa('chattr', ['+i', join(copy, 'rust/Cargo.lock')]);
      try {
        const run = await bump(copy);
        const said = text(run);
        expect(run.exitCode).not.toBe(0);
        expect(said).toMatch(/error: .*Cargo\.lock/); // cargo's own words
        expect(said).toMatch(
          /regenerating rust\/Cargo\.lock failed \(`cargo update --workspace --offline`\); every file is as it was/,
        );
        expect(said).not.toMatch(/^\s+at /m);
        expect(said).not.toMatch(/EPERM: operation not permitted, open/);
      } finally {
        await execa('chattr', ['-i', join(copy, 'rust/Cargo.lock')]);
      }
      expect(await git(copy, 'status', '--porcelain', '--untracked-files=all')).toBe('');
      expect(existsSync(join(copy, JOURNAL_DIR))).toBe(false);
    },
  );

  it('a lock file the rollback cannot put back: the original failure, then each file not restored and where its bytes are; the next run finishes', async () => {
    await reset(copy);
    // a cargo that leaves Cargo.lock as something no file can be renamed over, then fails
    const bin = mkdtempSync(join(tmpdir(), 'wrecking-cargo-'));
    writeFileSync(
      join(bin, 'cargo'),
      '#!/bin/sh\nrm -f Cargo.lock && mkdir Cargo.lock\necho "cargo: broken on purpose" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    const run = await bump(copy, { env: { PATH: `${bin}:${process.env.PATH}` } });
    rmSync(bin, { recursive: true, force: true });
    const said = text(run);
    expect(run.exitCode).not.toBe(0);
    expect(said).toMatch(
      /cargo: broken on purpose\n(.*\n)?bump: regenerating rust\/Cargo\.lock failed \(`cargo update --workspace --offline`\); the rollback could not restore every file/,
    );
    expect(said).toMatch(/These files could not be put back:\n\s+- rust\/Cargo\.lock: EISDIR/);
    expect(said).toMatch(/Their original bytes are kept in \.nx\/polyglot-bump-journal\/journal\.json/);
    expect(said).not.toMatch(/^\s+at /m);
    // every other file is back; the journal stays for the next run
    expect(await git(copy, 'status', '--porcelain')).toBe(' D rust/Cargo.lock');
    expect(existsSync(join(copy, JOURNAL_DIR, 'journal.json'))).toBe(true);
    rmSync(join(copy, 'rust/Cargo.lock'), { recursive: true });
    const check = await versionCheck(copy);
    expect(check.exitCode, check.all).toBe(0);
    expect(text(check)).toMatch(
      /Recovered an interrupted bump 0\.12\.0 -> 0\.13\.0 \(`bump`, pid \d+, .*\): put back rust\/Cargo\.lock/,
    );
    expect(await git(copy, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('a bump killed while cargo update runs: recovery waits for the orphaned cargo, then rolls back what the bump and cargo wrote and leaves what the user edited since', async () => {
    await reset(copy);
    // a cargo that says it started, then waits for the test before doing the real work
    const bin = mkdtempSync(join(tmpdir(), 'waiting-cargo-'));
    const started = join(bin, 'started');
    const go = join(bin, 'go');
    const realCargo = (await execa('sh', ['-c', 'command -v cargo'])).stdout;
    writeFileSync(
      join(bin, 'cargo'),
      `#!/bin/sh\ntouch '${started}'\nwhile [ ! -e '${go}' ]; do sleep 0.1; done\nexec '${realCargo}' "$@"\n`,
      { mode: 0o755 },
    );
    const run = bump(copy, { env: { PATH: `${bin}:${process.env.PATH}` } });
    const journal = join(copy, JOURNAL_DIR);
    // cargo runs, and the bump has noted it in its journal
    for (let i = 0; !existsSync(started) || !existsSync(join(journal, 'helper.json')); i++) {
      if (i > 30_000) throw new Error('cargo never started');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // SIGKILL to the bump itself (the journal's owner); its cargo goes on, orphaned
    const owner = JSON.parse(readFileSync(join(journal, 'owner.json'), 'utf8')) as { pid: number };
    const helper = JSON.parse(readFileSync(join(journal, 'helper.json'), 'utf8')) as { pid: number; command: string };
    expect(helper.command).toBe('cargo update --workspace --offline');
    process.kill(owner.pid, 'SIGKILL');
    expect((await run).exitCode).not.toBe(0);
    const waiting = await versionCheck(copy);
    expect(waiting.exitCode).not.toBe(0);
    expect(text(waiting)).toMatch(
      /`cargo update --workspace --offline` \(pid \d+\), run by an interrupted bump \(`bump`, pid \d+, .*\), is still running; wait for it to end/,
    );
    // the orphan finishes, and may well write Cargo.lock: the rollback comes after it
    writeFileSync(go, '');
    const gone = () => {
      try {
        process.kill(helper.pid, 0);
        return /^\S+ \(.*\) [ZX] /.test(readFileSync(`/proc/${helper.pid}/stat`, 'utf8'));
      } catch {
        return true;
      }
    };
    for (let i = 0; !gone(); i++) {
      if (i > 60_000) throw new Error('the orphaned cargo never ended');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    rmSync(bin, { recursive: true, force: true });
    // before any Nx command, the user edits two of the bumped manifests: those are theirs now
    const edited = ['python/micromegas/pyproject.toml', 'rust/Cargo.toml'];
    for (const f of edited) writeFileSync(join(copy, f), `${readFileSync(join(copy, f), 'utf8')}# my edit\n`);
    const graph = await nx(copy, ['show', 'projects']);
    expect(graph.exitCode, graph.all).toBe(0);
    const said = text(graph);
    // every other manifest is put back (and Cargo.lock, if the orphaned cargo rewrote it); the edited ones are named
    expect(said).toMatch(/Recovered an interrupted bump 0\.12\.0 -> 0\.13\.0 .*: put back .*rust\/public\/Cargo\.toml/);
    const leftAlone =
      /Left alone, because their content is neither the bump's nor the original .*: (.*)\. Their bytes from before the bump are kept in (\.nx\/polyglot-bump-kept\/\S+)\//.exec(
        said,
      );
    expect(leftAlone?.[1].split(', ').sort()).toEqual(edited);
    expect(said).not.toMatch(/Every file is as it was/);
    const changed = (await git(copy, 'status', '--porcelain', '--untracked-files=all')).split('\n').sort();
    expect(changed).toEqual(edited.map((f) => ` M ${f}`));
    for (const f of edited) expect(readFileSync(join(copy, f), 'utf8')).toMatch(/# my edit\n$/);
    // the user takes the kept bytes back: the tree is as it was before that bump
    const kept = leftAlone![2];
    for (const f of edited) writeFileSync(join(copy, f), readFileSync(join(copy, kept, f)));
    rmSync(join(copy, kept), { recursive: true });
    const check = await versionCheck(copy);
    expect(check.exitCode, check.all).toBe(0);
    expect(await git(copy, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  }, 1_200_000);

  it('two bumps at once: the second is refused while the first holds the journal, and goes ahead once the first is gone', async () => {
    await reset(copy);
    const holder = execa('sleep', ['600'], { reject: false });
    const journal = join(copy, JOURNAL_DIR);
    try {
      await execa('mkdir', ['-p', journal]);
      writeFileSync(
        join(journal, 'owner.json'),
        JSON.stringify({
          pid: holder.pid,
          start: null,
          host: (await import('node:os')).hostname(),
          command: 'bump',
          since: 'a moment ago',
        }),
      );
      const refused = await bump(copy);
      expect(refused.exitCode).not.toBe(0);
      expect(text(refused)).toMatch(/bump: a bump is running \(`bump`, pid \d+, started a moment ago\)/);
      expect(await git(copy, 'status', '--porcelain')).toBe('');
    } finally {
      holder.kill('SIGKILL');
      await holder;
    }
    const run = await bump(copy);
    expect(run.exitCode, run.all).toBe(0);
    expect(existsSync(journal)).toBe(false);
  });
});
