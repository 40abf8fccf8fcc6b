import { execa } from 'execa';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureWorkspace, nxIn } from './fixture-workspace';

/**
 * Two release groups, as the real repositories that version apart have them:
 * a Cargo workspace of three crates versioned independently (a <- b <- c, b
 * requiring a in its own manifest, c inheriting b's requirement from
 * `[workspace.dependencies]`), and a PEP 621 package in a fixed group of its own.
 */
const crate = (name: string, deps = '') =>
  `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n${deps ? `\n[dependencies]\n${deps}` : ''}`;
const FILES: Record<string, string> = {
  'package.json': JSON.stringify({
    name: 'groups',
    private: true,
    nx: {
      targets: {
        'version-check': { executor: 'nx-polyglot:version-check', cache: false },
        bump: { executor: 'nx-polyglot:bump', cache: false },
      },
    },
  }),
  'nx.json': JSON.stringify({
    plugins: ['nx-polyglot'],
    release: {
      groups: {
        crates: {
          projects: ['a', 'b', 'c'],
          projectsRelationship: 'independent',
          releaseTag: { pattern: '{projectName}-v{version}' },
        },
        python: { projects: ['fx-py'], projectsRelationship: 'fixed', releaseTag: { pattern: 'py-{version}' } },
      },
      version: { versionActions: 'nx-polyglot/dist/release/version-actions.js' },
    },
  }),
  '.gitignore': 'node_modules\ntarget\n.nx\n',
  'rust/Cargo.toml':
    '[workspace]\nmembers = ["a", "b", "c"]\nresolver = "2"\n\n[workspace.dependencies]\nb = { path = "b", version = "0.1" }\n',
  'rust/a/Cargo.toml': crate('a'),
  'rust/b/Cargo.toml': crate('b', 'a = { path = "../a", version = "0.1.0" }\n'),
  'rust/c/Cargo.toml': crate('c', 'b = { workspace = true }\n'),
  'rust/a/src/lib.rs': 'pub fn a() {}\n',
  'rust/b/src/lib.rs': 'pub fn b() {}\n',
  'rust/c/src/lib.rs': 'pub fn c() {}\n',
  'py/pyproject.toml':
    '[project]\nname = "fx-py"\nversion = "0.1.0"\n\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n',
  'py/fx_py/__init__.py': '',
};

describe('nx release version with an independent group of crates beside a fixed Python group', () => {
  let root: string;
  const git = async (...args: string[]) => (await execa('git', args, { cwd: root })).stdout;
  const version = (...args: string[]) =>
    nxIn(root, ['release', 'version', ...args, '--git-commit=false', '--git-tag=false', '--stage-changes=false']);
  const text = (file: string) => readFileSync(join(root, file), 'utf8');
  const versionCheck = () => nxIn(root, ['run', 'groups:version-check']);
  const changed = async () => (await git('diff', '--name-only')).split('\n').filter(Boolean).sort();
  /** Cargo's own word that manifests and Cargo.lock agree. */
  const cargoLocked = () =>
    execa('cargo', ['metadata', '--format-version', '1', '--offline', '--locked', '--no-deps'], {
      cwd: join(root, 'rust'),
      reject: false,
      all: true,
    });

  beforeAll(async () => {
    root = await fixtureWorkspace('nx-polyglot-groups-', FILES);
    await execa('cargo', ['generate-lockfile', '--offline'], { cwd: join(root, 'rust') });
    await git('add', '.');
    await git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'groups');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('`--projects=a 0.2.0` moves a alone; b’s requirement follows and Nx bumps its dependents; what still admits stays', async () => {
    const run = await version('0.2.0', '--projects=a');
    expect(run.exitCode, run.all).toBe(0);
    expect(text('rust/a/Cargo.toml')).toBe(FILES['rust/a/Cargo.toml'].replace('0.1.0', '0.2.0'));
    // 0.2.0 is outside b's `0.1.0` (^0.1.0): rewritten in the same style; b and c get Nx's patch bump (updateDependents)
    expect(text('rust/b/Cargo.toml')).toBe(
      FILES['rust/b/Cargo.toml'].replace('version = "0.1.0"', 'version = "0.1.1"').replace('"0.1.0" }', '"0.2.0" }'),
    );
    expect(text('rust/c/Cargo.toml')).toBe(FILES['rust/c/Cargo.toml'].replace('0.1.0', '0.1.1'));
    // c's inherited `0.1` admits b 0.1.1: the workspace manifest and the Python group are untouched
    expect(await changed()).toEqual(['rust/Cargo.lock', 'rust/a/Cargo.toml', 'rust/b/Cargo.toml', 'rust/c/Cargo.toml']);
    const locked = await cargoLocked();
    expect(locked.exitCode, locked.all).toBe(0);
    // versioned apart, the check asks each group its own question
    const check = await versionCheck();
    expect(check.exitCode, check.all).toBe(0);
    expect(stripVTControlCharacters(check.all)).toMatch(
      /The 2 release group\(s\) and their 1 lock file\(s\) agree \(crates: each project's own version, every requirement admitting it; python: 0\.1\.0\)/,
    );
    await git('checkout', '--', '.');
  });

  it("as cargo-release releases: `updateDependents: never` moves no dependent's version, yet every requirement the release falls outside follows; `requirements: upgrade` moves those it admits too", async () => {
    const nxJson = (requirements?: string) => {
      const config = JSON.parse(FILES['nx.json']);
      config.release.version = {
        ...config.release.version,
        updateDependents: 'never',
        ...(requirements ? { versionActionsOptions: { requirements } } : {}),
      };
      writeFileSync(join(root, 'nx.json'), JSON.stringify(config));
    };
    nxJson('upgrade');
    const upgrade = await version('0.1.1', '--projects=a');
    expect(upgrade.exitCode, upgrade.all).toBe(0);
    // b's `0.1.0` admits 0.1.1, and is written as cargo-release writes it; b's own version stays
    expect(text('rust/b/Cargo.toml')).toBe(FILES['rust/b/Cargo.toml'].replace('"0.1.0" }', '"0.1.1" }'));
    expect(await changed()).toEqual(['nx.json', 'rust/Cargo.lock', 'rust/a/Cargo.toml', 'rust/b/Cargo.toml']);
    expect((await cargoLocked()).exitCode).toBe(0);
    await git('checkout', '--', '.');
    nxJson();
    const fix = await version('0.2.0', '--projects=a');
    expect(fix.exitCode, fix.all).toBe(0);
    // 0.2.0 is outside b's `0.1.0`: cargo would refuse the lock file, so it moves, though Nx bumps no dependent
    expect(text('rust/b/Cargo.toml')).toBe(FILES['rust/b/Cargo.toml'].replace('"0.1.0" }', '"0.2.0" }'));
    expect(await changed()).toEqual(['nx.json', 'rust/Cargo.lock', 'rust/a/Cargo.toml', 'rust/b/Cargo.toml']);
    expect((await cargoLocked()).exitCode).toBe(0);
    await git('checkout', '--', '.');
  });

  it('the lockstep bump target refuses several groups, pointing at nx release version, and changes nothing', async () => {
    const bump = await nxIn(root, ['run', 'groups:bump', '--to=0.3.0']);
    expect(bump.exitCode).not.toBe(0);
    expect(stripVTControlCharacters(bump.all)).toMatch(
      /bump: moves one release group in lockstep, and nx\.json has 2 release groups: run `nx release version` \(with --groups or --projects\) instead; nothing was changed\./,
    );
    expect(await git('status', '--porcelain')).toBe('');
  });

  it('a pre-release gives the crates `-rc.0` and the Python package `rc0`, requirements name it, and `patch` promotes all to stable', async () => {
    const rc = await version('preminor', '--preid=rc');
    expect(rc.exitCode, rc.all).toBe(0);
    expect(text('py/pyproject.toml')).toBe(FILES['py/pyproject.toml'].replace('0.1.0', '0.1.1rc0'));
    expect(text('rust/b/Cargo.toml')).toBe(FILES['rust/b/Cargo.toml'].replaceAll('0.1.0', '0.1.1-rc.0'));
    // cargo selects a pre-release only through a requirement that names it
    expect(text('rust/Cargo.toml')).toBe(FILES['rust/Cargo.toml'].replace('"0.1"', '"0.1.1-rc.0"'));
    for (const c of ['a', 'c']) expect(text(`rust/${c}/Cargo.toml`)).toMatch(/^version = "0\.1\.1-rc\.0"$/m);
    expect((await cargoLocked()).exitCode).toBe(0);
    await git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-am', 'rc');
    // a requirement that does not name the pre-release does not admit it, for cargo and for the check
    writeFileSync(join(root, 'rust/Cargo.toml'), FILES['rust/Cargo.toml']);
    const check = await versionCheck();
    expect(check.exitCode).not.toBe(0);
    expect(stripVTControlCharacters(check.all)).toMatch(
      /rust\/Cargo\.toml +workspace\.dependencies\.b\.version +0\.1 +a requirement admitting 0\.1\.1-rc\.0/,
    );
    await git('checkout', '--', '.');

    const stable = await version('patch');
    expect(stable.exitCode, stable.all).toBe(0);
    expect(text('py/pyproject.toml')).toBe(FILES['py/pyproject.toml'].replace('0.1.0', '0.1.1'));
    expect(text('rust/b/Cargo.toml')).toBe(FILES['rust/b/Cargo.toml'].replaceAll('0.1.0', '0.1.1'));
    expect(text('rust/Cargo.toml')).toBe(FILES['rust/Cargo.toml'].replace('"0.1"', '"0.1.1"'));
    const locked = await cargoLocked();
    expect(locked.exitCode, locked.all).toBe(0);
  });
});
