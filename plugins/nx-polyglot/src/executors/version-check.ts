import type { ExecutorContext } from '@nx/devkit';
import { relative } from 'node:path';
import { currentReleaseVersion, readReleaseManifests } from '../release/release-manifests';
import { versionMismatches } from '../release/version-consistency';

export interface VersionCheckOptions {
  /** The version every manifest must carry (`--expected`; `--version` is Nx's own flag); default: the Cargo workspace's `[workspace.package].version`. */
  expected?: string;
}

/**
 * Lists every manifest of the release group that disagrees with the release
 * version (file, key, found, expected) and fails if there is any: run in CI
 * and first in every release.
 */
export default async function versionCheck(options: VersionCheckOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const manifests = readReleaseManifests(context);
  const expected = options.expected ?? currentReleaseVersion(manifests);
  if (!expected) {
    process.stderr.write('version-check: no version to check against: pass --expected=<x.y.z>.\n');
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
