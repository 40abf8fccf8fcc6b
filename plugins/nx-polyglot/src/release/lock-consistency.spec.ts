import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockMismatches } from './lock-consistency';
import { releaseLockFiles } from './lock-files';
import type { ReleaseManifests } from './version-sites';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lock-consistency-'));
  mkdirSync(join(root, 'rust'));
  mkdirSync(join(root, 'web'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The release manifests of a workspace with two crates at `version` and one npm package at `web`. */
function manifests(version: string, web: string): ReleaseManifests {
  // only what the check reads: a member's name and version
  const member = (name: string) => ({ name, version, manifestPath: join(root, 'rust', name, 'Cargo.toml') }) as never;
  return {
    cargo: [
      {
        workspace: { rootManifest: join(root, 'rust/Cargo.toml'), members: [member('core'), member('app')] },
        root: { file: join(root, 'rust/Cargo.toml') } as never,
        manifests: new Map(),
      },
    ],
    python: [],
    packageJson: [{ file: join(root, 'web/package.json'), version: web }],
  };
}

const cargoLock = (core: string, app: string) =>
  `version = 4\n\n[[package]]\nname = "app"\nversion = "${app}"\ndependencies = ["core"]\n\n[[package]]\nname = "core"\nversion = "${core}"\n\n` +
  // a registry crate of the same name as a member does not count
  `[[package]]\nname = "core"\nversion = "0.13.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n`;
const npmLock = (web: string) =>
  JSON.stringify({
    lockfileVersion: 3,
    packages: {
      '': { name: 'root' },
      web: { name: 'web', version: web },
      'node_modules/web': { resolved: 'web', link: true },
    },
  });

describe('lockMismatches', () => {
  it('agrees when every lock entry has its manifest version', () => {
    writeFileSync(join(root, 'rust/Cargo.lock'), cargoLock('0.13.0', '0.13.0'));
    writeFileSync(join(root, 'package-lock.json'), npmLock('0.13.0'));
    expect(lockMismatches(manifests('0.13.0', '0.13.0'), root)).toEqual([]);
    expect(releaseLockFiles(manifests('0.13.0', '0.13.0'), root).map((l) => l.command[0])).toEqual(['cargo', 'npm']);
  });

  it('lists the entries of manifests bumped without their lock files (a half-done bump)', () => {
    writeFileSync(join(root, 'rust/Cargo.lock'), cargoLock('0.12.0', '0.13.0'));
    writeFileSync(join(root, 'package-lock.json'), npmLock('0.12.0'));
    expect(lockMismatches(manifests('0.13.0', '0.13.0'), root)).toEqual([
      { file: join(root, 'rust/Cargo.lock'), key: 'package.core.version', found: '0.12.0', expected: '0.13.0' },
      { file: join(root, 'package-lock.json'), key: 'packages["web"].version', found: '0.12.0', expected: '0.13.0' },
    ]);
  });

  it('names a crate the lock file does not have, and a lock file that cannot be read', () => {
    writeFileSync(join(root, 'rust/Cargo.lock'), 'version = 4\n\n[[package]]\nname = "app"\nversion = "0.13.0"\n');
    expect(lockMismatches(manifests('0.13.0', '0.13.0'), root)).toEqual([
      { file: join(root, 'rust/Cargo.lock'), key: 'package.core.version', found: '(none)', expected: '0.13.0' },
    ]);
    writeFileSync(join(root, 'rust/Cargo.lock'), '[[package]\n');
    expect(lockMismatches(manifests('0.13.0', '0.13.0'), root)[0]).toMatchObject({
      key: '(the whole file)',
      found: expect.stringMatching(/^unreadable/),
    });
  });

  it('has nothing to say without lock files', () => {
    expect(lockMismatches(manifests('0.13.0', '0.13.0'), root)).toEqual([]);
    expect(releaseLockFiles(manifests('0.13.0', '0.13.0'), root)).toEqual([]);
  });
});
