import { dirname, join } from 'node:path';
import type { CargoManifest } from '../cargo/cargo-manifest';
import type { CargoPackage, CargoWorkspace } from '../cargo/cargo-workspace';
import type { PythonPackage } from '../python/pyproject';

/** The release group's manifests, already parsed: every Cargo root it touches (with all its members), its Python packages, its package.json files. */
export interface ReleaseManifests {
  cargo: Array<{ workspace: CargoWorkspace; root: CargoManifest; manifests: Map<string, CargoManifest> }>;
  python: PythonPackage[];
  packageJson: Array<{ file: string; version: string | undefined }>;
}

/**
 * What a version site records:
 * - `workspace-version`: `[workspace.package].version`, inherited by members;
 * - `package-version`: a crate's own `[package].version`;
 * - `workspace-dependency`: a `[workspace.dependencies]` requirement onto a release-group crate;
 * - `path-dependency`: a crate's own path + version requirement onto a release-group crate,
 *   in its Cargo workspace or another Cargo root of the repository (a standalone crate);
 * - `pyproject-version`: `[project].version` or `[tool.poetry].version`;
 * - `package-json-version`: a package.json's top-level `version`.
 */
export type VersionRole =
  | 'workspace-version'
  | 'package-version'
  | 'workspace-dependency'
  | 'path-dependency'
  | 'pyproject-version'
  | 'package-json-version';

/** One place where the release version (or a requirement on it) is written. */
export interface VersionSite {
  file: string;
  /** The TOML key path (['version'] for a package.json): what an edit addresses. */
  path: string[];
  /** The key as a user reads it in messages (`target.'cfg(unix)'.dependencies.x.version`). */
  key: string;
  /** As written; undefined where a version belongs but none is written (a pyproject or package.json without one). */
  value: string | undefined;
  role: VersionRole;
  /** The manifest of the package the site belongs to (the workspace root's for workspace-level sites). */
  owner: string;
  /** For a requirement: the manifest of the crate it requires. */
  target?: string;
}

export const isRequirement = (site: VersionSite): boolean =>
  site.role === 'workspace-dependency' || site.role === 'path-dependency';

/**
 * Every version site of the release group, in manifest order: per Cargo root
 * its workspace version and `[workspace.dependencies]`, then each member's own
 * version and requirements; then the pyproject and package.json versions.
 * Requirements onto crates outside the release group (registry crates, path
 * dependencies onto other crates) are not sites: the release does not move them.
 * Inherited entries (`x = { workspace = true }`) are the root's site, path-only
 * ones have no version to keep.
 */
export function versionSites(m: ReleaseManifests): VersionSite[] {
  const crates = new Map<string, CargoPackage>();
  for (const { workspace } of m.cargo) for (const p of workspace.members) crates.set(p.manifestPath, p);
  const sites: VersionSite[] = [];
  const add = (site: Omit<VersionSite, 'key'> & { key?: string }) =>
    sites.push({ ...site, key: site.key ?? site.path.join('.') });

  for (const { workspace, root, manifests } of m.cargo) {
    const inherited = root.workspace?.package.version;
    if (typeof inherited === 'string')
      add({
        file: root.file,
        path: ['workspace', 'package', 'version'],
        value: inherited,
        role: 'workspace-version',
        owner: root.file,
      });
    for (const dep of root.workspace?.dependencies ?? []) {
      if (dep.path === undefined || dep.version === undefined) continue;
      const target = join(dirname(root.file), dep.path, 'Cargo.toml');
      if (!crates.has(target)) continue;
      add({
        file: root.file,
        path: ['workspace', 'dependencies', dep.key, 'version'],
        value: dep.version,
        role: 'workspace-dependency',
        owner: root.file,
        target,
      });
    }
    for (const pkg of workspace.members) {
      const own = manifests.get(pkg.manifestPath)?.package?.version;
      if (typeof own === 'string')
        add({
          file: pkg.manifestPath,
          path: ['package', 'version'],
          value: own,
          role: 'package-version',
          owner: pkg.manifestPath,
        });
      for (const dep of pkg.dependencies) {
        if (dep.inherited || dep.req === null || dep.path === null) continue;
        const target = crates.get(join(dep.path, 'Cargo.toml'));
        if (target?.name !== dep.name) continue;
        add({
          file: pkg.manifestPath,
          path: [...dep.keyPath, 'version'],
          key: `${dep.manifestKey}.version`,
          value: dep.req,
          role: 'path-dependency',
          owner: pkg.manifestPath,
          target: target.manifestPath,
        });
      }
    }
  }
  for (const pkg of m.python) {
    if (pkg.versionKeys.length === 0)
      add({
        file: pkg.manifestPath,
        path: ['project', 'version'],
        value: undefined,
        role: 'pyproject-version',
        owner: pkg.manifestPath,
      });
    for (const { key, version } of pkg.versionKeys)
      add({
        file: pkg.manifestPath,
        path: key.split('.'),
        value: version,
        role: 'pyproject-version',
        owner: pkg.manifestPath,
      });
  }
  for (const { file, version } of m.packageJson)
    add({ file, path: ['version'], value: version, role: 'package-json-version', owner: file });
  return sites;
}
