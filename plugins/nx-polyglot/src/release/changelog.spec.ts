import { describe, expect, it } from 'vitest';
import {
  ChangelogError,
  keepsUnreleased,
  openUnreleased,
  readChangelogStyle,
  releaseSection,
  sectionBody,
  sectionHeading,
} from './changelog';

const file = (...lines: string[]) => lines.join('\n') + '\n';
const DATE = '2026-09-01';

// each release heading style met in real changelogs, with the heading the next release gets
const RELEASE_HEADINGS: Array<[string, string, string, string]> = [
  // [style, newest heading, its version, the next release's heading for 0.x+1 / x.y.z+1 on DATE]
  ['Micromegas', '## v0.29.0 - 2026-08-12', '0.30.0', '## v0.30.0 - 2026-09-01'],
  ['Keep a Changelog', '## [1.1.4] - 2026-08-06', '1.1.5', '## [1.1.5] - 2026-09-01'],
  ['cargo-smart-release', '## 11.1.2 (2022-09-01)', '11.1.3', '## 11.1.3 (2026-09-01)'],
  ['python-semantic-release', '## v1.2.0 (2025-11-29)', '1.3.0', '## v1.3.0 (2026-09-01)'],
  ['a word before the version', '## Version 2.0.2 (2024-08-05)', '2.0.3', '## Version 2.0.3 (2026-09-01)'],
  [
    'release-plz',
    '## [0.1.19](https://github.com/cargo-bins/reflink-copy/compare/v0.1.18...v0.1.19) - 2024-06-12',
    '0.1.20',
    '## [0.1.20](https://github.com/cargo-bins/reflink-copy/compare/v0.1.19...v0.1.20) - 2026-09-01',
  ],
  [
    'release-plz, first release',
    '## [0.1.0](https://github.com/o/r/releases/tag/r-v0.1.0) - 2024-05-12',
    '0.2.0',
    '## [0.2.0](https://github.com/o/r/compare/r-v0.1.0...r-v0.2.0) - 2026-09-01',
  ],
  ['Micromegas month', '## March 2026 - v0.23.0', '0.24.0', '## September 2026 - v0.24.0'],
  ['day month year', '## 2.0.0 - 5 Jan 2024', '2.1.0', '## 2.1.0 - 1 Sep 2026'],
  ['tokio', '## 1.40.0 (August 30th, 2024)', '1.41.0', '## 1.41.0 (September 1st, 2026)'],
  ['no date', '## v0.1.1', '0.1.2', '## v0.1.2'],
  ['pre-release', '## [0.13.0-rc.0] - 2026-08-01', '0.13.0', '## [0.13.0] - 2026-09-01'],
];
const UNRELEASED_HEADINGS = ['## Unreleased', '## [Unreleased]', '## [unreleased]', '## [Unreleased] - ReleaseDate'];

describe('releaseSection, in the style of the file', () => {
  for (const unreleased of UNRELEASED_HEADINGS)
    for (const [style, newest, version, next] of RELEASE_HEADINGS)
      it(`${unreleased} over ${style}: the entries move under \`${next}\``, () => {
        const before = file('# Changelog', '', unreleased, '', '* New thing', '', newest, '', '* Old thing');
        const kept = file('# Changelog', '', unreleased, '', next, '', '* New thing', '', newest, '', '* Old thing');
        const renamed = file('# Changelog', '', next, '', '* New thing', '', newest, '', '* Old thing');
        expect(releaseSection(before, version, DATE)).toBe(kept);
        expect(releaseSection(before, version, DATE, { keepUnreleased: false })).toBe(renamed);
        expect(sectionBody(kept, version)).toBe('* New thing');
        expect(sectionHeading(kept, version)).toBe(next);
      });

  it('writes an empty section when nothing is unreleased, as cargo-release does, never an invented entry', () => {
    const before = file(
      '<!-- next-header -->',
      '## [Unreleased] - ReleaseDate',
      '',
      '## [1.1.4] - 2026-08-06',
      '',
      '- x',
    );
    expect(releaseSection(before, '1.1.5', DATE)).toBe(
      file(
        '<!-- next-header -->',
        '## [Unreleased] - ReleaseDate',
        '',
        '## [1.1.5] - 2026-09-01',
        '',
        '## [1.1.4] - 2026-08-06',
        '',
        '- x',
      ),
    );
  });

  it('month headings without a version (Micromegas before v0.13.0): the version goes on a line like the newest section has', () => {
    const before = file(
      '# Changelog',
      '',
      '## July 2025',
      ' * Released [version 0.11.0](https://crates.io/crates/micromegas)',
      ' * Working on http gateway',
    );
    const rolled = file(
      '# Changelog',
      '',
      '## September 2025',
      ' * Released [version 0.12.0](https://crates.io/crates/micromegas)',
      '',
      '## July 2025',
      ' * Released [version 0.11.0](https://crates.io/crates/micromegas)',
      ' * Working on http gateway',
    );
    expect(releaseSection(before, '0.12.0', '2025-09-03')).toBe(rolled);
    const withEntries = before.replace('## July', '## [Unreleased]\n * Async spans\n\n## July');
    expect(releaseSection(withEntries, '0.12.0', '2025-09-03', { keepUnreleased: false })).toBe(
      rolled.replace('micromegas)\n\n## July', 'micromegas)\n * Async spans\n\n## July'),
    );
    expect(sectionBody(rolled, '0.12.0')).toBe('* Released [version 0.12.0](https://crates.io/crates/micromegas)');
  });

  it('keeps CRLF, and every byte it does not write', () => {
    const lf = file(
      '# Changelog',
      '',
      '## Unreleased',
      '',
      '* New',
      '',
      '## v0.29.0 - 2026-08-12',
      '',
      '* Old',
      '',
      '',
    );
    const crlf = lf.replace(/\n/g, '\r\n');
    expect(releaseSection(crlf, '0.30.0', DATE)).toBe(releaseSection(lf, '0.30.0', DATE).replace(/\n/g, '\r\n'));
  });

  it('is idempotent: rolling a rolled file changes nothing', () => {
    const before = file('## Unreleased', '', '* New', '', '## v0.29.0 - 2026-08-12');
    for (const keepUnreleased of [true, false]) {
      const once = releaseSection(before, '0.30.0', DATE, { keepUnreleased });
      expect(releaseSection(once, '0.30.0', DATE, { keepUnreleased })).toBe(once);
    }
  });

  it('level-1 release headings under a level-1 title (tokio)', () => {
    const before = file('# Changelog', '', '# 1.40.0 (August 30th, 2024)', '', '- x');
    expect(releaseSection(before, '1.41.0', DATE)).toBe(
      file('# Changelog', '', '# 1.41.0 (September 1st, 2026)', '', '# 1.40.0 (August 30th, 2024)', '', '- x'),
    );
  });

  it('ignores headings inside code fences', () => {
    const fenced = file('# Changelog', '', '```md', '## Release notes', '```', '', '## Unreleased', '', '* New');
    expect(releaseSection(fenced, '0.1.0', DATE)).toBe(
      fenced.replace('## Unreleased\n', '## Unreleased\n\n## 0.1.0 - 2026-09-01\n'),
    );
  });

  it("a file without sections gets Keep a Changelog's first section", () => {
    expect(releaseSection('', '0.12.0', DATE)).toBe('# Changelog\n\n## [0.12.0] - 2026-09-01\n');
    expect(releaseSection('# Changelog\r\n\r\nIntro.', '0.12.0', DATE)).toBe(
      '# Changelog\r\n\r\nIntro.\r\n\r\n## [0.12.0] - 2026-09-01\r\n',
    );
  });
});

describe('link reference definitions', () => {
  const cargoRelease = (eol: string) =>
    [
      '## [Unreleased] - ReleaseDate',
      '',
      '- Detect unpublished dependencies earlier',
      '',
      '## [1.1.3] - 2026-07-10',
      '',
      '<!-- next-url -->',
      '[Unreleased]: https://github.com/crate-ci/cargo-release/compare/v1.1.3...HEAD',
      '[1.1.3]: https://github.com/crate-ci/cargo-release/compare/v1.1.2...v1.1.3',
      '',
    ].join(eol);

  it('moves the unreleased link on and adds the release above the previous one (cargo-release), CRLF kept', () => {
    for (const eol of ['\n', '\r\n'])
      expect(releaseSection(cargoRelease(eol), '1.1.4', DATE)).toBe(
        [
          '## [Unreleased] - ReleaseDate',
          '',
          '## [1.1.4] - 2026-09-01',
          '',
          '- Detect unpublished dependencies earlier',
          '',
          '## [1.1.3] - 2026-07-10',
          '',
          '<!-- next-url -->',
          '[Unreleased]: https://github.com/crate-ci/cargo-release/compare/v1.1.4...HEAD',
          '[1.1.4]: https://github.com/crate-ci/cargo-release/compare/v1.1.3...v1.1.4',
          '[1.1.3]: https://github.com/crate-ci/cargo-release/compare/v1.1.2...v1.1.3',
          '',
        ].join(eol),
      );
  });

  it('keeps how the definitions are written: lower-case label, angle brackets, tag prefix, no final newline', () => {
    const before = file(
      '## [Unreleased]',
      '',
      '## [0.1.0] - 2025-04-28',
      '',
      '[unreleased]: <https://github.com/o/core/compare/bh-uri/v0.1.0...HEAD>',
      '[0.1.0]: <https://github.com/o/core/releases/tag/bh-uri/v0.1.0>',
    ).trimEnd();
    expect(releaseSection(before, '0.2.0', DATE).split('\n').slice(-3)).toEqual([
      '[unreleased]: <https://github.com/o/core/compare/bh-uri/v0.2.0...HEAD>',
      '[0.2.0]: <https://github.com/o/core/compare/bh-uri/v0.1.0...bh-uri/v0.2.0>',
      '[0.1.0]: <https://github.com/o/core/releases/tag/bh-uri/v0.1.0>',
    ]);
  });

  it('with definitions of releases only, adds the new one above the newest', () => {
    const before = file('## [1.0.0] - 2025-01-01', '', '[1.0.0]: https://example.test/r/compare/0.9.0...1.0.0');
    expect(releaseSection(before, '1.1.0', DATE)).toBe(
      file(
        '## [1.1.0] - 2026-09-01',
        '',
        '## [1.0.0] - 2025-01-01',
        '',
        '[1.1.0]: https://example.test/r/compare/1.0.0...1.1.0',
        '[1.0.0]: https://example.test/r/compare/0.9.0...1.0.0',
      ),
    );
  });

  it('refuses definitions it cannot move on, naming the file and what to do', () => {
    const before = file(
      '## [Unreleased]',
      '',
      '## [1.0.0] - 2025-01-01',
      '',
      '[Unreleased]: https://example.test/changes',
    );
    expect(() => releaseSection(before, '1.1.0', DATE)).toThrow(
      /^CHANGELOG\.md: the link definition `\[Unreleased\]: https:\/\/example\.test\/changes` does not end in .* Add the 1\.1\.0 link by hand/,
    );
  });
});

describe('refusals: the file, what is not understood, what to do; nothing written', () => {
  it('a heading where the newest release should be that is not a release heading', () => {
    const before = file(
      '# Changelog',
      '',
      '## Unreleased',
      '',
      '* New',
      '',
      '## Release v0.18.0 - Reliability & Data Integrity',
    );
    const refusal = () => releaseSection(before, '0.19.0', DATE, { file: 'docs/CHANGELOG.md' });
    expect(refusal).toThrow(ChangelogError);
    expect(refusal).toThrow(
      /^docs\/CHANGELOG\.md:7: the heading `## Release v0\.18\.0 - Reliability & Data Integrity` is where the newest release should be, and it is not understood as one\. Write release headings like/,
    );
    expect(() => releaseSection(file('## 1.2.3 (unreleased)', '', '* x'), '1.2.3', DATE)).toThrow(
      /`## 1\.2\.3 \(unreleased\)`/,
    );
  });

  it('a month heading whose section names no version', () => {
    expect(() => releaseSection(file('## July 2025', ' * Gateway work'), '0.12.0', DATE)).toThrow(
      /^CHANGELOG\.md:1: the newest release heading `## July 2025` names no version, and neither does its section/,
    );
  });

  it('a version released already, while entries wait', () => {
    const before = file('## Unreleased', '', '* New', '', '## v0.29.0 - 2026-08-12');
    expect(() => releaseSection(before, '0.29.0', DATE)).toThrow(
      /^CHANGELOG\.md:5: already has a section for 0\.29\.0 \(`## v0\.29\.0 - 2026-08-12`\) and unreleased entries/,
    );
  });
});

describe('openUnreleased (post-release)', () => {
  it('adds the heading in the style of the release headings, or as the file wrote it before, never a second', () => {
    const renamed = file('# Changelog', '', '## March 2026 - v0.23.0', '', '* x');
    const reopened = file('# Changelog', '', '## Unreleased', '', '## March 2026 - v0.23.0', '', '* x');
    expect(openUnreleased(renamed)).toBe(reopened);
    expect(openUnreleased(reopened)).toBe(reopened);
    expect(openUnreleased(file('## [1.0.0] - 2025-01-01', '- x'))).toBe(
      file('## [Unreleased]', '', '## [1.0.0] - 2025-01-01', '- x'),
    );
    expect(openUnreleased(renamed.replace(/\n/g, '\r\n'), '## [Unreleased] - ReleaseDate')).toBe(
      reopened.replace('## Unreleased', '## [Unreleased] - ReleaseDate').replace(/\n/g, '\r\n'),
    );
  });

  it('handles a changelog with no releases, or none at all', () => {
    expect(openUnreleased('# Changelog\n')).toBe('# Changelog\n\n## [Unreleased]\n');
    expect(openUnreleased('')).toBe('# Changelog\n\n## [Unreleased]\n');
  });
});

describe('keepsUnreleased: what the file did at the previous release', () => {
  it('keeps the heading when the file had one at the previous tag, or when there is no previous tag', () => {
    expect(keepsUnreleased(file('## Unreleased', '', '## v0.28.0 - 2026-08-02'))).toBe(true);
    expect(keepsUnreleased(file('## March 2026 - v0.22.0', '* x'))).toBe(false);
    expect(keepsUnreleased(undefined)).toBe(true);
  });
});

describe('readChangelogStyle (for the init generator)', () => {
  it('says how the file writes its headings', () => {
    expect(readChangelogStyle(file('# Changelog', '', '## Unreleased', '', '## v0.29.0 - 2026-08-12'))).toEqual({
      unreleased: '## Unreleased',
      release: '## v{version} - {date}',
      linkReferences: false,
    });
    expect(
      readChangelogStyle(
        file('## [0.1.0](https://x.test/o/r/releases/tag/v0.1.0) - 2024-05-12', '', '[Unreleased]: https://x.test'),
      ),
    ).toEqual({ release: '## [{version}]({url}) - {date}', linkReferences: true });
    expect(readChangelogStyle(file('## July 2025', ' * Released version 0.11.0'))).toEqual({
      release: '## {date}',
      releaseLine: ' * Released version {version}',
      linkReferences: false,
    });
  });
});

describe('sectionBody', () => {
  const lf = file(
    '## [Unreleased]',
    '',
    '### Added',
    '- Perfetto export',
    '',
    '## [0.11.0] - 2025-07-01',
    '',
    '- Older work',
    '',
    '[Unreleased]: https://x.test/compare/v0.11.0...HEAD',
  );
  it('reads a section up to the next heading, without the closing link definitions', () => {
    expect(sectionBody(lf, 'Unreleased')).toBe('### Added\n- Perfetto export');
    expect(sectionBody(lf.replace(/\n/g, '\r\n'), 'unreleased')).toBe('### Added\n- Perfetto export');
    expect(sectionBody(lf, 'v0.11.0')).toBe('- Older work');
    expect(sectionBody(lf, '0.10.0')).toBeUndefined();
  });
});
