import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installRegistries, releaseEnv, sparseIndexEntries, startRegistries, stopRegistries, verdaccioToken } from './registries';
import { copyRepository } from './repo-copy';

const TOKEN = `flow-${Math.random().toString(36).slice(2)}`;

describe.sequential('the release flow on a copy of this repository, into real local registries', () => {
  let copy: string;
  let data: string;
  let urls: Record<string, string>;
  let env: Record<string, string>;
  const step = (target: string, ...args: string[]) =>
    execa('npx', ['nx', 'run', `micromegas-monorepo:${target}`, '--output-style=static', ...args], { cwd: copy, env, extendEnv: false, reject: false, all: true });
  const git = async (...args: string[]) => (await execa('git', args, { cwd: copy })).stdout;
  const crates = async () => {
    const { stdout } = await execa('cargo', ['metadata', '--no-deps', '--format-version', '1', '--offline'], { cwd: join(copy, 'rust') });
    return (JSON.parse(stdout).packages as Array<{ name: string; publish: string[] | null }>).filter((p) => p.publish === null).map((p) => p.name);
  };

  beforeAll(async () => {
    await installRegistries();
    copy = await copyRepository('nx-polyglot-flow-');
    await execa('python3', ['tools/python-env.py', 'python/micromegas'], { cwd: copy });
    data = mkdtempSync(join(tmpdir(), 'nx-polyglot-flow-registries-'));
    urls = await startRegistries(data, TOKEN);
    const npm = await verdaccioToken(urls.NPM_CONFIG_REGISTRY, 'flow', 'flow-password');
    env = releaseEnv(copy, urls, { crates: TOKEN, npm }, {
      GIT_AUTHOR_NAME: 'release',
      GIT_AUTHOR_EMAIL: 'release@localhost',
      GIT_COMMITTER_NAME: 'release',
      GIT_COMMITTER_EMAIL: 'release@localhost',
    });
  }, 3_600_000);
  afterAll(async () => {
    if (data) await stopRegistries(data);
    rmSync(copy, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  });

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
      expect((await sparseIndexEntries(urls.CARGO_REGISTRIES_LOCAL_INDEX, crate))?.map((e) => e.vers), crate).toEqual(['0.12.0']);
    }
    expect(notes).toMatch(/## Python Package\n\n- \[micromegas 0\.12\.0\]/);
    expect(notes).toContain('pip install micromegas==0.12.0');
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
});
