import { execa } from 'execa';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cargoMetadata } from './cargo-metadata';
import { copyRepository, nxEnv, removeCopy } from './repo-copy';

const git = async (copy: string, ...args: string[]) => (await execa('git', args, { cwd: copy })).stdout;

/** What a bump 0.12.0 -> 0.13.0 of this repository may change: version strings and lock files. */
const BUMPED_FILES = [
  'analytics-web-app/package.json',
  'package-lock.json',
  'python/micromegas/pyproject.toml',
  'rust/Cargo.lock',
  'rust/Cargo.toml',
  'rust/public/Cargo.toml',
  'rust/tracing/Cargo.toml',
  'rust/transit/Cargo.toml',
].sort();

/** In each manifest, every changed line is the old line with 0.12 -> 0.13. */
async function expectOnlyVersionStringsChanged(copy: string, files: string[]): Promise<void> {
  for (const file of files) {
    const diff = (await git(copy, 'diff', '-U0', '--', file)).split('\n');
    const removed = diff.filter((l) => l.startsWith('-') && !l.startsWith('---')).map((l) => l.slice(1));
    const added = diff.filter((l) => l.startsWith('+') && !l.startsWith('+++')).map((l) => l.slice(1));
    expect(added, file).toEqual(removed.map((l) => l.replace(/0\.12/g, '0.13')));
  }
}

describe('lockstep bump of the release group on a copy of this repository', () => {
  let copy: string;
  const nx = (...args: string[]) =>
    execa('npx', ['nx', 'run', 'micromegas-monorepo:bump', '--output-style=static', ...args], {
      cwd: copy,
      env: nxEnv,
      reject: false,
      all: true,
    });
  beforeAll(async () => {
    copy = await copyRepository('nx-polyglot-bump-');
  });
  afterAll(() => removeCopy(copy));

  it('--dry-run lists the edits and changes no file', async () => {
    const run = await nx('--dry-run');
    expect(run.exitCode, run.all).toBe(0);
    expect(stripVTControlCharacters(run.all)).toMatch(
      /rust\/tracing\/Cargo\.toml {2}dependencies\.micromegas-tracing-proc-macros\.version {2}\^0\.12 -> \^0\.13/,
    );
    expect(await git(copy, 'status', '--porcelain')).toBe('');
  });

  it('refuses a read-only manifest and leaves every file as it was', async () => {
    const pyproject = join(copy, 'python/micromegas/pyproject.toml');
    chmodSync(pyproject, 0o444);
    try {
      const run = await nx();
      expect(run.exitCode).not.toBe(0);
      expect(stripVTControlCharacters(run.all)).toMatch(
        /python\/micromegas\/pyproject\.toml: is read-only, so the bump cannot write it; nothing was changed/,
      );
      expect(await git(copy, 'status', '--porcelain')).toBe('');
    } finally {
      chmodSync(pyproject, 0o644);
    }
  });

  it('puts every file back when a lock file cannot be regenerated', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'broken-cargo-'));
    writeFileSync(join(bin, 'cargo'), '#!/bin/sh\necho "cargo: broken on purpose" >&2\nexit 1\n', { mode: 0o755 });
    const run = await execa('npx', ['nx', 'run', 'micromegas-monorepo:bump', '--output-style=static'], {
      cwd: copy,
      env: { ...nxEnv, PATH: `${bin}:${process.env.PATH}` },
      reject: false,
      all: true,
    });
    expect(run.exitCode).not.toBe(0);
    expect(stripVTControlCharacters(run.all)).toMatch(
      /regenerating rust\/Cargo\.lock failed \(`cargo update --workspace --offline`\); every file is as it was/,
    );
    expect(await git(copy, 'status', '--porcelain')).toBe('');
  });

  it('bumps 0.12.0 to 0.13.0 touching only version strings and lock files, and the tools agree', async () => {
    const run = await nx();
    expect(run.exitCode, run.all).toBe(0);
    const changed = (await git(copy, 'diff', '--name-only')).split('\n').sort();
    expect(changed).toEqual(BUMPED_FILES);
    await expectOnlyVersionStringsChanged(
      copy,
      changed.filter((f) => !f.endsWith('.lock') && f !== 'package-lock.json'),
    );
    expect(readFileSync(join(copy, 'rust/tracing/Cargo.toml'), 'utf8')).toMatch(
      /path = "\.\/proc-macros", version = "\^0\.13"/,
    );
    const locked = await cargoMetadata(join(copy, 'rust'), { locked: true });
    expect(new Set(locked.map((p) => p.version))).toEqual(new Set(['0.13.0']));
    await execa('poetry', ['check'], { cwd: join(copy, 'python/micromegas') });
    const lock = JSON.parse(readFileSync(join(copy, 'package-lock.json'), 'utf8'));
    expect(lock.packages['analytics-web-app'].version).toBe('0.13.0');
    const ls = await execa('npm', ['ls', '--all', '--json', 'analytics-web-app'], {
      cwd: copy,
      reject: false,
      all: true,
    });
    expect(ls.exitCode, ls.all).toBe(0);
    expect(JSON.parse(ls.stdout).dependencies['analytics-web-app'].version).toBe('0.13.0');
    const check = await execa('npx', ['nx', 'run', 'micromegas-monorepo:version-check', '--expected=0.13.0'], {
      cwd: copy,
      env: nxEnv,
      reject: false,
      all: true,
    });
    expect(check.exitCode, check.all).toBe(0);
  });
});

describe("nx release version with the plugin's VersionActions, on a copy of this repository", () => {
  let copy: string;
  const release = (...args: string[]) =>
    execa(
      'npx',
      ['nx', 'release', 'version', '0.13.0', '--git-commit=false', '--git-tag=false', '--stage-changes=false', ...args],
      {
        cwd: copy,
        env: nxEnv,
        reject: false,
        all: true,
      },
    );
  beforeAll(async () => {
    copy = await copyRepository('nx-polyglot-nx-release-');
  });
  afterAll(() => removeCopy(copy));

  it('--dry-run changes no file', async () => {
    const run = await release('--dry-run');
    expect(run.exitCode, run.all).toBe(0);
    expect(await git(copy, 'status', '--porcelain')).toBe('');
  });

  it('changes exactly what the bump target changes: version strings and lock files', async () => {
    const run = await release();
    expect(run.exitCode, run.all).toBe(0);
    expect((await git(copy, 'diff', '--name-only')).split('\n').sort()).toEqual(BUMPED_FILES);
    await expectOnlyVersionStringsChanged(copy, [
      'rust/Cargo.toml',
      'rust/tracing/Cargo.toml',
      'python/micromegas/pyproject.toml',
      'analytics-web-app/package.json',
    ]);
    const check = await execa('npx', ['nx', 'run', 'micromegas-monorepo:version-check', '--expected=0.13.0'], {
      cwd: copy,
      env: nxEnv,
      reject: false,
      all: true,
    });
    expect(check.exitCode, check.all).toBe(0);
  });
});
