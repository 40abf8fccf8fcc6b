import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parse } from 'smol-toml';
import type { ReleaseManifests, VersionMismatch } from './version-consistency';

/** The lock files that record the release group's own versions, and the command that regenerates each. */
export interface LockFile {
  file: string;
  command: string[];
  cwd: string;
}

/** Cargo.lock beside each Cargo workspace root, package-lock.json at the root when there are npm packages. */
export function releaseLockFiles(m: ReleaseManifests, root: string): LockFile[] {
  const locks: LockFile[] = [];
  for (const { root: rootManifest } of m.cargo) {
    const dir = dirname(rootManifest.file);
    const lock = join(dir, 'Cargo.lock');
    if (existsSync(lock))
      locks.push({ file: lock, command: ['cargo', 'update', '--workspace', '--offline'], cwd: dir });
  }
  if (m.packageJson.length > 0 && existsSync(join(root, 'package-lock.json'))) {
    locks.push({
      file: join(root, 'package-lock.json'),
      command: ['npm', 'install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'],
      cwd: root,
    });
  }
  return locks;
}

/**
 * Every place where a lock file disagrees with the manifests it locks: a
 * workspace crate whose Cargo.lock entry has another version (or none), an
 * npm workspace package whose package-lock.json entry does. This is what a
 * bump interrupted between the manifests and the lock files leaves, and what
 * `cargo metadata --locked` (and `cargo publish`) would stop on.
 */
export function lockMismatches(m: ReleaseManifests, root: string): VersionMismatch[] {
  const found: VersionMismatch[] = [];
  for (const { workspace, root: rootManifest } of m.cargo) {
    const lock = join(dirname(rootManifest.file), 'Cargo.lock');
    if (!existsSync(lock)) continue;
    let packages: Array<{ name?: unknown; version?: unknown; source?: unknown }>;
    try {
      packages = ((parse(readFileSync(lock, 'utf8')) as { package?: unknown }).package ?? []) as typeof packages;
    } catch (e) {
      found.push({
        file: lock,
        key: '(the whole file)',
        found: `unreadable: ${(e as Error).message.split('\n')[0]}`,
        expected: 'a Cargo.lock',
      });
      continue;
    }
    for (const pkg of workspace.members) {
      if (!pkg.version) continue;
      // a workspace member is locked without a source; a registry crate of the same name has one
      const locked = packages
        .filter((p) => p.name === pkg.name && p.source === undefined)
        .map((p) => String(p.version));
      if (!locked.includes(pkg.version)) {
        found.push({
          file: lock,
          key: `package.${pkg.name}.version`,
          found: locked.join(', ') || '(none)',
          expected: pkg.version,
        });
      }
    }
  }
  const npmLock = join(root, 'package-lock.json');
  if (m.packageJson.length > 0 && existsSync(npmLock)) {
    let packages: Record<string, { version?: string }> | undefined;
    try {
      packages = (JSON.parse(readFileSync(npmLock, 'utf8')) as { packages?: Record<string, { version?: string }> })
        .packages;
    } catch (e) {
      found.push({
        file: npmLock,
        key: '(the whole file)',
        found: `unreadable: ${(e as Error).message}`,
        expected: 'a package-lock.json',
      });
      packages = undefined;
    }
    for (const { file, version } of m.packageJson) {
      const key = relative(root, dirname(file)).split('\\').join('/');
      // only workspace packages are in the root lock (lockfileVersion 2 and 3)
      const entry = packages?.[key];
      if (!entry || version === undefined) continue;
      if (entry.version !== version)
        found.push({
          file: npmLock,
          key: `packages["${key}"].version`,
          found: entry.version ?? '(none)',
          expected: version,
        });
    }
  }
  return found;
}
