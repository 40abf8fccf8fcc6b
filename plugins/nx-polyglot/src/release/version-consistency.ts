import { isRequirement, versionSites } from './version-sites';
import { cargoAdmits } from '../cargo/cargo-requirement';

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
 * keeps one version for everything): versions that differ, and version
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
    return site.value === expected ? [] : [{ file: site.file, key: site.key, found: site.value ?? '(none)', expected }];
  });
}
