import { writeFileSync } from 'node:fs';
import { ChangelogError, openUnreleased, unreleasedHeadingOf } from '../changelog';
import { changelogFile, FlowContext, readChangelog, StepResult } from './context';
import { readReleaseRecord } from './interrupted-release';

/** The lockstep bump of the release group (the bump executor), as the step runs it. */
export type BumpVersions = (to: string | undefined, dryRun: boolean) => Promise<StepResult>;

/**
 * Lockstep bump to the next version, the changelog's unreleased heading back (in the file's style, never a
 * second one), one commit.
 */
export async function postRelease(
  flow: FlowContext,
  options: { to?: string },
  bump: BumpVersions,
): Promise<StepResult> {
  const { log, git } = flow;
  const unfinished = readReleaseRecord(flow.root);
  if (unfinished)
    return log.fail(
      `post-release: the release of ${unfinished.tag} (begun ${unfinished.since}) did not finish; run \`npx nx run ${flow.target} --step=release\` to finish it first. Nothing was done.`,
    );
  let changelog: { before: string; after: string };
  try {
    changelog = await reopenedChangelog(flow);
  } catch (e) {
    if (e instanceof ChangelogError) return log.fail(`post-release: ${e.message} Nothing was done.`);
    throw e;
  }
  const heading = unreleasedHeadingOf(changelog.after);
  const bumped = await bump(options.to, flow.dryRun);
  if (!bumped.success) return log.fail('post-release: the bump failed; nothing was committed.');
  if (flow.dryRun) {
    log.say(
      changelog.after === changelog.before
        ? `CHANGELOG.md keeps its \`${heading}\` heading (dry run).`
        : `CHANGELOG.md: \`${heading}\` above the newest release (dry run).`,
    );
    return { success: true };
  }
  const next = flow.versionOnDisk();
  if (changelog.after !== changelog.before) writeFileSync(changelogFile(flow.root), changelog.after);
  const changed = (await git('diff', '--name-only')).output.split('\n').filter(Boolean);
  await git('add', '--', ...changed);
  const commit = await git('commit', '-q', '-m', `Bump version to ${next} for next development cycle`);
  if (commit.exitCode !== 0) return log.fail(`post-release: git commit failed:\n${commit.output}`);
  log.say(`Bumped to ${next}, \`${heading}\` open in CHANGELOG.md, committed.`);
  return { success: true };
}

/**
 * CHANGELOG.md with its unreleased heading, written as it was before the release commit (the tag's parent) when
 * the release took it away, else in the style of the release headings.
 */
async function reopenedChangelog(flow: FlowContext): Promise<{ before: string; after: string }> {
  const before = readChangelog(flow.root);
  const earlier = await flow.git('show', `v${flow.version}^:CHANGELOG.md`);
  const heading = earlier.exitCode === 0 ? unreleasedHeadingOf(earlier.output) : undefined;
  return { before, after: openUnreleased(before, heading) };
}
