import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parse } from 'smol-toml';
import type { CargoPackage } from '../cargo/cargo-workspace';
import type { VersionMismatch } from './version-consistency';
import { releaseLockFiles } from './lock-files';
import type { ReleaseManifests } from './version-sites';

/**
 * The crates a Cargo root's lock file records without a source: its members
 * and the release-group crates of other roots they reach by path (a
 * standalone crate's lock holds the workspace crates it depends on).
 */
function lockedCrates(members: CargoPackage[], crates: Map<string, CargoPackage>): CargoPackage[] {
  const found = new Map(members.map((p) => [p.manifestPath, p]));
  const queue = [...members];
  for (let pkg = queue.shift(); pkg; pkg = queue.shift()) {
    for (const dep of pkg.dependencies ?? []) {
      const target = dep.path === null ? undefined : crates.get(join(dep.path, 'Cargo.toml'));
      if (!target || target.name !== dep.name || found.has(target.manifestPath)) continue;
      found.set(target.manifestPath, target);
      queue.push(target);
    }
  }
  return [...found.values()];
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
  const crates = new Map<string, CargoPackage>();
  for (const { workspace } of m.cargo) for (const p of workspace.members) crates.set(p.manifestPath, p);
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
    for (const pkg of lockedCrates(workspace.members, crates)) {
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
  for (const lock of releaseLockFiles(m, root).filter((l) => l.file.endsWith('package-lock.json'))) {
    let packages: Record<string, { version?: string }> | undefined;
    try {
      packages = (JSON.parse(readFileSync(lock.file, 'utf8')) as { packages?: Record<string, { version?: string }> })
        .packages;
    } catch (e) {
      found.push({
        file: lock.file,
        key: '(the whole file)',
        found: `unreadable: ${(e as Error).message}`,
        expected: 'a package-lock.json',
      });
      continue;
    }
    for (const { file, version } of m.packageJson) {
      // the root lock holds its workspace packages (lockfileVersion 2 and 3); a web app's own lock, itself as ""
      const key = relative(lock.cwd, dirname(file)).split('\\').join('/');
      if (key.startsWith('..')) continue;
      const entry = packages?.[key];
      if (!entry || version === undefined) continue;
      if (entry.version !== version)
        found.push({
          file: lock.file,
          key: `packages["${key}"].version`,
          found: entry.version ?? '(none)',
          expected: version,
        });
    }
  }
  return found;
}
