/**
 * The release edits of a hand-kept changelog, as text in and text out, in the
 * file's own style (changelog-style.ts): the unreleased entries move under a
 * new release heading written like the newest one, the link definitions
 * follow, and the next cycle gets its unreleased heading back. Every line the
 * edit does not touch is kept byte for byte; inserted lines use the file's
 * own line ending, so a CRLF file stays CRLF.
 */
import { moveLinkDefinitions, nextReleaseUrl, nextUnreleasedUrl } from './changelog-links';
import {
  bareVersion,
  ChangelogError,
  ChangelogShape,
  eolOf,
  formatDate,
  headingLevel,
  isBlank,
  isUnreleasedHeading,
  joinLines,
  Line,
  LINK_DEFINITION,
  parseReleaseHeading,
  readChangelogShape,
  sectionEnd,
  splitLines,
  VERSION,
} from './changelog-style';

export { ChangelogError, readChangelogStyle } from './changelog-style';
export type { ChangelogStyle } from './changelog-style';

export interface ReleaseSectionOptions {
  /** the path named in refusals */
  file?: string;
  /**
   * Keep an empty unreleased heading above the release (Micromegas since
   * v0.25.0, cargo-release) rather than renaming it (Micromegas v0.22.0 to
   * v0.24.0); see `keepsUnreleased`. Default: keep.
   */
  keepUnreleased?: boolean;
}

/**
 * Whether the file keeps an empty unreleased heading through a release, as
 * it was at the previous release (its tag): it does when that file had one.
 * Without that file (first release, no tag), Keep a Changelog's convention:
 * it does.
 */
export function keepsUnreleased(atPreviousRelease: string | undefined): boolean {
  if (atPreviousRelease === undefined) return true;
  const lines = splitLines(atPreviousRelease);
  return lines.some(isUnreleasedHeading) || !lines.some((l) => parseReleaseHeading(l) !== undefined);
}

/** The unreleased heading of a changelog, as written (e.g. from the file before its release). */
export function unreleasedHeadingOf(changelog: string): string | undefined {
  return splitLines(changelog).find(isUnreleasedHeading)?.text;
}

const line = (text: string, eol: string): Line => ({ text, end: eol, fenced: false });
const blanks = (n: number, eol: string): Line[] => Array.from({ length: n }, () => line('', eol));

/** The version each release section is for: its heading's, else its line that names one (month headings). */
function releases(lines: Line[]): Array<{ index: number; version: string }> {
  const found: Array<{ index: number; version: string }> = [];
  lines.forEach((l, index) => {
    const heading = parseReleaseHeading(l);
    if (!heading) return;
    if (heading.version) return void found.push({ index, version: bareVersion(heading.version.text) });
    const end = sectionEnd(lines, index, heading.level);
    const named = lines.slice(index + 1, end).find((x) => VERSION.test(x.text));
    if (named) found.push({ index, version: bareVersion(VERSION.exec(named.text)![0]) });
  });
  return found;
}

/** The end of a section's own lines: a last section leaves the file's link definitions and blank lines out. */
function bodyEnd(lines: Line[], start: number): number {
  const level = headingLevel(lines[start]);
  let end = sectionEnd(lines, start, level);
  if (end === lines.length)
    while (end > start + 1 && (isBlank(lines[end - 1]) || LINK_DEFINITION.test(lines[end - 1].text))) end--;
  return end;
}

/** The blank lines the file puts between a section's last line and the next heading (at least one). */
function sectionGap(lines: Line[], level: number): number {
  for (let i = 1; i < lines.length; i++) {
    if (headingLevel(lines[i]) !== level) continue;
    let k = 0;
    while (i - k - 1 >= 0 && isBlank(lines[i - k - 1])) k++;
    if (i - k - 1 >= 0 && headingLevel(lines[i - k - 1]) === 0) return Math.max(k, 1);
  }
  return 1;
}

/** The heading of the release of `version`, written like the newest release heading. */
function nextHeading(shape: ChangelogShape, version: string, date: string, file: string): string {
  const { newest, level, unreleased, lines } = shape;
  if (!newest) {
    // a first release: like the unreleased heading, else Keep a Changelog's `## [1.0.0] - 2026-08-12`
    const bracketed = unreleased === undefined || /^#+\s+\[/.test(lines[unreleased].text);
    return `${'#'.repeat(level)} ${bracketed ? `[${version}]` : version} - ${date}`;
  }
  const h = newest.heading;
  const previous = previousVersion(shape);
  const parts: Array<{ at: number; length: number; text: string }> = [];
  if (h.version)
    parts.push({
      at: h.version.at,
      length: h.version.text.length,
      text: (h.version.text.startsWith('v') ? 'v' : '') + version,
    });
  if (h.date) parts.push({ at: h.date.at, length: h.date.text.length, text: formatDate(date, h.date) });
  if (h.url) {
    const url = nextReleaseUrl(h.url.text, previous, version);
    if (!url)
      throw new ChangelogError(
        file,
        `the link of \`${lines[newest.index].text}\` does not end in \`compare/<tag>...<tag>\` or \`releases/tag/<tag>\` with a tag naming ${previous}, so the link of ${version} cannot be written`,
        `Add the ${version} section by hand, or give the newest heading such a link`,
        newest.index + 1,
      );
    parts.push({ at: h.url.at, length: h.url.text.length, text: url });
  }
  const text = parts
    .sort((a, b) => b.at - a.at)
    .reduce((t, p) => t.slice(0, p.at) + p.text + t.slice(p.at + p.length), h.text);
  return `${'#'.repeat(h.level)} ${text}`;
}

function previousVersion(shape: ChangelogShape): string {
  const { newest, releaseLine } = shape;
  return bareVersion(newest?.heading.version?.text ?? releaseLine?.version.text ?? '');
}

/**
 * Releases the unreleased entries as `version` (dated `date`, YYYY-MM-DD) in
 * the file's style. The release heading goes below a kept unreleased heading
 * (or replaces it), so the entries are never left under an empty section.
 * Rolling a file whose newest release is already `version`, with nothing
 * unreleased, changes nothing; a section for `version` anywhere else is
 * refused, as is a file whose shape is not understood.
 */
export function releaseSection(
  changelog: string,
  version: string,
  date: string,
  options: ReleaseSectionOptions = {},
): string {
  const file = options.file ?? 'CHANGELOG.md';
  version = bareVersion(version);
  const shape = readChangelogShape(changelog, file);
  const { lines, newest, unreleased, releaseLine, level } = shape;
  const eol = eolOf(changelog);
  const bodyStart = unreleased === undefined ? 0 : unreleased + 1;
  const entries =
    unreleased === undefined ? 0 : lines.slice(bodyStart, bodyEnd(lines, unreleased)).filter((l) => !isBlank(l)).length;

  const released = releases(lines).find((r) => r.version === version);
  if (released) {
    if (released.index === newest?.index && entries === 0) return changelog;
    throw new ChangelogError(
      file,
      `already has a section for ${version} (\`${lines[released.index].text}\`)${entries ? ' and unreleased entries' : ''}`,
      `Release a new version, or remove that section if it was added by mistake`,
      released.index + 1,
    );
  }
  if (unreleased === undefined && !newest) return firstSection(changelog, nextHeading(shape, version, date, file), eol);

  const heading = line(nextHeading(shape, version, date, file), eol);
  const versionLine = releaseLine && {
    ...lines[releaseLine.index],
    end: eol,
    text:
      lines[releaseLine.index].text.slice(0, releaseLine.version.at) +
      (releaseLine.version.text.startsWith('v') ? 'v' : '') +
      version +
      lines[releaseLine.index].text.slice(releaseLine.version.at + releaseLine.version.text.length),
  };
  const gap = blanks(sectionGap(lines, level), eol);
  let out: Line[];
  if (unreleased === undefined) {
    out = [
      ...lines.slice(0, newest!.index),
      heading,
      ...(versionLine ? [versionLine] : []),
      ...gap,
      ...lines.slice(newest!.index),
    ];
  } else {
    let headingGap = 0;
    while (isBlank(lines[bodyStart + headingGap]) && bodyStart + headingGap < bodyEnd(lines, unreleased)) headingGap++;
    const keep = options.keepUnreleased ?? true;
    const top = keep ? [lines[unreleased], ...gap, heading] : [{ ...lines[unreleased], text: heading.text }];
    if (keep)
      top[0] = {
        ...top[0],
        text: movedUnreleasedHeading(lines[unreleased].text, previousVersion(shape), version, file, unreleased),
      };
    const rest = lines.slice(bodyStart);
    // the version's line opens the section's entries, or follows the heading when there are none
    const at = entries ? headingGap : 0;
    out = [
      ...lines.slice(0, unreleased),
      ...top,
      ...rest.slice(0, at),
      ...(versionLine ? [versionLine] : []),
      ...rest.slice(at),
    ];
  }
  if (newest?.heading.version && !newest.heading.url && newest.heading.text.startsWith('[')) {
    const label = (h: string) => /^\[([^\]]+)\]/.exec(h)![1];
    const moved = moveLinkDefinitions(
      out,
      { previous: label(newest.heading.text), label: label(heading.text.slice(level + 1)) },
      previousVersion(shape),
      version,
      eol,
    );
    if ('problem' in moved)
      throw new ChangelogError(
        file,
        moved.problem,
        `Add the ${version} link by hand after the release, or fix that definition`,
      );
    out = moved.lines;
  }
  return joinLines(out);
}

/** A kept unreleased heading with an inline compare link (`## [Unreleased](…/compare/v1.0.0...HEAD)`) compares from the new tag. */
function movedUnreleasedHeading(text: string, previous: string, version: string, file: string, index: number): string {
  const link = /\]\(([^)\s]+)\)/.exec(text);
  if (!link || !previous) return text;
  const url = nextUnreleasedUrl(link[1], previous, version);
  if (!url)
    throw new ChangelogError(
      file,
      `the link of \`${text}\` does not end in \`compare/<tag>...HEAD\` with a tag naming ${previous}`,
      'Fix that link, or remove it',
      index + 1,
    );
  return text.replace(link[1], url);
}

/** A changelog without sections (empty, or a title and an introduction) gets Keep a Changelog's first section. */
function firstSection(changelog: string, heading: string, eol: string): string {
  if (changelog.trim() === '') return ['# Changelog', '', heading].join('\n') + '\n';
  const separator = changelog.endsWith(eol + eol) ? '' : changelog.endsWith('\n') ? eol : eol + eol;
  return changelog + separator + heading + eol;
}

/**
 * Opens the next development cycle: an unreleased heading above the newest
 * release, written as `previous` (the heading the file had before its
 * release) or in the style of the release headings. Never a second one.
 */
export function openUnreleased(changelog: string, previous?: string, file = 'CHANGELOG.md'): string {
  if (unreleasedHeadingOf(changelog) !== undefined) return changelog;
  const shape = readChangelogShape(changelog, file);
  const { lines, newest, level } = shape;
  const eol = eolOf(changelog);
  const bracketed = newest ? newest.heading.text.startsWith('[') : true;
  const text = previous ?? `${'#'.repeat(newest?.heading.level ?? level)} ${bracketed ? '[Unreleased]' : 'Unreleased'}`;
  if (!newest) return firstSection(changelog, text, eol);
  const gap = blanks(sectionGap(lines, newest.heading.level), eol);
  return joinLines([...lines.slice(0, newest.index), line(text, eol), ...gap, ...lines.slice(newest.index)]);
}

/**
 * The body of the section of `version` (or of the unreleased heading, for
 * 'Unreleased'), trimmed and with '\n' line endings (it is headed for release
 * notes, not back into the file). Link reference definitions closing the last
 * section belong to the whole file, so they are left out. Undefined when there
 * is no such section.
 */
export function sectionBody(changelog: string, version: string): string | undefined {
  const lines = splitLines(changelog);
  const start = /^unreleased$/i.test(version)
    ? lines.findIndex(isUnreleasedHeading)
    : (releases(lines).find((r) => r.version === bareVersion(version))?.index ?? -1);
  if (start < 0) return undefined;
  return lines
    .slice(start + 1, bodyEnd(lines, start))
    .map((l) => l.text)
    .join('\n')
    .trim();
}

/** The heading of the section of `version`, as written; undefined when there is none. */
export function sectionHeading(changelog: string, version: string): string | undefined {
  const lines = splitLines(changelog);
  const found = releases(lines).find((r) => r.version === bareVersion(version));
  return found && lines[found.index].text;
}
