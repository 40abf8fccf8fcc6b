import { join } from 'node:path';
import { indexPath } from '../../cargo/sparse-index';
import { envName } from '../../options';
import type { PublishRecord } from '../../publish/publish-log';
import { PublishedPackage, ReleaseNotesInput, renderReleaseNotes } from '../release-notes';

/** Where a release's notes (and its publish log) go: `<notesDir>/<tag>.md`, default dist/release. */
export function notesDirOf(options: { notesDir?: string }): string {
  return options.notesDir ?? 'dist/release';
}

export function notesFileOf(root: string, options: { notesDir?: string }, tag: string): string {
  return join(root, notesDirOf(options), `${tag}.md`);
}

/** The release notes listing what the publish log says reached a registry (failed uploads left out). */
export function notesFromPublishLog(
  records: PublishRecord[],
  input: Omit<ReleaseNotesInput, 'crates' | 'python' | 'npm'>,
  env: Record<string, string | undefined> = process.env,
): string {
  const published = (ecosystem: PublishRecord['ecosystem']) =>
    records.filter((r) => r.ecosystem === ecosystem && r.status !== 'failed').map((r) => packagePage(r, env));
  return renderReleaseNotes({
    ...input,
    crates: published('cargo'),
    python: published('python')[0],
    npm: published('npm'),
  });
}

/** A published package's page: the public registries' pages, else its entry in the configured index. */
export function packagePage(r: PublishRecord, env: Record<string, string | undefined>): PublishedPackage {
  let url: string;
  if (r.ecosystem === 'cargo') {
    url =
      r.registry === 'crates-io'
        ? `https://crates.io/crates/${r.name}/${r.version}`
        : `${(env[`CARGO_REGISTRIES_${envName(r.registry)}_INDEX`] ?? '').replace(/^sparse\+/, '')}${indexPath(r.name)}`;
  } else if (r.ecosystem === 'python') {
    const upload = env[`POETRY_REPOSITORIES_${envName(r.registry)}_URL`];
    url =
      r.registry === 'pypi' || !upload
        ? `https://pypi.org/project/${r.name}/${r.version}/`
        : `${upload.replace(/\/?$/, '/')}simple/${r.name}/`;
  } else {
    url = `${r.registry.replace(/\/?$/, '/')}${r.name}`;
  }
  return { name: r.name, version: r.version, url };
}
