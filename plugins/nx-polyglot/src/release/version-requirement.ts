import semver from 'semver';

/**
 * A requirement that cannot be moved to the new version mechanically. It
 * knows no file: the caller wraps it in a ManifestError with the file and key.
 */
/** Cargo's requirement syntax as a semver range: a bare `0.12.0` means `^0.12.0`, commas are conjunctions. */
export function cargoRange(req: string): string {
  return req
    .split(',')
    .map((part) => part.trim())
    .map((part) => (/^\d/.test(part) ? `^${part}` : part.replace(/^=\s*/, '')))
    .join(' ');
}

export class RequirementBumpError extends Error {
  constructor(
    readonly requirement: string,
    readonly version: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`version requirement \`${requirement}\` ${problem}. ${fix}`);
    this.name = 'RequirementBumpError';
  }
}

/**
 * Whether Cargo lets `req` select `version`. node-semver's default
 * pre-release rule is Cargo's: `1.0.0-rc.1` only matches a requirement that
 * names a pre-release of 1.0.0.
 */
export function cargoAdmits(req: string, version: string): boolean {
  const range = semver.validRange(cargoRange(req));
  return range !== null && semver.satisfies(version, range);
}

// one comparator: operator, 1 to 3 components (`*`, `x`, `X` are wildcards), pre-release, build
const COMPARATOR =
  /^(\s*(?:\^|~|=|>=|<=|>|<)?\s*)((?:\d+|[*xX])(?:\.(?:\d+|[*xX])){0,2})(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?(\s*)$/;

/**
 * `req` rewritten to admit `newVersion`, with the operator and the number of
 * components the author chose (`^0.12` → `^0.13`, `~0.12.1` → `~0.13.0`,
 * `0.12.*` → `0.13.*`). A requirement that already admits the version is
 * returned as is, unless it pins a pre-release: that one follows the release.
 * Bounds (`>=`, `<`, compound ranges) that exclude it are a human's call.
 */
export function bumpRequirement(req: string, newVersion: string): string {
  const target = semver.parse(newVersion);
  if (target === null) {
    throw new RequirementBumpError(
      req,
      newVersion,
      `cannot be moved to \`${newVersion}\`, which is not a semantic version`,
      'Use a version like 1.2.3',
    );
  }
  if (semver.validRange(cargoRange(req)) === null) {
    throw new RequirementBumpError(req, newVersion, 'is not a Cargo version requirement', 'Fix it by hand');
  }
  const single = COMPARATOR.exec(req);
  if (cargoAdmits(req, newVersion) && !single?.[3]) return req;
  if (single === null) {
    throw new RequirementBumpError(
      req,
      newVersion,
      `does not admit ${newVersion}`,
      `Decide by hand how this range should change to admit ${newVersion}`,
    );
  }
  const [, operator, components, , , trailing] = single;
  const op = operator.trim();
  if (!['', '^', '~', '='].includes(op)) {
    throw new RequirementBumpError(
      req,
      newVersion,
      `does not admit ${newVersion}`,
      `Decide by hand whether the \`${op}\` bound should move`,
    );
  }
  const parts = components.split('.');
  const wildcard = (part: string) => /^[*xX]$/.test(part);
  let written: string;
  if (target.prerelease.length > 0) {
    // a pre-release is only selected by a requirement that spells it out in full
    if (parts.some(wildcard)) {
      throw new RequirementBumpError(
        req,
        newVersion,
        `is a wildcard, which cannot select the pre-release ${newVersion}`,
        'Decide by hand how this requirement should change',
      );
    }
    written = `${target.major}.${target.minor}.${target.patch}-${target.prerelease.join('.')}`;
  } else {
    const numbers = [target.major, target.minor, target.patch];
    written = parts.map((part, k) => (wildcard(part) ? part : String(numbers[k]))).join('.');
  }
  const bumped = `${operator}${written}${trailing}`;
  if (!cargoAdmits(bumped, newVersion)) {
    throw new RequirementBumpError(
      req,
      newVersion,
      `could not be moved to admit ${newVersion} (got \`${bumped}\`)`,
      'Decide by hand how this requirement should change',
    );
  }
  return bumped;
}
