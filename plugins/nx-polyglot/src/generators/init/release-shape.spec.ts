import { createTreeWithEmptyWorkspace } from 'nx/src/generators/testing-utils/create-tree-with-empty-workspace';
import { describe, expect, it } from 'vitest';
import { proposeReleaseShape } from './release-shape';
import { readRepositoryFacts } from './repository-facts';
import { tagFamilies } from './tag-patterns';

/** The shape init proposes for these manifests and tags. */
async function shapeOf(files: Record<string, string>, tags: string[] = []) {
  const tree = createTreeWithEmptyWorkspace();
  for (const [path, text] of Object.entries(files)) tree.write(path, text);
  return proposeReleaseShape((await readRepositoryFacts(tree)).projects, tags).groups;
}

const crate = (name: string, version: string, more = '') =>
  `[package]\nname = "${name}"\nversion = "${version}"\n${more}`;

describe('version trains', () => {
  it('makes the crates inheriting the workspace version one fixed group, beside crates with versions of their own', async () => {
    const groups = await shapeOf({
      'Cargo.toml': '[workspace]\nmembers = ["server/*", "tools/*"]\n\n[workspace.package]\nversion = "0.12.0"\n',
      'server/api/Cargo.toml': '[package]\nname = "api"\nversion.workspace = true\n',
      'server/ingest/Cargo.toml': '[package]\nname = "ingest"\nversion.workspace = true\n',
      'tools/lint/Cargo.toml': crate('lint-rules', '3.1.0'),
      'tools/fmt/Cargo.toml': crate('fmt-rules', '0.2.0'),
    });
    expect(groups).toEqual({
      api: { projectsRelationship: 'fixed', projects: ['api', 'ingest'], releaseTag: { pattern: 'api-v{version}' } },
      crates: {
        projectsRelationship: 'independent',
        projects: ['fmt-rules', 'lint-rules'],
        releaseTag: { pattern: '{projectName}-v{version}' },
      },
    });
  });

  it('versions a maturin package with the crate it builds, its dynamic version being the crate’s', async () => {
    const groups = await shapeOf({
      'rust/Cargo.toml': crate('engine', '2.0.0'),
      'python/pyproject.toml':
        '[build-system]\nrequires = ["maturin"]\nbuild-backend = "maturin"\n\n[project]\nname = "engine-py"\ndynamic = ["version"]\n\n[tool.maturin]\nmanifest-path = "../rust/Cargo.toml"\n',
      'client/pyproject.toml': '[project]\nname = "client"\nversion = "0.3.0"\n',
    });
    expect(Object.values(groups).map((g) => [g.projectsRelationship, g.projects])).toEqual([
      ['fixed', ['engine', 'engine-py']],
      ['independent', ['client']],
    ]);
  });

  it('releases packages of one version together, unless their tags name them one by one', async () => {
    const files = {
      'a/Cargo.toml': crate('a', '0.4.0'),
      'b/pyproject.toml': '[project]\nname = "b"\nversion = "0.4.0"\n',
    };
    expect(Object.values(await shapeOf(files)).map((g) => g.projectsRelationship)).toEqual(['fixed']);
    // tagged one by one but always at one version: a lockstep release (Micromegas tags every crate)
    const lockstep = await shapeOf(files, ['v0.4.0', 'a-v0.4.0', 'b-v0.4.0', 'v0.3.0', 'a-v0.3.0', 'b-v0.3.0']);
    expect(Object.values(lockstep)).toEqual([
      { projectsRelationship: 'fixed', projects: ['a', 'b'], releaseTag: { pattern: 'v{version}' } },
    ]);
    expect(await shapeOf(files, ['a-v0.4.0', 'b-v0.3.9', 'b-v0.3.8'])).toEqual({
      packages: {
        projectsRelationship: 'independent',
        projects: ['a', 'b'],
        releaseTag: { pattern: '{projectName}-v{version}' },
      },
    });
  });
});

describe('tag patterns', () => {
  it.each([
    [['v1.2.2', 'v1.2.3'], 'v{version}'],
    [['1.2.3'], '{version}'],
    [['py-1.2.2', 'py-1.2.3', 'v0.1.0'], 'py-{version}'],
    [['engine-v1.2.3'], 'engine-v{version}'],
    [['product-v1.2.3', 'product-v1.2.2', 'v1.2.3'], 'v{version}'],
    [['release 1.2.3', 'nightly'], 'v{version}'],
  ])('follows the tags %j in a single fixed group: %s', async (tags, pattern) => {
    const groups = await shapeOf({ 'Cargo.toml': crate('engine', '1.2.3') }, tags);
    expect(groups.engine.releaseTag.pattern).toBe(pattern);
  });

  it('gives the version-only tags to the train they tagged, and another pattern to the next train', async () => {
    const groups = await shapeOf(
      {
        'Cargo.toml': '[workspace]\nmembers = ["crates/*"]\n\n[workspace.package]\nversion = "1.0.0"\n',
        'crates/a/Cargo.toml': '[package]\nname = "a"\nversion.workspace = true\n',
        'crates/b/Cargo.toml': '[package]\nname = "b"\nversion.workspace = true\n',
        'engine/Cargo.toml': '[workspace]\n\n[package]\nname = "engine"\nversion = "2.0.0"\n',
        'py/pyproject.toml':
          '[build-system]\nbuild-backend = "maturin"\n\n[project]\nname = "engine-py"\ndynamic = ["version"]\n\n[tool.maturin]\nmanifest-path = "../engine/Cargo.toml"\n',
      },
      ['v1.0.0', 'v0.9.0'],
    );
    expect(Object.entries(groups).map(([name, g]) => [name, g.projects, g.releaseTag.pattern])).toEqual([
      ['a', ['a', 'b'], 'v{version}'],
      ['engine', ['engine', 'engine-py'], 'engine-v{version}'],
    ]);
  });

  it('sees per-project tags as one family whatever the crates are called', () => {
    const families = tagFamilies(['core-v1.0.0', 'core-cli-v0.3.0', 'core@2.0.0', 'v9.0.0'], ['core', 'core-cli']);
    expect(families.map((f) => [f.pattern, [...f.versions]])).toEqual([
      ['{projectName}-v{version}', ['core@1.0.0', 'core-cli@0.3.0']],
      ['{projectName}@{version}', ['core@2.0.0']],
      ['v{version}', ['9.0.0']],
    ]);
  });
});
