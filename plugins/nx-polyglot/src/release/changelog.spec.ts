import { describe, expect, it } from 'vitest';
import { ChangelogError, openUnreleased, releaseSection, sectionBody } from './changelog';

const lf = [
  '# Changelog',
  '',
  'All notable changes to this project will be documented in this file.',
  '',
  '## [Unreleased]',
  '',
  '### Added',
  '- Perfetto export',
  '',
  '## [0.11.0] - 2025-07-01',
  '',
  '- Older work',
  '',
  '[Unreleased]: https://github.com/madesroches/micromegas/compare/v0.11.0...HEAD',
  '',
].join('\n');

const crlf = lf.replace(/\n/g, '\r\n');

describe('releaseSection', () => {
  it('renames Unreleased and keeps its body and everything else', () => {
    expect(releaseSection(lf, '0.12.0', '2025-08-15')).toBe(
      lf.replace('## [Unreleased]\n', '## [0.12.0] - 2025-08-15\n'),
    );
  });

  it('keeps CRLF line endings', () => {
    expect(releaseSection(crlf, '0.12.0', '2025-08-15')).toBe(
      crlf.replace('## [Unreleased]\r\n', '## [0.12.0] - 2025-08-15\r\n'),
    );
  });

  it('records an empty release above the newest one when nothing is unreleased', () => {
    const input = '# Changelog\r\n\r\n## [0.11.0] - 2025-07-01\r\n\r\n- Older work\r\n';
    expect(releaseSection(input, '0.12.0', '2025-08-15')).toBe(
      '# Changelog\r\n\r\n## [0.12.0] - 2025-08-15\r\n\r\n- No notable changes.\r\n\r\n## [0.11.0] - 2025-07-01\r\n\r\n- Older work\r\n',
    );
  });

  it('appends to a title block with no sections', () => {
    expect(releaseSection('# Changelog\n\nIntro.', '0.12.0', '2025-08-15')).toBe(
      '# Changelog\n\nIntro.\n\n## [0.12.0] - 2025-08-15\n\n- No notable changes.\n',
    );
    expect(releaseSection('# Changelog\n\n', '0.12.0', '2025-08-15')).toBe(
      '# Changelog\n\n## [0.12.0] - 2025-08-15\n\n- No notable changes.\n',
    );
  });

  it('gives an empty changelog a title', () => {
    expect(releaseSection('', '0.12.0', '2025-08-15')).toBe(
      '# Changelog\n\n## [0.12.0] - 2025-08-15\n\n- No notable changes.\n',
    );
  });

  it('refuses a version that is already released', () => {
    const released = releaseSection(lf, '0.12.0', '2025-08-15');
    expect(() => releaseSection(released, '0.12.0', '2025-08-16')).toThrow(ChangelogError);
    expect(() => releaseSection(lf, '0.11.0', '2025-08-15')).toThrow(/0\.11\.0/);
  });

  it('ignores headings inside code fences', () => {
    const fenced = '# Changelog\n\n```md\n## [Unreleased]\n```\n';
    expect(releaseSection(fenced, '0.12.0', '2025-08-15')).toBe(
      fenced + '\n## [0.12.0] - 2025-08-15\n\n- No notable changes.\n',
    );
  });
});

describe('openUnreleased', () => {
  it('opens a section above the newest release, in the file line ending', () => {
    const released = releaseSection(crlf, '0.12.0', '2025-08-15');
    expect(openUnreleased(released)).toBe(released.replace('## [0.12.0]', '## [Unreleased]\r\n\r\n## [0.12.0]'));
  });

  it('leaves an existing Unreleased section alone', () => {
    expect(openUnreleased(lf)).toBe(lf);
  });

  it('handles a changelog with no releases, or none at all', () => {
    expect(openUnreleased('# Changelog\n')).toBe('# Changelog\n\n## [Unreleased]\n');
    expect(openUnreleased('')).toBe('# Changelog\n\n## [Unreleased]\n');
  });
});

describe('sectionBody', () => {
  it('reads a section up to the next heading', () => {
    expect(sectionBody(lf, 'Unreleased')).toBe('### Added\n- Perfetto export');
    expect(sectionBody(crlf, 'Unreleased')).toBe('### Added\n- Perfetto export');
  });

  it('leaves the closing link references out of the last section', () => {
    expect(sectionBody(lf, '0.11.0')).toBe('- Older work');
  });

  it('is undefined for a missing section and empty for an empty one', () => {
    expect(sectionBody(lf, '0.10.0')).toBeUndefined();
    expect(sectionBody('## [0.1.0]\n## [0.0.1]\n', '0.1.0')).toBe('');
  });
});
