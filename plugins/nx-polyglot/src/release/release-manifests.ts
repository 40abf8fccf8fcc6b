import type { ExecutorContext, ProjectGraphProjectNode } from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findMatchingProjects } from 'nx/src/utils/find-matching-projects';
import { ManifestError } from '../manifest-error';
import { cargoFiles, manifestCaches } from '../polyglot-model';
import type { CargoManifest } from '../cargo/cargo-manifest';
import { loadCargoWorkspaces } from '../cargo/cargo-workspace';
import type { PythonPackage } from '../python/pyproject';
import type { ReleaseManifests } from './version-consistency';

/**
 * The projects nx release would version: nx.json `release.projects`, or the
 * union of `release.groups.*.projects` (all projects when neither is set),
 * matched by Nx's own project matcher (names, globs, `tag:`, directories, `!`
 * exclusions). An entry that matches no project is an error: a release group
 * silently missing its web app would pass the version check.
 */
export function releaseGroup(context: ExecutorContext): ProjectGraphProjectNode[] {
  const release = context.nxJsonConfiguration.release;
  const groups = Object.entries(release?.groups ?? {});
  const patternSets: Array<{ key: string; patterns: string[] }> = groups.length
    ? groups.map(([name, g]) => ({
        key: `release.groups.${name}.projects`,
        patterns: ([] as string[]).concat(g.projects),
      }))
    : [
        {
          key: 'release.projects',
          patterns: ([] as string[]).concat((release?.projects as string | string[] | undefined) ?? ['*']),
        },
      ];
  const nodes = context.projectGraph.nodes;
  const names = new Set<string>();
  for (const { key, patterns } of patternSets) {
    for (const pattern of patterns) {
      if (!pattern.startsWith('!') && findMatchingProjects([pattern], nodes).length === 0) {
        throw new ManifestError(
          'nx.json',
          `has \`${pattern}\`, which matches no project`,
          'Fix the name, tag or glob, or remove the entry',
          key,
        );
      }
    }
    findMatchingProjects([...patterns], nodes).forEach((n) => names.add(n));
  }
  return [...names].map((n) => nodes[n]);
}

/** The release group's manifests, read through the one Cargo and the one pyproject model. */
export function readReleaseManifests(context: ExecutorContext): ReleaseManifests {
  const { python } = manifestCaches();
  const manifests: ReleaseManifests = { cargo: [], python: [], packageJson: [] };
  const workspaceRoots = new Set<string>();
  for (const node of releaseGroup(context)) {
    const root = join(context.root, node.data.root);
    if (node.data.metadata?.cargo) {
      const cwd = (node.data.targets?.test?.options?.cwd ??
        node.data.targets?.build?.options?.cwd ??
        node.data.root) as string;
      workspaceRoots.add(join(context.root, cwd, 'Cargo.toml'));
    } else if (node.data.metadata?.python) {
      manifests.python.push(python.get(join(root, 'pyproject.toml'))?.package as PythonPackage);
    } else if (existsSync(join(root, 'package.json')) && node.data.root !== '.') {
      const file = join(root, 'package.json');
      manifests.packageJson.push({ file, version: JSON.parse(readFileSync(file, 'utf8')).version });
    }
  }
  const files = cargoFiles();
  for (const rootManifest of workspaceRoots) {
    const [workspace] = loadCargoWorkspaces([rootManifest], files);
    // already read by the workspace model: no second read
    const parsed = new Map(
      workspace.members.map((m) => [m.manifestPath, files.manifest(m.manifestPath) as CargoManifest]),
    );
    manifests.cargo.push({ workspace, root: files.manifest(rootManifest) as CargoManifest, manifests: parsed });
  }
  return manifests;
}

/** The release version on disk: the Cargo workspace's, else the first one found. */
export function currentReleaseVersion(m: ReleaseManifests): string | undefined {
  const workspaceVersion = m.cargo.map((c) => c.root.workspace?.package.version).find((v) => typeof v === 'string') as
    string | undefined;
  return workspaceVersion ?? m.python[0]?.version ?? m.packageJson[0]?.version;
}
