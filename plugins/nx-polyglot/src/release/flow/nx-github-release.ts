/**
 * The GitHub release through nx release's own GitHub support, run as the
 * child process of `runGithubRelease` (github-plan.ts).
 */
import { ReleaseClient } from 'nx/release';
import DefaultChangelogRenderer from 'nx/release/changelog-renderer';
import { readFileSync } from 'node:fs';
import type { GithubCreate, GithubReleaseRequest } from './github-plan';
import { redact } from '../../known-secrets';

/** Nx's changelog renderer contract, answered with notes rendered beforehand. */
function notesRenderer(notes: string): typeof DefaultChangelogRenderer {
  return class ReleaseNotesRenderer extends DefaultChangelogRenderer {
    override async render(): Promise<string> {
      return notes;
    }
  };
}

/**
 * Pushes the release commit and tag `v<version>`, then creates (or updates)
 * the GitHub release with `notes` as its body, through nx release's own
 * GitHub support: `releaseChangelog` with only the remote release enabled. No
 * changelog file (CHANGELOG.md is ours), no commit and no tag (the release
 * step made them); Nx pushes them as `nx release` does, because GitHub ties a
 * release to a pushed tag. Nx reads the repository from the git remote and
 * the token from the environment itself. Resolves to whether it succeeded.
 */
export async function createGithubRelease(
  plan: Pick<GithubCreate, 'createRelease' | 'gitRemote'>,
  version: string,
  notes: string,
): Promise<boolean> {
  const tag = `v${version}`;
  const client = new ReleaseClient({
    releaseTag: { pattern: 'v{version}' },
    changelog: {
      workspaceChangelog: { file: false, createRelease: plan.createRelease, renderer: notesRenderer(notes) },
      projectChangelogs: false,
    },
  });
  // Nx reports an API failure by setting the exit code, not by throwing
  const exitCodeBefore = process.exitCode;
  process.exitCode = undefined;
  try {
    const result = await client.releaseChangelog({
      version,
      // no commits to render: the notes are ours
      from: `${tag}^{commit}`,
      to: `${tag}^{commit}`,
      gitCommit: false,
      gitTag: false,
      stageChanges: false,
      gitPush: true,
      gitRemote: plan.gitRemote,
      deleteVersionPlans: false,
    });
    const failed = !result.workspaceChangelog || (process.exitCode ?? 0) !== 0;
    if (!result.workspaceChangelog) {
      process.stderr.write(
        'nx release made no workspace changelog: nx.json `release` has several release groups or an independent one.\n',
      );
    }
    return !failed;
  } catch (e) {
    process.stderr.write(redact(`${(e as Error).message}\n`));
    return false;
  } finally {
    process.exitCode = exitCodeBefore;
  }
}

/** `node nx-github-release.js <request JSON>`: the child process of `runGithubRelease`. */
if (require.main === module) {
  const request = JSON.parse(process.argv[2] ?? '') as GithubReleaseRequest;
  createGithubRelease(request, request.version, readFileSync(request.notesFile, 'utf8')).then(
    // Nx may leave a prompt pending on the closed stdin: its exit code then says failure
    (created) => (process.exitCode = created ? 0 : 1),
    (e: Error) => (process.stderr.write(redact(`${e.message}\n`)), (process.exitCode = 1)),
  );
}
