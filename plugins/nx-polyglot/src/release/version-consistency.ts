import { VersionSite, isRequirement, versionSites } from './version-sites';
import { cargoAdmits } from '../cargo/cargo-requirement';
import { isReleaseVersion, pep440FromSemver } from '../python/pep440-version';

export type { ReleaseManifests } from './version-sites';
import type { ReleaseManifests } from './version-sites';

/** One place where a manifest disagrees with the release version. */
export interface VersionMismatch {
  file: string;
  key: string;
  found: string;
  expected: string;
}

/**
 * Every disagreement with `expected` in a fixed release group (Micromegas
 * keeps one version for everything): versions that differ (a Python package's
 * in its PEP 440 spelling: 0.13.0rc0 is 0.13.0-rc.0), and version
 * requirements on release-group crates (in any Cargo root) that no longer admit it.
 */
export function versionMismatches(m: ReleaseManifests, expected: string, sites = versionSites(m)): VersionMismatch[] {
  return sites.flatMap((site): VersionMismatch[] => {
    if (isRequirement(site)) {
      return site.value !== undefined && cargoAdmits(site.value, expected)
        ? []
        : [
            {
              file: site.file,
              key: site.key,
              found: site.value ?? '(none)',
              expected: `a requirement admitting ${expected}`,
            },
          ];
    }
    const same =
      site.value !== undefined &&
      (site.role === 'pyproject-version' ? isReleaseVersion(site.value, expected) : site.value === expected);
    if (same) return [];
    return [{ file: site.file, key: site.key, found: site.value ?? '(none)', expected: spelt(site.role, expected) }];
  });
}

/** The release version as a site of this role writes it. */
function spelt(role: string, version: string): string {
  if (role !== 'pyproject-version') return version;
  try {
    return pep440FromSemver(version);
  } catch {
    return version;
  }
}

/**
 * The sites of one release group when its Cargo roots hold crates of other
 * groups too: the versions of its own projects (the workspace version when
 * one of them inherits it) and the requirements onto them, wherever written.
 * `members` are the group's manifests. Python and package.json manifests are
 * loaded per project, so theirs are all the group's.
 */
export function groupSites(m: ReleaseManifests, members: Set<string>, sites = versionSites(m)): VersionSite[] {
  const inheritsIn = new Set(
    m.cargo
      .filter((c) =>
        c.workspace.members.some(
          (p) => members.has(p.manifestPath) && typeof c.manifests.get(p.manifestPath)?.package?.version === 'object',
        ),
      )
      .map((c) => c.root.file),
  );
  return sites.filter((s) => {
    if (isRequirement(s)) return members.has(s.target as string);
    if (s.role === 'workspace-version') return inheritsIn.has(s.owner);
    if (s.role === 'package-version') return members.has(s.owner);
    return true;
  });
}

/**
 * Versioned apart, each project has its own version and nothing to agree on
 * but this: every requirement onto a crate admits the crate's version, as
 * cargo needs to resolve the workspace.
 */
export function requirementMismatches(m: ReleaseManifests, sites = versionSites(m)): VersionMismatch[] {
  const versions = new Map(m.cargo.flatMap((c) => c.workspace.members).map((p) => [p.manifestPath, p.version]));
  return sites.flatMap((site): VersionMismatch[] => {
    const version = isRequirement(site) ? versions.get(site.target as string) : undefined;
    if (version === undefined || (site.value !== undefined && cargoAdmits(site.value, version))) return [];
    return [
      { file: site.file, key: site.key, found: site.value ?? '(none)', expected: `a requirement admitting ${version}` },
    ];
  });
}
