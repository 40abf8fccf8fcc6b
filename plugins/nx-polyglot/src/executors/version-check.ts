import type { ExecutorContext, ProjectGraphProjectNode } from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { minimatch } from 'minimatch';
import { subdirectories } from '../manifest-cache';
import { manifestCaches } from '../polyglot-model';
import { CargoManifest } from '../cargo/cargo-manifest';
import { loadCargoWorkspaces } from '../cargo/cargo-workspace';
import { PythonPackage } from '../python/pyproject';
import { ReleaseManifests, versionMismatches } from '../release/version-consistency';

export interface VersionCheckOptions {
  /** The version every manifest must carry; default: the Cargo workspace's `[workspace.package].version`. */
  version?: string;
}

/** The projects of nx.json's `release.projects` (names, globs, `tag:` patterns); all of them when unset. */
function releaseGroup(context: ExecutorContext): ProjectGraphProjectNode[] {
  const nodes = Object.values(context.projectGraph.nodes);
  const patterns = ([] as string[]).concat((context.nxJsonConfiguration.release?.projects as string | string[] | undefined) ?? ['*']);
  return nodes.filter((node) =>
    patterns.some((p) => (p.startsWith('tag:') ? (node.data.tags ?? []).some((t) => minimatch(t, p.slice(4))) : minimatch(node.name, p))),
  );
}

/**
 * Lists every manifest of the release group that disagrees with the release
 * version (file, key, found, expected) and fails if there is any: run in CI
 * and first in every release.
 */
export default async function versionCheck(options: VersionCheckOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const { cargo, python } = manifestCaches();
  const manifests: ReleaseManifests = { cargo: [], python: [], packageJson: [] };
  const workspaceRoots = new Set<string>();
  for (const node of releaseGroup(context)) {
    const root = join(context.root, node.data.root);
    if (node.data.metadata?.cargo) {
      const cwd = (node.data.targets?.test?.options?.cwd ?? node.data.targets?.build?.options?.cwd ?? node.data.root) as string;
      workspaceRoots.add(join(context.root, cwd, 'Cargo.toml'));
    } else if (node.data.metadata?.python) {
      manifests.python.push(python.get(join(root, 'pyproject.toml')) as PythonPackage);
    } else if (existsSync(join(root, 'package.json')) && node.data.root !== '.') {
      const file = join(root, 'package.json');
      manifests.packageJson.push({ file, version: JSON.parse(readFileSync(file, 'utf8')).version });
    }
  }
  const files = { manifest: (f: string) => cargo.get(f), subdirectories };
  for (const rootManifest of workspaceRoots) {
    const [workspace] = loadCargoWorkspaces([rootManifest], files);
    const parsed = new Map(workspace.members.map((m) => [m.manifestPath, cargo.get(m.manifestPath) as CargoManifest]));
    manifests.cargo.push({ workspace, root: cargo.get(rootManifest) as CargoManifest, manifests: parsed });
  }

  const workspaceVersion = manifests.cargo.map((c) => c.root.workspace?.package.version).find((v) => typeof v === 'string') as string | undefined;
  const expected = options.version ?? workspaceVersion ?? manifests.python[0]?.version ?? manifests.packageJson[0]?.version;
  if (!expected) {
    process.stderr.write('version-check: no version to check against: pass --version=<x.y.z>.\n');
    return { success: false };
  }
  const mismatches = versionMismatches(manifests, expected);
  const checked = manifests.cargo.reduce((n, c) => n + c.workspace.members.length, 0) + manifests.python.length + manifests.packageJson.length;
  if (mismatches.length === 0) {
    process.stdout.write(`All ${checked} manifests of the release group agree on ${expected}.\n`);
    return { success: true };
  }
  const rows = mismatches.map((m) => [relative(context.root, m.file), m.key, m.found, m.expected]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(['file', 'key', 'found', 'expected'][i].length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  process.stderr.write(
    `${mismatches.length} version disagreement(s) with ${expected}:\n${line(['file', 'key', 'found', 'expected'])}\n${rows.map(line).join('\n')}\n` +
      'Fix them (or bump every manifest together) before releasing.\n',
  );
  return { success: false };
}
