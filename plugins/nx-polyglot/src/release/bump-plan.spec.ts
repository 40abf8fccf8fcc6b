import { describe, expect, it } from 'vitest';
import { parseCargoManifest } from '../cargo/cargo-manifest';
import { loadCargoWorkspaces } from '../cargo/cargo-workspace';
import { parsePyproject } from '../python/pyproject';
import { bumpPlan } from './bump-plan';
import type { ReleaseManifests } from './version-sites';

const files: Record<string, string> = {
  '/r/rust/Cargo.toml':
    '[workspace]\nmembers = ["transit", "tracing", "srv"]\n\n[workspace.package]\nversion = "0.12.0"\n\n[workspace.dependencies]\ntransit = { path = "transit", version = "0.12.0" }\nserde = "1"\n',
  '/r/rust/transit/Cargo.toml':
    '[package]\nname = "transit"\nversion.workspace = true\n\n[target.\'cfg(unix)\'.dependencies]\nderive = { path = "derive", version = "^0.12" }\n',
  '/r/rust/transit/derive/Cargo.toml': '[package]\nname = "derive"\nversion.workspace = true\n',
  '/r/rust/tracing/Cargo.toml':
    '[package]\nname = "tracing"\nversion = "0.12.0"\n\n[dependencies]\ntransit = { workspace = true }\n\n[dev-dependencies]\nsrv = { path = "../srv" }\n',
  '/r/rust/srv/Cargo.toml': '[package]\nname = "srv"\nversion.workspace = true\npublish = false\n',
  '/r/python/pyproject.toml':
    '[project]\nname = "micromegas"\nversion = "0.12.0"\n\n[tool.poetry]\nversion = "0.12.0"\n',
};

function group(files_ = files): ReleaseManifests {
  const manifests = new Map(
    Object.entries(files_)
      .filter(([f]) => f.endsWith('Cargo.toml'))
      .map(([f, t]) => [f, parseCargoManifest(t, f)]),
  );
  const [workspace] = loadCargoWorkspaces(['/r/rust/Cargo.toml'], {
    manifest: (f) => manifests.get(f),
    subdirectories: () => [],
  });
  return {
    cargo: [{ workspace, root: manifests.get('/r/rust/Cargo.toml')!, manifests }],
    python: [parsePyproject(files_['/r/python/pyproject.toml'], '/r/python/pyproject.toml')],
    packageJson: [{ file: '/r/web/package.json', version: '0.12.0' }],
  };
}

describe('bumpPlan', () => {
  it('rewrites every version string of the group, keeping requirement operators, and leaves inherited and path-only entries alone', () => {
    expect(bumpPlan(group(), '0.13.0')).toEqual([
      { file: '/r/rust/Cargo.toml', path: ['workspace', 'package', 'version'], from: '0.12.0', to: '0.13.0' },
      {
        file: '/r/rust/Cargo.toml',
        path: ['workspace', 'dependencies', 'transit', 'version'],
        from: '0.12.0',
        to: '0.13.0',
      },
      {
        file: '/r/rust/transit/Cargo.toml',
        path: ['target', 'cfg(unix)', 'dependencies', 'derive', 'version'],
        from: '^0.12',
        to: '^0.13',
      },
      { file: '/r/rust/tracing/Cargo.toml', path: ['package', 'version'], from: '0.12.0', to: '0.13.0' },
      { file: '/r/python/pyproject.toml', path: ['project', 'version'], from: '0.12.0', to: '0.13.0' },
      { file: '/r/python/pyproject.toml', path: ['tool', 'poetry', 'version'], from: '0.12.0', to: '0.13.0' },
      { file: '/r/web/package.json', path: ['version'], from: '0.12.0', to: '0.13.0' },
    ]);
  });

  it('gives a pre-release its own spelling in each ecosystem, and promotes it to the stable release', () => {
    const rc = (edits: ReturnType<typeof bumpPlan>) => edits.map((e) => `${e.path.join('.')} ${e.from} -> ${e.to}`);
    expect(rc(bumpPlan(group(), '0.13.0-rc.0'))).toEqual([
      'workspace.package.version 0.12.0 -> 0.13.0-rc.0',
      // cargo selects a pre-release only through a requirement that names it
      'workspace.dependencies.transit.version 0.12.0 -> 0.13.0-rc.0',
      'target.cfg(unix).dependencies.derive.version ^0.12 -> ^0.13.0-rc.0',
      'package.version 0.12.0 -> 0.13.0-rc.0',
      'project.version 0.12.0 -> 0.13.0rc0',
      'tool.poetry.version 0.12.0 -> 0.13.0rc0',
      'version 0.12.0 -> 0.13.0-rc.0',
    ]);
    // the files as the pre-release left them
    const released = Object.fromEntries(
      Object.entries(files).map(([f, text]) => [
        f,
        f.includes('python')
          ? text.replace(/"0\.12\.0"/g, '"0.13.0rc0"')
          : text.replace(/"0\.12\.0"/g, '"0.13.0-rc.0"').replace('"^0.12"', '"^0.13.0-rc.0"'),
      ]),
    );
    expect(rc(bumpPlan(group(released), '0.13.0'))).toEqual([
      'workspace.package.version 0.13.0-rc.0 -> 0.13.0',
      'workspace.dependencies.transit.version 0.13.0-rc.0 -> 0.13.0',
      'target.cfg(unix).dependencies.derive.version ^0.13.0-rc.0 -> ^0.13.0',
      'package.version 0.13.0-rc.0 -> 0.13.0',
      'project.version 0.13.0rc0 -> 0.13.0',
      'tool.poetry.version 0.13.0rc0 -> 0.13.0',
      'version 0.12.0 -> 0.13.0',
    ]);
  });

  it('plans nothing when the group is already at the version', () => {
    expect(bumpPlan(group(), '0.12.0')).toEqual([]);
  });
});
