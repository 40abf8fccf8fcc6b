import { describe, expect, it } from 'vitest';
import { VersionSpellingError, isReleaseVersion, pep440FromSemver, semverFromPep440 } from './pep440-version';

describe('semver and PEP 440 spellings of one version', () => {
  // [semver, PEP 440 as normalised by packaging's Version(...) (str)]
  it.each([
    ['0.13.0', '0.13.0'],
    ['0.13.0-rc.0', '0.13.0rc0'],
    ['0.13.0-rc.12', '0.13.0rc12'],
    ['1.0.0-alpha.1', '1.0.0a1'],
    ['1.0.0-beta.0', '1.0.0b0'],
    ['0.13.0-dev.2', '0.13.0.dev2'],
    ['0.13.0+build.5', '0.13.0+build.5'],
  ])('%s is %s', (semverVersion, pep440Version) => {
    expect(pep440FromSemver(semverVersion)).toBe(pep440Version);
    expect(semverFromPep440(pep440Version)).toBe(semverVersion);
    expect(isReleaseVersion(pep440Version, semverVersion)).toBe(true);
  });

  it.each([
    ['1.0.0-a.1', '1.0.0a1'],
    ['1.0.0-rc', '1.0.0rc0'],
    ['1.0.0-RC.1', '1.0.0rc1'],
  ])('reads the short and bare labels %s as %s', (semverVersion, pep440Version) => {
    expect(pep440FromSemver(semverVersion)).toBe(pep440Version);
  });

  it.each([
    ['0.13rc0', '0.13.0-rc.0'],
    ['0.13.0-RC1', '0.13.0-rc.1'],
    ['1.0c1', '1.0.0-rc.1'],
    ['2', '2.0.0'],
  ])('reads the PEP 440 spelling %s as %s', (pep440Version, semverVersion) => {
    expect(semverFromPep440(pep440Version)).toBe(semverVersion);
  });

  it('knows a pyproject version as the release version in any PEP 440 spelling, and no other', () => {
    expect(isReleaseVersion('0.13rc0', '0.13.0-rc.0')).toBe(true);
    expect(isReleaseVersion('0.13.0', '0.13.0-rc.0')).toBe(false);
    expect(isReleaseVersion('0.13.0rc1', '0.13.0-rc.0')).toBe(false);
    expect(isReleaseVersion('0.13.0', '0.13.0-next.1')).toBe(false);
  });

  it.each([
    [() => pep440FromSemver('0.13.0-next.1'), 'Use --preid alpha, beta, rc or dev'],
    [() => pep440FromSemver('0.13'), 'Use a version like 1.2.3'],
    [
      () => semverFromPep440('0.12.0.post1'),
      'Give the package a version like 1.2.3 or 1.2.3rc1 to release it with the others',
    ],
    [
      () => semverFromPep440('1!1.0'),
      'Give the package a version like 1.2.3 or 1.2.3rc1 to release it with the others',
    ],
    [() => semverFromPep440('banana'), 'Use a version like 1.2.3'],
  ])('refuses what has no counterpart (%#)', (spell, fix) => {
    expect(spell).toThrow(VersionSpellingError);
    expect(spell).toThrow(fix);
  });
});
