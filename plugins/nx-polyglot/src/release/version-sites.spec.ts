import { describe, expect, it } from 'vitest';
import { parseCargoManifest } from '../cargo/cargo-manifest';
import { loadCargoWorkspaces } from '../cargo/cargo-workspace';
import { parsePyproject } from '../python/pyproject';
import { bumpPlan } from './bump-plan';
import { versionMismatches } from './version-consistency';
import { ReleaseManifests, versionSites } from './version-sites';

/**
 * Two Cargo roots as in Micromegas: the `rust/` workspace, and `rust/wasm`,
 * excluded from it, a standalone crate with path + version requirements onto
 * workspace crates; a Python package and a web app beside them.
 */
const FILES: Record<string, string> = {
  '/r/rust/Cargo.toml':
    '[workspace]\nmembers = ["tracing", "sink"]\nexclude = ["wasm"]\n\n[workspace.package]\nversion = "0.30.0"\n\n[workspace.dependencies]\ntracing = { path = "tracing", version = "0.30.0" }\nserde = "1"\n',
  '/r/rust/tracing/Cargo.toml': '[package]\nname = "tracing"\nversion.workspace = true\n',
  '/r/rust/sink/Cargo.toml':
    '[package]\nname = "sink"\nversion.workspace = true\n\n[dependencies]\ntracing = { workspace = true }\n',
  '/r/rust/wasm/Cargo.toml':
    '[package]\nname = "wasm"\nversion = "0.30.0"\n\n[dependencies]\ntracing = { path = "../tracing", version = "0.30.0" }\nsink = { path = "../sink", version = "0.30.0", default-features = false }\nserde = "1"\n',
  '/r/python/pyproject.toml': '[project]\nname = "micromegas"\nversion = "0.30.0"\n',
};

function group(files = FILES): ReleaseManifests {
  const manifests = new Map(
    Object.entries(files)
      .filter(([f]) => f.endsWith('Cargo.toml'))
      .map(([f, t]) => [f, parseCargoManifest(t, f)]),
  );
  const cargo = { manifest: (f: string) => manifests.get(f), subdirectories: () => [] };
  return {
    // each root loaded on its own, as the loader does for each project's metadata.cargo.workspace
    cargo: ['/r/rust/Cargo.toml', '/r/rust/wasm/Cargo.toml'].map((root) => {
      const [workspace] = loadCargoWorkspaces([root], cargo);
      return { workspace, root: manifests.get(root)!, manifests };
    }),
    python: [parsePyproject(files['/r/python/pyproject.toml'], '/r/python/pyproject.toml')],
    packageJson: [{ file: '/r/web/package.json', version: '0.30.0' }],
  };
}

describe('versionSites', () => {
  it('finds every site with its role, owner and target, across both Cargo roots', () => {
    expect(
      versionSites(group()).map(({ file, key, value, role, owner, target }) => [file, key, value, role, owner, target]),
    ).toEqual([
      [
        '/r/rust/Cargo.toml',
        'workspace.package.version',
        '0.30.0',
        'workspace-version',
        '/r/rust/Cargo.toml',
        undefined,
      ],
      [
        '/r/rust/Cargo.toml',
        'workspace.dependencies.tracing.version',
        '0.30.0',
        'workspace-dependency',
        '/r/rust/Cargo.toml',
        '/r/rust/tracing/Cargo.toml',
      ],
      ['/r/rust/wasm/Cargo.toml', 'package.version', '0.30.0', 'package-version', '/r/rust/wasm/Cargo.toml', undefined],
      [
        '/r/rust/wasm/Cargo.toml',
        'dependencies.tracing.version',
        '0.30.0',
        'path-dependency',
        '/r/rust/wasm/Cargo.toml',
        '/r/rust/tracing/Cargo.toml',
      ],
      [
        '/r/rust/wasm/Cargo.toml',
        'dependencies.sink.version',
        '0.30.0',
        'path-dependency',
        '/r/rust/wasm/Cargo.toml',
        '/r/rust/sink/Cargo.toml',
      ],
      [
        '/r/python/pyproject.toml',
        'project.version',
        '0.30.0',
        'pyproject-version',
        '/r/python/pyproject.toml',
        undefined,
      ],
      ['/r/web/package.json', 'version', '0.30.0', 'package-json-version', '/r/web/package.json', undefined],
    ]);
  });

  it('a path requirement onto a crate of another name at that path is no site (cargo would refuse it anyway)', () => {
    const files = {
      ...FILES,
      '/r/rust/wasm/Cargo.toml':
        '[package]\nname = "wasm"\nversion = "0.30.0"\n\n[dependencies]\nother = { path = "../tracing", version = "0.30.0" }\n',
    };
    expect(versionSites(group(files)).filter((s) => s.role === 'path-dependency')).toEqual([]);
  });
});

describe('the check and the bump plan over the sites of a standalone crate', () => {
  it("the check names the standalone crate's requirements that no longer admit the release, by file and key", () => {
    const bumped = Object.fromEntries(
      Object.entries(FILES).map(([f, t]) => [
        f,
        f === '/r/rust/wasm/Cargo.toml' ? t : t.replaceAll('0.30.0', '0.31.0'),
      ]),
    );
    const m = group(bumped);
    m.packageJson[0].version = '0.31.0';
    expect(versionMismatches(m, '0.31.0')).toEqual([
      { file: '/r/rust/wasm/Cargo.toml', key: 'package.version', found: '0.30.0', expected: '0.31.0' },
      {
        file: '/r/rust/wasm/Cargo.toml',
        key: 'dependencies.tracing.version',
        found: '0.30.0',
        expected: 'a requirement admitting 0.31.0',
      },
      {
        file: '/r/rust/wasm/Cargo.toml',
        key: 'dependencies.sink.version',
        found: '0.30.0',
        expected: 'a requirement admitting 0.31.0',
      },
    ]);
  });

  it('the bump plan moves them with the rest', () => {
    const wasm = bumpPlan(group(), '0.31.0').filter((e) => e.file === '/r/rust/wasm/Cargo.toml');
    expect(wasm).toEqual([
      { file: '/r/rust/wasm/Cargo.toml', path: ['package', 'version'], from: '0.30.0', to: '0.31.0' },
      { file: '/r/rust/wasm/Cargo.toml', path: ['dependencies', 'tracing', 'version'], from: '0.30.0', to: '0.31.0' },
      { file: '/r/rust/wasm/Cargo.toml', path: ['dependencies', 'sink', 'version'], from: '0.30.0', to: '0.31.0' },
    ]);
  });

  it('an unparsable requirement stops the plan with its file and key', () => {
    const files = {
      ...FILES,
      '/r/rust/wasm/Cargo.toml': FILES['/r/rust/wasm/Cargo.toml'].replace(
        'version = "0.30.0" }',
        'version = "not-a-version" }',
      ),
    };
    expect(() => bumpPlan(group(files), '0.31.0')).toThrow(
      expect.objectContaining({ file: '/r/rust/wasm/Cargo.toml', key: 'dependencies.tracing.version' }),
    );
  });
});
