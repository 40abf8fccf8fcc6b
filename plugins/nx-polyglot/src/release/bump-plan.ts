import { dirname, join } from 'node:path';
import { memberForDependency } from '../cargo/cargo-workspace';
import type { ReleaseManifests } from './version-consistency';
import { ManifestError } from '../manifest-error';
import { RequirementBumpError, bumpRequirement } from './version-requirement';

/** One version string to rewrite: where, and from what to what. */
export interface VersionEdit {
  file: string;
  /** TOML key path, or ['version'] for a package.json. */
  path: string[];
  from: string;
  to: string;
}

/**
 * Every version string a lockstep bump to `newVersion` rewrites, read from
 * the model: `[workspace.package].version`, explicit crate versions, the
 * `[workspace.dependencies]` requirements onto members, members' own path
 * dependency requirements (`^0.12` -> `^0.13`, keeping the author's operator),
 * `[project]`/`[tool.poetry]` versions and package.json versions. Pure: the
 * caller applies the edits (all or none).
 */
export function bumpPlan(m: ReleaseManifests, newVersion: string): VersionEdit[] {
  const edits: VersionEdit[] = [];
  // a requirement only a human can move (e.g. `>=0.12, <0.13`) is reported with its file and key
  const bumped = (req: string, file: string, path: string[]) => {
    try {
      return bumpRequirement(req, newVersion);
    } catch (e) {
      if (e instanceof RequirementBumpError) throw new ManifestError(file, e.problem, e.fix, path.join('.'));
      throw e;
    }
  };
  const edit = (file: string, path: string[], from: string | undefined, to: string) => {
    if (from !== undefined && from !== to) edits.push({ file, path, from, to });
  };
  for (const { workspace, root, manifests } of m.cargo) {
    const inherited = root.workspace?.package.version;
    if (typeof inherited === 'string') edit(root.file, ['workspace', 'package', 'version'], inherited, newVersion);
    for (const dep of root.workspace?.dependencies ?? []) {
      if (dep.path === undefined || dep.version === undefined) continue;
      const manifestPath = join(dirname(root.file), dep.path, 'Cargo.toml');
      if (!workspace.members.some((p) => p.manifestPath === manifestPath)) continue;
      edit(
        root.file,
        ['workspace', 'dependencies', dep.key, 'version'],
        dep.version,
        bumped(dep.version, root.file, ['workspace', 'dependencies', dep.key, 'version']),
      );
    }
    for (const pkg of workspace.members) {
      const own = manifests.get(pkg.manifestPath)?.package?.version;
      if (typeof own === 'string') edit(pkg.manifestPath, ['package', 'version'], own, newVersion);
      for (const dep of pkg.dependencies) {
        if (dep.inherited || dep.req === null || !memberForDependency(dep, workspace.members)) continue;
        edit(
          pkg.manifestPath,
          [...dep.keyPath, 'version'],
          dep.req,
          bumped(dep.req, pkg.manifestPath, [...dep.keyPath, 'version']),
        );
      }
    }
  }
  for (const pkg of m.python) {
    for (const { key, version } of pkg.versionKeys) edit(pkg.manifestPath, key.split('.'), version, newVersion);
  }
  for (const { file, version } of m.packageJson) edit(file, ['version'], version, newVersion);
  return edits;
}
