import { describe, expect, it } from 'vitest';
import { parseCargoManifest } from './cargo-manifest';
import { loadCargoWorkspaces } from './cargo-workspace';
import {
  IndexName,
  checkDependencyResolution,
  registryDependencies,
  resolutionReport,
  unresolvableDependencies,
} from './dependency-resolution';
import type { IndexEntry } from './sparse-index';

/** A workspace from manifest texts, through the Cargo model. */
function workspace(files: Record<string, string>) {
  const cargo = {
    manifest: (f: string) => (files[f] === undefined ? undefined : parseCargoManifest(files[f], f)),
    subdirectories: () => [],
  };
  return loadCargoWorkspaces(Object.keys(files), cargo)[0];
}

const ws = workspace({
  '/ws/Cargo.toml': `
[workspace]
members = ["a", "b"]
[workspace.dependencies]
serde = "1.0.200"
`,
  '/ws/a/Cargo.toml': `
[package]
name = "a"
version = "0.1.0"
[dependencies]
b = { path = "../b", version = "0.1.0" }
serde = { workspace = true }
tracing-public = { package = "micromegas-tracing", version = "0.12" }
[dev-dependencies]
b = { path = "../b" }
`,
  '/ws/b/Cargo.toml': `
[package]
name = "b"
version = "0.1.0"
[dependencies]
itoa = "1"
private = { version = "2", registry = "corp" }
[target.'cfg(unix)'.dependencies]
libc = { version = "0.2", optional = true }
[dev-dependencies]
pretty = "0.5"
[build-dependencies]
cc = { git = "https://example.com/cc" }
`,
});

const entry = (name: string, vers: string, yanked = false): IndexEntry => ({ name, vers, yanked, cksum: '' });
const index: Record<string, IndexEntry[]> = {
  itoa: [entry('itoa', '0.4.8'), entry('itoa', '1.0.15')],
  serde: [entry('serde', '1.0.199'), entry('serde', '1.0.228', true)],
  libc: [entry('libc', '0.2.170')],
  pretty: [entry('pretty', '0.5.2', true)],
};
const corp: Record<string, IndexEntry[]> = { private: [entry('private', '2.1.0')] };
const versionsOf = (i: IndexName, crate: string) => (i === 'corp' ? corp : index)[crate] ?? [];
const label = (i: IndexName) => (i === null ? 'crates.io' : `\`${i}\``);
const ours = (c: string) => ['a', 'b', 'micromegas-tracing'].includes(c);
const crates = ws.members.map((crate) => ({ crate, workspace: ws }));

describe('registryDependencies', () => {
  it("is every dependency cargo keeps in the packaged manifest but the repository's own crates, with the file and key holding the requirement", () => {
    expect(registryDependencies(crates, ours).map((d) => [d.crate.name, d.dep.name, d.file, d.key])).toEqual([
      ['a', 'serde', '/ws/Cargo.toml', 'workspace.dependencies.serde'],
      ['b', 'itoa', '/ws/b/Cargo.toml', 'dependencies.itoa'],
      ['b', 'private', '/ws/b/Cargo.toml', 'dependencies.private'],
      ['b', 'pretty', '/ws/b/Cargo.toml', 'dev-dependencies.pretty'],
      ['b', 'cc', '/ws/b/Cargo.toml', 'build-dependencies.cc'],
      ['b', 'libc', '/ws/b/Cargo.toml', "target.'cfg(unix)'.dependencies.libc"],
    ]);
  });
});

describe('unresolvableDependencies', () => {
  const problems = unresolvableDependencies(registryDependencies(crates, ours), versionsOf, label);

  it('names the crate, the dependency, the requirement, the manifest and the key of each that no non-yanked version meets', () => {
    expect(problems.map((p) => `${p.file}: ${p.key}: ${p.problem}. ${p.fix}`)).toEqual([
      '/ws/Cargo.toml: workspace.dependencies.serde: a (to be published) depends on serde = "1.0.200": no version of serde in crates.io matches it (1.0.228 yanked); the newest is 1.0.199. Change the requirement to one crates.io has (e.g. "1.0.199"), or publish a matching serde there first',
      '/ws/b/Cargo.toml: dev-dependencies.pretty: b (to be published) depends on pretty = "0.5": no version of pretty in crates.io matches it (0.5.2 yanked). Change the requirement to one crates.io has, or publish a matching pretty there first',
      '/ws/b/Cargo.toml: build-dependencies.cc: b (to be published) depends on cc (git) without a version requirement, which cargo refuses to publish. Add the version to use from crates.io, e.g. version = "1"',
    ]);
  });

  it("looks a `registry = ...` dependency up in that registry's index, and a crate no index has is named as such", () => {
    const nowhere = unresolvableDependencies(registryDependencies(crates, ours), () => [], label);
    expect(nowhere.find((p) => p.key === 'dependencies.private')?.problem).toBe(
      'b (to be published) depends on private = "2": `corp` has no crate named private',
    );
    expect(problems.some((p) => p.key === 'dependencies.private')).toBe(false);
  });

  it('matches requirements as cargo does: a bare version is a caret, `=` exact, pre-releases only when named', () => {
    const one = (req: string, versions: string[]) =>
      unresolvableDependencies(
        [{ ...registryDependencies(crates, ours)[1], dep: { ...registryDependencies(crates, ours)[1].dep, req } }],
        () => versions.map((v) => entry('itoa', v)),
        label,
      ).length === 0;
    expect(one('0.4', ['0.4.8'])).toBe(true);
    expect(one('0.4', ['0.5.0'])).toBe(false);
    expect(one('=1.0.1', ['1.0.2'])).toBe(false);
    expect(one('~1.0.1', ['1.0.9'])).toBe(true);
    expect(one('>=1.2, <1.5', ['1.4.0'])).toBe(true);
    expect(one('*', ['3.0.0'])).toBe(true);
    expect(one('1', ['2.0.0-rc.1'])).toBe(false);
    expect(one('2.0.0-rc.1', ['2.0.0-rc.2'])).toBe(true);
    expect(one('999', ['1.0.15'])).toBe(false);
  });
});

describe('checkDependencyResolution', () => {
  it('asks each index once per crate, and none for a dependency without a requirement', async () => {
    const asked: string[] = [];
    const lookup = (i: IndexName, crate: string) => {
      asked.push(`${i ?? 'crates.io'}:${crate}`);
      return Promise.resolve(versionsOf(i, crate));
    };
    const deps = registryDependencies([...crates, ...crates], ours);
    const problems = await checkDependencyResolution(deps, lookup, label, 2);
    expect(asked.sort()).toEqual([
      'corp:private',
      'crates.io:itoa',
      'crates.io:libc',
      'crates.io:pretty',
      'crates.io:serde',
    ]);
    expect(problems).toHaveLength(6);
    expect(resolutionReport(problems.slice(0, 1), (f) => f.replace('/ws/', ''))).toBe(
      'Nothing was published: 1 dependency would not resolve when cargo packages the crates:\n' +
        '  - Cargo.toml: `workspace.dependencies.serde`: a (to be published) depends on serde = "1.0.200": no version of serde in crates.io matches it (1.0.228 yanked); the newest is 1.0.199. Change the requirement to one crates.io has (e.g. "1.0.199"), or publish a matching serde there first.\n',
    );
  });
});
