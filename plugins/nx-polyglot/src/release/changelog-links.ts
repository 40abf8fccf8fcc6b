/**
 * The links a changelog keeps for its releases, moved on to the next release:
 * Keep a Changelog's reference definitions at the bottom
 * (`[Unreleased]: …/compare/v1.1.3...HEAD`, `[1.1.3]: …/compare/v1.1.2...v1.1.3`)
 * and inline heading links (release-plz's `## [0.1.19](…/compare/v0.1.18...v0.1.19)`).
 * The next tag is the previous one with its version replaced, so `v1.2.3`,
 * `1.2.3` and `my-crate-v1.2.3` stay what they are.
 */
import { bareVersion, Line, LINK_DEFINITION } from './changelog-style';

/** The tag of `version`, written like `previousTag` is for `previous`; undefined when the tag does not contain it. */
function tagFor(previousTag: string, previous: string, version: string): string | undefined {
  const at = previousTag.lastIndexOf(bareVersion(previous));
  if (at < 0) return undefined;
  return previousTag.slice(0, at) + bareVersion(version) + previousTag.slice(at + bareVersion(previous).length);
}

/** The link of the release of `version`, from the link of the release before it (or of the unreleased work). */
export function nextReleaseUrl(url: string, previous: string, version: string): string | undefined {
  const compare = /^(.*\/compare\/)(.+?)\.\.\.(.+)$/.exec(url);
  if (compare) {
    // `[Unreleased]: …/compare/<previous tag>...HEAD` or `[x]: …/compare/<older>...<previous tag>`
    const previousTag = /^HEAD$/i.test(compare[3]) ? compare[2] : compare[3];
    const tag = tagFor(previousTag, previous, version);
    return tag && `${compare[1]}${previousTag}...${tag}`;
  }
  const single = /^(.*\/)(?:releases\/tag|tree)\/([^/]+)$/.exec(url);
  const tag = single && tagFor(single[2], previous, version);
  return tag ? `${single![1]}compare/${single![2]}...${tag}` : undefined;
}

/** The unreleased link once `version` is released: it compares from the new tag. */
export function nextUnreleasedUrl(url: string, previous: string, version: string): string | undefined {
  const compare = /^(.*\/compare\/)(.+?)(\.\.\..+)$/.exec(url);
  const tag = compare && tagFor(compare[2], previous, version);
  return tag ? `${compare![1]}${tag}${compare![3]}` : undefined;
}

/**
 * Adds the definition of `label` above that of the previous release (else
 * below the unreleased one) and moves the unreleased one on. A file without
 * definitions is left alone; definitions that cannot be moved on are the
 * problem returned (the caller refuses), never a half-updated file.
 */
export function moveLinkDefinitions(
  lines: Line[],
  labels: { previous: string; label: string },
  previous: string,
  version: string,
  eol: string,
): { lines: Line[] } | { problem: string } {
  const defs = lines.map((l) => (l.fenced ? null : LINK_DEFINITION.exec(l.text)));
  const find = (label: string) => defs.findIndex((d) => d !== null && d[1].toLowerCase() === label.toLowerCase());
  const unreleased = find('unreleased');
  const newest = find(labels.previous);
  if (unreleased < 0 && newest < 0) return { lines };
  const from = unreleased >= 0 ? unreleased : newest;
  const url = nextReleaseUrl(defs[from]![2], previous, version);
  const moved = unreleased >= 0 ? nextUnreleasedUrl(defs[unreleased]![2], previous, version) : '';
  if (!url || moved === undefined)
    return {
      problem: `the link definition \`${lines[from].text}\` does not end in \`compare/<tag>...<tag>\` (or \`HEAD\`) or \`releases/tag/<tag>\` with a tag naming ${previous}, so the link of ${version} cannot be written`,
    };
  const out = lines.map((l) => ({ ...l }));
  if (unreleased >= 0) out[unreleased].text = out[unreleased].text.replace(defs[unreleased]![2], moved);
  // the new definition is written like the previous release's (or the unreleased one)
  const template = lines[newest >= 0 ? newest : unreleased].text;
  const source = defs[newest >= 0 ? newest : unreleased]!;
  const text = `[${labels.label}]` + template.slice(source[1].length + 2).replace(source[2], url);
  const at = newest >= 0 ? newest : unreleased + 1;
  if (at < out.length) out.splice(at, 0, { text, end: eol, fenced: false });
  else {
    // the new last line ends as the old last line did
    out.push({ text, end: out[at - 1].end, fenced: false });
    out[at - 1].end = eol;
  }
  return { lines: out };
}
