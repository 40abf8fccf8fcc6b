import { describe, expect, it } from 'vitest';
import { RequirementBumpError } from '../requirement-rules';
import { bumpPythonRequirement, pythonAdmits } from './python-requirement';

describe('pythonAdmits', () => {
  // PEP 440 rows: pip's answers when final releases exist, i.e. packaging 26.4's
  // `S.contains(version, prereleases=bool(S.prereleases))` for `S = SpecifierSet(spec)`
  it.each([
    ['>=0.12,<0.13', '0.12.7', true],
    ['>=0.12,<0.13', '0.13.0', false],
    ['>=0.12, <0.14', '0.13.0rc1', false],
    ['>=0.13.0rc0,<0.14', '0.13.0rc1', true],
    ['>=0.13.0rc0,<0.14', '0.13.0', true],
    ['~=0.12.0', '0.12.9', true],
    ['~=0.12.0', '0.13.0', false],
    ['~=0.12', '0.13.0', true],
    ['~=0.13.0rc0', '0.13.0rc1', true],
    ['==0.12.0', '0.12', true],
    ['==0.12.*', '0.12.5', true],
    ['==0.12.*', '0.13.0', false],
    ['==0.13.0rc0', '0.13.0rc0', true],
    ['>=0.12', '0.13.0.dev0', false],
    // Poetry rows: its documented translations, then the PEP 440 rule
    ['^0.12', '0.12.9', true],
    ['^0.12', '0.13.0', false],
    ['^1.2.3', '1.9.0', true],
    ['^0.0.3', '0.0.4', false],
    ['^0', '0.9.0', true],
    ['~1.2', '1.3.0', false],
    ['~1', '1.9.0', true],
    ['0.12.1', '0.12.1', true],
    ['0.12.1', '0.12.2', false],
    ['^0.13.0rc0', '0.13.0rc1', true],
    ['^0.13', '0.13.0rc1', false],
    ['*', '0.13.0', true],
  ])('%s admits %s: %s', (spec, version, admits) => {
    expect(pythonAdmits(spec, version)).toBe(admits);
  });
});

describe('bumpPythonRequirement', () => {
  it.each([
    // [requirement, new version, expected]: operator, precision and spacing kept
    ['==0.12.0', '0.13.0', '==0.13.0'],
    ['~=0.12.0', '0.13.0', '~=0.13.0'],
    ['~=0.12', '1.0.0', '~=1.0'],
    ['==0.12.*', '0.13.0', '==0.13.*'],
    ['>=0.12,<0.13', '0.13.0', '>=0.13,<0.14'],
    ['>=0.12.0, <0.13.0', '0.13.1', '>=0.13.1, <0.14.0'],
    ['>=1.2,<2', '2.0.0', '>=2.0,<3'],
    ['^0.12', '0.13.0', '^0.13'],
    ['^0.12.1', '0.13.0', '^0.13.0'],
    ['~0.12.1', '0.13.0', '~0.13.0'],
    ['0.12.1', '0.13.0', '0.13.0'],
    // pre-releases are written out, and a requirement naming one follows the release
    ['==0.12.0', '0.13.0rc0', '==0.13.0rc0'],
    ['^0.12', '0.13.0rc0', '^0.13.0rc0'],
    ['~=0.12.0', '0.13.0rc0', '~=0.13.0rc0'],
    ['>=0.12,<0.13', '0.13.0rc0', '>=0.13.0rc0,<0.14'],
    ['==0.13.0rc0', '0.13.0rc1', '==0.13.0rc1'],
    ['^0.13.0rc1', '0.13.0', '^0.13.0'],
    ['>=0.13.0rc0,<0.14', '0.13.0', '>=0.13.0,<0.14'],
  ])('%s for %s is %s', (spec, version, expected) => {
    expect(bumpPythonRequirement(spec, version)).toBe(expected);
    expect(pythonAdmits(expected, version)).toBe(true);
  });

  it.each([
    ['^0.12', '0.12.4'],
    ['~=0.12', '0.14.0'],
    ['>=0.12', '3.0.0'],
    ['>=0.12, <0.14', '0.13.0'],
    ['*', '0.13.0'],
  ])('keeps %s, which already admits %s', (spec, version) => {
    expect(bumpPythonRequirement(spec, version)).toBe(spec);
  });

  it.each([
    ['>=0.12,<0.14', '0.14.0', 'does not admit 0.14.0', 'Decide by hand how this range should change to admit 0.14.0'],
    ['<0.13', '0.13.0', 'does not admit 0.13.0', 'Decide by hand whether the `<` bound should move'],
    ['!=0.13.0', '0.13.0', 'does not admit 0.13.0', 'Decide by hand whether the `!=` bound should move'],
    [
      '==0.12.*',
      '0.13.0rc0',
      'is a wildcard, which cannot select the pre-release 0.13.0rc0',
      'Decide by hand how this requirement should change',
    ],
    [
      '^0.12',
      '0.13.0-banana',
      'cannot be moved to `0.13.0-banana`, which is not a PEP 440 version',
      'Use a version like 1.2.3',
    ],
    ['>=0.12 || <0.1', '0.13.0', 'is not a PEP 440 or Poetry version requirement', 'Fix it by hand'],
  ])('leaves %s for %s to a human', (spec, version, problem, fix) => {
    let error: unknown;
    try {
      bumpPythonRequirement(spec, version);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RequirementBumpError);
    expect(error).toMatchObject({ requirement: spec, version, problem, fix });
  });
});
