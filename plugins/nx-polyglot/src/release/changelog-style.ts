/**
 * How a hand-kept changelog writes its headings, read from the file itself:
 * the unreleased heading (`## Unreleased`, `## [Unreleased]`, any case, any
 * suffix such as cargo-release's ` - ReleaseDate`) and the newest release
 * heading, which is the template of the next one (`## v0.29.0 - 2026-08-12`,
 * `## [1.1.4] - 2026-08-06`, `## 11.1.2 (2022-09-01)`,
 * `## [0.1.19](…/compare/v0.1.18...v0.1.19) - 2024-06-12`,
 * `## March 2026 - v0.23.0`, and month headings whose section names the
 * version on a line such as ` * Released [version 0.11.0](…)`).
 */
import { ManifestError } from '../manifest-error';

/** The changelog's shape is not understood, or the edit would lose or duplicate history. */
export class ChangelogError extends ManifestError {
  constructor(file: string, problem: string, fix: string, line?: number) {
    super(file, problem, fix, undefined, line);
    this.name = 'ChangelogError';
  }
}

export interface Line {
  /** the line without its terminator */
  text: string;
  /** '\n', '\r\n' or '' for a last line without one */
  end: string;
  /** inside a fenced code block, where `## ` is not a heading */
  fenced: boolean;
}

export function splitLines(changelog: string): Line[] {
  const lines: Line[] = [];
  let fenced = false;
  for (const raw of changelog.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    const end = raw.endsWith('\r\n') ? '\r\n' : raw.endsWith('\n') ? '\n' : '';
    const text = raw.slice(0, raw.length - end.length);
    const fence = /^\s*(```|~~~)/.test(text);
    lines.push({ text, end, fenced: fenced || fence });
    if (fence) fenced = !fenced;
  }
  return lines;
}

export function joinLines(lines: Line[]): string {
  return lines.map((l) => l.text + l.end).join('');
}

/** The file's line ending: that of its first line, '\n' for a one-line or empty file. */
export function eolOf(changelog: string): string {
  const first = changelog.indexOf('\n');
  return first > 0 && changelog[first - 1] === '\r' ? '\r\n' : '\n';
}

export const isBlank = (line: Line | undefined): boolean => line !== undefined && line.text.trim() === '';

/** The level of a markdown heading line (1 for `#`), 0 for any other line. */
export function headingLevel(line: Line): number {
  const m = line.fenced ? null : /^(#{1,6})\s/.exec(line.text);
  return m ? m[1].length : 0;
}

const MONTHS = 'January February March April May June July August September October November December'.split(' ');
const MONTH = `(${MONTHS.join('|')}|${MONTHS.map((m) => m.slice(0, 3)).join('|')})`;
/** The date forms a heading may use, most specific first. */
const DATES: Array<{ form: DateForm; re: RegExp }> = [
  { form: 'iso', re: /\d{4}-\d{2}-\d{2}/ },
  { form: 'month-day-year', re: new RegExp(`${MONTH} (\\d{1,2})(st|nd|rd|th)?, (\\d{4})`) },
  { form: 'day-month-year', re: new RegExp(`(\\d{1,2}) ${MONTH} (\\d{4})`) },
  { form: 'month-year', re: new RegExp(`${MONTH} (\\d{4})`) },
];
type DateForm = 'iso' | 'month-day-year' | 'day-month-year' | 'month-year';

/** A version as headings write it: semver or PEP 440, with or without `v`. */
export const VERSION =
  /(?<![\w.])v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+|(?:a|b|rc)\d+|\.(?:dev|post)\d+)*(?:\+[0-9A-Za-z.-]+)?(?![\w])/;

interface Span {
  at: number;
  text: string;
}

/** A release heading, split into what the next release replaces. */
export interface ReleaseHeading {
  text: string;
  level: number;
  version?: Span;
  date?: Span & { form: DateForm; short: boolean; ordinal: boolean };
  /** an inline link's target, e.g. release-plz's compare link */
  url?: Span;
}

/** What may surround the version and date in a release heading without changing its meaning. */
const FILLER = /^[\s[\]()\-–—:,|]*(?:(?:version|release)[\s[\]()\-–—:,|]*)?$/i;

export function parseReleaseHeading(line: Line): ReleaseHeading | undefined {
  const level = headingLevel(line);
  if (!level) return undefined;
  const text = line.text.slice(level + 1).trim();
  const link = /\]\(([^)\s]+)\)/.exec(text);
  const url = link ? { at: link.index + 2, text: link[1] } : undefined;
  // tokens are looked for with the link target blanked out, so its versions do not count
  let rest = url ? text.slice(0, url.at) + ' '.repeat(url.text.length) + text.slice(url.at + url.text.length) : text;
  const v = VERSION.exec(rest);
  const version = v ? { at: v.index, text: v[0] } : undefined;
  if (version) rest = blank(rest, version);
  let date: ReleaseHeading['date'];
  for (const { form, re } of DATES) {
    const d = re.exec(rest);
    if (!d) continue;
    const short = form !== 'iso' && !MONTHS.includes(d[form === 'day-month-year' ? 2 : 1]);
    date = { at: d.index, text: d[0], form, short, ordinal: form === 'month-day-year' && d[3] !== undefined };
    rest = blank(rest, date);
    break;
  }
  if (!version && date?.form !== 'month-year') return undefined;
  if (url) rest = blank(rest, url);
  if (!FILLER.test(rest)) return undefined;
  return { text, level, version, date, url };
}

function blank(text: string, span: Span): string {
  return text.slice(0, span.at) + ' '.repeat(span.text.length) + text.slice(span.at + span.text.length);
}

/** The version a heading names, without `v`. */
export const bareVersion = (version: string): string => version.replace(/^v/, '');

/** `date` (YYYY-MM-DD) the way a heading wrote its own. */
export function formatDate(date: string, shape: NonNullable<ReleaseHeading['date']>): string {
  const [year, month, day] = date.split('-').map(Number);
  const name = shape.short ? MONTHS[month - 1].slice(0, 3) : MONTHS[month - 1];
  const ordinal = shape.ordinal
    ? (['th', 'st', 'nd', 'rd'][day % 10 > 3 || Math.floor(day / 10) === 1 ? 0 : day % 10] ?? 'th')
    : '';
  switch (shape.form) {
    case 'iso':
      return date;
    case 'month-year':
      return `${name} ${year}`;
    case 'month-day-year':
      return `${name} ${day}${ordinal}, ${year}`;
    case 'day-month-year':
      return `${day} ${name} ${year}`;
  }
}

export const UNRELEASED = /^\[?unreleased\b/i;

export function isUnreleasedHeading(line: Line): boolean {
  const level = headingLevel(line);
  return level > 0 && level <= 3 && UNRELEASED.test(line.text.slice(level + 1).trim());
}

/** Where the file's sections are, and what its newest release heading looks like. */
export interface ChangelogShape {
  lines: Line[];
  /** the level of the release sections (2 for `##`) */
  level: number;
  /** the unreleased heading's line index */
  unreleased?: number;
  /** the newest release heading's line index, and the heading */
  newest?: { index: number; heading: ReleaseHeading };
  /** for a month heading without a version: the line of its section that names the version */
  releaseLine?: { index: number; version: Span };
}

/** The style summary the init generator shows and records. */
export interface ChangelogStyle {
  /** the unreleased heading as the file writes it, e.g. `## Unreleased`; undefined when it has none */
  unreleased?: string;
  /** the newest release heading as a pattern, e.g. `## v{version} - {date}`; undefined before a first release */
  release?: string;
  /** a version's line in its section, for month headings without one, e.g. ` * Released [version {version}](…)` */
  releaseLine?: string;
  /** the file keeps link reference definitions (`[0.12.0]: https://…`) for its headings */
  linkReferences: boolean;
}

/**
 * Reads the sections of a changelog. A section heading at the release level
 * that is neither the unreleased heading nor a release heading is refused:
 * the next release could not be written in the file's style.
 */
export function readChangelogShape(changelog: string, file = 'CHANGELOG.md'): ChangelogShape {
  const lines = splitLines(changelog);
  const unreleased = lines.findIndex(isUnreleasedHeading);
  const firstRelease = lines.findIndex((l, i) => i > unreleased && parseReleaseHeading(l) !== undefined);
  const level = headingLevel(
    lines[unreleased >= 0 ? unreleased : firstRelease] ?? { text: '## ', end: '', fenced: false },
  );
  const shape: ChangelogShape = { lines, level, unreleased: unreleased >= 0 ? unreleased : undefined };
  // the sections start after the unreleased heading, else after a `# Changelog` title (tokio's releases are `# 1.40.0 (…)`)
  const title = lines.findIndex((l) => headingLevel(l) > 0);
  const titled = title >= 0 && headingLevel(lines[title]) === 1 && !parseReleaseHeading(lines[title]);
  const after = unreleased >= 0 ? unreleased : titled ? title : -1;
  const next = lines.findIndex((l, i) => i > after && headingLevel(l) === level);
  if (next < 0) return shape;
  const heading = parseReleaseHeading(lines[next]);
  if (!heading)
    throw new ChangelogError(
      file,
      `the heading \`${lines[next].text}\` is where the newest release should be, and it is not understood as one`,
      'Write release headings like `## v1.2.3 - 2026-08-12`, `## [1.2.3] - 2026-08-12`, `## 1.2.3 (2026-08-12)` or `## March 2026 - v1.2.3`, or move that heading below the newest release',
      next + 1,
    );
  shape.newest = { index: next, heading };
  if (!heading.version) {
    const end = sectionEnd(lines, next, level);
    const at = lines.findIndex((l, i) => i > next && i < end && VERSION.test(l.text));
    if (at < 0)
      throw new ChangelogError(
        file,
        `the newest release heading \`${lines[next].text}\` names no version, and neither does its section`,
        'Put the version in the release headings (e.g. `## March 2026 - v1.2.3`), or a line such as `* Released version 1.2.3` in the section',
        next + 1,
      );
    const m = VERSION.exec(lines[at].text)!;
    shape.releaseLine = { index: at, version: { at: m.index, text: m[0] } };
  }
  return shape;
}

/** The index of the heading that ends the section starting at `start`, or the line count. */
export function sectionEnd(lines: Line[], start: number, level: number): number {
  const end = lines.findIndex((l, i) => i > start && headingLevel(l) > 0 && headingLevel(l) <= level);
  return end < 0 ? lines.length : end;
}

/** A link reference definition, `[label]: url` (the URL possibly in `<…>`). */
export const LINK_DEFINITION = /^\[([^\]]+)\]:\s*<?([^\s>]+)>?/;

/** The changelog's style, for the init generator; throws a ChangelogError when it is not understood. */
export function readChangelogStyle(changelog: string, file = 'CHANGELOG.md'): ChangelogStyle {
  const shape = readChangelogShape(changelog, file);
  const { lines, newest, releaseLine } = shape;
  const pattern = (text: string, spans: Array<[Span | undefined, string]>) =>
    spans
      .filter((s): s is [Span, string] => s[0] !== undefined)
      .sort((a, b) => b[0].at - a[0].at)
      .reduce((t, [s, name]) => t.slice(0, s.at) + name + t.slice(s.at + s.text.length), text);
  const h = newest?.heading;
  return {
    unreleased: shape.unreleased === undefined ? undefined : lines[shape.unreleased].text,
    release: h
      ? '#'.repeat(h.level) +
        ' ' +
        pattern(h.text, [
          [h.version, h.version?.text.startsWith('v') ? 'v{version}' : '{version}'],
          [h.date, '{date}'],
          [h.url, '{url}'],
        ])
      : undefined,
    releaseLine: releaseLine ? pattern(lines[releaseLine.index].text, [[releaseLine.version, '{version}']]) : undefined,
    linkReferences: lines.some(
      (l) => !l.fenced && LINK_DEFINITION.test(l.text) && /^\[unreleased\]|^\[v?\d/i.test(l.text),
    ),
  };
}
