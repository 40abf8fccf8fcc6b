import type { ExecutorContext } from '@nx/devkit';
import { join, relative } from 'node:path';
import { diskSource } from '../release/manifest-source';
import {
  ReleaseGroupProjects,
  currentReleaseVersion,
  loadReleaseManifests,
  readReleaseManifests,
  releaseGroups,
  releaseSpelling,
} from '../release/release-manifests';
import { VersionMismatch, groupSites, requirementMismatches, versionMismatches } from '../release/version-consistency';
import { lockMismatches } from '../release/lock-consistency';
import { releaseLockFiles } from '../release/lock-files';
import { recoverBeforeStarting } from '../release/journal-recovery';
import { redact } from '../known-secrets';

export interface VersionCheckOptions {
  /** The version every manifest must carry (`--expected`; `--version` is Nx's own flag); default: the Cargo workspace's `[workspace.package].version`. */
  expected?: string;
}

/**
 * Lists every manifest of the release group that disagrees with the release
 * version, and every lock file entry that disagrees with its manifest (file,
 * key, found, expected), and fails if there is any: run in CI and first in
 * every release. An interrupted bump's journal is rolled back first.
 */
export default async function versionCheck(
  options: VersionCheckOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  // a bump killed half-way is rolled back first (and said so), so the check sees a whole tree
  const blocked = recoverBeforeStarting(context.root, (s) => process.stdout.write(redact(`${s}\n`)), 'version-check');
  if (blocked) {
    process.stderr.write(redact(`${blocked}\n`));
    return { success: false };
  }
  const groups = releaseGroups(context);
  if (groups.length > 1 || groups[0]?.relationship === 'independent') return checkGroups(groups, options, context);
  const manifests = readReleaseManifests(context);
  const expected = options.expected ?? currentReleaseVersion(manifests);
  if (!expected) {
    process.stderr.write('version-check: no version to check against: pass --expected=<x.y.z>.\n');
    return { success: false };
  }
  // the lock files too: manifests bumped without them fail `cargo metadata --locked` and cargo publish
  const mismatches = [...versionMismatches(manifests, expected), ...lockMismatches(manifests, context.root)];
  const checked =
    manifests.cargo.reduce((n, c) => n + c.workspace.members.length, 0) +
    manifests.python.length +
    manifests.packageJson.length;
  const locks = releaseLockFiles(manifests, context.root).length;
  if (mismatches.length === 0) {
    process.stdout.write(
      redact(
        `All ${checked} manifests of the release group${locks ? ` and their ${locks} lock file(s)` : ''} agree on ${expected}.\n`,
      ),
    );
    return { success: true };
  }
  return report(mismatches, `with ${expected}`, context.root);
}

/**
 * Several release groups, or projects versioned apart: a fixed group agrees
 * on its own version (`--expected` for every fixed group), an independent one
 * only needs every requirement onto its crates to admit their versions; the
 * lock files agree with all manifests.
 */
function checkGroups(
  groups: ReleaseGroupProjects[],
  options: VersionCheckOptions,
  context: ExecutorContext,
): { success: boolean } {
  const mismatches: VersionMismatch[] = [];
  const said: string[] = [];
  for (const group of groups) {
    const m = loadReleaseManifests(group.nodes, context.root, diskSource());
    const sites = groupSites(m, new Set(group.nodes.map((n) => join(context.root, n.data.root, 'Cargo.toml'))));
    if (group.relationship === 'independent') {
      mismatches.push(...requirementMismatches(m, sites));
      said.push(`${group.name}: each project's own version, every requirement admitting it`);
      continue;
    }
    const own = sites.find((s) => s.role !== 'workspace-dependency' && s.role !== 'path-dependency' && s.value);
    const expected = options.expected ?? (own?.role === 'pyproject-version' ? releaseSpelling(own.value) : own?.value);
    if (!expected) continue;
    mismatches.push(...versionMismatches(m, expected, sites));
    said.push(`${group.name}: ${expected}`);
  }
  const all = readReleaseManifests(context);
  mismatches.push(...lockMismatches(all, context.root));
  if (mismatches.length === 0) {
    const locks = releaseLockFiles(all, context.root).length;
    process.stdout.write(
      redact(
        `The ${groups.length} release group(s)${locks ? ` and their ${locks} lock file(s)` : ''} agree (${said.join('; ')}).\n`,
      ),
    );
    return { success: true };
  }
  return report(mismatches, `in the release groups (${said.join('; ')})`, context.root);
}

function report(mismatches: VersionMismatch[], against: string, root: string): { success: boolean } {
  const rows = mismatches.map((m) => [relative(root, m.file), m.key, m.found, m.expected]);
  const widths = [0, 1, 2, 3].map((i) =>
    Math.max(['file', 'key', 'found', 'expected'][i].length, ...rows.map((r) => r[i].length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  process.stderr.write(
    redact(
      `${mismatches.length} version disagreement(s) ${against}:\n${line(['file', 'key', 'found', 'expected'])}\n${rows.map(line).join('\n')}\n` +
        'Fix them (or bump every manifest together; a lock file is regenerated by `cargo update --workspace --offline` or `npm install --package-lock-only`) before releasing.\n',
    ),
  );
  return { success: false };
}
