import { writeFileSync } from 'node:fs';
import { openUnreleased } from '../changelog';
import { changelogFile, FlowContext, readChangelog, StepResult } from './context';
import { readReleaseRecord } from './interrupted-release';

/** The lockstep bump of the release group (the bump executor), as the step runs it. */
export type BumpVersions = (to: string | undefined, dryRun: boolean) => Promise<StepResult>;

/** Lockstep bump to the next version, a new `## [Unreleased]` section, one commit. */
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
  const bumped = await bump(options.to, flow.dryRun);
  if (!bumped.success) return log.fail('post-release: the bump failed; nothing was committed.');
  if (flow.dryRun) {
    log.say('CHANGELOG.md: a new `## [Unreleased]` section above the newest release (dry run).');
    return { success: true };
  }
  const next = flow.versionOnDisk();
  writeFileSync(changelogFile(flow.root), openUnreleased(readChangelog(flow.root)));
  const changed = (await git('diff', '--name-only')).output.split('\n').filter(Boolean);
  await git('add', '--', ...changed);
  const commit = await git('commit', '-q', '-m', `Bump version to ${next} for next development cycle`);
  if (commit.exitCode !== 0) return log.fail(`post-release: git commit failed:\n${commit.output}`);
  log.say(`Bumped to ${next}, opened [Unreleased], committed.`);
  return { success: true };
}
