import type { ExecutorContext, ProjectGraphProjectNode } from '@nx/devkit';
import { join } from 'node:path';
import { findMatchingProjects } from 'nx/src/utils/find-matching-projects';
import { ManifestError } from '../manifest-error';
import type { CargoManifest } from '../cargo/cargo-manifest';
import { loadCargoWorkspaces } from '../cargo/cargo-workspace';
import { VersionSpellingError, semverFromPep440 } from '../python/pep440-version';
import { ManifestSource, diskSource } from './manifest-source';
import type { ReleaseManifests } from './version-sites';

/** One release group of nx.json, with the projects Nx's matcher gives it. */
export interface ReleaseGroupProjects {
  /** `release.groups` key, or `__default__` for `release.projects`. */
  name: string;
  relationship: 'fixed' | 'independent';
  nodes: ProjectGraphProjectNode[];
}

/**
 * The release groups nx release would version: each of nx.json
 * `release.groups`, or one group of `release.projects` (all projects when
 * neither is set), matched by Nx's own project matcher (names, globs, `tag:`,
 * directories, `!` exclusions), with its `projectsRelationship` (the
 * top-level one by default, `fixed` unless said). An entry that matches no
 * project is an error: a release group silently missing its web app would
 * pass the version check.
 */
export function releaseGroups(context: ExecutorContext): ReleaseGroupProjects[] {
  const release = context.nxJsonConfiguration.release;
  const fallback = release?.projectsRelationship ?? 'fixed';
  const groups = Object.entries(release?.groups ?? {});
  const patternSets = groups.length
    ? groups.map(([name, g]) => ({
        name,
        relationship: g.projectsRelationship ?? fallback,
        key: `release.groups.${name}.projects`,
        patterns: ([] as string[]).concat(g.projects),
      }))
    : [
        {
          name: '__default__',
          relationship: fallback,
          key: 'release.projects',
          patterns: ([] as string[]).concat((release?.projects as string | string[] | undefined) ?? ['*']),
        },
      ];
  const nodes = context.projectGraph.nodes;
  return patternSets.map(({ name, relationship, key, patterns }) => {
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
    return { name, relationship, nodes: findMatchingProjects([...patterns], nodes).map((n) => nodes[n]) };
  });
}

/** The projects of every release group (see releaseGroups). */
export function releaseGroup(context: ExecutorContext): ProjectGraphProjectNode[] {
  const byName = new Map(releaseGroups(context).flatMap((g) => g.nodes.map((n): [string, typeof n] => [n.name, n])));
  return [...byName.values()];
}

/**
 * The release group's manifests, read from `source` (the disk or Nx's Tree)
 * through the one Cargo and the one pyproject model. A crate brings its whole
 * Cargo root (the project's `metadata.cargo.workspace`, which createNodes
 * records), so a standalone crate beside a workspace is a root of its own.
 */
export function loadReleaseManifests(
  nodes: ProjectGraphProjectNode[],
  workspaceRoot: string,
  source: ManifestSource,
): ReleaseManifests {
  const manifests: ReleaseManifests = { cargo: [], python: [], packageJson: [] };
  const cargoRoots = new Set<string>();
  for (const node of nodes) {
    const root = join(workspaceRoot, node.data.root);
    const metadata = node.data.metadata;
    if (metadata?.cargo) {
      const workspace = (metadata.cargo as { workspace?: string }).workspace;
      if (!workspace)
        throw new ManifestError(
          join(root, 'Cargo.toml'),
          `is the manifest of \`${node.name}\`, whose project has no metadata.cargo.workspace`,
          'Rebuild the project graph with this version of nx-polyglot (nx reset)',
        );
      cargoRoots.add(join(workspaceRoot, workspace));
    } else if (metadata?.python) {
      const file = join(root, 'pyproject.toml');
      const pkg = source.pyproject(file);
      if (!pkg) throw new ManifestError(file, 'is not a Python package', 'Give it a [project] or [tool.poetry] table');
      manifests.python.push(pkg);
    } else if (node.data.root !== '.') {
      const file = join(root, 'package.json');
      const text = source.text(file);
      if (text !== undefined) manifests.packageJson.push({ file, version: JSON.parse(text).version });
    }
  }
  for (const rootManifest of cargoRoots) {
    const [workspace] = loadCargoWorkspaces([rootManifest], source.cargo);
    // already read by the workspace model: the source serves them again without parsing
    const parsed = new Map(
      workspace.members.map((m) => [m.manifestPath, source.cargo.manifest(m.manifestPath) as CargoManifest]),
    );
    manifests.cargo.push({
      workspace,
      root: source.cargo.manifest(rootManifest) as CargoManifest,
      manifests: parsed,
    });
  }
  return manifests;
}

/** The release group's manifests on disk. */
export function readReleaseManifests(context: ExecutorContext): ReleaseManifests {
  return loadReleaseManifests(releaseGroup(context), context.root, diskSource());
}

/** The release version on disk, spelt as semver: the Cargo workspace's, else the first one found. */
export function currentReleaseVersion(m: ReleaseManifests): string | undefined {
  const workspaceVersion = m.cargo.map((c) => c.root.workspace?.package.version).find((v) => typeof v === 'string') as
    string | undefined;
  return workspaceVersion ?? releaseSpelling(m.python[0]?.version ?? undefined) ?? m.packageJson[0]?.version;
}

/** A Python package's version as the release group spells it (0.13.0rc0 is 0.13.0-rc.0); one without a counterpart as written. */
export function releaseSpelling(pep440Version: string | undefined): string | undefined {
  if (pep440Version === undefined) return undefined;
  try {
    return semverFromPep440(pep440Version);
  } catch (e) {
    if (e instanceof VersionSpellingError) return pep440Version;
    throw e;
  }
}
