import { join } from 'node:path';
import { crateBinaries } from '../../cargo/crate-binaries';
import type { PublishRecord } from '../../publish/publish-log';
import type { ReleaseManifests } from '../version-sites';
import { publishedPage } from '../../publish/registry-pages';
import { PublishedPackage, ReleaseNotesInput, renderReleaseNotes } from '../release-notes';

/** Where a release's notes (and its publish log) go: `<notesDir>/<tag>.md`, default dist/release. */
export function notesDirOf(options: { notesDir?: string }): string {
  return options.notesDir ?? 'dist/release';
}

export function notesFileOf(root: string, options: { notesDir?: string }, tag: string): string {
  return join(root, notesDirOf(options), `${tag}.md`);
}

/** A crate's targets by name, for its install line: cargo's own auto-discovery (src/lib.rs, src/main.rs, src/bin/). */
export type CrateTargets = Map<string, NonNullable<PublishedPackage['targets']>>;

export function crateTargetsOf(manifests: ReleaseManifests): CrateTargets {
  const targets: CrateTargets = new Map();
  for (const { workspace } of manifests.cargo)
    for (const pkg of workspace.members) {
      const { lib, bins } = crateBinaries(pkg);
      targets.set(pkg.name, { lib, bin: bins.length > 0 });
    }
  return targets;
}

/** The release notes listing what the publish log says reached a registry (failed uploads left out). */
export function notesFromPublishLog(
  records: PublishRecord[],
  input: Omit<ReleaseNotesInput, 'crates' | 'python' | 'npm'>,
  env: Record<string, string | undefined> = process.env,
  crateTargets: CrateTargets = new Map(),
): string {
  const published = (ecosystem: PublishRecord['ecosystem']) =>
    records
      .filter((r) => r.ecosystem === ecosystem && r.status !== 'failed')
      .map((r) => ({ ...packagePage(r, env), targets: ecosystem === 'cargo' ? crateTargets.get(r.name) : undefined }));
  return renderReleaseNotes({
    ...input,
    crates: published('cargo'),
    python: published('python')[0],
    npm: published('npm'),
  });
}

/** A published package's page, as the registry clients give it (src/publish/registry-pages.ts). */
export function packagePage(r: PublishRecord, env: Record<string, string | undefined>): PublishedPackage {
  return { name: r.name, version: r.version, url: publishedPage(r, env) };
}
