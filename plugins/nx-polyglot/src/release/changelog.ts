/**
 * Edits to a Keep a Changelog file (https://keepachangelog.com), as text in
 * and text out. Every line the edit does not touch is kept byte for byte, and
 * inserted lines use the file's own line ending, so a CRLF file stays CRLF.
 */

/** The edit would lose or duplicate release history; the caller adds the file. */
export class ChangelogError extends Error {
  constructor(
    readonly version: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`CHANGELOG ${problem}. ${fix}`);
    this.name = 'ChangelogError';
  }
}

interface Line {
  /** the line without its terminator */
  text: string;
  /** '\n', '\r\n' or '' for a last line without one */
  end: string;
  /** inside a fenced code block, where `## ` is not a heading */
  fenced: boolean;
}

const UNRELEASED = /^## \[unreleased\]/i;

function splitLines(changelog: string): Line[] {
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

function join(lines: Line[]): string {
  return lines.map((l) => l.text + l.end).join('');
}

function eolOf(changelog: string): string {
  const first = changelog.indexOf('\n');
  return first > 0 && changelog[first - 1] === '\r' ? '\r\n' : '\n';
}

function isSection(line: Line): boolean {
  return !line.fenced && line.text.startsWith('## ');
}

function headingOf(line: Line, version: string): boolean {
  return isSection(line) && line.text.startsWith(`## [${version}]`);
}

/**
 * Puts `block` (lines without terminators) where the next release belongs:
 * above the newest `## [...]` section, else above the first `## ` section,
 * else at the end of the title block. An empty file gets a title first.
 */
function insertSection(changelog: string, block: string[]): string {
  if (changelog.trim() === '') return ['# Changelog', '', ...block].join('\n') + '\n';
  const eol = eolOf(changelog);
  const lines = splitLines(changelog);
  let at = lines.findIndex((l) => isSection(l) && l.text.startsWith('## ['));
  if (at < 0) at = lines.findIndex(isSection);
  if (at >= 0) {
    const inserted = [...block, ''].map((text) => ({ text, end: eol, fenced: false }));
    return join([...lines.slice(0, at), ...inserted, ...lines.slice(at)]);
  }
  const separator = changelog.endsWith(eol + eol) ? '' : changelog.endsWith('\n') ? eol : eol + eol;
  return changelog + separator + block.join(eol) + eol;
}

/**
 * Releases the `## [Unreleased]` section as `## [<version>] - <date>`, or
 * records an empty release when nothing was unreleased.
 */
export function releaseSection(changelog: string, version: string, date: string): string {
  const lines = splitLines(changelog);
  if (lines.some((l) => headingOf(l, version))) {
    throw new ChangelogError(
      version,
      `already has a section for ${version}`,
      `Release a new version, or remove the \`## [${version}]\` section if it was added by mistake.`,
    );
  }
  const heading = `## [${version}] - ${date}`;
  const unreleased = lines.findIndex((l) => isSection(l) && UNRELEASED.test(l.text));
  if (unreleased < 0) return insertSection(changelog, [heading, '', '- No notable changes.']);
  lines[unreleased] = { ...lines[unreleased], text: heading };
  return join(lines);
}

/** Opens the next development cycle: a `## [Unreleased]` section above the newest release. */
export function openUnreleased(changelog: string): string {
  if (splitLines(changelog).some((l) => isSection(l) && UNRELEASED.test(l.text))) return changelog;
  return insertSection(changelog, ['## [Unreleased]']);
}

/**
 * The body of the `## [<version>]` section, trimmed and with '\n' line
 * endings (it is headed for release notes, not back into the file).
 * Link reference definitions closing the last section belong to the whole
 * file, so they are left out. Undefined when there is no such section.
 */
export function sectionBody(changelog: string, version: string): string | undefined {
  const lines = splitLines(changelog);
  const start = lines.findIndex((l) => headingOf(l, version));
  if (start < 0) return undefined;
  let end = lines.findIndex((l, i) => i > start && isSection(l));
  if (end < 0) {
    end = lines.length;
    while (end > start + 1 && /^\s*(\[[^\]]+\]:\s*\S.*)?$/.test(lines[end - 1].text)) end--;
  }
  return lines
    .slice(start + 1, end)
    .map((l) => l.text)
    .join('\n')
    .trim();
}
