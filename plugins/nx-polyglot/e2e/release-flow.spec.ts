import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cargoMetadata } from './cargo-metadata';
import { RecordedRequest, startGithubApiStandIn } from './github-api-stand-in';
import { installRegistries, sparseIndexEntries } from './registries';
import { CANARY as TOKEN, releaseSetup } from './release-setup';
import { copyRepository, removeCopy } from './repo-copy';

const GITHUB_TOKEN = `ghp_flow${Math.random().toString(36).slice(2)}`;

describe.sequential('the release flow on a copy of this repository, into real local registries', () => {
  let release: Awaited<ReturnType<typeof releaseSetup>>;
  let copy: string;
  let urls: Record<string, string>;
  let env: Record<string, string>;
  const step = (target: string, ...args: string[]) =>
    execa('npx', ['nx', 'run', `micromegas-monorepo:${target}`, '--output-style=static', ...args], {
      cwd: copy,
      env,
      extendEnv: false,
      reject: false,
      all: true,
    });
  const git = async (...args: string[]) => (await execa('git', args, { cwd: copy })).stdout;
  const crates = async () => {
    return (await cargoMetadata(join(copy, 'rust'))).filter((p) => p.publish === null).map((p) => p.name);
  };

  beforeAll(async () => {
    await installRegistries();
    // the release's own publish log goes beside its notes (dist/release), as a user's would
    release = await releaseSetup('nx-polyglot-flow-', {
      publishLog: false,
      extraEnv: {
        GIT_AUTHOR_NAME: 'release',
        GIT_AUTHOR_EMAIL: 'release@localhost',
        GIT_COMMITTER_NAME: 'release',
        GIT_COMMITTER_EMAIL: 'release@localhost',
      },
    });
    ({ copy, urls, env } = release);
    await execa('python3', ['tools/python-env.py', 'python/micromegas'], { cwd: copy });
  }, 3_600_000);
  afterAll(() => release?.cleanup());

  it('release --dry-run changes no file, no tag, no registry', async () => {
    const head = await git('rev-parse', 'HEAD');
    const run = await step('release', '--dry-run');
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(/wave 1: micromegas-derive-transit/);
    expect(await git('status', '--porcelain')).toBe('');
    expect(await git('rev-parse', 'HEAD')).toBe(head);
    expect(await git('tag', '--list')).toBe('');
    expect(await sparseIndexEntries(urls.CARGO_REGISTRIES_LOCAL_INDEX, 'micromegas-transit')).toBeUndefined();
  });

  it('release: changelog section, commit, tag v0.12.0, every crate and the Python package published, notes listing them', async () => {
    const run = await step('release');
    expect(run.exitCode, run.all).toBe(0);
    expect(await git('tag', '--list')).toBe('v0.12.0');
    expect(await git('log', '-1', '--format=%s', 'v0.12.0')).toBe('Release v0.12.0');
    expect(readFileSync(join(copy, 'CHANGELOG.md'), 'utf8')).toMatch(/^## \[0\.12\.0\] - \d{4}-\d{2}-\d{2}$/m);
    const notes = readFileSync(join(copy, 'dist/release/v0.12.0.md'), 'utf8');
    expect(notes).toMatch(/^# Micromegas v0\.12\.0/);
    expect(notes).toMatch(/Async span tracing/);
    for (const crate of await crates()) {
      expect(notes, crate).toContain(`[${crate} 0.12.0](`);
      expect(
        (await sparseIndexEntries(urls.CARGO_REGISTRIES_LOCAL_INDEX, crate))?.map((e) => e.vers),
        crate,
      ).toEqual(['0.12.0']);
    }
    expect(notes).toMatch(/## Python Package\n\n- \[micromegas 0\.12\.0\]/);
    expect(notes).toContain('pip install micromegas==0.12.0');
    expect(run.all).toContain(
      'Release notes: dist/release/v0.12.0.md (no GitHub release: neither GITHUB_TOKEN nor GH_TOKEN is set)',
    );
    expect(run.all).toContain('`npx nx run micromegas-monorepo:release --step=github-release --vers=0.12.0`');
    expect(run.all).not.toContain(TOKEN);
  });

  it('release refuses to release v0.12.0 twice', async () => {
    const run = await step('release');
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(/the tag v0\.12\.0 already exists/);
  });

  it('post-release: everything bumped to 0.13.0, [Unreleased] reopened, committed', async () => {
    const run = await step('post-release');
    expect(run.exitCode, run.all).toBe(0);
    expect(await git('status', '--porcelain')).toBe('');
    expect(await git('log', '-1', '--format=%s')).toBe('Bump version to 0.13.0 for next development cycle');
    const changelog = readFileSync(join(copy, 'CHANGELOG.md'), 'utf8');
    expect(changelog.indexOf('## [Unreleased]')).toBeGreaterThan(0);
    expect(changelog.indexOf('## [Unreleased]')).toBeLessThan(changelog.indexOf('## [0.12.0]'));
    expect(readFileSync(join(copy, 'rust/Cargo.toml'), 'utf8')).toMatch(/^version = "0\.13\.0"/m);
    expect(readFileSync(join(copy, 'rust/tracing/Cargo.toml'), 'utf8')).toMatch(/version = "\^0\.13"/);
    expect(existsSync(join(copy, 'dist/release/v0.12.0.md'))).toBe(true);
  });

  it('rollback yanks every crate of 0.12.0 and says what remains by hand; --undo reverts', async () => {
    const run = await step('rollback', '--vers=0.12.0');
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(/PyPI cannot yank through its API/);
    for (const crate of await crates()) {
      expect((await sparseIndexEntries(urls.CARGO_REGISTRIES_LOCAL_INDEX, crate))?.[0].yanked, crate).toBe(true);
    }
    const undo = await step('rollback', '--vers=0.12.0', '--undo');
    expect(undo.exitCode, undo.all).toBe(0);
    expect((await sparseIndexEntries(urls.CARGO_REGISTRIES_LOCAL_INDEX, 'micromegas'))?.[0].yanked).toBe(false);
  });
  // GitHub's REST API cannot be reached from this machine: a GitHub-Enterprise-style
  // apiBaseUrl points Nx at a loopback server standing in for it, which records
  // every request Nx makes. The git remote names the same host; pushes go to a
  // local bare repository instead (url.<bare>.pushInsteadOf).
  describe.sequential('with a GitHub token, on a second copy (the registries already have 0.12.0)', () => {
    let gh: string;
    let origin: string;
    let api: Awaited<ReturnType<typeof startGithubApiStandIn>>;
    const slug = 'micromegas/micromegas';
    const ghStep = (token: Record<string, string>, target: string, ...args: string[]) =>
      execa('npx', ['nx', 'run', `micromegas-monorepo:${target}`, '--output-style=static', ...args], {
        cwd: gh,
        env: { ...env, NX_CACHE_DIRECTORY: join(gh, '.nx', 'cache'), NO_PROXY: '127.0.0.1', ...token },
        extendEnv: false,
        reject: false,
        all: true,
      });
    const ghGit = async (cwd: string, ...args: string[]) => (await execa('git', args, { cwd, env })).stdout;
    const writes = () => api.requests.filter((r) => r.method !== 'GET');
    /** every place the token could travel in a request, but the Authorization header */
    const elsewhere = (r: RecordedRequest) =>
      JSON.stringify([r.url, r.body, Object.entries(r.headers).filter(([k]) => k !== 'authorization')]);

    beforeAll(async () => {
      api = await startGithubApiStandIn(slug);
      gh = await copyRepository('nx-polyglot-flow-github-');
      await execa('python3', ['tools/python-env.py', 'python/micromegas'], { cwd: gh });
      const pkg = JSON.parse(readFileSync(join(gh, 'package.json'), 'utf8'));
      pkg.nx.targets.release.options.createRelease = {
        provider: 'github-enterprise-server',
        hostname: 'github.example.test',
        apiBaseUrl: api.apiBaseUrl,
      };
      writeFileSync(join(gh, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
      await ghGit(gh, 'commit', '-qam', 'release to the GitHub stand-in');
      origin = mkdtempSync(join(tmpdir(), 'nx-polyglot-flow-origin-'));
      await ghGit(origin, 'init', '-q', '--bare');
      await ghGit(gh, 'remote', 'add', 'origin', `https://github.example.test/${slug}.git`);
      await ghGit(gh, 'config', `url.${origin}.pushInsteadOf`, `https://github.example.test/${slug}.git`);
      await ghGit(gh, 'push', '-q', '-u', 'origin', 'main');
    }, 600_000);
    afterAll(async () => {
      await api?.close();
      if (gh) removeCopy(gh);
      if (origin) rmSync(origin, { recursive: true, force: true });
    });

    it('release --dry-run shows the GitHub release it would create and sends nothing', async () => {
      const head = await ghGit(gh, 'rev-parse', 'HEAD');
      const run = await ghStep({ GH_TOKEN: GITHUB_TOKEN }, 'release', '--dry-run');
      expect(run.exitCode, run.all).toBe(0);
      expect(run.all).toContain(
        `Would push to origin and create https://github.example.test/${slug}/releases/tag/v0.12.0 through nx release (token from GH_TOKEN`,
      );
      for (const crate of await crates()) expect(run.all, crate).toContain(`[${crate} 0.12.0](`);
      expect(run.all).toContain('pip install micromegas==0.12.0');
      expect(api.requests).toEqual([]);
      expect(await ghGit(gh, 'status', '--porcelain')).toBe('');
      expect(await ghGit(gh, 'rev-parse', 'HEAD')).toBe(head);
      expect(await ghGit(origin, 'tag', '--list')).toBe('');
      expect(run.all).not.toContain(GITHUB_TOKEN);
    });

    it('release creates the GitHub release v0.12.0 through nx release, our notes its body; the token only in Authorization', async () => {
      const run = await ghStep({ GITHUB_TOKEN }, 'release');
      expect(run.exitCode, run.all).toBe(0);
      expect(run.all).toContain(`GitHub release: https://github.example.test/${slug}/releases/tag/v0.12.0`);
      const notes = readFileSync(join(gh, 'dist/release/v0.12.0.md'), 'utf8');
      const creates = writes();
      expect(creates.map((r) => `${r.method} ${r.url}`)).toEqual([`POST /api/v3/repos/${slug}/releases`]);
      const created = JSON.parse(creates[0].body) as { tag_name: string; body: string; target_commitish: string };
      expect(created.tag_name).toBe('v0.12.0');
      expect(created.body).toBe(notes);
      for (const crate of await crates()) expect(created.body, crate).toContain(`[${crate} 0.12.0](`);
      expect(created.body).toMatch(/## Python Package\n\n- \[micromegas 0\.12\.0\]/);
      expect(created.body).toContain(`https://github.example.test/${slug}/blob/v0.12.0/CHANGELOG.md`);
      expect(created.target_commitish).toBe(await ghGit(gh, 'rev-parse', 'v0.12.0^{commit}'));
      // Nx pushed the release commit and the tag before creating the release
      expect(await ghGit(origin, 'rev-parse', 'v0.12.0^{commit}', 'main')).toBe(
        `${created.target_commitish}\n${created.target_commitish}`,
      );
      for (const r of api.requests) {
        expect(r.headers.authorization, `${r.method} ${r.url}`).toBe(`Bearer ${GITHUB_TOKEN}`);
        expect(elsewhere(r), `${r.method} ${r.url}`).not.toContain(GITHUB_TOKEN);
      }
      expect(run.all).not.toContain(GITHUB_TOKEN);
      const written = [
        join(gh, '.git', 'config'),
        ...readdirSync(join(gh, 'dist/release')).map((f) => join(gh, 'dist/release', f)),
      ];
      for (const file of written) expect(readFileSync(file, 'utf8'), file).not.toContain(GITHUB_TOKEN);
    });

    it('the github-release step updates it from the notes file; without a token it says what to set', async () => {
      const run = await ghStep({ GITHUB_TOKEN }, 'release', '--step=github-release');
      expect(run.exitCode, run.all).toBe(0);
      expect(writes().map((r) => r.method)).toEqual(['POST', 'PATCH']);
      expect(JSON.parse(writes()[1].body).body).toBe(readFileSync(join(gh, 'dist/release/v0.12.0.md'), 'utf8'));
      const without = await ghStep({}, 'release', '--step=github-release');
      expect(without.exitCode).not.toBe(0);
      expect(without.all).toMatch(/neither GITHUB_TOKEN nor GH_TOKEN is set/);
      expect(writes()).toHaveLength(2);
    });
  });
});
