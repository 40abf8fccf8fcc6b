import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FIXTURES_DIR,
  cargoMetadata,
  fixtureRootManifest,
  loadFixtureWorkspace,
  loadModelWorkspace,
  modelFacts,
} from './__fixtures__/cargo-metadata';

/** One tiny workspace per Cargo rule; the expected answer is `cargo metadata --no-deps`. */
const FIXTURES = [
  'member-globs',
  'exclude-prefix',
  'explicit-member-overrides-exclude',
  'implicit-path-members',
  'nested-members',
  'default-members-ignored',
  'workspace-inheritance',
  'renamed-deps',
  'target-deps',
  'registry-namesake',
  'publish',
  'path-and-registry',
  'root-package',
  'standalone',
  'symlinked-members',
];

describe('loadCargoWorkspaces agrees with cargo metadata', () => {
  it.each(FIXTURES)('%s', (fixture) => {
    expect(modelFacts(loadFixtureWorkspace(fixture))).toEqual(cargoMetadata(fixtureRootManifest(fixture)));
  });
});

/** What each fixture is for, said without cargo: a failure here names the rule. */
describe('Cargo rules, spelled out', () => {
  const facts = (fixture: string) => modelFacts(loadFixtureWorkspace(fixture));
  const names = (fixture: string) => facts(fixture).packages.map((p) => p.name);
  const edges = (fixture: string) =>
    facts(fixture).edges.map(
      (e) => `${e.from}->${e.to}${e.kind ? ` (${e.kind})` : ''}${e.target ? ` [${e.target}]` : ''}`,
    );

  it('member globs keep directories only, match hidden ones, and ** spans any depth', () => {
    expect(names('member-globs')).toEqual(['glob-a', 'glob-b', 'glob-hidden', 'leaf-deep', 'leaf-shallow', 'tool-x']);
  });

  it("a member that is a symbolic link (glob or literal) is a member under the link's path; a link to a file is none", () => {
    const { packages } = facts('symlinked-members');
    expect(packages.map((p) => [p.name, relative(join(FIXTURES_DIR, 'symlinked-members'), p.manifest_path)])).toEqual([
      ['explicit-crate', 'explicit/Cargo.toml'],
      ['linked-crate', 'crates/linked/Cargo.toml'],
      ['plain', 'crates/plain/Cargo.toml'],
    ]);
    expect(edges('symlinked-members')).toEqual(['plain->explicit-crate']);
  });

  it('exclude entries are whole-component path prefixes', () => {
    expect(names('exclude-prefix')).toEqual(['app', 'core']);
  });

  it('a literal member under an excluded directory is a member anyway', () => {
    expect(names('explicit-member-overrides-exclude')).toEqual(['core', 'example-a']);
  });

  it('path dependencies under the root join the workspace, transitively; those outside do not', () => {
    expect(names('implicit-path-members')).toEqual(['derive-support', 'testkit', 'transit', 'transit-derive']);
    expect(edges('implicit-path-members')).not.toContain('transit->outside');
  });

  it('default-members does not change membership', () => {
    expect(names('default-members-ignored')).toEqual(['a', 'b', 'c']);
  });

  it('inherits version, publish and dependencies from the workspace', () => {
    const { packages, edges: deps } = facts('workspace-inheritance');
    expect(packages.map((p) => [p.name, p.version, p.publish])).toEqual([
      ['app', '1.2.3', []],
      ['build-helper', '1.2.3', []],
      ['lib', '1.2.3', null],
      ['test-helper', '0.9.0', null],
    ]);
    expect(deps.map((e) => [e.from, e.to, e.kind])).toEqual([
      ['app', 'build-helper', 'build'],
      ['app', 'lib', null],
      ['app', 'test-helper', 'dev'],
      ['test-helper', 'lib', null],
    ]);
  });

  it('a renamed dependency is an edge to the real package', () => {
    expect(facts('renamed-deps').edges.map((e) => [e.to, e.rename])).toEqual([
      ['real-bar', 'bar'],
      ['real-foo', 'foo'],
      ['real-log', 'log'],
    ]);
  });

  it('target-specific tables are edges with their target', () => {
    expect(edges('target-deps')).toEqual([
      'app->common',
      'app->common [cfg(unix)]',
      'app->linux-build (build) [x86_64-unknown-linux-gnu]',
      'app->spaced [cfg(any(unix, windows))]', // written `cfg(any( unix,windows, ))`
      'app->unix-only [cfg(unix)]',
      'app->win-test (dev) [cfg(windows)]',
      'app->x86-unix [cfg(all(unix, target_arch = "x86_64"))]',
    ]);
  });

  it('a registry crate named like a member is not an edge', () => {
    expect(names('registry-namesake')).toEqual(['app', 'log']);
    expect(edges('registry-namesake')).toEqual([]);
  });

  it('publish: null is anywhere, [] is nowhere; no version means 0.0.0 and unpublishable', () => {
    expect(facts('publish').packages.map((p) => [p.name, p.version, p.publish])).toEqual([
      ['internal', '0.1.0', ['my-registry']],
      ['open', '0.1.0', null],
      ['private', '0.1.0', []],
      ['unversioned', '0.0.0', []],
    ]);
  });

  it('a path dependency that also names a registry is a path dependency locally', () => {
    expect(edges('path-and-registry')).toEqual(['app->shared']);
  });

  it('a root manifest with [package] is a member itself', () => {
    expect(names('root-package')).toEqual(['root-pkg', 'sub']);
    expect(edges('root-package')).toEqual(['root-pkg->sub']);
  });

  it('a package without a workspace is alone: its path dependencies do not join it', () => {
    expect(names('standalone')).toEqual(['standalone']);
  });
});

const REPO_RUST = join(__dirname, '..', '..', '..', '..', 'rust');

describe('the repository workspace (rust/)', () => {
  const root = join(REPO_RUST, 'Cargo.toml');

  it('agrees with cargo metadata', () => {
    expect(modelFacts(loadModelWorkspace(root))).toEqual(cargoMetadata(root));
  });

  it('has the members, publish settings and edges the repository relies on', () => {
    const { packages, edges } = modelFacts(loadModelWorkspace(root));
    expect(packages).toHaveLength(15);
    const names = packages.map((p) => p.name);
    // reached only as path dependencies (transit/derive, tracing/proc-macros)
    expect(names).toContain('micromegas-derive-transit');
    expect(names).toContain('micromegas-tracing-proc-macros');
    const unpublished = packages.filter((p) => p.publish?.length === 0).map((p) => p.name);
    expect(unpublished).toEqual(
      expect.arrayContaining(['flight-sql-srv', 'http-gateway', 'telemetry-ingestion-srv', 'write-perfetto']),
    );
    expect(edges).toContainEqual(expect.objectContaining({ from: 'micromegas-analytics', to: 'micromegas-perfetto' }));
  });
});
