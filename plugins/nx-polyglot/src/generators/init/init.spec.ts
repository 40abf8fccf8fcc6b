import { createTreeWithEmptyWorkspace } from 'nx/src/generators/testing-utils/create-tree-with-empty-workspace';
import { readNxJson, updateNxJson } from '@nx/devkit';
import { describe, expect, it } from 'vitest';
import init, { CHANGELOG_RENDERER, VERSION_ACTIONS } from './init';

describe('the init generator (nx add nx-polyglot)', () => {
  it('registers the plugin and a fixed release group of the crates and Python packages', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('native/Cargo.toml', '[package]\nname = "core"\nversion = "0.1.0"\n');
    tree.write('py/pyproject.toml', '[project]\nname = "client"\nversion = "0.1.0"\n');
    await init(tree);
    const nxJson = readNxJson(tree);
    expect(nxJson?.plugins).toContain('nx-polyglot');
    expect(nxJson?.release).toMatchObject({
      projects: ['tag:lang:rust', 'tag:lang:python'],
      projectsRelationship: 'fixed',
      version: { versionActions: VERSION_ACTIONS },
    });
    expect(nxJson?.release?.changelog).toEqual({
      automaticFromRef: true,
      workspaceChangelog: { createRelease: false },
      projectChangelogs: false,
    });
  });

  it('leaves a hand-kept Keep a Changelog CHANGELOG.md to the user, its sections becoming the release text', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('Cargo.toml', '[package]\nname = "a"\nversion = "0.1.0"\n');
    tree.write('CHANGELOG.md', '# Changelog\n\n## [Unreleased]\n\n- Added a thing\n');
    await init(tree);
    expect(readNxJson(tree)?.release?.changelog?.workspaceChangelog).toEqual({
      file: false,
      renderer: CHANGELOG_RENDERER,
      createRelease: false,
    });
  });

  it('adds no release group when nothing can be released, and leaves an existing registration and release alone', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('tool/Cargo.toml', '[package]\nname = "xtask"\nversion = "0.1.0"\npublish = false\n');
    tree.write('pyproject.toml', '[tool.ruff]\nline-length = 100\n');
    await init(tree);
    expect(readNxJson(tree)?.release).toBeUndefined();

    const existing = createTreeWithEmptyWorkspace();
    existing.write('Cargo.toml', '[package]\nname = "a"\nversion = "0.1.0"\n');
    const nxJson = readNxJson(existing) ?? {};
    updateNxJson(existing, {
      ...nxJson,
      plugins: [{ plugin: 'nx-polyglot', options: { cargo: { build: false } } }],
      release: { projects: ['a'] },
    });
    await init(existing);
    expect(readNxJson(existing)?.plugins).toEqual([{ plugin: 'nx-polyglot', options: { cargo: { build: false } } }]);
    expect(readNxJson(existing)?.release).toEqual({ projects: ['a'] });
  });
});
