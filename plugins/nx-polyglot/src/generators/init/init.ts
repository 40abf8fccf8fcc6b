import { Tree, readNxJson } from '@nx/devkit';
import { execFileSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { redact } from '../../known-secrets';
import { planNxJson } from './nx-json';
import { proposeRegistries } from './registries';
import { proposeReleaseShape } from './release-shape';
import { readRepositoryFacts } from './repository-facts';
import { releaseConventions } from './release-tool';
import { planRootTargets } from './root-targets';

export { CHANGELOG_RENDERER, VERSION_ACTIONS } from './nx-json';

export interface InitOptions {
  /** Passed by `nx add`; nothing is installed here, so versions are never touched. */
  keepExistingVersions?: boolean;
  updatePackageScripts?: boolean;
  /** The repository's git tags, newest first; read with git when not given. */
  tags?: string[];
}

/**
 * What `nx add nx-polyglot` runs: sets the repository up for the plugin,
 * creating what is missing (nx.json, the root project's release targets, a
 * project for a web app Nx would not see) and proposing the release shape
 * the repository already has (version trains, tag pattern, changelog,
 * registries). What the user has is never replaced; a second run changes
 * nothing. The report names every file and what was written in it.
 */
export default async function init(tree: Tree, options: InitOptions = {}): Promise<() => void> {
  const facts = await readRepositoryFacts(tree);
  const registries = proposeRegistries(facts.registryFiles);
  const shape = proposeReleaseShape(facts.projects, options.tags ?? gitTags(tree.root));
  const nxJsonText = tree.exists('nx.json') ? (tree.read('nx.json', 'utf-8') ?? undefined) : undefined;
  const merged = readNxJson(tree);
  const nxJson = planNxJson(nxJsonText, merged, {
    publish: registries.publish,
    shape,
    changelog: { root: facts.changelog, projects: facts.projectChangelogs },
    conventions: releaseConventions(facts.releaseToolFiles),
  });

  const report: string[] = [];
  const written = (file: string, existed: boolean, what: string[]) =>
    report.push(`${existed ? 'UPDATED' : 'CREATED'} ${file}: ${what.join('; ')}`);
  if (nxJson.text !== undefined) {
    tree.write('nx.json', nxJson.text);
    written('nx.json', nxJsonText !== undefined, nxJson.added);
  }

  const releaseConfigured = merged?.release !== undefined || Object.keys(shape.groups).length > 0;
  const kept = [...nxJson.kept];
  if (releaseConfigured) {
    const read = (f: string) => (tree.exists(f) ? (tree.read(f, 'utf-8') ?? undefined) : undefined);
    const targets = planRootTargets(
      { packageJson: read('package.json'), projectJson: read('project.json') },
      { rootProjectName: facts.rootProjectName, directoryName: basename(tree.root), takenNames: facts.takenNames },
    );
    if (targets.text !== undefined) {
      const existed = tree.exists(targets.file);
      tree.write(targets.file, targets.text);
      written(targets.file, existed, targets.added);
    }
    kept.push(...targets.kept);
  }
  for (const app of facts.unprojectedWebApps) {
    const file = join(app.root, 'project.json');
    // Nx makes a project of a package.json beside a project.json, with its scripts as targets
    tree.write(file, `${JSON.stringify({ name: app.name }, null, 2)}\n`);
    written(file, false, [`the web app \`${app.name}\` as a project (its package.json is in no npm workspace)`]);
  }

  const notes = [
    ...(report.length ? report : ['nx-polyglot is set up already: nothing was changed.']),
    ...kept.map((k) => `kept: ${k}`),
    ...registries.notes.map((n) => `found: ${n}`),
    ...facts.left.map((l) => `not released: ${l.name} (${l.why})`),
  ];
  return () => notes.forEach((n) => console.log(redact(n)));
}

/** The repository's tags; none outside a git repository (a fresh directory, an in-memory tree). */
function gitTags(root: string): string[] {
  try {
    return execFileSync('git', ['tag', '--list', '--sort=-creatordate'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}
