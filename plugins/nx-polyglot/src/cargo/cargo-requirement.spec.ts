import { describe, expect, it } from 'vitest';
import { RequirementBumpError, bumpRequirement, cargoAdmits } from './cargo-requirement';

describe('bumpRequirement', () => {
  it.each([
    // [requirement, new version, expected]: operator and precision kept
    ['0.12.0', '0.13.0', '0.13.0'],
    ['^0.12', '0.13.0', '^0.13'],
    ['^0.12.0', '0.13.0', '^0.13.0'],
    ['~0.12.1', '0.13.0', '~0.13.0'],
    ['~0.12', '0.13.0', '~0.13'],
    ['~1', '2.0.0', '~2'],
    ['=0.12.0', '0.13.0', '=0.13.0'],
    ['=0.12.0', '0.12.1', '=0.12.1'],
    ['=0.12', '0.13.0', '=0.13'],
    ['0.12', '0.13.0', '0.13'],
    ['1', '2.0.0', '2'],
    ['^1.2.3', '2.0.0', '^2.0.0'],
    ['^0.0.3', '0.0.4', '^0.0.4'],
    ['0.12.*', '0.13.0', '0.13.*'],
    ['1.x', '2.1.0', '2.x'],
    ['= 0.12.0', '0.13.0', '= 0.13.0'],
    [' ^0.12 ', '0.13.0', ' ^0.13 '],
    ['0.12.0+build.5', '0.13.0', '0.13.0'],
    ['^0.13', '0.12.0', '^0.12'],
    // pre-releases: only a requirement naming one selects one, and a pinned pre-release follows the release
    ['^0.12', '0.13.0-rc.1', '^0.13.0-rc.1'],
    ['^0.13', '0.13.0-rc.1', '^0.13.0-rc.1'],
    ['0.12.0', '0.13.0-rc.1', '0.13.0-rc.1'],
    ['=0.13.0-rc.1', '0.13.0-rc.2', '=0.13.0-rc.2'],
    ['^0.13.0-rc.1', '0.13.0-rc.2', '^0.13.0-rc.2'],
    ['^0.13.0-rc.1', '0.13.0', '^0.13.0'],
    // a one-unit window moves as a window, at the author's precision and spacing
    ['>=0.12, <0.13', '0.13.0', '>=0.13, <0.14'],
    ['>=0.12,<0.13', '0.13.2', '>=0.13,<0.14'],
    ['>=0.12.0, <0.13.0', '0.13.0', '>=0.13.0, <0.14.0'],
    ['>=1.2.3, <2', '2.1.0', '>=2.1.0, <3'],
    ['>=0.0.3, <0.0.4', '0.0.4', '>=0.0.4, <0.0.5'],
    ['>=0.12, <0.13', '0.13.0-rc.0', '>=0.13.0-rc.0, <0.14'],
  ])('%s for %s is %s', (req, version, expected) => {
    expect(bumpRequirement(req, version)).toBe(expected);
    expect(cargoAdmits(expected, version)).toBe(true);
  });

  it.each([
    ['^1.2', '1.3.0'],
    ['1.2', '1.9.9'],
    ['0.12.0', '0.12.1'],
    ['~0.12.1', '0.12.7'],
    ['=0.12', '0.12.4'],
    ['>=0.1', '0.13.0'],
    ['>=0.1', '7.0.0'],
    ['*', '0.13.0'],
    ['0.*', '0.13.0'],
    ['>=0.12, <0.14', '0.13.0'],
    ['^0.13.0-rc.1', '0.13.0-rc.1'],
  ])('keeps %s, which already admits %s', (req, version) => {
    expect(bumpRequirement(req, version)).toBe(req);
  });

  it.each([
    ['>=0.12, <0.14', '0.14.0', 'does not admit 0.14.0', 'Decide by hand how this range should change to admit 0.14.0'],
    ['>0.12, <0.13', '0.13.0', 'does not admit 0.13.0', 'Decide by hand how this range should change to admit 0.13.0'],
    ['<0.13', '0.13.0', 'does not admit 0.13.0', 'Decide by hand whether the `<` bound should move'],
    ['>0.13', '0.12.0', 'does not admit 0.12.0', 'Decide by hand whether the `>` bound should move'],
    ['>=0.14', '0.13.0', 'does not admit 0.13.0', 'Decide by hand whether the `>=` bound should move'],
    [
      '0.12.*',
      '0.13.0-rc.1',
      'is a wildcard, which cannot select the pre-release 0.13.0-rc.1',
      'Decide by hand how this requirement should change',
    ],
    [
      '*',
      '1.0.0-rc.1',
      'is a wildcard, which cannot select the pre-release 1.0.0-rc.1',
      'Decide by hand how this requirement should change',
    ],
    ['^0.12', 'v0.13', 'cannot be moved to `v0.13`, which is not a semantic version', 'Use a version like 1.2.3'],
    ['banana', '0.13.0', 'is not a Cargo version requirement', 'Fix it by hand'],
  ])('leaves %s for %s to a human', (req, version, problem, fix) => {
    let error: unknown;
    try {
      bumpRequirement(req, version);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RequirementBumpError);
    expect(error).toMatchObject({
      requirement: req,
      version,
      problem,
      fix,
      message: `version requirement \`${req}\` ${problem}. ${fix}`,
    });
  });
});

describe("bumpRequirement with the `upgrade` policy (cargo-release's and release-plz's)", () => {
  it.each([
    // upstream toml-rs/toml eb251609a and release-plz f308301f4 (tools/corpus/release-replay.mjs)
    ['1.1.1', '1.1.2+spec-1.1.0', '1.1.2'],
    ['0.36.13', '0.36.14', '0.36.14'],
    ['^4.5.20', '4.6.6', '^4.6.6'],
    ['~0.12.1', '0.12.3', '~0.12.3'],
    ['=4.6.5', '4.6.6', '=4.6.6'],
    // the precision the author wrote: nothing to change
    ['0.12', '0.12.5', '0.12'],
    ['4', '4.6.6', '4'],
  ])('writes %s onto %s as %s', (req, version, expected) => {
    expect(bumpRequirement(req, version, 'upgrade')).toBe(expected);
  });

  it.each([
    ['>=0.12, <0.14', '0.13.0'],
    ['>=0.12', '0.13.0'],
    ['0.12.*', '0.12.3'],
  ])('keeps %s, a bound or window that admits %s: a human chose it', (req, version) => {
    expect(bumpRequirement(req, version, 'upgrade')).toBe(req);
  });

  it('moves what the new version falls outside exactly as `fix` does', () => {
    expect(bumpRequirement('^0.12', '0.13.0', 'upgrade')).toBe(bumpRequirement('^0.12', '0.13.0', 'fix'));
  });
});

describe('cargoAdmits', () => {
  it('reads requirements as Cargo does: bare means caret, pre-releases only when named', () => {
    const cases: Array<[string, string]> = [
      ['0.12.0', '0.12.9'],
      ['0.12.0', '0.13.0'],
      ['=0.12', '0.12.3'],
      ['^0.13', '0.13.0-rc.1'],
      ['^0.13.0-rc.1', '0.13.0-rc.2'],
      ['>=0.12, <0.14', '0.14.0'],
    ];
    expect(cases.map(([req, version]) => cargoAdmits(req, version))).toEqual([true, false, true, false, true, false]);
  });
});
