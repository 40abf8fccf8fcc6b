import { dirname, join } from 'node:path';
import type { CargoManifest } from '../cargo/cargo-manifest';
import type { CargoWorkspace } from '../cargo/cargo-workspace';
import { memberForDependency } from '../cargo/cargo-workspace';
import type { PythonPackage } from '../python/pyproject';
import { cargoAdmits } from './version-requirement';

/** One place where a manifest disagrees with the release version. */
export interface VersionMismatch {
  file: string;
  key: string;
  found: string;
  expected: string;
}

/** What the check looks at: the release group's manifests, already parsed. */
export interface ReleaseManifests {
  cargo: Array<{ workspace: CargoWorkspace; root: CargoManifest; manifests: Map<string, CargoManifest> }>;
  python: PythonPackage[];
  packageJson: Array<{ file: string; version: string | undefined }>;
}

/**
 * Every disagreement with `expected` in a fixed release group (Micromegas
 * keeps one version for everything): versions that differ, and version
 * requirements between workspace crates that no longer admit it.
 */
export function versionMismatches(m: ReleaseManifests, expected: string): VersionMismatch[] {
  const found: VersionMismatch[] = [];
  const differ = (file: string, key: string, value: string | undefined) => {
    if (value !== expected) found.push({ file, key, found: value ?? '(none)', expected });
  };
  for (const { workspace, root, manifests } of m.cargo) {
    const inherited = root.workspace?.package.version;
    if (typeof inherited === 'string') differ(root.file, 'workspace.package.version', inherited);
    for (const dep of root.workspace?.dependencies ?? []) {
      const manifestPath = dep.path === undefined ? undefined : join(dirname(root.file), dep.path, 'Cargo.toml');
      const target = workspace.members.find((p) => p.manifestPath === manifestPath);
      if (target && dep.version !== undefined && !cargoAdmits(dep.version, expected)) {
        found.push({
          file: root.file,
          key: `workspace.dependencies.${dep.key}.version`,
          found: dep.version,
          expected: `a requirement admitting ${expected}`,
        });
      }
    }
    for (const pkg of workspace.members) {
      const manifest = manifests.get(pkg.manifestPath);
      if (typeof manifest?.package?.version === 'string')
        differ(pkg.manifestPath, 'package.version', manifest.package.version);
      for (const dep of pkg.dependencies) {
        if (dep.inherited || dep.req === null || !memberForDependency(dep, workspace.members)) continue;
        if (!cargoAdmits(dep.req, expected)) {
          found.push({
            file: pkg.manifestPath,
            key: `${dep.manifestKey}.version`,
            found: dep.req,
            expected: `a requirement admitting ${expected}`,
          });
        }
      }
    }
  }
  for (const pkg of m.python) {
    if (pkg.versionKeys.length === 0) differ(pkg.manifestPath, 'project.version', undefined);
    for (const { key, version } of pkg.versionKeys) differ(pkg.manifestPath, key, version);
  }
  for (const { file, version } of m.packageJson) differ(file, 'version', version);
  return found;
}
