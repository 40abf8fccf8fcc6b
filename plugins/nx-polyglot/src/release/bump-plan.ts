import { ManifestError } from '../manifest-error';
import { VersionSpellingError, isReleaseVersion, pep440FromSemver } from '../python/pep440-version';
import { RequirementBumpError, bumpRequirement } from '../cargo/cargo-requirement';
import type { RequirementPolicy } from '../requirement-rules';
import { VersionSite, isRequirement, versionSites } from './version-sites';
import type { ReleaseManifests } from './version-sites';

/** One version string to rewrite: where, and from what to what. */
export interface VersionEdit {
  file: string;
  /** TOML key path, or ['version'] for a package.json. */
  path: string[];
  from: string;
  to: string;
}

/** The edit that moves one site to `newVersion`, or undefined when it is there already. Pure. */
export function siteEdit(
  site: VersionSite,
  newVersion: string,
  policy: RequirementPolicy = 'fix',
): VersionEdit | undefined {
  if (site.value === undefined) return undefined;
  let to = newVersion;
  if (isRequirement(site)) {
    // a requirement only a human can move (e.g. `>=0.12, <0.13`) is reported with its file and key
    try {
      to = bumpRequirement(site.value, newVersion, policy);
    } catch (e) {
      if (e instanceof RequirementBumpError) throw new ManifestError(site.file, e.problem, e.fix, site.path.join('.'));
      throw e;
    }
  } else if (site.role === 'pyproject-version') {
    // a Python package spells the release version as PEP 440 does: 0.13.0-rc.0 is 0.13.0rc0
    if (isReleaseVersion(site.value, newVersion)) return undefined;
    try {
      to = pep440FromSemver(newVersion);
    } catch (e) {
      if (e instanceof VersionSpellingError)
        throw new ManifestError(site.file, `cannot take the release version: ${e.message}`, e.fix, site.path.join('.'));
      throw e;
    }
  }
  return to === site.value ? undefined : { file: site.file, path: site.path, from: site.value, to };
}

/**
 * Every version string a lockstep bump to `newVersion` rewrites: each version
 * site (version-sites.ts) moved to it, requirements keeping the author's
 * operator (`^0.12` -> `^0.13`). Pure: the caller applies the edits (all or none).
 */
export function bumpPlan(m: ReleaseManifests, newVersion: string, sites = versionSites(m)): VersionEdit[] {
  return sites.map((s) => siteEdit(s, newVersion)).filter((e): e is VersionEdit => e !== undefined);
}
