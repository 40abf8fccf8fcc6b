import * as pep440 from '@renovatebot/pep440';
import { RequirementBumpError, shiftWindow } from '../requirement-rules';

/**
 * Python version requirements onto a package of the repository: whether one
 * admits a version, and how to move one onto a new version. Two syntaxes:
 * PEP 440 specifier sets (`>=0.12,<0.13`, `~=0.12.0`, `==0.12.*`, as in
 * `[project].dependencies`) and Poetry's constraints, which add `^` and `~`
 * (https://python-poetry.org/docs/dependency-specification/: `^0.12` is
 * `>=0.12,<0.13`, `^0.0.3` is `>=0.0.3,<0.0.4`, `~1.2` is `>=1.2,<1.3`, `~1` is
 * `>=1,<2`) and read a bare version as `==`. Pre-releases follow `packaging`'s
 * SpecifierSet (what pip uses): admitted only when a clause names one.
 */

// one clause: operator, release (with a `.*` wildcard for == and !=), pre/post/dev suffix
const CLAUSE = /^(\s*)(===|==|~=|!=|>=|<=|>|<|\^|~)?(\s*)(\d+(?:\.\d+)*)(\.\*)?([a-z0-9.+-]*?)(\s*)$/i;

interface Clause {
  lead: string;
  op: string;
  space: string;
  release: string[];
  wildcard: boolean;
  suffix: string;
  trail: string;
}

function clauses(spec: string): Clause[] | undefined {
  if (spec.trim() === '*') return [];
  const parsed = spec.split(',').map((part) => CLAUSE.exec(part));
  if (parsed.some((m) => m === null)) return undefined;
  return (parsed as RegExpExecArray[]).map(([, lead, op, space, release, wildcard, suffix, trail]) => ({
    lead,
    op: op ?? '',
    space,
    release: release.split('.'),
    wildcard: wildcard !== undefined,
    suffix,
    trail,
  }));
}

/** Poetry's `^`, `~` and bare versions as PEP 440 clauses; PEP 440's own clauses as they are. */
function pep440Clauses(c: Clause): string[] {
  const version = c.release.join('.') + c.suffix;
  if (c.op === '') return [`==${version}${c.wildcard ? '.*' : ''}`];
  if (c.op !== '^' && c.op !== '~') return [`${c.op}${version}${c.wildcard ? '.*' : ''}`];
  const parts = c.release.map(Number);
  const k =
    c.op === '~'
      ? Math.min(1, parts.length - 1)
      : Math.min(
          parts.findIndex((n) => n !== 0),
          parts.length - 1,
        );
  const at = k < 0 ? parts.length - 1 : k;
  const upper = parts.slice(0, at + 1).map((n, i) => (i === at ? n + 1 : n));
  return [`>=${version}`, `<${upper.join('.')}`];
}

const namesPreRelease = (c: Clause) => pep440.explain(c.release.join('.') + c.suffix)?.is_prerelease === true;

/** Whether a PEP 440 or Poetry requirement admits `version`, as pip and Poetry read it. */
export function pythonAdmits(spec: string, version: string): boolean {
  const parsed = clauses(spec);
  if (parsed === undefined || pep440.valid(version) === null) return false;
  if (parsed.length === 0) return pep440.explain(version)?.is_prerelease !== true;
  const set = parsed.flatMap(pep440Clauses).join(',');
  return pep440.satisfies(version, set, { prereleases: parsed.some(namesPreRelease) });
}

/**
 * `spec` rewritten to admit `newVersion` (a PEP 440 version), keeping the
 * operator and precision: `==0.12.0` → `==0.13.0`, `~=0.12.0` → `~=0.13.0`,
 * `^0.12` → `^0.13`, `==0.12.*` → `==0.13.*`, `>=0.12,<0.13` → `>=0.13,<0.14`;
 * a pre-release is written out (`~=0.13.0rc0`). A requirement that admits the
 * version is kept, unless it names a pre-release: that one follows the release.
 */
export function bumpPythonRequirement(spec: string, newVersion: string): string {
  const target = pep440.explain(newVersion);
  if (target === null) {
    throw new RequirementBumpError(
      spec,
      newVersion,
      `cannot be moved to \`${newVersion}\`, which is not a PEP 440 version`,
      'Use a version like 1.2.3',
    );
  }
  const parsed = clauses(spec);
  if (parsed === undefined) {
    throw new RequirementBumpError(
      spec,
      newVersion,
      'is not a PEP 440 or Poetry version requirement',
      'Fix it by hand',
    );
  }
  if (pythonAdmits(spec, newVersion) && !parsed.some(namesPreRelease)) return spec;
  const release = [0, 1, 2].map((i) => target.release[i] ?? 0);
  const pre = target.public.slice(target.base_version.length);
  const write = (c: Clause, parts: string[], suffix: string) =>
    `${c.lead}${c.op}${c.space}${parts.join('.')}${c.wildcard ? '.*' : ''}${suffix}${c.trail}`;
  let bumped: string | undefined;
  if (parsed.length === 1 && ['', '==', '===', '~=', '^', '~'].includes(parsed[0].op)) {
    const [c] = parsed;
    if (c.wildcard && pre) {
      throw new RequirementBumpError(
        spec,
        newVersion,
        `is a wildcard, which cannot select the pre-release ${newVersion}`,
        'Decide by hand how this requirement should change',
      );
    }
    // a pre-release is written in full, but `~=` keeps its precision: it says which component may grow
    const width = pre && c.op !== '~=' ? Math.max(c.release.length, 3) : c.release.length;
    bumped = write(c, release.slice(0, width).map(String), pre);
  } else if (parsed.length === 2 && parsed[0].op === '>=' && parsed[1].op === '<' && !parsed[1].suffix) {
    const [ge, lt] = parsed;
    const moved = shiftWindow(ge.release, lt.release, release);
    if (moved)
      bumped = `${write(ge, pre ? target.base_version.split('.') : moved.lower, pre)},${write(lt, moved.upper, '')}`;
  } else if (parsed.length === 1) {
    throw new RequirementBumpError(
      spec,
      newVersion,
      `does not admit ${newVersion}`,
      `Decide by hand whether the \`${parsed[0].op}\` bound should move`,
    );
  }
  if (bumped === undefined || !pythonAdmits(bumped, newVersion)) {
    throw new RequirementBumpError(
      spec,
      newVersion,
      `does not admit ${newVersion}`,
      `Decide by hand how this range should change to admit ${newVersion}`,
    );
  }
  return bumped;
}
