import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import type { FlowContext, StepResult } from './context';
import { GithubCreate, GithubPlan, planGithubRelease, runGithubRelease } from './github-plan';
import { clearReleaseRecord, readReleaseRecord } from './interrupted-release';
import { notesFileOf } from './notes';
import type { ReleaseFlowOptions } from './options';

export type GithubOptions = Pick<ReleaseFlowOptions, 'createRelease' | 'gitRemote' | 'notesDir'>;

/** Where this flow would send the GitHub release of `tag`, from its options and the environment. */
export function planGithub(flow: FlowContext, options: GithubOptions, tag: string): Promise<GithubPlan> {
  return planGithubRelease({
    root: flow.root,
    tag,
    createRelease: options.createRelease ?? 'github',
    gitRemote: options.gitRemote ?? 'origin',
    env: process.env,
  });
}

/** This flow's target with another step, for the messages that say what to run next. */
export function rerunCommand(flow: FlowContext, step: string, version: string): string {
  return `npx nx run ${flow.target} --step=${step} --vers=${version}`;
}

/** Pushes and creates the GitHub release through nx release; resolves to whether it was created. */
export async function createOnGithub(
  flow: FlowContext,
  github: GithubCreate,
  version: string,
  notesFile: string,
): Promise<boolean> {
  flow.log.say(
    `Pushing to ${github.gitRemote} and creating the GitHub release v${version} through nx release (token from ${github.tokenVariable}).`,
  );
  const created = await runGithubRelease(flow.root, github, version, notesFile);
  // after Nx's own output, which may end mid-line
  flow.log.say(created ? `\nGitHub release: ${github.releaseUrl}` : '');
  return created;
}

/** The GitHub release of a released (tagged) version, from its notes file, through nx release. */
export async function githubRelease(
  flow: FlowContext,
  options: GithubOptions & { vers?: string },
): Promise<StepResult> {
  const { root, log, git } = flow;
  const target = options.vers ?? flow.version;
  const tag = `v${target}`;
  const notesFile = notesFileOf(root, options, tag);
  if (!existsSync(notesFile))
    return log.fail(
      `github-release: ${relative(root, notesFile)} does not exist; the release step of ${target} writes it. Nothing was done.`,
    );
  if ((await git('tag', '--list', tag)).output.trim() === '')
    return log.fail(`github-release: there is no tag ${tag}; release ${target} first. Nothing was done.`);
  const github = await planGithub(flow, options, tag);
  if ('error' in github) return log.fail(`github-release: ${github.error} Nothing was done.`);
  if (!github.create)
    return log.fail(
      `github-release: ${github.why}; set GITHUB_TOKEN or GH_TOKEN (with createRelease not false). Nothing was done.`,
    );
  if (flow.dryRun) {
    log.say(
      `Would push to ${github.gitRemote} and create ${github.releaseUrl} through nx release (token from ${github.tokenVariable}), its body ${relative(root, notesFile)} (dry run: nothing is sent).`,
    );
    return { success: true };
  }
  if (!(await createOnGithub(flow, github, target, notesFile)))
    return log.fail(`github-release: the GitHub release ${tag} was not created (see above).`);
  // the last part of a release that stopped at its GitHub release: it is finished now
  if (readReleaseRecord(root)?.tag === tag) clearReleaseRecord(root);
  return { success: true };
}
