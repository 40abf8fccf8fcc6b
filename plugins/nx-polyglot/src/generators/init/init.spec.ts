import { createTreeWithEmptyWorkspace } from 'nx/src/generators/testing-utils/create-tree-with-empty-workspace';
import { FsTree, flushChanges } from 'nx/src/generators/tree';
import { resetWorkspaceContext } from 'nx/src/utils/workspace-context';
import { createNxReleaseConfig } from 'nx/src/command-line/release/config/config';
import { NxJsonConfiguration, Tree, readNxJson } from '@nx/devkit';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import init, { CHANGELOG_RENDERER, VERSION_ACTIONS } from './init';
import { ROOT_TARGETS } from './root-targets';

const cargoWorkspace = {
  'Cargo.toml': '[workspace]\nmembers = ["crates/*"]\n\n[workspace.package]\nversion = "1.2.3"\n',
  'crates/core/Cargo.toml': '[package]\nname = "acme-core"\nversion.workspace = true\n',
  'crates/cli/Cargo.toml':
    '[package]\nname = "acme-cli"\nversion.workspace = true\n\n[dependencies]\nacme-core = { path = "../core" }\n',
  'py/client/pyproject.toml': '[project]\nname = "acme-client"\nversion = "1.2.3"\n',
};

let dirs: string[] = [];
afterEach(() => {
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  dirs = [];
});

/** A Tree over a real directory holding only these files: no nx.json unless given. */
function diskTree(files: Record<string, string>): Tree {
  const root = mkdtempSync(join(tmpdir(), 'nx-polyglot-init-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return new FsTree(root, false);
}

/** Runs init and writes its changes to disk, as `nx g` does; returns what it printed. */
async function run(tree: Tree, tags: string[] = []): Promise<string> {
  resetWorkspaceContext(); // Nx's file listing of the directory, taken again as a new `nx g` process would
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    const report = await init(tree, { tags });
    flushChanges(tree.root, tree.listChanges());
    report();
    return log.mock.calls.map((c) => c[0]).join('\n');
  } finally {
    log.mockRestore();
  }
}

const read = (tree: Tree, file: string) => readFileSync(join(tree.root, file), 'utf8');

/** Nx's own resolution of the release configuration, over a graph of these projects. */
async function nxAccepts(release: NxJsonConfiguration['release'], projects: string[]) {
  const nodes = Object.fromEntries(
    projects.map((name) => [name, { name, type: 'lib' as const, data: { root: name, tags: [] } }]),
  );
  const { error, nxReleaseConfig } = await createNxReleaseConfig({ nodes, dependencies: {} }, {}, release);
  expect(error).toBeNull();
  return nxReleaseConfig;
}

describe('init on a repository Nx has never seen', () => {
  it('creates nx.json and a root project.json with the release targets, names each file, and a second run changes nothing', async () => {
    const tree = diskTree(cargoWorkspace);
    const said = await run(tree);
    expect(said).toMatch(/^CREATED nx\.json: registered nx-polyglot; release groups: /m);
    expect(said).toMatch(/^CREATED project\.json: the targets version-check, bump, release, post-release, rollback/m);
    const nxJson = JSON.parse(read(tree, 'nx.json'));
    expect(nxJson.plugins).toEqual(['nx-polyglot']);
    expect(nxJson.release.groups).toEqual({
      'acme-cli': {
        projectsRelationship: 'fixed',
        projects: ['acme-cli', 'acme-core', 'acme-client'],
        releaseTag: { pattern: 'v{version}' },
      },
    });
    expect(nxJson.release.version).toEqual({ versionActions: VERSION_ACTIONS });
    const resolved = await nxAccepts(nxJson.release, ['acme-cli', 'acme-core', 'acme-client']);
    expect(resolved?.groups?.['acme-cli'].projects.sort()).toEqual(['acme-cli', 'acme-client', 'acme-core']);
    const project = JSON.parse(read(tree, 'project.json'));
    expect(project.name).toBe(project.name.toLowerCase());
    expect(project.targets).toEqual(ROOT_TARGETS);

    const before = [read(tree, 'nx.json'), read(tree, 'project.json')];
    const again = await run(new FsTree(tree.root, false));
    expect(again).toMatch(/^nx-polyglot is set up already: nothing was changed\.$/m);
    expect([read(tree, 'nx.json'), read(tree, 'project.json')]).toEqual(before);
  });

  it('puts the targets in an existing root package.json, keeping its bytes and leaving a `release` script alone', async () => {
    const packageJson = '{\n    "name": "acme",\n    "scripts": { "release": "make release" }\n}\n';
    const tree = diskTree({ ...cargoWorkspace, 'package.json': packageJson });
    const said = await run(tree);
    expect(said).toMatch(
      /^UPDATED package\.json: the targets version-check, bump, post-release, rollback on the project `acme`$/m,
    );
    expect(said).toMatch(/kept: the script `release` is an Nx target already/);
    const text = read(tree, 'package.json');
    expect(text.startsWith('{\n    "name": "acme",\n    "scripts": { "release": "make release" },\n    "nx": {')).toBe(
      true,
    );
    expect(Object.keys(JSON.parse(text).nx.targets)).toEqual(['version-check', 'bump', 'post-release', 'rollback']);
    expect(said).not.toMatch(/project\.json/);
  });
});

describe('init on a repository already set up', () => {
  it('leaves the plugin entry and the release configuration as the user wrote them, byte for byte', async () => {
    const nxJson =
      '{\n  // ours\n  "plugins": [{ "plugin": "nx-polyglot", "options": { "cargo": { "build": false } } }],\n  "release": { "projects": ["acme-core"] }\n}\n';
    const tree = diskTree({ ...cargoWorkspace, 'nx.json': nxJson });
    const said = await run(tree);
    expect(read(tree, 'nx.json')).toBe(nxJson);
    expect(said).toMatch(/kept: nx-polyglot is registered/);
    expect(said).toMatch(/kept: the release configuration is left as it is/);
  });

  it('adds the plugin to a list it extends, without dropping the inherited plugins', async () => {
    const tree = diskTree({
      'base.json': JSON.stringify({ plugins: ['@nx/js'] }),
      'nx.json': JSON.stringify({ extends: './base.json' }),
      'Cargo.toml': '[package]\nname = "a"\nversion = "0.1.0"\n',
    });
    await run(tree);
    expect(JSON.parse(read(tree, 'nx.json')).plugins).toEqual(['@nx/js', 'nx-polyglot']);
  });
});

describe('the changelog', () => {
  it('keeps a hand-kept CHANGELOG.md the user’s: Nx writes no file, the plugin’s renderer reads it', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('Cargo.toml', '[package]\nname = "a"\nversion = "0.1.0"\n');
    tree.write('CHANGELOG.md', '# Changelog\n\n## Unreleased\n\n- Added a thing\n');
    await init(tree, { tags: [] });
    expect(readNxJson(tree)?.release?.changelog?.workspaceChangelog).toEqual({
      file: false,
      renderer: CHANGELOG_RENDERER,
      createRelease: false,
    });
  });

  it('lets Nx write per-project changelogs for independent versions, which Nx accepts', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('a/Cargo.toml', '[package]\nname = "a"\nversion = "0.1.0"\n');
    tree.write('b/Cargo.toml', '[package]\nname = "b"\nversion = "2.0.0"\n');
    await init(tree, { tags: ['a-v0.1.0', 'b-v2.0.0'] });
    const release = readNxJson(tree)?.release;
    expect(release?.groups).toEqual({
      crates: {
        projectsRelationship: 'independent',
        projects: ['a', 'b'],
        releaseTag: { pattern: '{projectName}-v{version}' },
      },
    });
    expect(release?.changelog?.projectChangelogs).toEqual({ createRelease: false });
    expect((await nxAccepts(release, ['a', 'b']))?.groups?.crates?.projectsRelationship).toBe('independent');
  });

  it("adopts cargo-release's conventions from release.toml: requirements upgraded, no dependent released for its dependencies alone", async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('a/Cargo.toml', '[package]\nname = "a"\nversion = "0.1.0"\n');
    tree.write('b/Cargo.toml', '[package]\nname = "b"\nversion = "2.0.0"\n');
    tree.write('release.toml', 'allow-branch = ["main"]\n');
    await init(tree, { tags: ['a-v0.1.0', 'b-v2.0.0'] });
    const release = readNxJson(tree)?.release;
    expect(release?.version).toEqual({
      versionActions: VERSION_ACTIONS,
      versionActionsOptions: { requirements: 'upgrade' },
      updateDependents: 'never',
    });
    expect((await nxAccepts(release, ['a', 'b']))?.version?.versionActionsOptions).toEqual({ requirements: 'upgrade' });
  });
});

describe('projects', () => {
  it('gives a web app in no npm workspace a project, once, and releases it with the crates of its version', async () => {
    const tree = diskTree({
      'Cargo.toml': '[package]\nname = "server"\nversion = "0.4.0"\n',
      'web/package.json': JSON.stringify({ name: 'web-app', version: '0.4.0', scripts: { build: 'vite build' } }),
      'tests/fixture/package.json': JSON.stringify({ name: 'fixture', version: '0.4.0', scripts: { build: 'x' } }),
      'doc/slides/package.json': JSON.stringify({ name: 'slides', version: '1.0.0', scripts: { build: 'vite build' } }),
    });
    const said = await run(tree);
    expect(said).toMatch(/^CREATED web\/project\.json: the web app `web-app` as a project/m);
    expect(JSON.parse(read(tree, 'web/project.json'))).toEqual({ name: 'web-app' });
    // slides of a version of their own are not shipped with the crates: no project, and said so
    expect(said).toMatch(/^not released: slides \(a web app in no npm workspace at 1\.0\.0, /m);
    expect(existsSync(join(tree.root, 'doc/slides/project.json'))).toBe(false);
    expect(JSON.parse(read(tree, 'nx.json')).release.groups.server.projects).toEqual(['server', 'web-app']);
    expect(await run(new FsTree(tree.root, false))).toMatch(/nothing was changed/);
  });

  it('names what it leaves out of the release, and adds no release targets when nothing is released', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('tool/Cargo.toml', '[package]\nname = "xtask"\nversion = "0.1.0"\npublish = false\n');
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    (await init(tree, { tags: [] }))();
    expect(log.mock.calls.flat()).toContain('not released: xtask (publish = false, with a version of its own)');
    log.mockRestore();
    expect(readNxJson(tree)?.release).toBeUndefined();
    expect(tree.exists('project.json')).toBe(false);
  });
});
