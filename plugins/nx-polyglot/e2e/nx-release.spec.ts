import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cargoMetadata } from './cargo-metadata';
import { publishableCrates, releaseSetup } from './release-setup';
import { installRegistries, sparseIndexEntries } from './registries';

beforeAll(() => installRegistries(), 3_600_000);

/** `nx release` end to end on a copy of this repository, against local registries. */
describe('nx release', () => {
  let release: Awaited<ReturnType<typeof releaseSetup>>;
  const nx = (...args: string[]) =>
    execa('npx', ['nx', ...args], {
      cwd: release.copy,
      env: release.env,
      extendEnv: false,
      reject: false,
      all: true,
      stdin: 'ignore',
    });
  const git = async (...args: string[]) => (await execa('git', args, { cwd: release.copy })).stdout;

  beforeAll(async () => {
    release = await releaseSetup('nx-polyglot-nx-release-');
  });
  afterAll(() => release?.cleanup());

  it('--dry-run goes through version, changelog, commit and tag, and changes nothing', async () => {
    const head = await git('rev-parse', 'HEAD');
    const run = await nx('release', '0.13.0', '--dry-run');
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(/Committing changes with git/);
    expect(run.all).toMatch(/Tagging commit with git/);
    expect(await git('status', '--porcelain')).toBe('');
    expect(await git('rev-parse', 'HEAD')).toBe(head);
    expect(await git('tag', '--list')).toBe('');
  });

  it('`nx release 0.13.0 --skip-publish` bumps every manifest, commits and tags, and leaves CHANGELOG.md to the release step', async () => {
    const changelog = readFileSync(join(release.copy, 'CHANGELOG.md'), 'utf8');
    const run = await nx('release', '0.13.0', '--skip-publish');
    expect(run.exitCode, run.all).toBe(0);
    expect(await git('tag', '--list')).toBe('v0.13.0');
    expect(await git('log', '-1', '--format=%s')).toBe('Release v0.13.0');
    expect(await git('status', '--porcelain')).toBe('');
    const changed = (await git('show', '--name-only', '--format=', 'HEAD')).split('\n').sort();
    expect(changed).toEqual(
      expect.arrayContaining([
        'rust/Cargo.toml',
        'rust/Cargo.lock',
        'python/micromegas/pyproject.toml',
        'analytics-web-app/package.json',
      ]),
    );
    expect(readFileSync(join(release.copy, 'CHANGELOG.md'), 'utf8')).toBe(changelog);
    const locked = await cargoMetadata(join(release.copy, 'rust'), { locked: true });
    expect(new Set(locked.map((p) => p.version))).toEqual(new Set(['0.13.0']));
  });

  it('`nx release 0.14.0 --yes` also publishes every publishable crate and the Python package through nx-release-publish; `nx release publish` again uploads nothing', async () => {
    const crates = await publishableCrates(join(release.copy, 'rust'));
    // --yes: `nx release` asks before publishing; CI says yes up front
    const run = await nx('release', '0.14.0', '--yes');
    expect(run.exitCode, run.all).toBe(0);
    expect(await git('tag', '--list')).toBe('v0.13.0\nv0.14.0');
    for (const crate of crates.keys())
      expect(
        (await sparseIndexEntries(release.urls.CARGO_REGISTRIES_LOCAL_INDEX, crate))?.map((e) => e.vers),
        crate,
      ).toEqual(['0.14.0']);
    const simple = await (await fetch(`${release.urls.LOCAL_PYPI_SIMPLE_URL}micromegas/`)).text();
    expect(simple).toMatch(/micromegas-0\.14\.0-py3-none-any\.whl/);
    const records = release.records();
    expect(
      records
        .filter((r) => r.status === 'published')
        .map((r) => r.name)
        .sort(),
    ).toEqual([...crates.keys(), 'micromegas'].sort());

    const again = await nx('release', 'publish');
    expect(again.exitCode, again.all).toBe(0);
    expect(release.records().filter((r) => r.status === 'published')).toHaveLength(
      records.filter((r) => r.status === 'published').length,
    );
  });
});
