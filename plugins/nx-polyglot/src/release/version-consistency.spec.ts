import { describe, expect, it } from 'vitest';
import { parseCargoManifest } from '../cargo/cargo-manifest';
import { loadCargoWorkspaces } from '../cargo/cargo-workspace';
import { parsePyproject } from '../python/pyproject';
import { ReleaseManifests, groupSites, requirementMismatches, versionMismatches } from './version-consistency';
import { cargoRange } from '../cargo/cargo-requirement';

/** A Micromegas-shaped release group in memory: a Cargo workspace, a Poetry package, a web app. */
function group(files: Record<string, string>, packageJsonVersion = '0.12.0'): ReleaseManifests {
  const manifests = new Map(
    Object.entries(files)
      .filter(([f]) => f.endsWith('Cargo.toml'))
      .map(([f, t]) => [f, parseCargoManifest(t, f)]),
  );
  const files_ = { manifest: (f: string) => manifests.get(f), subdirectories: () => [] };
  const [workspace] = loadCargoWorkspaces(['/r/rust/Cargo.toml'], files_);
  return {
    cargo: [{ workspace, root: manifests.get('/r/rust/Cargo.toml')!, manifests }],
    python: Object.entries(files)
      .filter(([f]) => f.endsWith('pyproject.toml'))
      .map(([f, t]) => parsePyproject(t, f)),
    packageJson: [{ file: '/r/web/package.json', version: packageJsonVersion }],
  };
}

const consistent = {
  '/r/rust/Cargo.toml': `[workspace]
members = ["transit", "tracing"]

[workspace.package]
version = "0.12.0" # the release

[workspace.dependencies]
transit = { path = "transit", version = "0.12.0" }
`,
  '/r/rust/transit/Cargo.toml':
    '[package]\nname = "transit"\nversion.workspace = true\n\n[dependencies]\nderive = { path = "derive", version = "^0.12" }\n',
  '/r/rust/transit/derive/Cargo.toml': '[package]\nname = "derive"\nversion.workspace = true\n',
  '/r/rust/tracing/Cargo.toml':
    '[package]\nname = "tracing"\nversion = "0.12.0"\n\n[dependencies]\ntransit = { workspace = true }\n',
  '/r/python/pyproject.toml':
    '[project]\nname = "micromegas"\nversion = "0.12.0"\n\n[tool.poetry]\nversion = "0.12.0"\n',
};

describe('versionMismatches', () => {
  it('passes a consistent release group', () => {
    expect(versionMismatches(group(consistent), '0.12.0')).toEqual([]);
  });

  it('lists every kind of disagreement with its file, key, found and expected value', () => {
    const drifted = group(
      {
        ...consistent,
        '/r/rust/Cargo.toml': consistent['/r/rust/Cargo.toml'].replace(
          'version = "0.12.0" # the release',
          'version = "0.13.0"',
        ),
        '/r/rust/tracing/Cargo.toml': consistent['/r/rust/tracing/Cargo.toml'].replace(
          'version = "0.12.0"',
          'version = "0.12.1"',
        ),
        '/r/python/pyproject.toml': consistent['/r/python/pyproject.toml'].replace(
          '[tool.poetry]\nversion = "0.12.0"',
          '[tool.poetry]\nversion = "0.11.0"',
        ),
      },
      '0.13.0',
    );
    expect(versionMismatches(drifted, '0.13.0')).toEqual([
      {
        file: '/r/rust/Cargo.toml',
        key: 'workspace.dependencies.transit.version',
        found: '0.12.0',
        expected: 'a requirement admitting 0.13.0',
      },
      {
        file: '/r/rust/transit/Cargo.toml',
        key: 'dependencies.derive.version',
        found: '^0.12',
        expected: 'a requirement admitting 0.13.0',
      },
      { file: '/r/rust/tracing/Cargo.toml', key: 'package.version', found: '0.12.1', expected: '0.13.0' },
      { file: '/r/python/pyproject.toml', key: 'project.version', found: '0.12.0', expected: '0.13.0' },
      { file: '/r/python/pyproject.toml', key: 'tool.poetry.version', found: '0.11.0', expected: '0.13.0' },
    ]);
  });

  it('takes a pre-release spelt by each ecosystem as one version, and requirements that name it as admitting it', () => {
    const rc = (python: string, requirement: string) =>
      group(
        {
          ...consistent,
          '/r/rust/Cargo.toml': consistent['/r/rust/Cargo.toml'].replace(/0\.12\.0/g, '0.13.0-rc.0'),
          '/r/rust/transit/Cargo.toml': consistent['/r/rust/transit/Cargo.toml'].replace('^0.12', requirement),
          '/r/rust/tracing/Cargo.toml': consistent['/r/rust/tracing/Cargo.toml'].replace('0.12.0', '0.13.0-rc.0'),
          '/r/python/pyproject.toml': consistent['/r/python/pyproject.toml'].replace(/0\.12\.0/g, python),
        },
        '0.13.0-rc.0',
      );
    expect(versionMismatches(rc('0.13.0rc0', '^0.13.0-rc.0'), '0.13.0-rc.0')).toEqual([]);
    expect(versionMismatches(rc('0.13rc0', '=0.13.0-rc.0'), '0.13.0-rc.0')).toEqual([]);
    expect(versionMismatches(rc('0.13.0rc1', '^0.13'), '0.13.0-rc.0')).toEqual([
      {
        file: '/r/rust/transit/Cargo.toml',
        key: 'dependencies.derive.version',
        found: '^0.13',
        expected: 'a requirement admitting 0.13.0-rc.0',
      },
      { file: '/r/python/pyproject.toml', key: 'project.version', found: '0.13.0rc1', expected: '0.13.0rc0' },
      { file: '/r/python/pyproject.toml', key: 'tool.poetry.version', found: '0.13.0rc1', expected: '0.13.0rc0' },
    ]);
  });

  it('reads Cargo requirements the way Cargo does', () => {
    expect(['0.12.0', '^0.12', '~0.12.1', '=0.12.0', '>=0.12, <0.14', '*'].map(cargoRange)).toEqual([
      '^0.12.0',
      '^0.12',
      '~0.12.1',
      '0.12.0',
      '>=0.12 <0.14',
      '*',
    ]);
  });
});

describe('several release groups in one Cargo workspace', () => {
  // transit and tracing versioned apart (independent), derive in a fixed group with the Python package
  const apart = group(
    {
      ...consistent,
      '/r/rust/transit/Cargo.toml': consistent['/r/rust/transit/Cargo.toml'].replace(
        'version.workspace = true',
        'version = "0.14.2"',
      ),
      '/r/rust/Cargo.toml': consistent['/r/rust/Cargo.toml'].replace('version = "0.12.0" }', 'version = "0.14" }'),
    },
    '0.12.0',
  );
  const independent = new Set(['/r/rust/transit/Cargo.toml', '/r/rust/tracing/Cargo.toml']);

  it('takes only a group’s own versions and the requirements onto its crates', () => {
    expect(groupSites(apart, independent).map((s) => `${s.file} ${s.key}`)).toEqual([
      '/r/rust/Cargo.toml workspace.dependencies.transit.version',
      '/r/rust/transit/Cargo.toml package.version',
      '/r/rust/tracing/Cargo.toml package.version',
      '/r/python/pyproject.toml project.version',
      '/r/python/pyproject.toml tool.poetry.version',
      '/r/web/package.json version',
    ]);
    // derive inherits the workspace version: its fixed group owns it, and the requirement onto it
    expect(groupSites(apart, new Set(['/r/rust/transit/derive/Cargo.toml'])).map((s) => s.key)).toEqual([
      'workspace.package.version',
      'dependencies.derive.version',
      'project.version',
      'tool.poetry.version',
      'version',
    ]);
  });

  it('needs, versioned apart, only requirements admitting each crate’s own version', () => {
    expect(requirementMismatches(apart, groupSites(apart, independent))).toEqual([]);
    expect(requirementMismatches(apart)).toEqual([]);
    const broken = group(
      {
        ...consistent,
        '/r/rust/transit/Cargo.toml': consistent['/r/rust/transit/Cargo.toml'].replace(
          'version.workspace = true',
          'version = "0.14.2"',
        ),
      },
      '0.12.0',
    );
    expect(requirementMismatches(broken, groupSites(broken, independent))).toEqual([
      {
        file: '/r/rust/Cargo.toml',
        key: 'workspace.dependencies.transit.version',
        found: '0.12.0',
        expected: 'a requirement admitting 0.14.2',
      },
    ]);
  });
});
