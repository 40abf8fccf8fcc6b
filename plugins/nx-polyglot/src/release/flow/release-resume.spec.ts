import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runProcess } from '../../run-process';
import { sectionBody } from '../changelog';
import type { FlowContext } from './context';
import { readReleaseRecord, releaseRecordFile } from './interrupted-release';
import { releaseVersionOnDisk } from './release';
import { releaseLockFile, takeReleaseLock } from './release-lock';

/** Stands for SIGKILL in-process: the step stops at once, and nothing after it runs (no cleanup, no message). */
class Killed extends Error {}

/**
 * The release step on a real git repository; the CI checks and the publish
 * are recorded instead of run (`publishes` says whether publishing succeeds),
 * and `killAt` stops the step abruptly before the first git command or run
 * it matches, as a kill would.
 */
function flowIn(root: string, options: { killAt?: (what: string) => boolean; publishes?: boolean } = {}) {
  const said: string[] = [];
  const ran: string[] = [];
  const check = (what: string) => {
    if (options.killAt?.(what)) throw new Killed(what);
  };
  const flow: FlowContext = {
    root,
    target: 'root:release',
    manifests: { cargo: [], python: [], packageJson: [] },
    version: '0.12.0',
    versionOnDisk: () => '0.12.0',
    dryRun: false,
    log: {
      say: (l) => void said.push(l),
      fail: (l) => (said.push(l), { success: false }),
    },
    run: async (file, args) => {
      const what = [file, ...args].join(' ');
      check(what);
      ran.push(what);
      return { exitCode: what.includes('-t publish') && options.publishes === false ? 1 : 0, output: '' };
    },
    git: async (...args) => {
      check(`git ${args.join(' ')}`);
      return runProcess('git', args, { cwd: root });
    },
  };
  return { flow, said, ran };
}

const git = (root: string, ...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
const release = (root: string, options: Parameters<typeof flowIn>[1] = {}) => {
  const f = flowIn(root, options);
  return releaseVersionOnDisk(f.flow, { createRelease: false }).then(
    (result) => ({ ...f, result, killed: false }),
    (e: unknown) => {
      if (!(e instanceof Killed)) throw e;
      return { ...f, result: undefined, killed: true };
    },
  );
};

/** One commit, one tag at it, one changelog section: the state every finished release reaches. */
function expectReleasedOnce(root: string) {
  expect(git(root, 'log', '--format=%s')).toBe('Release v0.12.0\nstart');
  expect(git(root, 'tag', '--list')).toBe('v0.12.0');
  expect(git(root, 'rev-parse', 'v0.12.0^{commit}')).toBe(git(root, 'rev-parse', 'HEAD'));
  const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
  expect(changelog.match(/^## \[0\.12\.0\]/gm)).toHaveLength(1);
  expect(sectionBody(changelog, '0.12.0')).toBe('- Async span tracing.');
  expect(sectionBody(changelog, 'Unreleased')).toBe('');
  expect(git(root, 'status', '--porcelain')).toBe('');
  expect(existsSync(releaseRecordFile(root))).toBe(false);
}

describe('a release stopped at any point is finished by running it again, doing nothing twice', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-polyglot-resume-'));
    git(root, 'init', '-q', '-b', 'main');
    git(root, 'config', 'user.name', 'test');
    git(root, 'config', 'user.email', 'test@localhost');
    writeFileSync(join(root, '.gitignore'), '.nx/\ndist/\n');
    writeFileSync(join(root, 'CHANGELOG.md'), '# Changelog\n\n## [Unreleased]\n\n- Async span tracing.\n');
    git(root, 'add', '-A');
    git(root, 'commit', '-qm', 'start');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('a release that ran through: one commit, one tag; the same release again is refused as released', async () => {
    const first = await release(root);
    expect(first.result, first.said.join('\n')).toEqual({ success: true });
    expectReleasedOnce(root);
    const again = await release(root);
    expect(again.result).toEqual({ success: false });
    expect(again.said.join('\n')).toMatch(/the tag v0\.12\.0 already exists; 0\.12\.0 was released/);
    expect(again.ran).toEqual([]);
  });

  const points: Array<[string, (what: string) => boolean]> = [
    ['before the changelog is staged', (w) => w.startsWith('git add')],
    ['after staging, before the commit', (w) => w.startsWith('git commit')],
    ['after the commit, before the tag', (w) => w.startsWith('git tag -a')],
    ['after the tag, during publish', (w) => w.includes('-t publish')],
  ];
  for (const [where, killAt] of points) {
    it(`stopped ${where}: the rerun finishes it, without the CI checks again`, async () => {
      const killed = await release(root, { killAt });
      expect(killed.killed).toBe(true);
      expect(readReleaseRecord(root)?.tag).toBe('v0.12.0');
      // git killed while it held its lock files, as a kill during `git add` or `git commit` leaves them
      if (where.includes('staged') || where.includes('before the commit'))
        for (const lock of ['index.lock', 'HEAD.lock', 'refs/heads/main.lock'])
          writeFileSync(join(root, '.git', lock), '');
      const rerun = await release(root);
      expect(rerun.result, rerun.said.join('\n')).toEqual({ success: true });
      expect(rerun.said.join('\n')).toMatch(/release: finishing v0\.12\.0, interrupted \(begun .* by pid \d+\): found/);
      expect(rerun.ran.filter((r) => r.includes('-t test'))).toEqual([]);
      expect(rerun.ran.filter((r) => r.includes('-t publish'))).toHaveLength(1);
      expectReleasedOnce(root);
    });
  }

  it('publishing failed: the message says to run it again, which finishes it; then it is released', async () => {
    const failed = await release(root, { publishes: false });
    expect(failed.result).toEqual({ success: false });
    expect(failed.said.join('\n')).toContain('Run `npx nx run root:release` again to finish v0.12.0');
    const rerun = await release(root);
    expect(rerun.result, rerun.said.join('\n')).toEqual({ success: true });
    expectReleasedOnce(root);
    expect((await release(root)).said.join('\n')).toMatch(/already exists/);
  });

  it('an interrupted release whose HEAD moved on is refused, saying how to finish or give it up', async () => {
    await release(root, { killAt: (w) => w.startsWith('git tag -a') });
    writeFileSync(join(root, 'other.txt'), 'x');
    git(root, 'add', 'other.txt');
    git(root, 'commit', '-qm', 'other');
    const rerun = await release(root);
    expect(rerun.result).toEqual({ success: false });
    expect(rerun.said.join('\n')).toMatch(
      /the release of v0\.12\.0 .* did not finish, and HEAD has moved since .* remove \.nx\/polyglot-release-in-progress\.json to give that release up\. Nothing was done\./,
    );
    expect(git(root, 'tag', '--list')).toBe('');
  });
});

describe('the release lock: one release step at a time in a workspace', () => {
  let root: string;
  let holder: ChildProcess | undefined;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'nx-polyglot-release-lock-'))));
  afterEach(() => {
    holder?.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('a second step refuses at once, naming the holder (pid, host, since) and what to do', () => {
    const first = takeReleaseLock(root, 'release of v0.12.0', () => undefined);
    if (!('release' in first)) throw new Error(first.refusal);
    const second = takeReleaseLock(root, 'release of v0.12.0', () => undefined);
    expect(second).toEqual({
      refusal: expect.stringMatching(
        new RegExp(
          `^another release step is running in this workspace: release of v0\\.12\\.0, pid ${process.pid} on ${hostname()}, since \\d{4}-.*Z\\. Nothing was done\\. Wait for it to end`,
        ),
      ),
    });
    first.release();
    const third = takeReleaseLock(root, 'post-release', () => undefined);
    expect('release' in third).toBe(true);
  });

  it('a lock left by a killed step is taken over, and says so', async () => {
    holder = spawn('sleep', ['600'], { stdio: 'ignore' });
    const dead = holder.pid as number;
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder!.once('exit', resolve));
    const file = releaseLockFile(root);
    takeReleaseLock(root, 'x', () => undefined); // creates the directory
    writeFileSync(
      file,
      JSON.stringify({
        pid: dead,
        start: null,
        host: hostname(),
        since: '2026-01-01T00:00:00.000Z',
        what: 'release of v0.12.0',
      }),
    );
    const said: string[] = [];
    const taken = takeReleaseLock(root, 'release of v0.12.0', (l) => void said.push(l));
    expect('release' in taken).toBe(true);
    expect(said).toEqual([
      `release of v0.12.0: the release lock of pid ${dead} on ${hostname()}, since 2026-01-01T00:00:00.000Z was left by a step that no longer runs; taken over.`,
    ]);
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
  });

  it('a live holder on this host keeps it; the holder is recognised by pid and start time', () => {
    holder = spawn('sleep', ['600'], { stdio: 'ignore' });
    takeReleaseLock(root, 'x', () => undefined);
    writeFileSync(
      releaseLockFile(root),
      JSON.stringify({ pid: holder.pid, start: null, host: hostname(), since: '2026-01-01T00:00:00.000Z' }),
    );
    const taken = takeReleaseLock(root, 'release of v0.12.0', () => undefined);
    expect(taken).toEqual({ refusal: expect.stringContaining(`a release step, pid ${holder.pid} on ${hostname()}`) });
  });
});
