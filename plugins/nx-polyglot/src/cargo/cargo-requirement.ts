import semver from 'semver';
import { RequirementBumpError, RequirementPolicy, shiftWindow } from '../requirement-rules';

export { RequirementBumpError };

/**
 * Cargo's version requirements (https://doc.rust-lang.org/cargo/reference/specifying-dependencies.html):
 * whether one admits a version, and how to move one onto a new version. Cargo
 * reads them with the semver crate, whose rules node-semver shares for every
 * operator Cargo accepts once `cargoRange` has spelled Cargo's defaults out:
 * a bare version is a caret, `^0.12` is `>=0.12.0, <0.13.0`, `^0.0.3` is
 * `=0.0.3`, `~1.2` is `>=1.2.0, <1.3.0`, `=0.12` and `0.12.*` are
 * `>=0.12.0, <0.13.0`, and a pre-release is only selected by a comparator
 * naming a pre-release of the same major.minor.patch.
 */

/** Cargo's requirement syntax as a semver range: a bare `0.12.0` means `^0.12.0`, commas are conjunctions. */
export function cargoRange(req: string): string {
  return req
    .split(',')
    .map((part) => part.trim())
    .map((part) => (/^\d/.test(part) ? `^${part}` : part.replace(/^=\s*/, '')))
    .join(' ');
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
 * returned as is, unless it pins a pre-release (that one follows the release)
 * or the policy is `upgrade` (`1.1.2` → `1.1.3`, as cargo-release writes it).
 * Bounds (`>=`, `<`, compound ranges) that exclude it are a human's call.
 */
export function bumpRequirement(req: string, newVersion: string, policy: RequirementPolicy = 'fix'): string {
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
  // `upgrade` rewrites a caret, tilde or exact comparator that admits it too; other bounds stay a human's call
  const upgradable = single !== null && ['', '^', '~', '='].includes(single[1].trim());
  if (cargoAdmits(req, newVersion) && !single?.[3] && (policy === 'fix' || !upgradable)) return req;
  if (single === null) {
    const window = bumpWindow(req, target);
    if (window !== undefined && cargoAdmits(window, newVersion)) return window;
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

// `>=0.12, <0.13`: a lower and an upper bound, as written (spaces kept)
const WINDOW = /^(\s*>=\s*)(\d+(?:\.\d+){0,2})(\s*,\s*<\s*)(\d+(?:\.\d+){0,2})(\s*)$/;

/** A `>=L, <U` window moved to start at `target` (a pre-release starts it exactly), or undefined for another shape. */
function bumpWindow(req: string, target: semver.SemVer): string | undefined {
  const m = WINDOW.exec(req);
  if (m === null) return undefined;
  const [, ge, lower, lt, upper, trailing] = m;
  const moved = shiftWindow(lower.split('.'), upper.split('.'), [target.major, target.minor, target.patch]);
  if (moved === undefined) return undefined;
  const start = target.prerelease.length > 0 ? target.version : moved.lower.join('.');
  return `${ge}${start}${lt}${moved.upper.join('.')}${trailing}`;
}
