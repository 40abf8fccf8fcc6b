import { isRequirement, versionSites } from './version-sites';
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
export function versionMismatches(m: ReleaseManifests, expected: string): VersionMismatch[] {
  return versionSites(m).flatMap((site): VersionMismatch[] => {
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
