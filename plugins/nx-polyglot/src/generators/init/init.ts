import { Tree, glob, readNxJson, updateNxJson } from '@nx/devkit';
import { redact } from '../../known-secrets';
import { isTable, parseToml } from '../../manifest-error';

export interface InitOptions {
  /** Passed by `nx add`; nothing is installed here, so versions are never touched. */
  keepExistingVersions?: boolean;
  updatePackageScripts?: boolean;
}

export const VERSION_ACTIONS = 'nx-polyglot/dist/release/version-actions.js';
export const CHANGELOG_RENDERER = 'nx-polyglot/dist/release/changelog-renderer.js';

/**
 * What `nx add nx-polyglot` runs: registers the plugin in nx.json and, when
 * the workspace has crates or Python packages to release and no release
 * configuration of its own, a fixed release group of them versioned by the
 * plugin's VersionActions. An existing registration or release configuration
 * is left as it is.
 */
export default async function init(tree: Tree, _options: InitOptions = {}): Promise<() => void> {
  const nxJson = readNxJson(tree) ?? {};
  const notes: string[] = [];
  const plugins = nxJson.plugins ?? [];
  if (plugins.some((p) => (typeof p === 'string' ? p : p.plugin) === 'nx-polyglot')) {
    notes.push('nx-polyglot is already registered in nx.json: left as it is.');
  } else {
    nxJson.plugins = [...plugins, 'nx-polyglot'];
    notes.push('Registered nx-polyglot in nx.json.');
  }
  const candidates = releaseCandidates(tree);
  if (nxJson.release) {
    notes.push('nx.json already has a release configuration: left as it is.');
  } else if (candidates.length > 0) {
    // a hand-kept Keep a Changelog file stays the user's: Nx would prepend generated entries above it
    const keepAChangelog = /^## \[unreleased\]/im.test(tree.read('CHANGELOG.md', 'utf-8') ?? '');
    nxJson.release = {
      projects: candidates,
      projectsRelationship: 'fixed',
      releaseTag: { pattern: 'v{version}' },
      version: { versionActions: VERSION_ACTIONS },
      changelog: {
        // the first release has no earlier tag to start from
        automaticFromRef: true,
        workspaceChangelog: keepAChangelog
          ? { file: false, renderer: CHANGELOG_RENDERER, createRelease: false }
          : { createRelease: false },
        projectChangelogs: false,
      },
    };
    notes.push(
      `Added a fixed release group (${candidates.join(', ')}) versioned by nx-polyglot's VersionActions: \`nx release <version>\`.`,
    );
  }
  updateNxJson(tree, nxJson);
  return () => notes.forEach((n) => console.log(redact(n)));
}

/** `tag:lang:rust` when a crate could be published, `tag:lang:python` when a Python package could. */
function releaseCandidates(tree: Tree): string[] {
  const read = (file: string) => {
    try {
      return parseToml(tree.read(file, 'utf-8') ?? '', file);
    } catch {
      return {}; // the graph reports broken manifests with their file and line
    }
  };
  const crates = glob(tree, ['**/Cargo.toml']).some((f) => {
    const pkg = read(f).package;
    return isTable(pkg) && pkg.publish !== false;
  });
  const python = glob(tree, ['**/pyproject.toml']).some((f) => {
    const doc = read(f);
    const poetry = isTable(doc.tool) && isTable(doc.tool.poetry) ? doc.tool.poetry : undefined;
    return isTable(doc.project) || (poetry !== undefined && poetry['package-mode'] !== false);
  });
  return [...(crates ? ['tag:lang:rust'] : []), ...(python ? ['tag:lang:python'] : [])];
}
