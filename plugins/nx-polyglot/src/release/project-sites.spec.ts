import { describe, expect, it } from 'vitest';
import { parseCargoManifest } from '../cargo/cargo-manifest';
import { loadCargoWorkspaces } from '../cargo/cargo-workspace';
import { ManifestError } from '../manifest-error';
import { bumpPlan } from './bump-plan';
import { projectVersionSites, requirementSites } from './project-sites';
import { ReleaseManifests, versionSites } from './version-sites';

// crates versioned apart (a, b), and a version train (c, d inherit the workspace's version)
const files: Record<string, string> = {
  '/r/Cargo.toml':
    '[workspace]\nmembers = ["a", "b", "c", "d"]\n\n[workspace.package]\nversion = "1.4.0"\n\n[workspace.dependencies]\na = { path = "a", version = "0.1" }\n',
  '/r/a/Cargo.toml': '[package]\nname = "a"\nversion = "0.1.3"\n',
  '/r/b/Cargo.toml':
    '[package]\nname = "b"\nversion = "0.4.0"\n\n[dependencies]\na = { workspace = true }\n\n[dev-dependencies]\nc = { path = "../c", version = "=1.4.0" }\n',
  '/r/c/Cargo.toml':
    '[package]\nname = "c"\nversion.workspace = true\n\n[dependencies]\na = { path = "../a", version = "^0.1.3" }\n',
  '/r/d/Cargo.toml': '[package]\nname = "d"\nversion.workspace = true\n',
};

function workspace(): ReleaseManifests {
  const manifests = new Map(Object.entries(files).map(([f, t]) => [f, parseCargoManifest(t, f)]));
  const [ws] = loadCargoWorkspaces(['/r/Cargo.toml'], { manifest: (f) => manifests.get(f), subdirectories: () => [] });
  return { cargo: [{ workspace: ws, root: manifests.get('/r/Cargo.toml')!, manifests }], python: [], packageJson: [] };
}

const keys = (edits: ReturnType<typeof bumpPlan>) =>
  edits.map((e) => `${e.file} ${e.path.join('.')} ${e.from} -> ${e.to}`);

describe('projectVersionSites', () => {
  const m = workspace();
  const sites = versionSites(m);

  it("moves a crate's own version and nothing else: requirements onto it are its dependents' business", () => {
    expect(keys(bumpPlan(m, '0.2.0', projectVersionSites(m, sites, '/r/a/Cargo.toml')))).toEqual([
      '/r/a/Cargo.toml package.version 0.1.3 -> 0.2.0',
    ]);
  });

  it('moves the workspace version for a crate of the train, alone in its independent group or in a fixed one', () => {
    const alone = {
      name: 'crates',
      crates: new Map([
        ['/r/c/Cargo.toml', 'c'],
        ['/r/a/Cargo.toml', 'a'],
      ]),
    };
    for (const group of [alone, undefined])
      expect(keys(bumpPlan(m, '1.5.0', projectVersionSites(m, sites, '/r/c/Cargo.toml', group)))).toEqual([
        '/r/Cargo.toml workspace.package.version 1.4.0 -> 1.5.0',
      ]);
  });

  it('refuses an independent group that would version the train apart, naming the crates and the group to write', () => {
    const group = {
      name: 'crates',
      crates: new Map([
        ['/r/c/Cargo.toml', 'c'],
        ['/r/d/Cargo.toml', 'd'],
      ]),
    };
    const refuse = () => projectVersionSites(m, sites, '/r/d/Cargo.toml', group);
    expect(refuse).toThrow(ManifestError);
    expect(refuse).toThrow(
      '/r/Cargo.toml: `workspace.package.version`: is the one version of `c`, `d` (they inherit it with `version.workspace = true`), which the independent release group `crates` would version apart',
    );
    expect(refuse).toThrow('"groups": { "<name>": { "projects": ["c", "d"], "projectsRelationship": "fixed" } }');
  });
});

describe('requirementSites', () => {
  const m = workspace();
  const sites = versionSites(m);
  const follow = (dependent: string, dependency: string, version: string) =>
    keys(bumpPlan(m, version, requirementSites(m, sites, dependent, dependency)));

  it("rewrites a dependent's own requirement only when the new version falls outside it, keeping its operator", () => {
    expect(follow('/r/c/Cargo.toml', '/r/a/Cargo.toml', '0.1.4')).toEqual([]);
    expect(follow('/r/c/Cargo.toml', '/r/a/Cargo.toml', '0.2.0')).toEqual([
      '/r/c/Cargo.toml dependencies.a.version ^0.1.3 -> ^0.2.0',
    ]);
    expect(follow('/r/b/Cargo.toml', '/r/c/Cargo.toml', '1.4.1')).toEqual([
      '/r/b/Cargo.toml dev-dependencies.c.version =1.4.0 -> =1.4.1',
    ]);
  });

  it('rewrites the [workspace.dependencies] entry a dependent inherits, and no requirement of another crate', () => {
    expect(follow('/r/b/Cargo.toml', '/r/a/Cargo.toml', '0.2.0')).toEqual([
      '/r/Cargo.toml workspace.dependencies.a.version 0.1 -> 0.2',
    ]);
    expect(follow('/r/d/Cargo.toml', '/r/a/Cargo.toml', '0.2.0')).toEqual([]);
  });

  it('names the pre-release exactly, which is how cargo selects one', () => {
    expect(follow('/r/c/Cargo.toml', '/r/a/Cargo.toml', '0.2.0-rc.0')).toEqual([
      '/r/c/Cargo.toml dependencies.a.version ^0.1.3 -> ^0.2.0-rc.0',
    ]);
  });
});
