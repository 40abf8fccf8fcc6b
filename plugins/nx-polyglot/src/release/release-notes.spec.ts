import { describe, expect, it } from 'vitest';
import { renderReleaseNotes } from './release-notes';

describe('renderReleaseNotes', () => {
  it('renders every section; install lines fit each package: a library added, a binary installed', () => {
    expect(
      renderReleaseNotes({
        product: 'Micromegas',
        version: '0.12.0',
        date: '2025-08-15',
        whatsNew: '### Added\r\n- Perfetto export\r\n',
        crates: [
          { name: 'micromegas-tracing', version: '0.12.0', url: 'https://crates.io/crates/micromegas-tracing/0.12.0' },
          { name: 'micromegas', version: '0.12.0', url: 'https://crates.io/crates/micromegas/0.12.0' },
          {
            name: 'telemetry-ingestion-srv',
            version: '0.12.0',
            url: 'https://crates.io/crates/telemetry-ingestion-srv/0.12.0',
            targets: { lib: false, bin: true },
          },
          {
            name: 'micromegas-cli',
            version: '0.12.0',
            url: 'https://crates.io/crates/micromegas-cli/0.12.0',
            targets: { lib: true, bin: true },
          },
        ],
        python: { name: 'micromegas', version: '0.12.0', url: 'https://pypi.org/project/micromegas/0.12.0/' },
        npm: [{ name: 'analytics-web-app', version: '0.12.0', url: 'https://www.npmjs.com/package/analytics-web-app' }],
        repository: 'https://github.com/madesroches/micromegas/',
        previousTag: 'v0.11.0',
      }),
    ).toBe(
      [
        '# Micromegas v0.12.0',
        '',
        'Released 2025-08-15.',
        '',
        "## What's New",
        '',
        '### Added',
        '- Perfetto export',
        '',
        '## Rust Crates',
        '',
        '- [micromegas 0.12.0](https://crates.io/crates/micromegas/0.12.0)',
        '- [micromegas-cli 0.12.0](https://crates.io/crates/micromegas-cli/0.12.0)',
        '- [micromegas-tracing 0.12.0](https://crates.io/crates/micromegas-tracing/0.12.0)',
        '- [telemetry-ingestion-srv 0.12.0](https://crates.io/crates/telemetry-ingestion-srv/0.12.0)',
        '',
        '## Python Package',
        '',
        '- [micromegas 0.12.0](https://pypi.org/project/micromegas/0.12.0/)',
        '',
        '## npm Packages',
        '',
        '- [analytics-web-app 0.12.0](https://www.npmjs.com/package/analytics-web-app)',
        '',
        '## Installation',
        '',
        '```bash',
        'cargo add micromegas@0.12.0',
        'cargo add micromegas-cli@0.12.0',
        'cargo install micromegas-cli@0.12.0',
        'cargo add micromegas-tracing@0.12.0',
        'cargo install telemetry-ingestion-srv@0.12.0',
        'pip install micromegas==0.12.0',
        'npm i analytics-web-app@0.12.0',
        '```',
        '',
        '## Full Changelog',
        '',
        'https://github.com/madesroches/micromegas/compare/v0.11.0...v0.12.0',
        '',
      ].join('\n'),
    );
  });

  it('omits empty sections and points at CHANGELOG.md without a previous tag', () => {
    expect(
      renderReleaseNotes({
        version: 'v0.12.1',
        date: '2025-08-20',
        whatsNew: '  ',
        crates: [],
        repository: 'https://github.com/madesroches/micromegas',
      }),
    ).toBe(
      [
        '# Release v0.12.1',
        '',
        'Released 2025-08-20.',
        '',
        '## Full Changelog',
        '',
        'See [CHANGELOG.md](https://github.com/madesroches/micromegas/blob/v0.12.1/CHANGELOG.md).',
        '',
      ].join('\n'),
    );
  });

  it('falls back to a bare pointer without a repository', () => {
    expect(
      renderReleaseNotes({
        version: '0.12.0',
        date: '2025-08-15',
        crates: [],
        python: { name: 'micromegas', version: '0.12.0', url: 'https://pypi.org/project/micromegas/0.12.0/' },
        previousTag: 'v0.11.0',
      }),
    ).toBe(
      [
        '# Release v0.12.0',
        '',
        'Released 2025-08-15.',
        '',
        '## Python Package',
        '',
        '- [micromegas 0.12.0](https://pypi.org/project/micromegas/0.12.0/)',
        '',
        '## Installation',
        '',
        '```bash',
        'pip install micromegas==0.12.0',
        '```',
        '',
        '## Full Changelog',
        '',
        'See CHANGELOG.md.',
        '',
      ].join('\n'),
    );
  });
});
