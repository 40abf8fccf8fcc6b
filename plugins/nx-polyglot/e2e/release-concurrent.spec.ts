import { execa } from 'execa';
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armStop, installStopHooks, stopReached } from './faults';
import { duplicates, label, PlannedPackage, proxiedRelease, ProxiedReleaseSession } from './proxied-release';
import { installRegistries } from './registries';
import { githubSide } from './release-setup';

beforeAll(() => installRegistries(), 3_600_000);

/**
 * Two `nx run micromegas-monorepo:release` started at once on one checkout
 * (two terminals, two CI jobs), into real registries, with real git and the
 * GitHub stand-in. The one that takes the workspace's release lock releases;
 * the other refuses at once, naming it. The winner is held at its commit (a
 * pre-commit hook waits) until the loser has ended, so the two overlap
 * whatever the machine's load; then it runs to the end.
 */
describe.sequential('two releases at once on one repository', () => {
  let s: ProxiedReleaseSession;
  let gh: Awaited<ReturnType<typeof githubSide>>;
  let plan: PlannedPackage[];
  let env: Record<string, string>;
  const git = async (...args: string[]) => (await execa('git', args, { cwd: s.copy })).stdout;
  const release = () =>
    execa('npx', ['nx', 'run', 'micromegas-monorepo:release', '--output-style=static'], {
      cwd: s.copy,
      env,
      extendEnv: false,
      reject: false,
      all: true,
    });

  beforeAll(async () => {
    s = await proxiedRelease('nx-polyglot-concurrent-');
    gh = await githubSide(s.copy, s.env);
    await execa('python3', ['tools/python-env.py', 'python/micromegas'], { cwd: s.copy });
    await git('config', 'user.name', 'release');
    await git('config', 'user.email', 'release@localhost');
    installStopHooks(join(s.copy, '.git'));
    const { NX_POLYGLOT_PUBLISH_LOG: _, ...rest } = s.env;
    env = { ...rest, NO_PROXY: '127.0.0.1', GITHUB_TOKEN: gh.token };
    plan = await s.plan();
  }, 3_600_000);
  afterAll(async () => {
    await gh?.cleanup();
    await s?.cleanup();
  });

  it('one releases, the other refuses naming it (pid, host, since): one commit, one tag, each package once, one GitHub release', async () => {
    const { version } = plan.find((p) => p.ecosystem === 'cargo')!;
    const tag = `v${version}`;
    const gitDir = join(s.copy, '.git');
    armStop(gitDir, 'hold:pre-commit');
    const runs = [release(), release()];
    const ends = runs.map((r, i) => r.then((result) => ({ i, result })));
    const loser = await Promise.race(ends);
    const winner = runs[1 - loser.i];
    // the winner is still running: held at its commit, or before it
    expect(stopReached(gitDir) === undefined || stopReached(gitDir) === 'pre-commit').toBe(true);
    rmSync(join(gitDir, 'hold'), { force: true });
    const won = await winner;
    const lost = loser.result;

    expect(won.exitCode, won.all).toBe(0);
    expect(lost.exitCode, lost.all).not.toBe(0);
    expect(lost.all).toMatch(
      new RegExp(
        `release: another release step is running in this workspace: release of ${tag.replace(/\./g, '\\.')}, ` +
          `pid \\d+ on ${hostname()}, since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\. Nothing was done\\. ` +
          'Wait for it to end and read its outcome there; if it is killed before it finishes, run this again and it resumes\\.',
      ),
    );
    // the loser did nothing: no check, no publish of its own
    expect(lost.all).not.toContain('run-many -t test lint format');

    expect((await git('log', '--format=%s')).split('\n').filter((l) => l === `Release ${tag}`)).toHaveLength(1);
    expect(await git('tag', '--list')).toBe(tag);
    expect(await git('rev-parse', `${tag}^{commit}`)).toBe(await git('rev-parse', 'HEAD'));
    const now = await s.present(plan);
    expect(plan.filter((p) => !now.has(label(p))).map(label)).toEqual([]);
    expect(duplicates(s.uploads())).toEqual([]);
    // every package uploaded exactly once: as many accepted uploads as packages (the Python package: wheel and sdist)
    expect(s.uploads().length).toBe(plan.length + plan.filter((p) => p.ecosystem === 'python').length);
    expect(gh.created()).toHaveLength(1);

    // and after it finished, the same release again is refused as released
    const again = await release();
    expect(again.exitCode).not.toBe(0);
    expect(again.all).toMatch(new RegExp(`the tag ${tag.replace(/\./g, '\\.')} already exists`));
    expect(again.all).not.toContain(gh.token);
  }, 3_600_000);
});
