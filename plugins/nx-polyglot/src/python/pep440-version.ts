import * as pep440 from '@renovatebot/pep440';
import { canonicalVersion } from './pypi-index';

/**
 * One release version, two spellings: crates and npm packages write semver
 * (`0.13.0-rc.0`), Python packages PEP 440 (`0.13.0rc0`). A release group
 * (and Nx, which computes versions with semver) speaks semver; the Python
 * model translates at its edge. Pre-release labels map as PEP 440 normalises
 * them: alpha ↔ a, beta ↔ b, rc ↔ rc, dev ↔ .dev; a build `+x` is a local
 * version `+x`. What has no counterpart (`-next.1`, a post-release, an epoch)
 * is an error that says so, never a guess.
 */

export class VersionSpellingError extends Error {
  constructor(
    readonly version: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`version \`${version}\` ${problem}. ${fix}`);
    this.name = 'VersionSpellingError';
  }
}

const TO_PEP440: Record<string, string> = { alpha: 'a', a: 'a', beta: 'b', b: 'b', rc: 'rc', dev: '.dev' };
const TO_SEMVER: Record<string, string> = { a: 'alpha', b: 'beta', rc: 'rc' };
const SEMVER = /^(\d+\.\d+\.\d+)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/;

/** `0.13.0-rc.0` → `0.13.0rc0`, `1.0.0-alpha.1` → `1.0.0a1`, `0.13.0-dev.2` → `0.13.0.dev2`, `0.13.0` as is. */
export function pep440FromSemver(version: string): string {
  const m = SEMVER.exec(version);
  if (m === null) throw new VersionSpellingError(version, 'is not a semantic version', 'Use a version like 1.2.3');
  const [, release, pre, build] = m;
  let out = release;
  if (pre !== undefined) {
    const [, label, n] = /^([A-Za-z]+)\.?(\d*)$/.exec(pre) ?? [];
    const mapped = label === undefined ? undefined : TO_PEP440[label.toLowerCase()];
    if (mapped === undefined) {
      throw new VersionSpellingError(
        version,
        `has the pre-release \`${pre}\`, which Python's versions (PEP 440) cannot spell`,
        'Use --preid alpha, beta, rc or dev',
      );
    }
    out += `${mapped}${Number(n || 0)}`;
  }
  return build === undefined ? out : `${out}+${build.replace(/-/g, '.')}`;
}

/** `0.13.0rc0` → `0.13.0-rc.0`, `0.13rc0` → `0.13.0-rc.0`, `0.13.0.dev2` → `0.13.0-dev.2`: Nx's and the other ecosystems' spelling. */
export function semverFromPep440(version: string): string {
  const v = pep440.explain(version);
  if (v === null) throw new VersionSpellingError(version, 'is not a PEP 440 version', 'Use a version like 1.2.3');
  if (v.epoch !== 0 || v.post !== null || v.release.length > 3 || (v.pre !== null && v.dev !== null)) {
    throw new VersionSpellingError(
      version,
      'has no semantic-version counterpart (an epoch, a post-release, a fourth component or a dev pre-release)',
      'Give the package a version like 1.2.3 or 1.2.3rc1 to release it with the others',
    );
  }
  const release = [0, 1, 2].map((i) => v.release[i] ?? 0).join('.');
  const pre = v.pre ? `-${TO_SEMVER[v.pre[0]]}.${v.pre[1]}` : v.dev !== null ? `-dev.${v.dev}` : '';
  return `${release}${pre}${v.local ? `+${v.local}` : ''}`;
}

/** Whether a PEP 440 version (as a pyproject writes it) is the release version `semverVersion`: `0.13rc0` is `0.13.0-rc.0`. */
export function isReleaseVersion(pep440Version: string, semverVersion: string): boolean {
  try {
    return canonicalVersion(pep440Version) === canonicalVersion(pep440FromSemver(semverVersion));
  } catch (e) {
    if (e instanceof VersionSpellingError) return false;
    throw e;
  }
}
