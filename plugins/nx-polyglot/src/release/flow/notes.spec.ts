import { describe, expect, it } from 'vitest';
import type { PublishRecord } from '../../publish/publish-log';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CargoPackage } from '../../cargo/cargo-workspace';
import { crateTargetsOf, notesFromPublishLog, packagePage } from './notes';

const record = (r: Partial<PublishRecord> & Pick<PublishRecord, 'name' | 'ecosystem' | 'registry'>): PublishRecord => ({
  project: r.name,
  version: '0.12.0',
  status: 'published',
  seconds: 1,
  ...r,
});

describe('packagePage', () => {
  const env = {
    CARGO_REGISTRIES_LOCAL_INDEX: 'sparse+http://127.0.0.1:8000/api/v1/crates/',
    POETRY_REPOSITORIES_LOCAL_URL: 'http://127.0.0.1:8080',
  };
  it("links the public registries' pages, and a private index's entry", () => {
    expect(packagePage(record({ name: 'micromegas', ecosystem: 'cargo', registry: 'crates-io' }), env).url).toBe(
      'https://crates.io/crates/micromegas/0.12.0',
    );
    expect(packagePage(record({ name: 'micromegas', ecosystem: 'cargo', registry: 'local' }), env).url).toBe(
      'http://127.0.0.1:8000/api/v1/crates/mi/cr/micromegas',
    );
    expect(packagePage(record({ name: 'micromegas', ecosystem: 'python', registry: 'local' }), env).url).toBe(
      'http://127.0.0.1:8080/simple/micromegas/',
    );
    expect(packagePage(record({ name: 'micromegas', ecosystem: 'python', registry: 'pypi' }), env).url).toBe(
      'https://pypi.org/project/micromegas/0.12.0/',
    );
    expect(packagePage(record({ name: 'web', ecosystem: 'npm', registry: 'http://127.0.0.1:4873' }), env).url).toBe(
      'http://127.0.0.1:4873/web',
    );
  });
});

describe('notesFromPublishLog', () => {
  it('lists what reached a registry (published, skipped as already there, planned), never a failed upload', () => {
    const notes = notesFromPublishLog(
      [
        record({ name: 'micromegas', ecosystem: 'cargo', registry: 'crates-io' }),
        record({ name: 'micromegas-transit', ecosystem: 'cargo', registry: 'crates-io', status: 'skipped' }),
        record({ name: 'micromegas-broken', ecosystem: 'cargo', registry: 'crates-io', status: 'failed' }),
        record({ name: 'micromegas', ecosystem: 'python', registry: 'pypi' }),
      ],
      { version: '0.12.0', date: '2026-12-02' },
      {},
    );
    expect(notes).toContain('[micromegas 0.12.0](https://crates.io/crates/micromegas/0.12.0)');
    expect(notes).toContain('[micromegas-transit 0.12.0]');
    expect(notes).not.toContain('micromegas-broken');
    expect(notes).toContain('pip install micromegas==0.12.0');
  });
});

describe('crateTargetsOf', () => {
  it("tells a crate's library and binaries from its files, as cargo discovers them, for its install line", () => {
    const root = mkdtempSync(join(tmpdir(), 'nx-polyglot-notes-'));
    try {
      const crate = (name: string, files: string[], declared?: CargoPackage['declaredTargets']): CargoPackage => {
        for (const f of files) {
          mkdirSync(join(root, name, f, '..'), { recursive: true });
          writeFileSync(join(root, name, f), '');
        }
        const pkg = { name, version: '0.12.0', manifestPath: join(root, name, 'Cargo.toml'), publish: null };
        return { ...pkg, dependencies: [], include: null, exclude: [], declaredTargets: declared };
      };
      const members = [
        crate('micromegas', ['src/lib.rs']),
        crate('telemetry-ingestion-srv', ['src/main.rs']),
        crate('micromegas-cli', ['src/lib.rs', 'src/bin/query.rs']),
      ];
      const targets = crateTargetsOf({ cargo: [{ workspace: { rootManifest: '', members } }], python: [] } as never);
      const notes = notesFromPublishLog(
        members.map((m) => record({ name: m.name, ecosystem: 'cargo', registry: 'crates-io' })),
        { version: '0.12.0', date: '2026-12-02' },
        {},
        targets,
      );
      expect(notes).toContain(
        [
          'cargo add micromegas@0.12.0',
          'cargo add micromegas-cli@0.12.0',
          'cargo install micromegas-cli@0.12.0',
          'cargo install telemetry-ingestion-srv@0.12.0',
        ].join('\n'),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
