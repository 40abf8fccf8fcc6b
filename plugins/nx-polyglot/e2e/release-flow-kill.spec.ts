import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  armStop,
  disarmStops,
  FAULT_SEED,
  faultRuns,
  installStopHooks,
  killRun,
  processesMatching,
  seededSample,
  stopReached,
} from './faults';
import { duplicates, label, PlannedPackage, proxiedRelease, ProxiedReleaseSession } from './proxied-release';
import { installRegistries } from './registries';
import { githubSide } from './release-setup';

beforeAll(() => installRegistries(), 3_600_000);

/** Where the whole release (the nx process group) is killed. */
type KillPoint =
  | { kind: 'checks'; what: string }
  | { kind: 'git'; repo: 'copy' | 'origin'; point: string; what: string }
  | { kind: 'registry request'; nth: number; what: string }
  | { kind: 'upload'; ecosystem: 'cargo' | 'python'; nth: number; deliver: boolean; what: string }
  | { kind: 'github'; deliver: boolean; what: string };

/**
 * The kill points of a release, by the part of the flow they fall in, in the
 * flow's order. Each category is sampled with the seed (one point each by
 * default; NX_POLYGLOT_FAULT_RUNS widens it, `all` for every point).
 */
function categories(tag: string): KillPoint[][] {
  const upload = (ecosystem: 'cargo' | 'python', nth: number, deliver: boolean): KillPoint => ({
    kind: 'upload',
    ecosystem,
    nth,
    deliver,
    what: `during publish, at the ${nth === 1 ? 'first' : 'second'} ${ecosystem === 'cargo' ? 'crate' : 'Python'} upload, ${deliver ? 'after the registry stored it' : 'before the registry has it'}`,
  });
  return [
    [{ kind: 'checks', what: 'during the CI checks (cargo test running)' }],
    [
      { kind: 'git', repo: 'copy', point: 'pre-commit', what: 'the changelog written and staged, before the commit' },
      {
        kind: 'git',
        repo: 'copy',
        point: 'reference-transaction prepared refs/heads/main',
        what: 'during the commit (its objects written, git holding the branch lock)',
      },
    ],
    [
      { kind: 'git', repo: 'copy', point: 'post-commit', what: 'after the commit, before the tag' },
      {
        kind: 'git',
        repo: 'copy',
        point: `reference-transaction prepared refs/tags/${tag}`,
        what: 'during the tag (git holding the tag lock)',
      },
    ],
    [
      {
        kind: 'git',
        repo: 'copy',
        point: `reference-transaction committed refs/tags/${tag}`,
        what: 'after the tag, before publish',
      },
      { kind: 'registry request', nth: 1, what: "after the tag, at publish's first registry request" },
    ],
    [upload('cargo', 1, false), upload('cargo', 2, true), upload('python', 1, false), upload('python', 1, true)],
    [
      {
        kind: 'git',
        repo: 'origin',
        point: 'pre-receive',
        what: 'after publish, during the push of the release commit and tag',
      },
      {
        kind: 'github',
        deliver: false,
        what: 'after publish, while creating the GitHub release (before GitHub has it)',
      },
      {
        kind: 'github',
        deliver: true,
        what: 'after publish, the GitHub release created and its answer lost',
      },
    ],
  ];
}

/**
 * SIGKILL of the whole `nx run micromegas-monorepo:release` (its process
 * group) at seeded points of the flow, on one copy, real registries, real
 * git and the GitHub stand-in. The points are chained on one release: each
 * rerun of the same command is itself killed at the next point, and the last
 * rerun runs to the end; so every rerun starts from what a kill left, and
 * the CI checks (minutes on a fresh copy) run once. After every kill:
 * at most one release commit and one tag, no package uploaded twice, the
 * changelog section at most once; at the end: one commit, one tag at it,
 * every package once in its registry, one GitHub release, the section once,
 * and the same release again refused as released.
 */
describe.sequential('SIGKILL of the release flow at seeded points: the rerun finishes it, nothing twice', () => {
  let s: ProxiedReleaseSession;
  let gh: Awaited<ReturnType<typeof githubSide>>;
  let plan: PlannedPackage[];
  let env: Record<string, string>;
  const found = { points: 0, duplicates: 0, missing: 0 };
  const copyGit = () => join(s.copy, '.git');
  const git = async (...args: string[]) => (await execa('git', args, { cwd: s.copy })).stdout;
  const release = (detached = false) =>
    execa('npx', ['nx', 'run', 'micromegas-monorepo:release', '--output-style=static'], {
      cwd: s.copy,
      env,
      extendEnv: false,
      reject: false,
      all: true,
      detached,
    });
  const releaseCommits = async () =>
    (await git('log', '--format=%s')).split('\n').filter((l) => l === `Release v${plan[0].version}`).length;
  const sections = (version: string) =>
    readFileSync(join(s.copy, 'CHANGELOG.md'), 'utf8').match(
      new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\]`, 'gm'),
    )?.length ?? 0;

  beforeAll(async () => {
    s = await proxiedRelease('nx-polyglot-flow-kill-');
    gh = await githubSide(s.copy, s.env);
    await execa('python3', ['tools/python-env.py', 'python/micromegas'], { cwd: s.copy });
    await git('config', 'user.name', 'release');
    await git('config', 'user.email', 'release@localhost');
    installStopHooks(copyGit());
    installStopHooks(gh.origin);
    // the release writes its own publish log beside its notes
    const { NX_POLYGLOT_PUBLISH_LOG: _, ...rest } = s.env;
    env = { ...rest, NO_PROXY: '127.0.0.1', GITHUB_TOKEN: gh.token };
    plan = await s.plan();
  }, 3_600_000);
  afterAll(async () => {
    console.log(
      `release flow kill points (seed ${FAULT_SEED}): ${found.points}; ${found.duplicates} duplicate(s), ${found.missing} missing`,
    );
    await gh?.cleanup();
    await s?.cleanup();
  });

  it('every seeded kill point, in the order of the flow; the last rerun converges to the full state', async () => {
    const { version } = plan.find((p) => p.ecosystem === 'cargo')!;
    const tag = `v${version}`;
    const chosen = categories(tag).flatMap((points, i) => seededSample(points, faultRuns(1), FAULT_SEED + i));
    console.log(
      `release flow kill points, seed ${FAULT_SEED} (NX_POLYGLOT_FAULT_SEED): ${chosen.map((p) => p.what).join('; ')}`,
    );
    const skipped: string[] = [];
    for (const point of chosen) {
      if (point.kind === 'upload') {
        // an earlier point's run may have uploaded them all before it was killed: then this point is not in the flow any more
        const present = await s.present(plan);
        const left = plan.filter((p) => p.ecosystem === point.ecosystem && !present.has(label(p))).length;
        if (left < point.nth) {
          skipped.push(point.what);
          continue;
        }
      }
      let killed: number[] = [];
      const group: { pid?: number } = {};
      const kill = () => {
        if (killed.length === 0 && group.pid !== undefined) killed = killRun(group.pid, [s.copy, gh.origin]);
      };
      if (point.kind === 'git') armStop(point.repo === 'copy' ? copyGit() : gh.origin, point.point);
      let requests = 0;
      const uploads = { cargo: 0, python: 0 };
      for (const proxy of Object.values(s.proxies))
        proxy.onRequest = (r) => {
          requests++;
          if (killed.length > 0) return;
          if (point.kind === 'registry request' && requests === point.nth) return (kill(), 'drop');
          if (point.kind !== 'upload') return;
          const isUpload =
            point.ecosystem === 'cargo'
              ? r.method === 'PUT' && r.path.endsWith('/crates/new')
              : r.method === 'POST' && /filename="/.test(r.body.toString('latin1'));
          if (!isUpload || ++uploads[point.ecosystem] !== point.nth) return;
          kill();
          // the release is dead: the registry gets the upload only after it (or never)
          return point.deliver ? 'forward' : 'drop';
        };
      gh.proxy.onRequest = (r) => {
        if (point.kind !== 'github' || killed.length > 0 || r.method !== 'POST') return;
        kill();
        return point.deliver ? 'forward' : 'drop';
      };
      const uploadsBefore = s.uploads().length;
      const child = release(true);
      group.pid = child.pid;
      // the points outside a request: a stop hook reached, or cargo test running in the copy
      const watch = setInterval(() => {
        if (point.kind === 'git' && stopReached(point.repo === 'copy' ? copyGit() : gh.origin)) kill();
        if (
          point.kind === 'checks' &&
          processesMatching(
            (argv, cwd) => cwd.startsWith(s.copy) && argv.some((a) => /(^|\/)cargo$/.test(a)) && argv.includes('test'),
          ).length > 0
        )
          kill();
      }, 100);
      const first = await child;
      clearInterval(watch);
      for (const proxy of [...Object.values(s.proxies), gh.proxy]) proxy.onRequest = undefined;
      disarmStops(copyGit());
      disarmStops(gh.origin);
      expect(killed.length, `${point.what}: the kill point was reached\n${first.all}`).toBeGreaterThan(0);
      expect(first.exitCode, point.what).not.toBe(0);
      // what a kill may leave: never two of anything
      const twice = duplicates(s.uploads().slice(uploadsBefore));
      found.duplicates += twice.length;
      expect(twice, `${point.what}: uploaded twice`).toEqual([]);
      expect(await releaseCommits(), point.what).toBeLessThanOrEqual(1);
      expect((await git('tag', '--list')).split('\n').filter(Boolean).length, point.what).toBeLessThanOrEqual(1);
      expect(sections(version), point.what).toBeLessThanOrEqual(1);
      expect(gh.created().length, point.what).toBeLessThanOrEqual(1);
      found.points++;
    }

    if (skipped.length) console.log(`kill points no longer in the flow when their turn came: ${skipped.join('; ')}`);
    const last = await release();
    expect(last.exitCode, `the last rerun\n${last.all}`).toBe(0);
    // it says it finishes the release begun before, and runs no CI check again
    expect(last.all).toMatch(new RegExp(`release: finishing ${tag}, interrupted \\(begun .* by pid \\d+\\): found`));
    expect(last.all).not.toContain('run-many -t test lint format');
    const now = await s.present(plan);
    const missing = plan.filter((p) => !now.has(label(p))).map(label);
    const twice = duplicates(s.uploads());
    found.missing += missing.length;
    found.duplicates += twice.length;
    expect(missing, 'missing after the last rerun').toEqual([]);
    expect(twice, 'uploaded twice over all the runs').toEqual([]);
    expect(await releaseCommits()).toBe(1);
    expect(await git('tag', '--list')).toBe(tag);
    expect(await git('rev-parse', `${tag}^{commit}`)).toBe(await git('rev-parse', 'HEAD'));
    expect(await git('log', '-1', '--format=%s')).toBe(`Release ${tag}`);
    expect(await git('status', '--porcelain')).toBe('');
    expect(sections(version)).toBe(1);
    expect(gh.created()).toHaveLength(1);
    // the GitHub release's body is the final notes: every package listed
    const notes = readFileSync(join(s.copy, `dist/release/${tag}.md`), 'utf8');
    for (const p of plan.filter((p) => p.ecosystem === 'cargo'))
      expect(notes, p.name).toContain(`[${p.name} ${version}](`);
    const body = (await (await fetch(`${gh.api.apiBaseUrl}/repos/${gh.slug}/releases/tags/${tag}`)).json()) as {
      body: string;
    };
    expect(body.body).toBe(notes);
    // the remote has the release commit and the tag
    const pushed = await execa('git', ['rev-parse', `${tag}^{commit}`, 'main'], { cwd: gh.origin });
    expect(pushed.stdout).toBe(`${await git('rev-parse', 'HEAD')}\n${await git('rev-parse', 'HEAD')}`);
    expect(existsSync(join(s.copy, '.nx/polyglot-release-in-progress.json'))).toBe(false);
    // finished: the same release again is refused as released, and uploads nothing
    const uploadsBefore = s.uploads().length;
    const again = await release();
    expect(again.exitCode).not.toBe(0);
    expect(again.all).toMatch(new RegExp(`the tag ${tag} already exists`));
    expect(s.uploads().length).toBe(uploadsBefore);
    expect(again.all).not.toContain(gh.token);
  }, 3_600_000);
});
