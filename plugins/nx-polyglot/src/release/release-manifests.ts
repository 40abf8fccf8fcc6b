import type { ExecutorContext, ProjectGraphProjectNode } from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { minimatch } from 'minimatch';
import { cargoFiles, manifestCaches } from '../polyglot-model';
import type { CargoManifest } from '../cargo/cargo-manifest';
import { loadCargoWorkspaces } from '../cargo/cargo-workspace';
import type { PythonPackage } from '../python/pyproject';
import type { ReleaseManifests } from './version-consistency';

/** The projects of nx.json's `release.projects` (names, globs, `tag:` patterns); all of them when unset. */
export function releaseGroup(context: ExecutorContext): ProjectGraphProjectNode[] {
  const nodes = Object.values(context.projectGraph.nodes);
  const patterns = ([] as string[]).concat((context.nxJsonConfiguration.release?.projects as string | string[] | undefined) ?? ['*']);
  return nodes.filter((node) =>
    patterns.some((p) => (p.startsWith('tag:') ? (node.data.tags ?? []).some((t) => minimatch(t, p.slice(4))) : minimatch(node.name, p))),
  );
}

/** The release group's manifests, read through the one Cargo and the one pyproject model. */
export function readReleaseManifests(context: ExecutorContext): ReleaseManifests {
  const { python } = manifestCaches();
  const manifests: ReleaseManifests = { cargo: [], python: [], packageJson: [] };
  const workspaceRoots = new Set<string>();
  for (const node of releaseGroup(context)) {
    const root = join(context.root, node.data.root);
    if (node.data.metadata?.cargo) {
      const cwd = (node.data.targets?.test?.options?.cwd ?? node.data.targets?.build?.options?.cwd ?? node.data.root) as string;
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
    const parsed = new Map(workspace.members.map((m) => [m.manifestPath, files.manifest(m.manifestPath) as CargoManifest]));
    manifests.cargo.push({ workspace, root: files.manifest(rootManifest) as CargoManifest, manifests: parsed });
  }
  return manifests;
}

/** The release version on disk: the Cargo workspace's, else the first one found. */
export function currentReleaseVersion(m: ReleaseManifests): string | undefined {
  const workspaceVersion = m.cargo.map((c) => c.root.workspace?.package.version).find((v) => typeof v === 'string') as string | undefined;
  return workspaceVersion ?? m.python[0]?.version ?? m.packageJson[0]?.version;
}
